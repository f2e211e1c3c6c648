import type { Release } from '../../domain/release.js';
import type { PolicySettings } from '../settings.js';
import type { VerificationKey } from './dsse.js';

/** What every fact module receives. Facts are computed offline: files and settings only. */
export interface FactContext {
  release: Release;
  settings: PolicySettings;
  trustedKeys: VerificationKey[];
  /** Relative evidence paths in the release resolve against this (default: the working directory). */
  baseDir?: string;
  /** The gate's workflow time: ignore-list expiry is judged against it, never the wall clock. */
  time: Date;
}
