/**
 * One Tollgate installation for chaos runs, as an operator would run it: a config file, a real
 * `tollgate worker --orchestration --all-stages` process (started through the package's bin entry,
 * killed with SIGKILL when a scenario says so), its own ledger and target state, and a client in
 * its own Temporal namespace — Tollgate's task queue names are fixed, so installations sharing one
 * server are kept apart by namespace.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection, ServiceError, type WorkflowHandle } from '@temporalio/client';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { loadConfig } from '../../../src/config/load.js';
import type { TollgateConfig } from '../../../src/config/schema.js';
import type { Release } from '../../../src/domain/release.js';
import { createLedger } from '../../../src/ledger/create.js';
import type { Ledger } from '../../../src/ledger/ledger.js';
import { createLogger } from '../../../src/logging/logger.js';
import { projectRoot } from '../../../src/paths.js';
import type { promotion } from '../../../workflows/promotion.js';
import type { PromotionResult } from '../../../workflows/types.js';
import type { TargetOperationLog } from './checks.js';
import { tollgateCommand } from '../../helpers/cli-process.js';
import { signedStart, testPrincipals, type StartedPromotion } from '../../helpers/promotion-world.js';
import { chaosTarget, type TargetFault } from './target.js';

export const STAGES = ['dev', 'prod'] as const;

export interface InstallationOptions {
  address: string;
  namespace?: string;
  fault?: TargetFault;
  /** Evidence goes to this PostgreSQL database instead of a ledger directory. */
  postgres?: string;
  /** canary.metrics of prod; the built-in provider when omitted. */
  canaryMetrics?: Record<string, unknown>;
  /** A generic webhook that receives Tollgate's notifications. */
  notifyUrl?: string;
}

export interface Promotion {
  handle: WorkflowHandle<typeof promotion>;
  input: StartedPromotion;
}

/**
 * dev deploys straight away; prod needs two approvals (release-managers and security) and runs a
 * three-step canary. The command target has no traffic of its own, so with the built-in provider
 * every analysis is inconclusive and a human decides each step (the autopilot does).
 */
async function writeConfig(dir: string, opts: InstallationOptions): Promise<string> {
  const fault = opts.fault ?? 'none';
  const config = {
    apiVersion: 'tollgate.dev/v1',
    kind: 'Config',
    principals: testPrincipals(),
    pipelines: [
      {
        name: 'default',
        operatorGroups: ['operators'],
        stages: [
          { name: 'dev', target: await chaosTarget(dir, 'dev', fault) },
          {
            name: 'prod',
            target: await chaosTarget(dir, 'prod', fault),
            approval: { groups: ['release-managers', 'security'], quorum: 2, distinctGroups: true },
            canary: {
              steps: [10, 50, 100].map((weight) => ({ weight, bake: '1s' })),
              ...(opts.canaryMetrics ? { metrics: opts.canaryMetrics } : {}),
              onInconclusive: 'ask',
            },
          },
        ],
      },
    ],
    ledger: opts.postgres
      ? { type: 'postgres', connectionString: opts.postgres }
      : { type: 'file', path: path.join(dir, 'ledger') },
    stateDir: path.join(dir, 'state'),
    policyPackDirs: [],
    ...(opts.notifyUrl ? { notify: [{ name: 'chaos', url: opts.notifyUrl, format: 'generic' }] } : {}),
  };
  const file = path.join(dir, 'tollgate.yaml');
  await writeFile(file, stringify(config));
  return file;
}

/** A server restarting (scenario 2) breaks the client's long poll for a result: ask again. */
async function askAgainAfterServiceErrors<T>(get: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await get();
    } catch (err) {
      if (!(err instanceof ServiceError)) throw err;
      await sleep(1_000);
    }
  }
}

/** Workers still running when the runner exits (finished, failed or interrupted) are killed with it. */
const liveWorkers = new Set<ChildProcess>();
process.once('exit', () => liveWorkers.forEach((worker) => worker.kill('SIGKILL')));

