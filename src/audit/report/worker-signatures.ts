/**
 * Who changed each stage, as far as signatures show it: a record's worker signature is checked
 * against the workers the report's own config trusts (`workers:`), rebuilt from the record (its
 * promotion, its stage, the release digest of `promotion.started`), so a record appended by
 * someone who can write to the ledger but holds no stage worker's key is never taken for one.
 */
import { verify } from 'node:crypto';
import { publicKeyFromRaw } from '../../approvals/dsse.js';
import { fingerprint } from '../../approvals/keys.js';
import { canonicalBytes } from '../../domain/canonical.js';
import { workerKeyId, workerStatement, type TrustedWorker } from '../../domain/worker.js';
import { signedWorkerOf, type AnyRecord } from './evidence.js';

export type WorkerCheck = { ok: true; identity: string; stage: string } | { ok: false; problem: string };

export function checkWorkerSignature(
  r: AnyRecord,
  trusted: readonly TrustedWorker[],
  releaseDigest: string | undefined,
): WorkerCheck {
  const signed = signedWorkerOf(r);
  if (!signed) return { ok: false, problem: 'unsigned (no worker signature)' };
  const { signature, serving } = signed;
  const stage = r.stage ?? '?';
  const statement = workerStatement(
    signature,
    { promotionId: r.promotionId, releaseDigest: releaseDigest ?? null },
    serving,
  );
  const signer = trusted.find((w) => {
    if (
      w.identity !== signature.identity ||
      workerKeyId(w.identity, fingerprint(w.publicKey)) !== signature.keyId
    )
      return false;
    try {
      return verify(
        null,
        canonicalBytes(statement),
        publicKeyFromRaw(w.publicKey),
        Buffer.from(signature.signature, 'hex'),
      );
    } catch {
      return false;
    }
  });
  if (!signer)
    return {
      ok: false,
      problem: `signed as ${signature.identity} (${signature.keyId}) by a key the report's config does not trust for this record`,
    };
  if (signature.stage !== stage || !signer.stages.includes(stage))
    return {
      ok: false,
      problem: `signed by ${signer.identity}, a worker of ${signer.stages.join(', ')}, not of ${stage}`,
    };
  if (!signature.operation.startsWith(`${r.promotionId}/${stage}/`))
    return {
      ok: false,
      problem: `the signature is for operation ${signature.operation}, not this promotion's ${stage}`,
    };
  return { ok: true, identity: signer.identity, stage };
}
