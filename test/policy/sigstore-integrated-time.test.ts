/**
 * The time a transparency log says it integrated an entry must lie within the signing
 * certificate's validity. Such a bundle cannot be made honestly against the production log (its
 * key signs the time), so these are sigstore-conformance's bundles made under its own test trust
 * root: the same statement signed by a certificate valid for ten minutes, once integrated inside
 * that window and once a day later, each with a signed entry timestamp from the conformance log.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { parseTrustedKeys } from '../../src/policy/facts/dsse.js';
import { provenanceFacts } from '../../src/policy/facts/provenance.js';
import { loadSigstoreTrust } from '../../src/policy/facts/sigstore.js';
import { PolicySettings } from '../../src/policy/settings.js';
import { evidenceReader, fixtureRelease, fixtures, GATE_TIME } from './helpers.js';

const dir = path.join(fixtures, 'sigstore/conformance');
const BEACON = {
  issuer: 'https://token.actions.githubusercontent.com',
  subjectAlternativeName:
    'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main',
};
const D_TXT = {
  name: 'd',
  ref: 'd.txt',
  digest: 'sha256:330a043220fa13e01d68a7db39c89e12b0c4c3b6a0346fe624b0903f1303b5b2',
  type: 'archive' as const,
};

async function verify(file: string) {
  const settings = PolicySettings.parse({
    provenance: {
      sigstore: { trustedRoot: path.join(dir, 'trusted_root.json'), publishers: [BEACON] },
    },
  });
  const release = await fixtureRelease('checkout.yaml');
  const sigstore = await loadSigstoreTrust(settings.provenance.sigstore);
  return provenanceFacts({
    release: { ...release, artifacts: [D_TXT], evidence: { ...release.evidence, provenance: file } },
    settings,
    trustedKeys: parseTrustedKeys(settings.provenance.trustedKeys),
    ...(sigstore ? { sigstore } : {}),
    evidence: evidenceReader(settings, dir),
    time: new Date(GATE_TIME),
  });
}

void describe('integrated time and certificate validity', () => {
  void it('verifies the bundle whose entry was integrated while its certificate was valid', async () => {
    const facts = await verify('d.txt.intoto.sigstore.json');
    assert.deepEqual(facts.errors, []);
    assert.equal(facts.signedBy, BEACON.subjectAlternativeName);
    assert.equal(facts.artifactsCovered, true);
  });

  void it('refuses the twin integrated a day after its certificate expired (certificate)', async () => {
    const facts = await verify('d.txt.set-outside-cert-validity.intoto.sigstore.json');
    assert.equal(facts.signatureVerified, false);
    assert.equal(facts.failedCheck, 'certificate', facts.errors.join('\n'));
    assert.equal(
      facts.errors[0],
      'evidence.provenance: d.txt.set-outside-cert-validity.intoto.sigstore.json: certificate check failed: Failed to verify certificate chain: certificate is not valid or expired at the specified date (the certificate is valid from 2023-02-01T00:00:00.000Z to 2023-02-01T00:10:00.000Z; the log entry says it was integrated at 2023-02-02T00:00:00.000Z)',
    );
  });
});
