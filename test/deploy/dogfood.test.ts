/**
 * Tollgate's own deployment, judged by Tollgate: the production overlay rendered by kustomize
 * must be valid Kubernetes (the API's JSON schemas, strict) and must pass the project's own
 * `deployment-config` pack; the release manifest in deploy/production, with this project's SBOM
 * made by `npm sbom`, goes through the `supply-chain` pack with the production config's settings.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promisify } from 'node:util';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import type { TollgateConfig } from '../../src/config/schema.js';
import { PolicyEvaluation } from '../../src/policy/types.js';
import { projectRoot } from '../../src/paths.js';
import { tollgateCommand } from '../helpers/cli-process.js';
import { kubernetesSchemaDir } from '../helpers/kubernetes-schemas.js';
import { kustomizeBuild } from '../helpers/kustomize.js';

const run = promisify(execFile);
const production = path.join(projectRoot, 'deploy/production');
const overlay = path.join(production, 'kustomize/overlays/production');

type K8sObject = { apiVersion: string; kind: string; metadata: { name: string }; [k: string]: unknown };

/** `apps/v1` Deployment → `deployment-apps-v1.json`, `v1` Namespace → `namespace-v1.json`. */
function schemaFile(o: K8sObject): string {
  const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
  const g = group ? `-${group.replace(/\.k8s\.io$/, '')}` : '';
  return `${o.kind.toLowerCase()}${g}-${version}.json`;
}

async function validator(schemaDir: string) {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  const definitions = JSON.parse(await readFile(path.join(schemaDir, '_definitions.json'), 'utf8')) as object;
  ajv.addSchema(definitions);
  const compiled = new Map<string, ReturnType<typeof ajv.compile>>();
  return async (o: K8sObject): Promise<string[]> => {
    const file = schemaFile(o);
    let validate = compiled.get(file);
    if (!validate) {
      validate = ajv.compile(JSON.parse(await readFile(path.join(schemaDir, file), 'utf8')) as object);
      compiled.set(file, validate);
    }
    return validate(o)
      ? []
      : (validate.errors ?? []).map((e) => `${o.kind}/${o.metadata.name}${e.instancePath}: ${e.message}`);
  };
}

