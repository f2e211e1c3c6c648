import path from 'node:path';
import { z } from 'zod';
import type { Logger } from '../../logging/logger.js';
import { durationMs } from '../../domain/common.js';
import type { CommandTargetConfig } from '../config.js';
import { OperationJournal } from '../operation-journal.js';
import { versionToRestore } from '../../domain/rollback-rule.js';
import { readState, writeState } from '../state-file.js';
import {
  TargetError,
  type DeployRequest,
  type OperationLogEntry,
  type ServingState,
  type Target,
  type TargetOperationKey,
} from '../target.js';
import { fillArgs } from '../template.js';
import { runOperation, type OperationOutput } from './run-operation.js';

const AppRecord = z.object({
  stable: z.string().optional(),
  canary: z.object({ version: z.string(), weight: z.number() }).optional(),
  previousStable: z.string().optional(),
  /** Whether the last command for this app succeeded (the health we report without a status command). */
  lastOk: z.boolean().default(true),
});
type AppRecord = z.infer<typeof AppRecord>;
const PersistedState = z.object({ apps: z.record(z.string(), AppRecord) });

type CommandConfig = z.output<typeof CommandTargetConfig>;
type OperationName = keyof CommandConfig['operations'];

/** The tail of a failed command's stderr that goes into the error message. */
const STDERR_IN_ERROR = 2_000;

/**
 * The `command` target drives an existing tool (helm, kubectl, kubectl-argo-rollouts, a cloud
 * CLI): one configured argv per operation, templated with {app}, {version}, {weight}, {stage} and
 * {key}. The tool does the deploying; this target remembers what it asked for (stable, canary and
 * weight, previous stable) in `serving.json`, keeps the commands' output as evidence in the
 * operation log, and reports health from the `status` command's exit code when one is configured.
 */
export class CommandTarget implements Target {
  private journal: Promise<OperationJournal> | undefined;
  private readonly stateFile: string;
  private readonly logger: Logger;

  constructor(
    private readonly config: CommandConfig,
    private readonly opts: { stage: string; stateDir: string; logger: Logger; app?: string },
  ) {
    this.stateFile = path.join(opts.stateDir, 'serving.json');
    this.logger = opts.logger.child({ target: 'command', stage: opts.stage });
  }

  deploy(req: DeployRequest): Promise<ServingState> {
    const weight = req.mode === 'canary' ? 0 : 100;
    return this.mutate(
      { key: req.key, op: 'deploy', app: req.app, version: req.version },
      'deploy',
      { version: req.version, weight },
      (app) => {
        if (req.mode === 'canary') app.canary = { version: req.version, weight: 0 };
        else {
          if (app.stable && app.stable !== req.version) app.previousStable = app.stable;
          app.stable = req.version;
          delete app.canary;
        }
      },
    );
  }

  setWeight(
    req: TargetOperationKey & { app: string; version: string; weight: number },
  ): Promise<ServingState> {
    const op = {
      key: req.key,
      op: 'setWeight' as const,
      app: req.app,
      version: req.version,
      weight: req.weight,
    };
    return this.mutate(op, 'setWeight', { version: req.version, weight: req.weight }, (app) => {
      app.canary = { version: req.version, weight: req.weight };
    });
  }

  promote(req: TargetOperationKey & { app: string; version: string }): Promise<ServingState> {
    return this.mutate(
      { key: req.key, op: 'promote', app: req.app, version: req.version },
      'promote',
      { version: req.version, weight: 100 },
      (app) => {
        if (app.stable && app.stable !== req.version) app.previousStable = app.stable;
        app.stable = req.version;
        delete app.canary;
      },
    );
  }

  async rollback(req: TargetOperationKey & { app: string; toVersion?: string }): Promise<ServingState> {
    const before = (await this.readApps())[req.app];
    const restore = versionToRestore(
      { stable: before?.stable, canary: before?.canary?.version, previousStable: before?.previousStable },
      req.toVersion,
    );
    return this.mutate(
      { key: req.key, op: 'rollback', app: req.app, version: req.toVersion },
      'rollback',
      { version: restore, weight: 100 },
      (app) => {
        delete app.canary;
        if (!restore) return;
        if (app.stable && app.stable !== restore) app.previousStable = app.stable;
        if (app.previousStable === restore) delete app.previousStable;
        app.stable = restore;
      },
    );
  }

