/**
 * A deploy target: where a stage's versions run. Every mutating operation carries an
 * idempotency key (promotion id + step), so a retried activity never does the work twice; the
 * target keeps an operation log that tests and chaos runs read.
 */
import type { WorkerSignature } from '../domain/worker.js';

export interface TargetOperationKey {
  /** e.g. `<promotionId>/prod/deploy` — unique per logical operation, stable across retries. */
  key: string;
}

export interface DeployRequest extends TargetOperationKey {
  app: string;
  version: string;
  /** Artifact refs with digests, as in the release (`sha512` where the release gives one). */
  artifacts: { name: string; ref: string; digest: string; sha512?: string }[];
  /** With a canary the new version runs beside stable at weight 0; without, it replaces stable. */
  mode: 'canary' | 'replace';
}

export interface ServingState {
  app: string;
  stable?: { version: string; healthy: boolean };
  canary?: { version: string; weight: number; healthy: boolean };
  /** The version a rollback would restore. */
  previousStable?: string;
  /** Where the app is reached (and, for the local target, where its router's metrics are scraped). */
  endpoint?: { url: string; metrics?: string };
  /** Set by the stage worker (never the target): who executed the operation, signed. */
  worker?: WorkerSignature;
}

export interface OperationLogEntry {
  key: string;
  op: 'deploy' | 'setWeight' | 'promote' | 'rollback';
  app: string;
  version?: string;
  weight?: number;
  at: string;
  /** Output captured from the target (command stdout/stderr, process ids, …) for evidence. */
  detail?: Record<string, unknown>;
  /** The serving state the operation left behind: what a repeated key returns. */
  result?: ServingState;
}

/** What a target's own router measured for one version over an interval (the built-in metrics provider reads it). */
export interface VersionTraffic {
  requests: number;
  /** Responses with status >= 500 and requests the router could not deliver. */
  errors: number;
  /** Latency of every non-error response, in milliseconds. */
  latenciesMs: number[];
}

export interface Target {
  deploy(req: DeployRequest): Promise<ServingState>;
  setWeight(
    req: TargetOperationKey & { app: string; version: string; weight: number },
  ): Promise<ServingState>;
  /** The canary becomes stable at 100%; the old stable is kept as `previousStable`. */
  promote(req: TargetOperationKey & { app: string; version: string }): Promise<ServingState>;
  /** Removes the canary (if any) and restores `toVersion` (default: previous stable) at 100%. */
  rollback(req: TargetOperationKey & { app: string; toVersion?: string }): Promise<ServingState>;
  status(app: string): Promise<ServingState>;
  operationLog(): Promise<OperationLogEntry[]>;
  /** Only targets with their own router (local) measure traffic; others leave this out. */
  trafficIn?(q: { app: string; version: string; start: string; end: string }): Promise<VersionTraffic>;
  close(): Promise<void>;
}

export class TargetError extends Error {
  override name = 'TargetError';
  constructor(
    message: string,
    /** Transient errors are retried by the activity; permanent ones fail the deploy at once. */
    readonly retryable: boolean,
  ) {
    super(message);
  }
}
