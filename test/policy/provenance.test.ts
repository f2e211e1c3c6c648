import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseTrustedKeys, pae } from '../../src/policy/facts/dsse.js';
import { provenanceFacts } from '../../src/policy/facts/provenance.js';
import { loadSigstoreTrust } from '../../src/policy/facts/sigstore.js';
import { PolicySettings, type PolicySettingsInput } from '../../src/policy/settings.js';
import type { Release } from '../../src/domain/release.js';
import { evidenceReader, fixtureRelease, fixtureSettings, fixtures, GATE_TIME } from './helpers.js';

async function provenanceOf(release: Release, settings?: PolicySettingsInput) {
  const s = PolicySettings.parse(settings ?? (await fixtureSettings()));
  const sigstore = await loadSigstoreTrust(s.provenance.sigstore);
  return provenanceFacts({
    release,
    settings: s,
    trustedKeys: parseTrustedKeys(s.provenance.trustedKeys),
    ...(sigstore ? { sigstore } : {}),
    evidence: evidenceReader(s),
    time: new Date(GATE_TIME),
  });
}

async function withProvenance(file: string): Promise<Release> {
  const release = await fixtureRelease('checkout.yaml');
  return { ...release, evidence: { ...release.evidence, provenance: file } };
}

void describe('signature and provenance facts', () => {
  void it('verifies the Ed25519-signed SLSA provenance and matches its subject to the artifact digest', async () => {
    const facts = await provenanceOf(await fixtureRelease('checkout.yaml'));
    assert.deepEqual(facts.errors, []);
    assert.equal(facts.signatureVerified, true);
    assert.equal(facts.signedBy, 'tollgate-test-ed25519');
    assert.equal(facts.predicateType, 'https://slsa.dev/provenance/v1');
    assert.equal(facts.artifactsCovered, true);
    assert.equal(facts.builderId, 'https://ci.example.com/runners/release@v2');
    assert.deepEqual(
      facts.containerDependencies.map((d) => d.repository),
      ['registry.example.com/shop/base-node'],
    );
  });

  void it('verifies an ECDSA P-256 signature (DER, as cosign writes it)', async () => {
    const facts = await provenanceOf(await withProvenance('../evidence/provenance-p256.dsse.json'));
    assert.equal(facts.signatureVerified, true);
    assert.equal(facts.signedBy, 'tollgate-test-p256');
  });

  void it('rejects the tampered copy: the payload changed after signing', async () => {
    const facts = await provenanceOf(await withProvenance('../evidence/provenance.tampered.dsse.json'));
    assert.equal(facts.signatureVerified, false);
    assert.equal(facts.artifactsCovered, false);
    assert.deepEqual(facts.subjects, [], 'nothing from an unverified statement reaches the facts');
    assert.match(
      facts.errors[0] ?? '',
      /provenance\.tampered\.dsse\.json: signature check failed: no signature verifies with a trusted key/,
    );
  });

  void it('rejects a signature by a key that is not trusted, and says when no key is configured', async () => {
    const release = await fixtureRelease('checkout.yaml');
    const other = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const untrusted = await provenanceOf(release, {
      provenance: { trustedKeys: [{ id: 'tollgate-test-ed25519', publicKey: other }] },
    });
    assert.equal(untrusted.signatureVerified, false);
    const none = await provenanceOf(release, {});
    assert.match(none.errors[0] ?? '', /no trusted keys configured \(policy\.provenance\.trustedKeys\)/);
  });

  void it('refuses a Sigstore bundle signed with a configured key whose transparency-log entries are missing', async () => {
    // The envelope inside verifies with the trusted key; the bundle's log entries are what is missing.
    const release = await withProvenance('../evidence/provenance.sigstore.json');
    const noRoot = await provenanceOf(release);
    assert.equal(noRoot.format, 'sigstore-bundle');
    assert.equal(noRoot.signatureVerified, false);
    assert.equal(noRoot.failedCheck, 'tlog');
    const settings = await fixtureSettings();
    const withRoot = await provenanceOf(release, {
      ...settings,
      provenance: {
        ...settings.provenance,
        sigstore: {
          trustedRoot: path.join(fixtures, 'sigstore/trusted_root.json'),
          publishers: [
            { issuer: 'https://token.actions.githubusercontent.com', subjectAlternativeName: '/.*/' },
          ],
        },
      },
    });
    assert.equal(withRoot.signatureVerified, false);
    assert.equal(withRoot.failedCheck, 'tlog');
    assert.match(withRoot.errors[0] ?? '', /tlog check failed/);
  });

  void it('names the artifacts a verified statement does not cover', async () => {
    const release = await fixtureRelease('checkout.yaml');
    const other = {
      ...release,
      artifacts: [{ ...release.artifacts[0]!, digest: `sha256:${'a'.repeat(64)}` }],
    };
    const facts = await provenanceOf(other);
    assert.equal(facts.signatureVerified, true);
    assert.equal(facts.artifactsCovered, false);
    assert.deepEqual(facts.uncoveredArtifacts, ['checkout']);
    assert.match(
      facts.errors.join('\n'),
      /subject: no statement subject has the digest of artifact checkout/,
    );
  });

  void it('turns malformed and missing attestations into fact errors, never exceptions', async () => {
    const cases: [string | undefined, RegExp][] = [
      ['../broken/dsse-not-json.json', /dsse-not-json\.json: not valid JSON/],
      ['../broken/dsse-no-signatures.json', /not a DSSE envelope \(signatures: Invalid input/],
      ['../evidence/sbom.cdx.json', /not a DSSE envelope/],
      ['../evidence/missing.dsse.json', /missing\.dsse\.json: file not found/],
      [undefined, /the release attaches no provenance attestation/],
    ];
    for (const [file, expected] of cases) {
      const release = await fixtureRelease('checkout.yaml');
      const facts = await provenanceOf({ ...release, evidence: { ...release.evidence, provenance: file } });
      assert.equal(facts.signatureVerified, false, String(file));
      assert.match(facts.errors.join('\n'), expected, String(file));
    }
  });

  void it('rejects a validly signed envelope whose payload is not an in-toto statement', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tollgate-dsse-'));
    try {
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      const payload = Buffer.from('{"hello":"world"}');
      const type = 'application/vnd.in-toto+json';
      const envelope = {
        payloadType: type,
        payload: payload.toString('base64'),
        signatures: [{ keyid: '', sig: sign(null, pae(type, payload), privateKey).toString('base64') }],
      };
      await writeFile(path.join(dir, 'env.json'), JSON.stringify(envelope));
      const release = await fixtureRelease('checkout.yaml');
      const facts = await provenanceOf(
        { ...release, evidence: { ...release.evidence, provenance: path.join(dir, 'env.json') } },
        {
          provenance: {
            trustedKeys: [
              { id: 'k', publicKey: publicKey.export({ type: 'spki', format: 'pem' }) as string },
            ],
          },
        },
      );
      assert.equal(facts.signatureVerified, true);
      assert.match(facts.errors[0] ?? '', /the signed payload is not an in-toto statement/);
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  void it('treats a keyid as a hint and counts distinct trusted keys towards the threshold', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tollgate-dsse-'));
    try {
      const [a, b] = [generateKeyPairSync('ed25519'), generateKeyPairSync('ed25519')];
      const release = await fixtureRelease('checkout.yaml');
      const statement = Buffer.from(
        JSON.stringify({
          _type: 'https://in-toto.io/Statement/v1',
          subject: [
            {
              name: 'registry.example.com/shop/checkout',
              digest: { sha256: release.artifacts[0]!.digest.slice(7) },
            },
          ],
          predicateType: 'https://slsa.dev/provenance/v1',
          predicate: {},
        }),
      );
      const type = 'application/vnd.in-toto+json';
      const sig = (k: typeof a, keyid: string) => ({
        keyid,
        sig: sign(null, pae(type, statement), k.privateKey).toString('base64'),
      });
      const pem = (k: typeof a) => k.publicKey.export({ type: 'spki', format: 'pem' }) as string;
      const trustedKeys = [
        { id: 'key-a', publicKey: pem(a) },
        { id: 'key-b', publicKey: pem(b) },
      ];
      const facts = async (signatures: { keyid: string; sig: string }[], threshold = 1) => {
        const file = path.join(dir, `env-${signatures.length}-${threshold}-${Math.random()}.json`);
        await writeFile(
          file,
          JSON.stringify({ payloadType: type, payload: statement.toString('base64'), signatures }),
        );
        return provenanceOf(
          { ...release, evidence: { ...release.evidence, provenance: file } },
          { provenance: { trustedKeys, threshold } },
        );
      };
      const misnamed = await facts([sig(a, 'key-b')]);
      assert.deepEqual([misnamed.signatureVerified, misnamed.signers], [true, ['key-a']], 'keyid is a hint');
      const unnamed = await facts([sig(b, 'someone-else')]);
      assert.deepEqual(unnamed.signers, ['key-b']);
      const one = await facts([sig(a, 'key-a')], 2);
      assert.equal(one.failedCheck, 'signature');
      assert.match(
        one.errors[0] ?? '',
        /signature check failed: 1 of the 2 trusted signatures required \(policy\.provenance\.threshold\) verify: key-a/,
      );
      const sameTwice = await facts([sig(a, 'key-a'), sig(a, 'key-b')], 2);
      assert.equal(sameTwice.signatureVerified, false, 'one key signing twice is one signer');
      const both = await facts([sig(a, 'key-a'), sig(b, 'key-b')], 2);
      assert.deepEqual([both.signatureVerified, both.signers, both.errors], [true, ['key-a', 'key-b'], []]);
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  void it('PAE is the DSSE v1 encoding (spec test vector)', async () => {
    // From the DSSE protocol document: PAE("http://example.com/HelloWorld", "hello world").
    assert.equal(
      pae('http://example.com/HelloWorld', Buffer.from('hello world')).toString(),
      'DSSEv1 29 http://example.com/HelloWorld 11 hello world',
    );
    assert.ok(
      (await readFile(path.join(fixtures, 'keys/ed25519.pub.pem'), 'utf8')).startsWith(
        '-----BEGIN PUBLIC KEY-----',
      ),
    );
  });
});
