/**
 * Which controls each kind of evidence supports. Reports group records by these ids; policy
 * records add the ids of the rules that were evaluated.
 */
import type { EvidenceType } from '../src/domain/evidence.js';

const CHANGE = 'ISO27001:A.8.32';
const AIS06 = 'CSA-CCM:AIS-06';
const SEGREGATION = 'ISO27001:A.5.3';
const SEPARATION = 'ISO27001:A.8.31';
const CONFIG = 'ISO27001:A.8.9';
const LOGGING = 'ISO27001:A.8.15';

const BY_PREFIX: [prefix: string, controls: string[]][] = [
  ['policy.', [CHANGE, CONFIG, AIS06]],
  ['waiver.', [CHANGE, AIS06, 'ISO27001:A.5.31']],
  ['approval.', [CHANGE, SEGREGATION, AIS06]],
  ['deploy.', [CHANGE, SEPARATION, AIS06, 'BSI-C5:DEV-10']],
  ['canary.', [CHANGE, AIS06, 'NIST-AI-RMF:MEASURE-2.4']],
  ['rollback.', [CHANGE, AIS06, 'BSI-C5:DEV-10']],
  ['window.', [CHANGE]],
  ['freeze.', [CHANGE]],
  ['lock.', [CHANGE, SEPARATION]],
  ['control.', [CHANGE, LOGGING]],
  ['security.', ['ISO27001:A.5.15', LOGGING]],
  ['', [CHANGE, AIS06, LOGGING]],
];

export function controlsFor(type: EvidenceType, extra: string[] = []): string[] {
  const base = BY_PREFIX.find(([prefix]) => type.startsWith(prefix))![1];
  return [...new Set([...base, ...extra])].sort();
}
