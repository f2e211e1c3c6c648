/**
 * Sigstore bundles naming a public key instead of a certificate: sigstore-js's public test bundle
 * (a DSSE envelope with a production Rekor entry), verified offline with the configured key and
 * the production trusted root, plus tampered twins made here, each refused by the check it breaks.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseTrustedKeys } from '../../src/policy/facts/dsse.js';
import { provenanceFacts, type ProvenanceFacts } from '../../src/policy/facts/provenance.js';
import { loadSigstoreTrust } from '../../src/policy/facts/sigstore.js';
import { PolicySettings, type PolicySettingsInput } from '../../src/policy/settings.js';
import { evidenceReader, fixtureRelease, fixtures, GATE_TIME } from './helpers.js';

const dir = path.join(fixtures, 'sigstore');
const BUNDLE = 'hello.keyed.sigstore.json';
const publicKey = await readFile(path.join(dir, 'hello.keyed.pub.pem'), 'utf8');
/** The hint the real bundle carries: only a hint, never which key must have signed. */
const HINT = '9a76331edc1cfd3933040996615b1c06adbe6f9b4f11df4106dcceb66e3bdb1b';
const sigstore = {
  trustedRoot: path.join(dir, 'trusted_root.json'),
  publishers: [{ issuer: 'https://token.actions.githubusercontent.com', subjectAlternativeName: '/.*/' }],
};
const otherKey = () =>
  generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({
    type: 'spki',
    format: 'pem',
  }) as string;

function settingsWith(provenance: Partial<PolicySettingsInput['provenance']> = {}): PolicySettingsInput {
  return { provenance: { sigstore, trustedKeys: [{ id: 'release-key', publicKey }], ...provenance } };
}

async function verify(file: string, input: PolicySettingsInput = settingsWith(), baseDir = dir) {
  const settings = PolicySettings.parse(input);
  const release = await fixtureRelease('checkout.yaml');
  const trust = await loadSigstoreTrust(settings.provenance.sigstore);
  return provenanceFacts({
    release: { ...release, evidence: { ...release.evidence, provenance: file } },
    settings,
    trustedKeys: parseTrustedKeys(settings.provenance.trustedKeys),
    ...(trust ? { sigstore: trust } : {}),
    evidence: evidenceReader(settings, baseDir),
    time: new Date(GATE_TIME),
  });
}

interface Bundle {
  verificationMaterial: {
    tlogEntries: {
      integratedTime: string;
      inclusionPromise?: { signedEntryTimestamp: string };
    }[];
  };
  dsseEnvelope: { payload: string; signatures: { sig: string }[] };
}

async function tampered(change: (b: Bundle) => void): Promise<ProvenanceFacts> {
  const bundle = JSON.parse(await readFile(path.join(dir, BUNDLE), 'utf8')) as Bundle;
  change(bundle);
  const tmp = await mkdtemp(path.join(tmpdir(), 'tollgate-keyed-'));
  try {
    await writeFile(path.join(tmp, 'bundle.json'), JSON.stringify(bundle));
    return await verify('bundle.json', settingsWith(), tmp);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

function flip(b64: string): string {
  const bytes = Buffer.from(b64, 'base64');
  bytes[bytes.length - 8] = bytes[bytes.length - 8]! ^ 0x01;
  return bytes.toString('base64');
}

void describe('Sigstore bundles signed with a configured key', () => {
  void it('verifies the real bundle: signature by the configured key, Rekor entry by the trusted root', async () => {
    const facts = await verify(BUNDLE);
    assert.equal(facts.format, 'sigstore-bundle');
    assert.equal(facts.verification, 'key');
    assert.equal(facts.signatureVerified, true, facts.errors.join('\n'));
    assert.equal(facts.signedBy, 'release-key');
    // The real bundle signs "hello, world!", not an in-toto statement: verified, then refused as payload.
    assert.equal(facts.failedCheck, 'payload');
    assert.match(facts.errors[0] ?? '', /payload check failed: payloadType is text\/plain/);
  });

  void it('treats the key hint as a hint: an untrusted key under the hinted id does not stop the right key', async () => {
    const facts = await verify(
      BUNDLE,
      settingsWith({
        trustedKeys: [
          { id: HINT, publicKey: otherKey() },
          { id: 'release-key', publicKey },
        ],
      }),
    );
    assert.equal(facts.signatureVerified, true, facts.errors.join('\n'));
    assert.equal(facts.signedBy, 'release-key');
  });

  void it('refuses the bundle when no trusted key made its signature (signature)', async () => {
    const facts = await verify(BUNDLE, settingsWith({ trustedKeys: [{ id: HINT, publicKey: otherKey() }] }));
    assert.equal(facts.signatureVerified, false);
    assert.equal(facts.failedCheck, 'signature');
    assert.match(
      facts.errors[0] ?? '',
      /signature check failed: no trusted key \(policy\.provenance\.trustedKeys\) made the bundle's signature/,
    );
  });

  void it('needs the trusted root to check the log entry, and says a bundle cannot meet a threshold above one', async () => {
    const noRoot = await verify(BUNDLE, { provenance: { trustedKeys: [{ id: 'release-key', publicKey }] } });
    assert.equal(noRoot.signatureVerified, false);
    assert.equal(noRoot.failedCheck, 'tlog');
    assert.match(noRoot.errors[0] ?? '', /configure it to verify bundles signed with a key/);
    const two = await verify(BUNDLE, settingsWith({ threshold: 2 }));
    assert.equal(two.failedCheck, 'signature');
    assert.match(two.errors[0] ?? '', /carries one signature, and policy\.provenance\.threshold asks for 2/);
  });

  const twins: [string, (b: Bundle) => void, string, RegExp][] = [
    [
      'transparency-log entries removed',
      (b) => {
        b.verificationMaterial.tlogEntries = [];
      },
      'tlog',
      /tlog check failed: expected 1 timestamps, got 0/,
    ],
    [
      'signed entry timestamp corrupted',
      (b) => {
        const entry = b.verificationMaterial.tlogEntries[0]!;
        entry.inclusionPromise!.signedEntryTimestamp = flip(entry.inclusionPromise!.signedEntryTimestamp);
      },
      'tlog',
      /tlog check failed/,
    ],
    [
      'integrated time moved a day later',
      (b) => {
        const entry = b.verificationMaterial.tlogEntries[0]!;
        entry.integratedTime = String(Number(entry.integratedTime) + 86_400);
      },
      'tlog',
      /tlog check failed/,
    ],
    [
      'DSSE signature changed',
      (b) => {
        b.dsseEnvelope.signatures[0]!.sig = flip(b.dsseEnvelope.signatures[0]!.sig);
      },
      'tlog',
      /tlog check failed/,
    ],
    [
      'payload changed after signing',
      (b) => {
        b.dsseEnvelope.payload = Buffer.from('hello, world?').toString('base64');
      },
      'tlog',
      /tlog check failed/,
    ],
  ];
  for (const [what, change, check, message] of twins)
    void it(`refuses a tampered twin: ${what} (${check})`, async () => {
      const facts = await tampered(change);
      assert.equal(facts.signatureVerified, false, what);
      assert.equal(facts.failedCheck, check, facts.errors.join('\n'));
      assert.match(facts.errors[0] ?? '', message);
    });
});
