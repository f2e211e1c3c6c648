/**
 * PyPI attestations (PEP 740) in the layout of PyPI's integrity API, as published for real
 * packages (pypi-attestations 0.0.19's provenance object, gitlab-oidc-project 0.0.3's publish
 * attestation;
 * committed test assets of trailofbits/pypi-attestations), verified offline on the keyless path
 * with the production trusted root and a publisher identity, plus tampered twins made here.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Release } from '../../src/domain/release.js';
import { parseTrustedKeys } from '../../src/policy/facts/dsse.js';
import { provenanceFacts, type ProvenanceFacts } from '../../src/policy/facts/provenance.js';
import { loadSigstoreTrust } from '../../src/policy/facts/sigstore.js';
import type { SigstorePublisher } from '../../src/policy/settings.js';
import { PolicySettings } from '../../src/policy/settings.js';
import { evidenceReader, fixtureRelease, fixtures, GATE_TIME } from './helpers.js';

const dir = path.join(fixtures, 'pypi');
const trustedRoot = path.join(fixtures, 'sigstore/trusted_root.json');
const PROVENANCE = 'pypi_attestations-0.0.19.tar.gz.provenance';
const ATTESTATION = 'gitlab_oidc_project-0.0.3.tar.gz.publish.attestation';
const WORKFLOW: SigstorePublisher = {
  issuer: 'https://token.actions.githubusercontent.com',
  subjectAlternativeName:
    'https://github.com/trailofbits/pypi-attestations/.github/workflows/release.yml@refs/tags/v0.0.19',
};
/** The sdists and wheels the attestations name; sha256 of the files as PyPI serves them. */
const SDIST = {
  name: 'pypi-attestations',
  ref: 'pypi_attestations-0.0.19.tar.gz',
  digest: 'sha256:9bb1add04b1b4e182be6b0b80931593f7a291eb49d69b4fd728a5d4cbcdc4bd3',
  type: 'package' as const,
};
const GITLAB_SDIST = {
  name: 'gitlab-oidc-project',
  ref: 'gitlab_oidc_project-0.0.3.tar.gz',
  digest: 'sha256:c1ca9b0d85df1606451098233018534497bf584362e10e4a8c21dfaea92c02a8',
  type: 'package' as const,
};

async function verify(
  file: string,
  opts: { publishers?: SigstorePublisher[]; artifact?: Release['artifacts'][number]; baseDir?: string } = {},
): Promise<ProvenanceFacts> {
  const settings = PolicySettings.parse({
    provenance: {
      predicateTypes: ['https://docs.pypi.org/attestations/publish/v1'],
      sigstore: { trustedRoot, publishers: opts.publishers ?? [WORKFLOW] },
    },
  });
  const release = await fixtureRelease('checkout.yaml');
  const sigstore = await loadSigstoreTrust(settings.provenance.sigstore);
  return provenanceFacts({
    release: {
      ...release,
      artifacts: [opts.artifact ?? SDIST],
      evidence: { ...release.evidence, provenance: file },
    },
    settings,
    trustedKeys: parseTrustedKeys(settings.provenance.trustedKeys),
    ...(sigstore ? { sigstore } : {}),
    evidence: evidenceReader(settings, opts.baseDir ?? dir),
    time: new Date(GATE_TIME),
  });
}

interface Attestation {
  verification_material: { certificate: string; transparency_entries: unknown[] };
  envelope: { statement?: string; signature: string };
}
interface Provenance {
  attestation_bundles: { attestations: Attestation[] }[];
}

