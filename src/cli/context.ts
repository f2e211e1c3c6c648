/**
 * What every command gets: the global options (config file, --json, connection, identity), the
 * loaded config, a Temporal client, the ledger and the terminal — each created on first use, and
 * the code behind each loaded on first use too, so `tollgate config schema` never connects
 * anywhere and `tollgate status` neither opens the ledger nor loads the config parser.
 */
import type { Client, Connection } from '@temporalio/client';
import type { Command } from 'commander';
import type { TemporalTarget } from '../client/connection.js';
import type { ConfigSource } from '../config/load.js';
import type { TollgateConfig } from '../config/schema.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Logger } from '../logging/logger.js';
import type { Signer } from './identity.js';
import type { Output } from './output.js';

/** The part of the context the command modules written first (policy, audit, hook) use. */
export interface CliContext {
  loadConfig(): Promise<unknown>;
  out(text: string): void;
  readonly json: boolean;
  /** Where Temporal is: the global flags over the Temporal environment config (absent: that config alone). */
  temporalTarget?(): Promise<TemporalTarget>;
}

export interface GlobalOptions {
  config?: string;
  json?: boolean;
  address?: string;
  namespace?: string;
  profile?: string;
  as?: string;
  key?: string;
}

export class Tollgate implements CliContext {
  private source?: Promise<ConfigSource>;
  private loaded?: Promise<TollgateConfig>;
  private connected?: Promise<{ client: Client; connection: Connection }>;
  private openedLedger?: Promise<Ledger>;
  private cachedLogger?: Promise<Logger>;

  constructor(
    private readonly program: Command,
    readonly io: Output,
  ) {}

  get options(): GlobalOptions {
    return this.program.opts<GlobalOptions>();
  }

  get json(): boolean {
    return Boolean(this.options.json);
  }

  out(text: string): void {
    this.io.out(text);
  }

  /** `--json`: the value as JSON; otherwise the human text. */
  print(value: unknown, human: () => string): void {
    this.io.out(this.json ? JSON.stringify(value, null, 2) : human());
  }

  logger(): Promise<Logger> {
    this.cachedLogger ??= import('../logging/logger.js').then(({ createLogger }) =>
      createLogger({ level: process.env.TOLLGATE_LOG_LEVEL ?? 'error' }),
    );
    return this.cachedLogger;
  }

  configSource(): Promise<ConfigSource> {
    this.source ??= import('../config/load.js').then(({ discoverConfig }) =>
      discoverConfig(this.options.config),
    );
    return this.source;
  }

  config(): Promise<TollgateConfig> {
    this.loaded ??= this.configSource().then(async (s) =>
      (await import('../config/load.js')).loadConfig(s.file),
    );
    return this.loaded;
  }

  loadConfig(): Promise<unknown> {
    return this.config();
  }

  async temporalTarget(): Promise<TemporalTarget> {
    const { address, namespace, profile } = this.options;
    const { resolveTemporalTarget } = await import('../client/target.js');
    return resolveTemporalTarget({
      ...(address ? { address } : {}),
      ...(namespace ? { namespace } : {}),
      ...(profile ? { profile } : {}),
    });
  }

  async client(): Promise<Client> {
    this.connected ??= Promise.all([this.temporalTarget(), import('../client/connection.js')]).then(
      ([target, { connectClient }]) => connectClient(target),
    );
    return (await this.connected).client;
  }

  ledger(): Promise<Ledger> {
    this.openedLedger ??= Promise.all([this.config(), this.logger(), import('../ledger/create.js')]).then(
      ([config, logger, { createLedger }]) => createLedger(config.ledger, { logger }),
    );
    return this.openedLedger;
  }

  async signer(): Promise<Signer> {
    const { resolveSigner } = await import('./identity.js');
    return resolveSigner(await this.config(), { as: this.options.as, key: this.options.key });
  }

  /** The promotion's page in the Temporal Web UI, when the UI's address is known. */
  async webUiLink(workflowId: string): Promise<string | undefined> {
    const config = await this.config().catch(() => undefined);
    const target = await this.temporalTarget();
    // The local dev server serves its UI 1000 ports above its gRPC port (temporal's convention).
    const local = /^(localhost|127\.0\.0\.1):(\d+)$/.exec(target.address);
    const base =
      config?.temporal.webUi ?? (local ? `http://localhost:${Number(local[2]) + 1000}` : undefined);
    if (!base) return undefined;
    return `${base.replace(/\/$/, '')}/namespaces/${encodeURIComponent(target.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  }

  async close(): Promise<void> {
    const closing: Promise<unknown>[] = [];
    if (this.connected) closing.push(this.connected.then((c) => c.connection.close()).catch(() => undefined));
    if (this.openedLedger) closing.push(this.openedLedger.then((l) => l.close()).catch(() => undefined));
    await Promise.all(closing);
  }
}
