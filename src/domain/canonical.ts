import canonicalizeModule from 'canonicalize';
import { utf8ToBytes } from '@noble/hashes/utils.js';

/**
 * RFC 8785 canonical JSON: the bytes that are hashed (ledger) and signed (actions), so the CLI,
 * the chat hook and the workflow sandbox all agree. Safe inside the workflow sandbox.
 * The package is CommonJS whose typings claim an ES default export; at run time (Node and the
 * workflow bundler alike) the default import is the function itself.
 */
export const canonicalJson = canonicalizeModule as unknown as (input: unknown) => string | undefined;

export function canonicalBytes(value: unknown): Uint8Array {
  const text = canonicalJson(value);
  if (text === undefined) throw new Error('cannot canonicalize an undefined value');
  return utf8ToBytes(text);
}
