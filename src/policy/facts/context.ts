import type { Release } from '../../domain/release.js';
import type { PolicySettings } from '../settings.js';
import type { VerificationKey } from './dsse.js';
import type { EvidenceReader } from './evidence-file.js';
import type { SigstoreTrust } from './sigstore.js';

/** What every fact module receives. Facts are computed offline: evidence bytes and settings only. */
export interface FactContext {
  release: Release;
  settings: PolicySettings;
  trustedKeys: VerificationKey[];
  /** Keyless Sigstore trust (trusted root and publisher identities), when configured. */
  sigstore?: SigstoreTrust;
  /** Where the release's evidence files are read from, and the limits reading obeys. */
  evidence: EvidenceReader;
  /** The gate's workflow time: ignore-list expiry is judged against it, never the wall clock. */
  time: Date;
}
