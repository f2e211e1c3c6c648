/**
 * Driving the real `tollgate` CLI as a subprocess against a real Temporal dev server, with the
 * workers running in this process (the way `tollgate worker` runs them).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { generateSigningKey, publicKeyText, writePrivateKey } from '../../src/keys.js';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/logging/logger.js';
import { projectRoot } from '../../src/paths.js';
import { runWorkers, type RunningWorkers } from '../../src/worker/run.js';
import type { Harness } from '../helpers/temporal.js';
import { tollgateCommand } from '../helpers/cli-process.js';
import { stateQuery } from '../../workflows/messages.js';
import type { PromotionState } from '../../workflows/types.js';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliWorld {
  dir: string;
  configFile: string;
  env: NodeJS.ProcessEnv;
  /** Runs `tollgate <args>` as a subprocess; `as` picks the acting principal. */
  tollgate(args: string[], opts?: { as?: string; env?: NodeJS.ProcessEnv }): Promise<Run>;
  workers: RunningWorkers;
}

export const PEOPLE = {
  rita: ['developers'],
  bob: ['release-managers'],
  carol: ['security'],
  erin: ['operators', 'release-managers'],
};

export function tollgateProcess(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      ...tollgateCommand(args),
      { cwd: projectRoot, env, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** A config with real keys for every person (and `extra.principals` besides), written into a fresh directory. */
export async function writeConfig(
  dir: string,
  stages: unknown[],
  extra: Record<string, unknown> = {},
): Promise<string> {
  const { principals: more = [], ...rest } = extra as { principals?: unknown[] };
  const principals: unknown[] = [];
  for (const [id, groups] of Object.entries(PEOPLE)) {
    const key = generateSigningKey();
    await writePrivateKey(path.join(dir, `${id}.pem`), key);
    principals.push({ id, groups, publicKeys: [publicKeyText(key)] });
  }
  const file = path.join(dir, 'tollgate.yaml');
  await writeFile(
    file,
    stringify({
      apiVersion: 'tollgate.dev/v1',
      kind: 'Config',
      principals: [...principals, ...more],
      pipelines: [{ name: 'default', operatorGroups: ['operators'], waiverGroups: ['security'], stages }],
      policyPackDirs: [path.join(projectRoot, 'deploy/policies')],
      ledger: { type: 'file', path: path.join(dir, 'ledger') },
      stateDir: path.join(dir, 'state'),
      ...rest,
    }),
  );
  return file;
}

export async function createCliWorld(
  harness: Harness,
  stages: unknown[],
  extra: Record<string, unknown> = {},
): Promise<CliWorld> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tollgate-cli-'));
  const configFile = await writeConfig(dir, stages, extra);
  const config = await loadConfig(configFile);
  const workers = await runWorkers({
    config,
    connection: harness.env.nativeConnection,
    client: harness.env.client,
    namespace: harness.env.namespace ?? 'default',
    stages: 'all',
    orchestration: true,
    logger: createLogger({ level: 'error', pretty: false }),
  });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: dir,
    TOLLGATE_HOME: path.join(dir, 'home'),
    TOLLGATE_CONFIG: configFile,
    TEMPORAL_ADDRESS: harness.env.address,
    TEMPORAL_NAMESPACE: harness.env.namespace ?? 'default',
  };
  return {
    dir,
    configFile,
    env,
    workers,
    tollgate: (args, opts = {}) =>
      tollgateProcess(args, {
        ...env,
        ...(opts.as ? { TOLLGATE_USER: opts.as, TOLLGATE_KEY: path.join(dir, `${opts.as}.pem`) } : {}),
        ...opts.env,
      }),
  };
}

/** A release manifest of the app `checkout` (version 1.0.0 unless `fields` say otherwise) in `dir`. */
export async function writeManifest(
  dir: string,
  name: string,
  fields: Record<string, unknown> = {},
): Promise<string> {
  const file = path.join(dir, `${name}.yaml`);
  const body = {
    apiVersion: 'tollgate.dev/v1',
    kind: 'Release',
    app: 'checkout',
    version: '1.0.0',
    artifacts: [
      {
        name: 'api',
        ref: `registry.example.com/checkout@sha256:${'c'.repeat(64)}`,
        digest: `sha256:${'c'.repeat(64)}`,
      },
    ],
    requester: 'rita',
    change: { description: 'Add the express checkout', ticket: 'CHG-42' },
    commitAuthors: ['dave'],
    ...fields,
  };
  await writeFile(file, JSON.stringify(body, null, 2));
  return file;
}

/** Waits until the promotion's live state satisfies `predicate` (queried in-process: fast). */
export async function waitForState(
  harness: Harness,
  id: string,
  predicate: (s: PromotionState) => boolean,
  what: string,
): Promise<PromotionState> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const state = await harness.env.client.workflow
      .getHandle(id)
      .query(stateQuery)
      .catch(() => undefined);
    if (state && predicate(state)) return state;
    if (Date.now() > deadline)
      throw new Error(
        `timed out waiting for ${what}: ${JSON.stringify(state?.status)} ${state?.currentStage} ${state?.gate}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}