void describe("Tollgate's own deployment (dogfooding)", () => {
  let rendered: string;
  let objects: K8sObject[];
  let config: TollgateConfig;
  let dir: string;

  before(async () => {
    rendered = await kustomizeBuild(overlay);
    objects = parseAllDocuments(rendered).map((d) => d.toJS() as K8sObject);
    config = await loadConfig(path.join(overlay, 'tollgate.yaml'));
    dir = await mkdtemp(path.join(tmpdir(), 'tollgate-dogfood-'));
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  void it('renders every part: an orchestration worker, one worker per stage with its own Secret and ServiceAccount, the hook', () => {
    const deployments = objects.filter((o) => o.kind === 'Deployment');
    assert.deepEqual(deployments.map((d) => d.metadata.name).sort(), [
      'tollgate-chat-hook',
      'tollgate-orchestration',
      'tollgate-stage-dev',
      'tollgate-stage-prod',
      'tollgate-stage-staging',
    ]);
    const pod = (d: K8sObject) => (d.spec as { template: { spec: Record<string, unknown> } }).template.spec;
    const secretsOf = (d: K8sObject) =>
      JSON.stringify(pod(d))
        .match(/"(?:secretName|name)":"tollgate-stage-[a-z]+-(?:credentials|identity)"/g)
        ?.map((m) => m.split(':')[1]) ?? [];
    for (const stage of ['dev', 'staging', 'prod']) {
      const d = deployments.find((x) => x.metadata.name === `tollgate-stage-${stage}`)!;
      assert.equal(pod(d).serviceAccountName, `tollgate-stage-${stage}`);
      assert.deepEqual(secretsOf(d).sort(), [
        `"tollgate-stage-${stage}-credentials"`,
        `"tollgate-stage-${stage}-identity"`,
      ]);
      assert.match(JSON.stringify(pod(d)), new RegExp(`"--stage","${stage}"`));
      // Each stage worker signs as the identity the config trusts for that stage alone.
      assert.match(JSON.stringify(pod(d)), new RegExp(`"--identity","${stage}-worker"`));
      assert.deepEqual(config.workers.find((w) => w.identity === `${stage}-worker`)?.stages, [stage]);
    }
    // No target credentials or stage identity keys outside the stage workers.
    for (const name of ['tollgate-orchestration', 'tollgate-chat-hook'])
      assert.deepEqual(secretsOf(deployments.find((x) => x.metadata.name === name)!), []);
    for (const kind of ['PodDisruptionBudget', 'NetworkPolicy', 'Service', 'Ingress', 'Namespace'])
      assert.ok(
        objects.some((o) => o.kind === kind),
        `no ${kind} rendered`,
      );
  });

  void it('validates against the Kubernetes API schemas, which would catch a misspelt field', async () => {
    const validate = await validator(await kubernetesSchemaDir());
    const errors: string[] = [];
    for (const o of objects) errors.push(...(await validate(o)));
    assert.deepEqual(errors, []);

    const misspelt = structuredClone(objects.find((o) => o.kind === 'Deployment')!);
    const container = (misspelt.spec as { template: { spec: { containers: Record<string, unknown>[] } } })
      .template.spec.containers[0]!;
    container.securityContext = { readOnlyRootFileSystem: true };
    assert.match(
      (await validate(misspelt)).join('\n'),
      /securityContext: must NOT have additional properties/,
    );
  });

  void it('meets its own deployment-config pack and the supply-chain rules its repository can answer', async () => {
    await copyFile(path.join(production, 'release.yaml'), path.join(dir, 'release.yaml'));
    await writeFile(path.join(dir, 'tollgate.k8s.yaml'), rendered);
    const sbom = await run('npm', ['sbom', '--sbom-format', 'cyclonedx', '--omit', 'dev'], {
      cwd: projectRoot,
      maxBuffer: 64 * 1024 * 1024,
    });
    await writeFile(path.join(dir, 'tollgate.cdx.json'), sbom.stdout);

    const [node, args] = tollgateCommand([
      '--json',
      '--config',
      path.join(overlay, 'tollgate.yaml'),
      'policy',
      'test',
      path.join(dir, 'release.yaml'),
      '--stage',
      'prod',
      '--pack',
      path.join(projectRoot, 'deploy/policies'),
      '--packs',
      'deployment-config,supply-chain',
    ]);
    const result = await run(node, args, { cwd: dir, maxBuffer: 16 * 1024 * 1024 }).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    assert.ok(result.stdout.startsWith('{'), `tollgate policy test printed no evaluation: ${result.stderr}`);
    const evaluation = PolicyEvaluation.parse(JSON.parse(result.stdout));
    const outcome = (pack: string) =>
      Object.fromEntries(evaluation.rules.filter((r) => r.pack === pack).map((r) => [r.ruleId, r.outcome]));

    const deployment = outcome('deployment-config');
    assert.ok(Object.keys(deployment).length >= 8, 'the deployment-config pack was not evaluated');
    assert.deepEqual(
      Object.entries(deployment).filter(([, o]) => o !== 'pass'),
      [],
      'every deployment-config rule passes on the rendered manifests',
    );

    const supply = outcome('supply-chain');
    for (const rule of [
      'sbom-present',
      'sbom-licenses-allowed',
      'images-digest-pinned',
      'artifact-digests-consistent',
      'registries-allowed',
      'no-expired-vulnerability-ignores',
    ])
      assert.equal(supply[rule], 'pass', `supply-chain/${rule}`);
    // The image, its signed provenance and its scan are made by the release pipeline (docker
    // build, trivy), which cannot run here: the gate blocks until they are attached.
    for (const rule of ['provenance-signed', 'provenance-covers-artifacts', 'vulnerability-reports-readable'])
      assert.equal(supply[rule], 'fail', `supply-chain/${rule}`);
    assert.equal(evaluation.passed, false);
    assert.equal(result.code, 1);
  });
});
