import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/**
 * Secrets that must never reach a log line, wherever they sit in a logged object. pino's
 * redaction paths support one wildcard level, so each key is listed at the top level, one level
 * down and two levels down.
 */
const SECRET_KEYS = [
  'password',
  'token',
  'secret',
  'signingSecret',
  'apiKey',
  'privateKey',
  'authorization',
  'cookie',
  'x-slack-signature',
  'x-hub-signature-256',
  'x-tollgate-signature',
  'connectionString',
  'databaseUrl',
];

export const REDACT_PATHS: string[] = SECRET_KEYS.flatMap((key) => {
  const k = /^[A-Za-z_$][\w$]*$/.test(key) ? key : `["${key}"]`;
  const dot = k.startsWith('[') ? '' : '.';
  return [k, `*${dot}${k}`, `*.*${dot}${k}`];
});

export interface LoggerConfig {
  level?: string;
  /** Pretty, coloured lines for a person at a terminal; JSON lines otherwise. */
  pretty?: boolean;
  destination?: DestinationStream;
}

export function createLogger(config: LoggerConfig = {}): Logger {
  const options: LoggerOptions = {
    level: config.level ?? process.env.TOLLGATE_LOG_LEVEL ?? 'info',
    base: { service: 'tollgate' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  };
  if (config.destination) return pino(options, config.destination);
  const pretty = config.pretty ?? (process.stdout.isTTY && !process.env.CI);
  if (pretty) {
    return pino({
      ...options,
      transport: {
        target: 'pino-pretty',
        options: { destination: 2, colorize: true, ignore: 'pid,hostname,service' },
      },
    });
  }
  return pino(options, pino.destination(2));
}
