/**
 * The sample app's build evidence, as its release manifests attach it: a CycloneDX SBOM made by
 * `npm sbom` from this folder's package.json and lock file, and SLSA build provenance naming
 * server.js by its sha256, as an in-toto Statement in a DSSE envelope signed with Ed25519.
 *
 *   node --import tsx deploy/examples/sample-app/attest.ts [--key build-key.pem]
 *
 * Without --key a new key is made and thrown away after signing; the public key to trust is
 * printed (deploy/examples/tollgate.yaml lists it under policy.provenance.trustedKeys).
 */
import { execFileSync } from 'node:child_process';
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  type KeyObject,
} from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { pae } from '../../../src/policy/facts/dsse.js';

const KEY_ID = 'sample-app-build';
const PAYLOAD_TYPE = 'application/vnd.in-toto+json';
const here = path.dirname(fileURLToPath(import.meta.url));
const evidenceDir = path.join(here, '..', 'releases', 'evidence');
/** The artifact as the release manifests name it (`artifacts[].ref`). */
const ARTIFACT_REF = 'deploy/examples/sample-app/server.js';

const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

function sbom(): string {
  const text = execFileSync('npm', ['sbom', '--sbom-format', 'cyclonedx', '--sbom-type', 'application'], {
    cwd: here,
    encoding: 'utf8',
  });
  return `${JSON.stringify(JSON.parse(text), null, 2)}\n`;
}

function statement(sbomText: string, builtAt: string): Record<string, unknown> {
  const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: here, encoding: 'utf8' }).trim();
  return {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: ARTIFACT_REF, digest: { sha256: sha256(readFileSync(path.join(here, 'server.js'))) } }],
    predicateType: 'https://slsa.dev/provenance/v1',
    predicate: {
      buildDefinition: {
        buildType: 'https://tollgate.dev/sample-app/copy-source@v1',
        externalParameters: { source: 'deploy/examples/sample-app', entryPoint: 'server.js' },
        resolvedDependencies: [
          { uri: 'git+https://tollgate.dev/tollgate.git', digest: { gitCommit: commit } },
          { name: 'sample-app.cdx.json', digest: { sha256: sha256(sbomText) } },
        ],
      },
      runDetails: {
        builder: { id: 'https://tollgate.dev/builders/sample-app-maintainer' },
        metadata: { invocationId: `sample-app-${builtAt}`, startedOn: builtAt, finishedOn: builtAt },
      },
    },
  };
}

function envelope(payload: Record<string, unknown>, key: KeyObject): Record<string, unknown> {
  const body = Buffer.from(JSON.stringify(payload));
  return {
    payloadType: PAYLOAD_TYPE,
    payload: body.toString('base64'),
    signatures: [{ keyid: KEY_ID, sig: sign(null, pae(PAYLOAD_TYPE, body), key).toString('base64') }],
  };
}

function main(): void {
  const { values } = parseArgs({ options: { key: { type: 'string' } } });
  const key = values.key
    ? createPrivateKey(readFileSync(values.key))
    : generateKeyPairSync('ed25519').privateKey;
  const sbomText = sbom();
  const builtAt = new Date().toISOString();
  writeFileSync(path.join(evidenceDir, 'sample-app.cdx.json'), sbomText);
  writeFileSync(
    path.join(evidenceDir, 'sample-app.provenance.dsse.json'),
    `${JSON.stringify(envelope(statement(sbomText, builtAt), key), null, 2)}\n`,
  );
  const raw = createPublicKey(key).export({ format: 'der', type: 'spki' }).subarray(-32);
  process.stdout.write(`trust: { id: ${KEY_ID}, publicKey: 'ed25519:${raw.toString('base64')}' }\n`);
}

main();
