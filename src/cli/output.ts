/**
 * Terminal output: colours only on a TTY (and never with NO_COLOR), plain lines otherwise, so CI
 * logs stay readable.
 */
import { styleText } from 'node:util';

type Style = 'green' | 'red' | 'yellow' | 'cyan' | 'gray' | 'bold' | 'dim';

export interface Output {
  readonly color: boolean;
  readonly interactive: boolean;
  out: (text: string) => void;
  err: (text: string) => void;
  paint: (style: Style, text: string) => string;
  /** A status line rewritten in place on a TTY; nothing in logs (the plain lines say it all). */
  status: (text: string) => void;
  clearStatus: () => void;
}

export function createOutput(
  stdout: NodeJS.WriteStream = process.stdout,
  stderr: NodeJS.WriteStream = process.stderr,
  env: NodeJS.ProcessEnv = process.env,
): Output {
  const interactive = Boolean(stdout.isTTY) && !env.CI;
  const color = interactive && !env.NO_COLOR && env.TERM !== 'dumb';
  let statusShown = false;
  const clearStatus = () => {
    if (statusShown) stdout.write('\r\x1b[2K');
    statusShown = false;
  };
  return {
    color,
    interactive,
    out(text) {
      clearStatus();
      stdout.write(`${text}\n`);
    },
    err(text) {
      clearStatus();
      stderr.write(`${text}\n`);
    },
    paint: (style, text) => (color ? styleText(style, text) : text),
    status(text) {
      if (!interactive) return;
      stdout.write(`\r\x1b[2K${text.slice(0, (stdout.columns || 100) - 1)}`);
      statusShown = true;
    },
    clearStatus,
  };
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}
