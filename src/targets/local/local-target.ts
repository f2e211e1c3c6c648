import path from 'node:path';
import { z } from 'zod';
import type { Logger } from '../../logging/logger.js';
import { durationMs } from '../../domain/common.js';
import { checkArtifactBytes } from '../artifact-bytes.js';
import type { LocalTargetConfig } from '../config.js';
import { OperationJournal } from '../operation-journal.js';
import {
  TargetError,
  type DeployRequest,
  type OperationLogEntry,
  type ServingState,
  type Target,
  type TargetOperationKey,
  type VersionTraffic,
} from '../target.js';
import { fillArgs } from '../template.js';
import { versionToRestore } from '../../domain/rollback-rule.js';
import { Router, type Routes } from './router.js';
import { RouterMetrics } from './router-metrics.js';
import { TrafficGenerator } from './traffic.js';
import { VersionProcess } from './version-process.js';
import { MetricsEndpoint } from './metrics-endpoint.js';
import { describeServing, servingState, type AppRuntime } from './app-runtime.js';
import { ProcessRecord, ServingFile, type PersistedState } from './serving-file.js';

type LocalConfig = z.output<typeof LocalTargetConfig>;

export interface LocalTargetOptions {
  stage: string;
  /** This target's own directory: `serving.json`, `operations.jsonl` and the versions' logs. */
  stateDir: string;
  logger: Logger;
  /** When set, the target refuses operations on any other app. */
  app?: string;
}

/**
 * The `local` target: each version of an app is a real process on a loopback port, behind one
 * weighted router per app. Which versions serve, their weights and the previous stable version
 * are written to `serving.json` after every change; a worker that restarts reads it, adopts the
 * version processes that still answer their health check and starts again those that do not, so
 * serving continues and a rollback after the restart still knows what to restore. Closing the
 * target stops its processes (the next start restores them from the file).
 *
 * Ports: each app's router listens on its own loopback port (`routerPort` for the first app,
 * free ports for others; kept across restarts). The routers' Prometheus metrics are served on a
 * separate port (`metricsPort`) at `/metrics`, so the app's own `/metrics` stays reachable through
 * its router. Both URLs are in the serving state's `endpoint`.
 */
export class LocalTarget implements Target {
  private readonly apps = new Map<string, AppRuntime>();
  private readonly metrics = new RouterMetrics();
  private readonly metricsEndpoint = new MetricsEndpoint(this.metrics);
  private metricsPort = 0;
  private started: Promise<OperationJournal> | undefined;
  private readonly servingFile: ServingFile;
  private readonly logger: Logger;

  constructor(
    private readonly config: LocalConfig,
    private readonly opts: LocalTargetOptions,
  ) {
    this.servingFile = new ServingFile(path.join(opts.stateDir, 'serving.json'));
    this.logger = opts.logger.child({ target: 'local', stage: opts.stage });
  }

  deploy(req: DeployRequest): Promise<ServingState> {
    return this.mutate({ key: req.key, op: 'deploy', app: req.app, version: req.version }, async (rt) => {
      // Before anything starts: a refused artifact leaves serving exactly as it was.
      const artifacts = await checkArtifactBytes(req.artifacts);
      if (req.mode === 'canary') {
        if (rt.canary?.proc.record.version === req.version || rt.stable?.record.version === req.version) {
          throw new TargetError(
            `${req.app} ${req.version} is already deployed (${describeServing(rt)}): deploy a new version`,
            false,
          );
        }
        if (rt.canary) {
          throw new TargetError(
            `${req.app} already has the canary ${rt.canary.proc.record.version}: promote it or roll it back before deploying ${req.version}`,
            false,
          );
        }
        const proc = await this.startVersion(req.app, req.version);
        rt.canary = { proc, weight: 0 };
        this.route(req.app, rt);
        return { pid: proc.record.pid, port: proc.record.port, artifacts };
      }
      const proc = await this.startVersion(req.app, req.version);
      const retired = [rt.stable, rt.canary?.proc];
      const replaced = retired.flatMap((p) => (p ? [p.record.version] : []));
      if (rt.stable) rt.previousStable = rt.stable.record.version;
      rt.stable = proc;
      rt.canary = undefined;
      this.route(req.app, rt);
      return {
        pid: proc.record.pid,
        port: proc.record.port,
        artifacts,
        replaced,
        ...(await this.retire(rt, retired)),
      };
    });
  }

  setWeight(
    req: TargetOperationKey & { app: string; version: string; weight: number },
  ): Promise<ServingState> {
    return this.mutate(
      { key: req.key, op: 'setWeight', app: req.app, version: req.version, weight: req.weight },
      (rt) => {
        if (!Number.isFinite(req.weight) || req.weight < 0 || req.weight > 100) {
          throw new TargetError(
            `weight ${req.weight} for ${req.app} ${req.version} must be between 0 and 100`,
            false,
          );
        }
        const canary = this.requireCanary(req.app, rt, req.version);
        const from = canary.weight;
        canary.weight = req.weight;
        this.route(req.app, rt);
        return { from, to: req.weight };
      },
    );
  }

