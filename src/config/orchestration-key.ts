/**
 * The orchestration worker's signing key and the public keys stage workers trust, both read
 * from a worker's own config, never from a workflow. Without a configured key the orchestration
 * worker creates one under Tollgate's home on first use, and a stage worker of the same
 * installation trusts its public part.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { access, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { tollgateHome } from '../paths.js';
import { canonicalBytes } from '../domain/canonical.js';
import {
  generateSigningKey,
  parsePublicKeyText,
  rawPublicKey,
  readPrivateKey,
  writePrivateKey,
} from '../keys.js';
import type { TrustSnapshot } from '../approvals/actions.js';
import type { TollgateConfig } from './schema.js';

type OrchestrationConfig = Pick<TollgateConfig, 'orchestration'>;

export function orchestrationKeyFile(config: OrchestrationConfig): string {
  return config.orchestration.signingKey ?? path.join(tollgateHome(), 'keys', 'orchestration.pem');
}

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

/** The orchestration worker's private key; the default file is created when missing. */
export async function loadOrchestrationKey(config: OrchestrationConfig): Promise<KeyObject> {
  const file = orchestrationKeyFile(config);
  if (!config.orchestration.signingKey && !(await exists(file))) {
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    await writePrivateKey(file, generateSigningKey());
  }
  try {
    return await readPrivateKey(file);
  } catch (err) {
    throw new Error(
      `orchestration signing key ${file}: ${(err as Error).message} (fix orchestration.signingKey in the Tollgate config)`,
    );
  }
}

/** Raw public keys whose attestations a stage worker accepts. */
export async function trustedOrchestrationKeys(config: OrchestrationConfig): Promise<Buffer[]> {
  if (config.orchestration.publicKeys.length > 0)
    return config.orchestration.publicKeys.map(parsePublicKeyText);
  const file = orchestrationKeyFile(config);
  if (!(await exists(file))) return [];
  return [rawPublicKey(await readPrivateKey(file))];
}

/**
 * sha256 of what decides trust for a worker: its pipelines, principals with their groups, every
 * public key it accepts, and the orchestration keys. Recorded in `promotion.started` and in every
 * stage attestation, so an auditor sees which configuration a promotion ran under.
 */
export function configDigest(
  pipelines: TollgateConfig['pipelines'],
  trust: TrustSnapshot,
  orchestrationKeys: Buffer[],
): string {
  const relevant = {
    pipelines,
    principals: trust.principals,
    keys: trust.keys,
    orchestrationKeys: orchestrationKeys.map((k) => k.toString('hex')),
  };
  return `sha256:${createHash('sha256').update(canonicalBytes(relevant)).digest('hex')}`;
}