  async status(app: string): Promise<ServingState> {
    this.checkApp(app);
    const record = (await this.readApps())[app];
    let healthy = record?.lastOk ?? false;
    if (this.config.operations.status && record) {
      const version = record.canary?.version ?? record.stable;
      const output = await this.run('status', { app, version, stage: this.opts.stage });
      healthy = output.exitCode === 0;
    }
    return servingState(app, record, healthy);
  }

  async operationLog(): Promise<OperationLogEntry[]> {
    return (await this.openJournal()).list();
  }

  async close(): Promise<void> {}

  private openJournal(): Promise<OperationJournal> {
    this.journal ??= OperationJournal.open(path.join(this.opts.stateDir, 'operations.jsonl'));
    return this.journal;
  }

  private async mutate(
    req: Omit<OperationLogEntry, 'at' | 'detail' | 'result'>,
    operation: OperationName,
    values: { version?: string; weight: number },
    apply: (app: AppRecord) => void,
  ): Promise<ServingState> {
    this.checkApp(req.app);
    const journal = await this.openJournal();
    return journal.run(req, async () => {
      const output = await this.run(operation, {
        app: req.app,
        version: values.version,
        weight: String(values.weight),
        stage: this.opts.stage,
        key: req.key,
      });
      const apps = await this.readApps();
      const app = apps[req.app] ?? { lastOk: true };
      apply(app);
      app.lastOk = true;
      apps[req.app] = app;
      await writeState(this.stateFile, { apps });
      return { result: servingState(req.app, app, true), detail: { command: operation, ...output } };
    });
  }

  private async run(
    operation: OperationName,
    values: Record<string, string | undefined>,
  ): Promise<OperationOutput & { argv: string[] }> {
    const template = this.config.operations[operation];
    if (!template) {
      throw new TargetError(
        `the command target of stage ${this.opts.stage} has no operations.${operation}: configure the command that does it`,
        false,
      );
    }
    const argv = fillArgs(template, values, `target.operations.${operation}`);
    const timeoutMs = durationMs(this.config.timeout);
    let output: OperationOutput;
    try {
      output = await runOperation(argv, { timeoutMs, passEnv: this.config.env });
    } catch (err) {
      throw new TargetError(
        `cannot run target.operations.${operation} (${argv[0]}): ${(err as Error).message}`,
        false,
      );
    }
    this.logger.info(
      { operation, argv, exitCode: output.exitCode, durationMs: output.durationMs },
      'target command finished',
    );
    if (operation === 'status') return { argv, ...output };
    if (output.timedOut) {
      throw new TargetError(
        `target.operations.${operation} (${argv[0]}) did not finish within ${this.config.timeout}; ${tail(output.stderr)}`,
        true,
      );
    }
    if (output.exitCode !== 0) {
      const retryable = output.exitCode !== null && this.config.retryableExitCodes.includes(output.exitCode);
      const how =
        output.exitCode === null ? `was killed by ${output.signal}` : `exited with code ${output.exitCode}`;
      throw new TargetError(
        `target.operations.${operation} (${argv[0]}) ${how}; ${tail(output.stderr)}`,
        retryable,
      );
    }
    return { argv, ...output };
  }

  private async readApps(): Promise<Record<string, AppRecord>> {
    return (await readState(this.stateFile, PersistedState))?.apps ?? {};
  }

  private checkApp(app: string): void {
    if (this.opts.app !== undefined && app !== this.opts.app) {
      throw new TargetError(
        `this target of stage ${this.opts.stage} serves ${this.opts.app} only, not ${app}`,
        false,
      );
    }
  }
}

function servingState(app: string, record: AppRecord | undefined, healthy: boolean): ServingState {
  return {
    app,
    ...(record?.stable ? { stable: { version: record.stable, healthy } } : {}),
    ...(record?.canary ? { canary: { ...record.canary, healthy } } : {}),
    ...(record?.previousStable ? { previousStable: record.previousStable } : {}),
  };
}

function tail(stderr: string): string {
  const text = stderr.trim();
  if (!text) return 'it wrote nothing to stderr';
  return `stderr: ${text.length > STDERR_IN_ERROR ? `…${text.slice(-STDERR_IN_ERROR)}` : text}`;
}
