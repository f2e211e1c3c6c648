/**
 * Keyless Sigstore bundles as real clients wrote them (sigstore-js's public test bundles for the
 * npm package sigstore@1.0.0, verified offline against the production trusted root that
 * @sigstore/tuf ships), plus tampered twins made here, each refused by the check it breaks.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseTrustedKeys } from '../../src/policy/facts/dsse.js';
import { provenanceFacts, type ProvenanceFacts } from '../../src/policy/facts/provenance.js';
import { loadSigstoreTrust } from '../../src/policy/facts/sigstore.js';
import { PolicySettings, type PolicySettingsInput } from '../../src/policy/settings.js';
import { createPolicyEngine, PolicySettingsError } from '../../src/policy/engine.js';
import type { Release } from '../../src/domain/release.js';
import {
  builtInPacks,
  captureLogger,
  evidenceReader,
  fixtureRelease,
  fixtures,
  GATE_TIME,
} from './helpers.js';

const dir = path.join(fixtures, 'sigstore');
const trustedRoot = path.join(dir, 'trusted_root.json');
const BUNDLES = ['sigstore-1.0.0.intoto.sigstore.json', 'sigstore-1.0.0.dsse.sigstore.json'];
const PUBLISHER = { issuer: 'https://github.com/login/oauth', subjectAlternativeName: 'brian@dehamer.com' };

/** The npm tarball sigstore-1.0.0.tgz: sha512 from its registry integrity, sha256 of the same bytes. */
const SIGSTORE_TGZ = {
  name: 'sigstore',
  ref: 'pkg:npm/sigstore@1.0.0',
  digest: 'sha256:2cabbcc742ca05c36005694af263a4eb90d719252d0c00eeffafbca283934b90',
  sha512:
    'sha512:7bea9f6e7ff37f5fab0b36bf061200fff03099fd2fd696b91d04bc5e4f225eb9fd6e0cadcad54ba980f43fb352a99e8810b4e0abeb5c0ef2cf9108cd1f258b36',
  type: 'package' as const,
};

function settingsInput(overrides: Partial<PolicySettingsInput['provenance']> = {}): PolicySettingsInput {
  return {
    provenance: {
      predicateTypes: ['https://github.com/npm/attestation/tree/main/specs/publish/v0.1'],
      sigstore: { trustedRoot, publishers: [PUBLISHER] },
      ...overrides,
    },
  };
}

async function verify(
  file: string,
  opts: {
    settings?: PolicySettingsInput;
    artifact?: Partial<Release['artifacts'][number]>;
    baseDir?: string;
  } = {},
): Promise<ProvenanceFacts> {
  const settings = PolicySettings.parse(opts.settings ?? settingsInput());
  const release = await fixtureRelease('checkout.yaml');
  const sigstore = await loadSigstoreTrust(settings.provenance.sigstore);
  return provenanceFacts({
    release: {
      ...release,
      artifacts: [{ ...SIGSTORE_TGZ, ...opts.artifact }],
      evidence: { ...release.evidence, provenance: file },
    },
    settings,
    trustedKeys: parseTrustedKeys(settings.provenance.trustedKeys),
    ...(sigstore ? { sigstore } : {}),
    evidence: evidenceReader(settings, opts.baseDir ?? dir),
    time: new Date(GATE_TIME),
  });
}

/** The parts of a serialized bundle the tampering touches. */
interface Bundle {
  verificationMaterial: {
    certificate: { rawBytes: string };
    tlogEntries: {
      integratedTime: string;
      canonicalizedBody: string;
      inclusionPromise?: { signedEntryTimestamp: string };
      inclusionProof?: { hashes: string[] };
    }[];
  };
  dsseEnvelope: { payload: string; signatures: { sig: string }[] };
}

function entryOf(b: Bundle) {
  return b.verificationMaterial.tlogEntries[0]!;
}

