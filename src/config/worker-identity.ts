/**
 * A stage worker's identity and the workers others trust. Each stage worker signs what it does
 * to its target with its own key (`worker.signingKey`); auditors and other workers trust a
 * worker for the stages listed beside its public key in their own `workers:` section, never
 * because a record names it.
 */
import { access, mkdir } from 'node:fs/promises';
import type { KeyObject } from 'node:crypto';
import path from 'node:path';
import {
  fingerprint,
  generateSigningKey,
  parsePublicKeyText,
  rawPublicKey,
  readPrivateKey,
  writePrivateKey,
} from '../approvals/keys.js';
import { workerKeyId, type TrustedWorker } from '../domain/worker.js';
import { tollgateHome } from '../paths.js';
import type { TollgateConfig } from './schema.js';

type IdentityConfig = Pick<TollgateConfig, 'worker'>;

export function workerKeyFile(config: IdentityConfig): string {
  return (
    config.worker.signingKey ?? path.join(tollgateHome(), 'keys', `worker-${config.worker.identity}.pem`)
  );
}

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

export interface WorkerIdentity {
  identity: string;
  keyId: string;
  key: KeyObject;
}

/** This worker's identity and private key; the default key file is created when missing. */
export async function loadWorkerIdentity(config: IdentityConfig): Promise<WorkerIdentity> {
  const file = workerKeyFile(config);
  if (!config.worker.signingKey && !(await exists(file))) {
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    await writePrivateKey(file, generateSigningKey());
  }
  let key: KeyObject;
  try {
    key = await readPrivateKey(file);
  } catch (err) {
    throw new Error(
      `worker signing key ${file}: ${(err as Error).message} (fix worker.signingKey in the Tollgate config)`,
    );
  }
  const { identity } = config.worker;
  return { identity, keyId: workerKeyId(identity, fingerprint(rawPublicKey(key))), key };
}

/**
 * The workers trusted per stage: the `workers:` section, or, when it is empty, this
 * installation's own worker key (if it exists) for every stage — one worker serving all stages,
 * which the audit report says as such.
 */
export async function trustedWorkers(
  config: Pick<TollgateConfig, 'worker' | 'workers'>,
  allStages: string[],
): Promise<TrustedWorker[]> {
  if (config.workers.length > 0)
    return config.workers.map((w, i) => {
      try {
        return { identity: w.identity, publicKey: parsePublicKeyText(w.publicKey), stages: w.stages };
      } catch (err) {
        throw new Error(`workers[${i}].publicKey: ${(err as Error).message}`);
      }
    });
  const file = workerKeyFile(config);
  if (!(await exists(file))) return [];
  return [
    {
      identity: config.worker.identity,
      publicKey: rawPublicKey(await readPrivateKey(file)),
      stages: allStages,
    },
  ];
}
