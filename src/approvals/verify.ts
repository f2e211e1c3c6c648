/**
 * Signature checks that run inside the workflow sandbox (update validators): pure JS, no Node
 * built-ins, deterministic. The same canonical bytes are produced by the signers in src/keys.ts.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { hexToBytes } from '@noble/hashes/utils.js';
import { canonicalBytes } from '../domain/canonical.js';
import type { Action, Signed, TrustSnapshot } from './actions.js';

/** Returns why a signed action must be refused, or undefined when its signature and signer hold. */
export function signatureProblem(signed: Signed<Action>, trust: TrustSnapshot): string | undefined {
  const key = trust.keys[signed.keyId];
  if (!key) return `unknown signing key ${signed.keyId}: register it in the Tollgate config`;
  const { payload } = signed;
  if (key.kind === 'principal') {
    if (key.principal !== payload.actor)
      return `key ${signed.keyId} belongs to ${key.principal}, not ${payload.actor}`;
    if (payload.channel !== 'cli' && payload.channel !== 'api')
      return `a principal key cannot sign for channel ${payload.channel}`;
  } else if (
    payload.channel !== 'slack' &&
    payload.channel !== 'mattermost' &&
    payload.channel !== 'webhook'
  ) {
    return `chat service key ${signed.keyId} may only attest chat identities, not channel ${payload.channel}`;
  }
  let valid = false;
  try {
    valid = ed25519.verify(
      hexToBytes(signed.signature),
      canonicalBytes(payload),
      hexToBytes(key.publicKeyHex),
    );
  } catch {
    valid = false;
  }
  return valid ? undefined : 'signature does not verify: the action was altered or signed with another key';
}