/** Writes a tampered copy of a real bundle and returns its facts. */
async function tampered(
  change: (bundle: Bundle) => void,
  opts: { settings?: PolicySettingsInput; source?: string } = {},
): Promise<ProvenanceFacts> {
  const bundle = JSON.parse(await readFile(path.join(dir, opts.source ?? BUNDLES[0]!), 'utf8')) as Bundle;
  change(bundle);
  const tmp = await mkdtemp(path.join(tmpdir(), 'tollgate-sigstore-'));
  try {
    await writeFile(path.join(tmp, 'bundle.json'), JSON.stringify(bundle));
    return await verify('bundle.json', {
      baseDir: tmp,
      ...(opts.settings ? { settings: opts.settings } : {}),
    });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

function flip(b64: string): string {
  const bytes = Buffer.from(b64, 'base64');
  bytes[bytes.length - 8] = bytes[bytes.length - 8]! ^ 0x01;
  return bytes.toString('base64');
}

void describe('keyless Sigstore bundles', () => {
  void it('verifies the real bundles offline and matches the sha512 subject to the npm tarball', async () => {
    for (const file of BUNDLES) {
      const facts = await verify(file);
      assert.deepEqual(facts.errors, [], file);
      assert.equal(facts.verification, 'keyless');
      assert.equal(facts.signatureVerified, true);
      assert.equal(facts.signedBy, 'brian@dehamer.com');
      assert.equal(facts.signerIssuer, 'https://github.com/login/oauth');
      assert.equal(facts.artifactsCovered, true);
      assert.deepEqual(facts.subjects, [{ name: 'pkg:npm/sigstore@1.0.0', digest: SIGSTORE_TGZ.sha512 }]);
    }
  });

  void it('says keyless needs Sigstore trust instead of refusing it as an unknown signer', async () => {
    const facts = await verify(BUNDLES[0]!, { settings: { provenance: { trustedKeys: [] } } });
    assert.equal(facts.failedCheck, 'certificate');
    assert.match(facts.errors[0] ?? '', /keyless Sigstore bundle .* needs policy\.provenance\.sigstore/);
  });

  void it('never verifies a certificate bundle with a configured key, so a destroyed log entry cannot pass', async () => {
    const bundle = JSON.parse(await readFile(path.join(dir, BUNDLES[0]!), 'utf8')) as Bundle;
    const certificate = new X509Certificate(
      Buffer.from(bundle.verificationMaterial.certificate.rawBytes, 'base64'),
    );
    const certKey = certificate.publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const facts = await tampered(
      (b) => {
        b.verificationMaterial.tlogEntries = [];
      },
      { settings: { provenance: { trustedKeys: [{ id: 'the-certificate-key', publicKey: certKey }] } } },
    );
    assert.equal(facts.signatureVerified, false);
    assert.equal(facts.failedCheck, 'certificate');
  });

  const twins: [string, (b: Bundle) => void, string, RegExp][] = [
    [
      'transparency-log entries removed',
      (b) => {
        b.verificationMaterial.tlogEntries = [];
      },
      'tlog',
      /tlog check failed/,
    ],
    [
      'inclusion proof corrupted and inclusion promise removed',
      (b) => {
        const entry = entryOf(b);
        entry.inclusionProof!.hashes[0] = flip(entry.inclusionProof!.hashes[0]!);
        delete entry.inclusionPromise;
      },
      'tlog',
      /tlog check failed/,
    ],
    [
      'signed entry timestamp corrupted, inclusion proof removed',
      (b) => {
        const entry = entryOf(b);
        entry.inclusionPromise!.signedEntryTimestamp = flip(entry.inclusionPromise!.signedEntryTimestamp);
        delete entry.inclusionProof;
      },
      'tlog',
      /tlog check failed/,
    ],
    [
      'integrated time moved a day later without the log signing it',
      (b) => {
        const entry = entryOf(b);
        entry.integratedTime = String(Number(entry.integratedTime) + 86_400);
        delete entry.inclusionPromise;
      },
      'tlog',
      /tlog check failed: expected 1 timestamps, got 0/,
    ],
    [
      'certificate replaced by a byte-changed copy',
      (b) => {
        b.verificationMaterial.certificate.rawBytes = flip(b.verificationMaterial.certificate.rawBytes);
      },
      'certificate',
      /certificate check failed/,
    ],
    [
      'DSSE signature changed',
      (b) => {
        b.dsseEnvelope.signatures[0]!.sig = flip(b.dsseEnvelope.signatures[0]!.sig);
      },
      'tlog',
      /tlog check failed: tlog entry signature mismatch/,
    ],
    [
      'payload changed after signing (another subject digest)',
      (b) => {
        const payload = Buffer.from(b.dsseEnvelope.payload, 'base64')
          .toString()
          .replace('7bea9f6e', '7bea9f6f');
        b.dsseEnvelope.payload = Buffer.from(payload).toString('base64');
      },
      'tlog',
      /tlog check failed: DSSE payload hash mismatch/,
    ],
  ];
  for (const [what, change, check, message] of twins)
    void it(`refuses a tampered twin: ${what} (${check})`, async () => {
      const facts = await tampered(change);
      assert.equal(facts.signatureVerified, false, what);
      assert.equal(facts.failedCheck, check, facts.errors.join('\n'));
      assert.match(facts.errors[0] ?? '', message);
    });

  void it('refuses a signature whose log entry agrees with it but the key does not (signature)', async () => {
    // A DSSE log entry stores the signature: change both, and only the signature check can see it.
    const facts = await tampered(
      (b) => {
        const sig = flip(b.dsseEnvelope.signatures[0]!.sig);
        b.dsseEnvelope.signatures[0]!.sig = sig;
        const entry = entryOf(b);
        const body = JSON.parse(Buffer.from(entry.canonicalizedBody, 'base64').toString()) as {
          spec: { signatures: { signature: string }[] };
        };
        body.spec.signatures[0]!.signature = sig;
        entry.canonicalizedBody = Buffer.from(JSON.stringify(body)).toString('base64');
      },
      { source: BUNDLES[1]! },
    );
    assert.equal(facts.signatureVerified, false);
    assert.ok(['tlog', 'signature'].includes(facts.failedCheck ?? ''), facts.errors.join('\n'));
  });

  void it('refuses a certificate without enough SCTs for the trusted CT logs (sct)', async () => {
    const root = JSON.parse(await readFile(trustedRoot, 'utf8')) as { ctlogs: unknown[] };
    root.ctlogs = [];
    const tmp = await mkdtemp(path.join(tmpdir(), 'tollgate-root-'));
    try {
      await writeFile(path.join(tmp, 'trusted_root.json'), JSON.stringify(root));
      const facts = await verify(BUNDLES[0]!, {
        settings: settingsInput({
          sigstore: { trustedRoot: path.join(tmp, 'trusted_root.json'), publishers: [PUBLISHER] },
        }),
      });
      assert.equal(facts.failedCheck, 'sct', facts.errors.join('\n'));
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });

  void it('checks the identity against the trusted publishers, exactly or by /pattern/ (identity)', async () => {
    const workflow = {
      issuer: 'https://token.actions.githubusercontent.com',
      subjectAlternativeName:
        'https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main',
    };
    const other = await verify(BUNDLES[0]!, {
      settings: settingsInput({ sigstore: { trustedRoot, publishers: [workflow] } }),
    });
    assert.equal(other.failedCheck, 'identity');
    assert.match(
      other.errors[0] ?? '',
      /identity check failed: signed by brian@dehamer\.com from issuer https:\/\/github\.com\/login\/oauth, which is not a trusted publisher/,
    );
    const wrongIssuer = await verify(BUNDLES[0]!, {
      settings: settingsInput({
        sigstore: { trustedRoot, publishers: [{ ...PUBLISHER, issuer: workflow.issuer }] },
      }),
    });
    assert.equal(wrongIssuer.failedCheck, 'identity');
    const pattern = await verify(BUNDLES[0]!, {
      settings: settingsInput({
        sigstore: {
          trustedRoot,
          publishers: [{ ...PUBLISHER, subjectAlternativeName: '/.*@dehamer\\.com/' }],
        },
      }),
    });
    assert.deepEqual(pattern.errors, []);
  });

  void it('compares subjects by digest and name (subject)', async () => {
    const otherDigest = await verify(BUNDLES[0]!, { artifact: { sha512: `sha512:${'0'.repeat(128)}` } });
    assert.equal(otherDigest.signatureVerified, true);
    assert.equal(otherDigest.failedCheck, 'subject');
    const sha256Only = await verify(BUNDLES[0]!, { artifact: { sha512: undefined } });
    assert.equal(sha256Only.failedCheck, 'subject', 'the subject carries only sha512');
    const otherName = await verify(BUNDLES[0]!, { artifact: { ref: 'pkg:npm/sigstore-fork@1.0.0' } });
    assert.equal(otherName.failedCheck, 'subject');
    assert.match(
      otherName.errors.join('\n'),
      /subject: the subject with the digest of artifact sigstore is named pkg:npm\/sigstore@1\.0\.0, not pkg:npm\/sigstore-fork@1\.0\.0/,
    );
  });

  void it('refuses to start with a trusted root it cannot read', async () => {
    await assert.rejects(
      createPolicyEngine({
        packDirs: [builtInPacks],
        settings: settingsInput({
          sigstore: { trustedRoot: path.join(dir, 'missing.json'), publishers: [PUBLISHER] },
        }),
        logger: captureLogger().logger,
      }),
      (err: Error) =>
        err instanceof PolicySettingsError &&
        /policy\.provenance\.sigstore\.trustedRoot: cannot read .*missing\.json/.test(err.message),
    );
  });
});