  promote(req: TargetOperationKey & { app: string; version: string }): Promise<ServingState> {
    return this.mutate({ key: req.key, op: 'promote', app: req.app, version: req.version }, async (rt) => {
      const canary = this.requireCanary(req.app, rt, req.version);
      const retired = rt.stable;
      if (retired) rt.previousStable = retired.record.version;
      rt.stable = canary.proc;
      rt.canary = undefined;
      this.route(req.app, rt);
      return { pid: canary.proc.record.pid, ...(await this.retire(rt, [retired])) };
    });
  }

  rollback(req: TargetOperationKey & { app: string; toVersion?: string }): Promise<ServingState> {
    return this.mutate({ key: req.key, op: 'rollback', app: req.app, version: req.toVersion }, async (rt) => {
      const restore = versionToRestore(
        {
          stable: rt.stable?.record.version,
          canary: rt.canary?.proc.record.version,
          previousStable: rt.previousStable,
        },
        req.toVersion,
      );
      const retired = [rt.canary?.proc];
      rt.canary = undefined;
      let restarted = false;
      if (restore && (rt.stable?.record.version !== restore || !rt.stable.alive())) {
        retired.push(rt.stable);
        if (rt.stable && rt.stable.record.version !== restore) rt.previousStable = rt.stable.record.version;
        rt.stable = await this.startVersion(req.app, restore);
        restarted = true;
      }
      if (rt.previousStable === restore) rt.previousStable = undefined;
      this.route(req.app, rt);
      // Nothing to restore (a first deploy that failed): removing the canary is the whole rollback.
      return { restored: restore ?? null, restarted, ...(await this.retire(rt, retired)) };
    });
  }

  async status(app: string): Promise<ServingState> {
    await this.start();
    this.checkApp(app);
    return this.serving(app);
  }

  async operationLog(): Promise<OperationLogEntry[]> {
    return (await this.start()).list();
  }

  async trafficIn(q: { app: string; version: string; start: string; end: string }): Promise<VersionTraffic> {
    await this.start();
    // The analysis of a bake ends it: the generator rests until the next weight change. Under
    // load a promotion spends far longer between its steps than in its bakes, and traffic there
    // is never analysed, only paid for by the worker. A window that ends before the current
    // weight took effect is an earlier step's, read late.
    const rt = this.apps.get(q.app);
    if (rt?.canary && rt.bakeSince !== undefined && Date.parse(q.end) >= rt.bakeSince) rt.traffic.stop();
    return this.metrics.trafficIn(q.app, q.version, new Date(q.start), new Date(q.end));
  }

  async close(): Promise<void> {
    if (!this.started) return;
    await this.started.catch(() => undefined);
    // Every app at once: stopping them one after another made closing grow with the number of apps.
    await Promise.all(
      [...this.apps.values()].map(async (rt) => {
        rt.traffic.close();
        await rt.router.close();
        await Promise.all([rt.stable?.stop(), rt.canary?.proc.stop()]);
      }),
    );
    this.apps.clear();
    await this.metricsEndpoint.close();
  }

  private start(): Promise<OperationJournal> {
    this.started ??= this.restore().catch(async (err: unknown) => {
      // Let the next call try again from a clean slate (e.g. once a busy port is free).
      await Promise.all([...this.apps.values()].map((rt) => rt.router.close()));
      this.apps.clear();
      void this.metricsEndpoint.close(false);
      this.started = undefined;
      throw err;
    });
    return this.started;
  }

  private async restore(): Promise<OperationJournal> {
    // Each app has its own router and processes, so operations on different apps run in parallel.
    const journal = await OperationJournal.open(path.join(this.opts.stateDir, 'operations.jsonl'), {
      perApp: true,
    });
    const saved = await this.servingFile.read();
    this.metricsPort = await this.metricsEndpoint.listen(saved?.metricsPort ?? this.config.metricsPort);
    for (const [app, persisted] of Object.entries(saved?.apps ?? {})) {
      const rt = await this.runtime(app, persisted.routerPort);
      rt.previousStable = persisted.previousStable;
      if (persisted.stable) rt.stable = await this.reattach(app, persisted.stable);
      if (persisted.canary)
        rt.canary = { proc: await this.reattach(app, persisted.canary), weight: persisted.canary.weight };
      this.route(app, rt);
    }
    await this.persist();
    return journal;
  }

  /** A version recorded by an earlier worker: adopted if it still answers, started again otherwise. */
  private async reattach(app: string, record: z.infer<typeof ProcessRecord>): Promise<VersionProcess> {
    const adopted = await VersionProcess.adopt(record, this.config.healthPath);
    if (adopted) {
      this.logger.info({ app, version: record.version, pid: record.pid }, 'adopted running version');
      return adopted;
    }
    this.logger.warn(
      { app, version: record.version, pid: record.pid },
      'recorded version is gone; starting it again',
    );
    return this.startVersion(app, record.version);
  }