async function tampered(change: (p: Provenance) => void): Promise<ProvenanceFacts> {
  const doc = JSON.parse(await readFile(path.join(dir, PROVENANCE), 'utf8')) as Provenance;
  change(doc);
  const tmp = await mkdtemp(path.join(tmpdir(), 'tollgate-pypi-'));
  try {
    await writeFile(path.join(tmp, 'provenance.json'), JSON.stringify(doc));
    return await verify('provenance.json', { baseDir: tmp });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

const first = (p: Provenance) => p.attestation_bundles[0]!.attestations[0]!;

function flip(b64: string): string {
  const bytes = Buffer.from(b64, 'base64');
  bytes[bytes.length - 8] = bytes[bytes.length - 8]! ^ 0x01;
  return bytes.toString('base64');
}

void describe('PyPI attestations (PEP 740)', () => {
  void it("verifies a real package's provenance object: certificate, log, GitHub Actions publisher, subject", async () => {
    const facts = await verify(PROVENANCE);
    assert.deepEqual(facts.errors, []);
    assert.equal(facts.format, 'pypi-attestation');
    assert.equal(facts.verification, 'keyless');
    assert.equal(facts.signatureVerified, true);
    assert.equal(facts.signedBy, WORKFLOW.subjectAlternativeName);
    assert.equal(facts.signerIssuer, WORKFLOW.issuer);
    assert.equal(facts.predicateType, 'https://docs.pypi.org/attestations/publish/v1');
    assert.equal(facts.artifactsCovered, true);
    assert.deepEqual(facts.subjects, [{ name: SDIST.ref, digest: SDIST.digest }]);
  });

  void it('verifies a single attestation object and its signer identity (a GitLab CI publisher)', async () => {
    const gitlab = {
      issuer: 'https://gitlab.com',
      subjectAlternativeName:
        'https://gitlab.com/facutuesca/gitlab-oidc-project//.gitlab-ci.yml@refs/heads/main',
    };
    const facts = await verify(ATTESTATION, { artifact: GITLAB_SDIST, publishers: [gitlab] });
    assert.deepEqual(facts.errors, []);
    assert.equal(facts.format, 'pypi-attestation');
    assert.equal(facts.signedBy, gitlab.subjectAlternativeName);
    assert.equal(facts.signerIssuer, gitlab.issuer);
    assert.equal(facts.artifactsCovered, true);
  });

  void it('refuses a publisher that is not trusted, and another release of the package (identity)', async () => {
    const other = await verify(PROVENANCE, {
      publishers: [
        {
          ...WORKFLOW,
          subjectAlternativeName: WORKFLOW.subjectAlternativeName.replace('v0.0.19', 'v0.0.20'),
        },
      ],
    });
    assert.equal(other.failedCheck, 'identity');
    assert.match(
      other.errors[0] ?? '',
      /identity check failed: attestation_bundles\[0\]\.attestations\[0\]: signed by https:\/\/github\.com\/trailofbits\/pypi-attestations\/\.github\/workflows\/release\.yml@refs\/tags\/v0\.0\.19 from issuer https:\/\/token\.actions\.githubusercontent\.com, which is not a trusted publisher/,
    );
    const pattern = await verify(PROVENANCE, {
      publishers: [
        {
          ...WORKFLOW,
          subjectAlternativeName:
            '/https://github\\.com/trailofbits/pypi-attestations/\\.github/workflows/release\\.yml@refs/tags/v.+/',
        },
      ],
    });
    assert.deepEqual(pattern.errors, []);
  });

  void it('refuses an attestation that names other bytes (subject)', async () => {
    const facts = await verify(PROVENANCE, { artifact: { ...SDIST, digest: `sha256:${'0'.repeat(64)}` } });
    assert.equal(facts.signatureVerified, true);
    assert.equal(facts.failedCheck, 'subject');
  });

  const twins: [string, (p: Provenance) => void, string, RegExp][] = [
    [
      'statement changed after signing',
      (p) => {
        const statement = Buffer.from(first(p).envelope.statement!, 'base64')
          .toString()
          .replace('9bb1add0', '9bb1add1');
        first(p).envelope.statement = Buffer.from(statement).toString('base64');
      },
      'tlog',
      /tlog check failed: attestation_bundles\[0\]\.attestations\[0\]: DSSE payload hash mismatch/,
    ],
    [
      'transparency entries removed',
      (p) => {
        first(p).verification_material.transparency_entries = [];
      },
      'tlog',
      /tlog check failed/,
    ],
    [
      'signature changed',
      (p) => {
        first(p).envelope.signature = flip(first(p).envelope.signature);
      },
      'tlog',
      /tlog check failed/,
    ],
    [
      'certificate replaced by a byte-changed copy',
      (p) => {
        first(p).verification_material.certificate = flip(first(p).verification_material.certificate);
      },
      'certificate',
      /certificate check failed/,
    ],
    [
      'a second, tampered attestation beside the valid one',
      (p) => {
        const copy = structuredClone(first(p));
        copy.envelope.signature = flip(copy.envelope.signature);
        p.attestation_bundles.push({ attestations: [copy] });
      },
      'tlog',
      /tlog check failed: attestation_bundles\[1\]\.attestations\[0\]/,
    ],
    [
      'envelope without its statement',
      (p) => {
        delete first(p).envelope.statement;
      },
      'bundle',
      /bundle check failed: not a PEP 740 provenance object \(attestation_bundles\.0\.attestations\.0\.envelope\.statement: /,
    ],
  ];
  for (const [what, change, check, message] of twins)
    void it(`refuses a tampered twin: ${what} (${check})`, async () => {
      const facts = await tampered(change);
      assert.equal(facts.signatureVerified, false, what);
      assert.equal(facts.failedCheck, check, facts.errors.join('\n'));
      assert.match(facts.errors[0] ?? '', message);
    });

  void it('says PyPI attestations need Sigstore trust configured', async () => {
    const settings = PolicySettings.parse({});
    const release = await fixtureRelease('checkout.yaml');
    const facts = await provenanceFacts({
      release: { ...release, artifacts: [SDIST], evidence: { ...release.evidence, provenance: PROVENANCE } },
      settings,
      trustedKeys: [],
      evidence: evidenceReader(settings, dir),
      time: new Date(GATE_TIME),
    });
    assert.equal(facts.failedCheck, 'certificate');
    assert.match(
      facts.errors[0] ?? '',
      /PyPI attestations \(keyless Sigstore, .*\) need policy\.provenance\.sigstore/,
    );
  });
});