export class Installation {
  private worker: ChildProcess | undefined;
  private killing = false;
  /** Why a worker stopped when nobody stopped it. */
  readonly workerFailures: string[] = [];
  /** Rejects when a worker stops by itself: promotions waiting on it would only time out. */
  readonly workerDied: Promise<never>;
  private reportDeath: (err: Error) => void = () => {};

  private constructor(
    readonly dir: string,
    readonly namespace: string,
    private readonly address: string,
    private readonly configFile: string,
    readonly config: TollgateConfig,
    readonly client: Client,
    private readonly connection: Connection,
    readonly ledger: Ledger,
  ) {
    this.workerDied = new Promise<never>((_, reject) => (this.reportDeath = reject));
    this.workerDied.catch(() => undefined);
  }

  static async create(opts: InstallationOptions): Promise<Installation> {
    const dir = await mkdtemp(path.join(tmpdir(), 'tollgate-chaos-'));
    const configFile = await writeConfig(dir, opts);
    const config = await loadConfig(configFile);
    const namespace = opts.namespace ?? 'default';
    const connection = await Connection.connect({ address: opts.address });
    const client = new Client({ connection, namespace });
    const ledger = await createLedger(config.ledger, {
      logger: createLogger({ level: 'error', pretty: false }),
    });
    return new Installation(dir, namespace, opts.address, configFile, config, client, connection, ledger);
  }

  /** Starts the worker process; its log goes to worker.log in the installation's directory. */
  startWorker(): void {
    if (this.worker) throw new Error('a worker is already running');
    const log = openSync(path.join(this.dir, 'worker.log'), 'a');
    const child = spawn(
      ...tollgateCommand([
        '--config',
        this.configFile,
        '--address',
        this.address,
        '--namespace',
        this.namespace,
        'worker',
        '--orchestration',
        '--all-stages',
      ]),
      {
        cwd: projectRoot,
        stdio: ['ignore', log, log],
        env: { ...process.env, CI: 'true', TOLLGATE_LOG_LEVEL: 'warn' },
      },
    );
    closeSync(log);
    liveWorkers.add(child);
    child.once('exit', (code, signal) => {
      liveWorkers.delete(child);
      if (this.worker === child) this.worker = undefined;
      if (this.killing) return;
      const failure = `worker exited by itself (code ${code}, signal ${signal}); rerun with TOLLGATE_CHAOS_KEEP=1 to keep ${this.dir}/worker.log`;
      this.workerFailures.push(failure);
      this.reportDeath(new Error(failure));
    });
    this.worker = child;
  }

  /** SIGKILL: no graceful shutdown, in-flight activities and workflow tasks are simply lost. */
  async killWorker(): Promise<void> {
    const child = this.worker;
    if (!child) return;
    this.killing = true;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    this.killing = false;
  }

  async promote(release: Release, promotionId: string): Promise<Promotion> {
    const input = signedStart(this.config, release, {
      promotionId,
      taskQueue: 'tollgate',
      deployQueuePrefix: 'tollgate-deploy-',
    });
    const handle = await this.client.workflow.start<typeof promotion>('promotion', {
      taskQueue: 'tollgate',
      workflowId: input.promotionId,
      args: [input.start],
    });
    return { handle, input };
  }

  /** The promotion's result, once its history has also been archived into the ledger. */
  async finished(p: Promotion): Promise<PromotionResult> {
    const result = await askAgainAfterServiceErrors(() => p.handle.result());
    await askAgainAfterServiceErrors(() =>
      this.client.workflow.getHandle(`${p.input.promotionId}-archive`).result(),
    );
    return result;
  }

  /** The target's own operation log of `stage` (one line per completed operation). */
  async operationLog(stage: string): Promise<TargetOperationLog> {
    const text = await readFile(path.join(this.dir, 'state', stage, 'operations.jsonl'), 'utf8').catch(
      () => '',
    );
    return text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as TargetOperationLog[number]);
  }

  /** Stops the worker; the directory stays for a look only with TOLLGATE_CHAOS_KEEP=1. */
  async close(): Promise<void> {
    await this.killWorker();
    await this.ledger.close();
    await this.connection.close();
    if (!process.env.TOLLGATE_CHAOS_KEEP) await rm(this.dir, { recursive: true, force: true });
  }
}
