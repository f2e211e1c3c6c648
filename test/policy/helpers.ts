import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { parse } from 'yaml';
import { createLogger, type Logger } from '../../src/logging/logger.js';
import { createPolicyEngine, type PolicyEngine } from '../../src/policy/engine.js';
import { readReleaseFile } from '../../src/config/release-file.js';
import type { PolicySettings, PolicySettingsInput } from '../../src/policy/settings.js';
import { fileEvidenceSource, type EvidenceReader } from '../../src/policy/facts/evidence-file.js';
import type { PolicyRequest } from '../../activities/contracts.js';
import type { Release } from '../../src/domain/release.js';

export const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/policy');
export const builtInPacks = path.resolve(fixtures, '../../../deploy/policies');
export const releasesDir = path.join(fixtures, 'releases');

/** A logger whose lines the test can read. */
export function captureLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { logger: createLogger({ level: 'debug', destination }), lines };
}

/** The fixture settings (settings.yaml) with the generated test keys trusted. */
export async function fixtureSettings(): Promise<PolicySettingsInput> {
  const settings = parse(await readFile(path.join(fixtures, 'settings.yaml'), 'utf8')) as PolicySettingsInput;
  return {
    ...settings,
    provenance: {
      trustedKeys: [
        {
          id: 'tollgate-test-ed25519',
          publicKey: await readFile(path.join(fixtures, 'keys/ed25519.pub.pem'), 'utf8'),
        },
        {
          id: 'tollgate-test-p256',
          publicKey: await readFile(path.join(fixtures, 'keys/p256.pub.pem'), 'utf8'),
        },
      ],
    },
  };
}

export async function fixtureEngine(
  overrides: (s: PolicySettingsInput) => PolicySettingsInput = (s) => s,
  logger: Logger = captureLogger().logger,
): Promise<PolicyEngine> {
  return createPolicyEngine({
    packDirs: [builtInPacks],
    settings: overrides(await fixtureSettings()),
    logger,
    baseDir: releasesDir,
  });
}

export async function fixtureRelease(name: string): Promise<Release> {
  return readReleaseFile(path.join(releasesDir, name));
}

/** Within the ignore-list entry's validity (it expires 2025-12-31). */
export const GATE_TIME = '2025-06-02T10:00:00.000Z';

export function request(release: Release, stage = 'prod', extra: Partial<PolicyRequest> = {}): PolicyRequest {
  return {
    promotionId: 'p-test',
    stage,
    release,
    releaseDigest: 'sha256:' + '0'.repeat(64),
    packs: [],
    time: GATE_TIME,
    ...extra,
  };
}

/** Reads evidence from the fixture folders, with the settings' limits. */
export function evidenceReader(settings: PolicySettings, baseDir = releasesDir): EvidenceReader {
  return { source: fileEvidenceSource(baseDir), limits: settings.evidence };
}