  private async mutate(
    req: Omit<OperationLogEntry, 'at' | 'detail' | 'result'>,
    work: (rt: AppRuntime) => Promise<Record<string, unknown>> | Record<string, unknown>,
  ): Promise<ServingState> {
    const journal = await this.start();
    this.checkApp(req.app);
    return journal.run(req, async () => {
      const rt = this.apps.get(req.app) ?? (await this.runtime(req.app));
      const detail = await work(rt);
      await this.persist();
      this.logger.info(
        { key: req.key, op: req.op, app: req.app, version: req.version, weight: req.weight },
        'target operation done',
      );
      return { result: await this.serving(req.app), detail };
    });
  }

  private async runtime(app: string, port?: number): Promise<AppRuntime> {
    const router = new Router(app, this.metrics, this.logger);
    // The configured port goes to the first app; further apps of the same target get free ports.
    const wanted = port ?? (this.apps.size === 0 ? this.config.routerPort : 0);
    let routerPort: number;
    try {
      routerPort = await router.listen(wanted);
    } catch (err) {
      throw new TargetError(
        `the router for ${app} cannot listen on 127.0.0.1:${wanted}: ${(err as Error).message}`,
        true,
      );
    }
    const traffic = new TrafficGenerator(
      `http://127.0.0.1:${routerPort}${this.config.trafficPath}`,
      this.config.trafficRps,
    );
    const rt: AppRuntime = { router, routerPort, traffic };
    this.apps.set(app, rt);
    return rt;
  }

  private startVersion(app: string, version: string): Promise<VersionProcess> {
    return VersionProcess.start({
      app,
      version,
      argv: (port) =>
        fillArgs(
          this.config.command,
          { app, version, port: String(port), stage: this.opts.stage },
          'target.command',
        ),
      healthPath: this.config.healthPath,
      logDir: path.join(this.opts.stateDir, 'logs'),
      startTimeoutMs: durationMs(this.config.startTimeout),
      logger: this.logger,
    });
  }

  /** New routes take effect for the next request; the traffic generator runs while a canary bakes (see trafficIn). */
  private route(app: string, rt: AppRuntime): void {
    const routes: Routes = {};
    if (rt.stable) routes.stable = { version: rt.stable.record.version, port: rt.stable.record.port };
    if (rt.canary)
      routes.canary = {
        version: rt.canary.proc.record.version,
        port: rt.canary.proc.record.port,
        weight: rt.canary.weight,
      };
    rt.router.setRoutes(routes);
    if (rt.canary) {
      rt.bakeSince = Date.now();
      rt.traffic.start();
    } else rt.traffic.stop();
    this.logger.debug({ app, routes }, 'router updated');
  }

  /** Stops versions that no longer receive traffic, once their last request has been answered. */
  private async retire(
    rt: AppRuntime,
    procs: (VersionProcess | undefined)[],
  ): Promise<{ stopped: string[] }> {
    const stopped: string[] = [];
    for (const proc of procs) {
      if (!proc || proc === rt.stable) continue;
      const cutOff = await rt.router.drained(proc.record.version);
      if (cutOff > 0)
        this.logger.warn(
          { version: proc.record.version, cutOff },
          'stopping a version with requests still in flight',
        );
      await proc.stop();
      stopped.push(proc.record.version);
    }
    return { stopped };
  }

  private requireCanary(
    app: string,
    rt: AppRuntime,
    version: string,
  ): { proc: VersionProcess; weight: number } {
    if (rt.canary?.proc.record.version !== version) {
      throw new TargetError(
        `${app} ${version} is not the canary (${describeServing(rt)}): deploy it as a canary first`,
        false,
      );
    }
    return rt.canary;
  }

  private checkApp(app: string): void {
    if (this.opts.app !== undefined && app !== this.opts.app) {
      throw new TargetError(
        `this target of stage ${this.opts.stage} serves ${this.opts.app} only, not ${app}`,
        false,
      );
    }
  }

  private async serving(app: string): Promise<ServingState> {
    const rt = this.apps.get(app);
    return rt ? servingState(app, rt, this.metricsPort) : { app };
  }

  /** Writes serving.json (writes asked for while one waits are served by it). */
  private persist(): Promise<void> {
    return this.servingFile.write(() => this.snapshot());
  }

  private snapshot(): PersistedState {
    const state: PersistedState = { metricsPort: this.metricsPort, apps: {} };
    for (const [app, rt] of this.apps) {
      state.apps[app] = {
        routerPort: rt.routerPort,
        ...(rt.stable ? { stable: rt.stable.record } : {}),
        ...(rt.canary ? { canary: { ...rt.canary.proc.record, weight: rt.canary.weight } } : {}),
        ...(rt.previousStable ? { previousStable: rt.previousStable } : {}),
      };
    }
    return state;
  }
}
