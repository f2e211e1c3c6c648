/**
 * Strict input: a misspelt field in a config, pipeline or release is an error with a "did you
 * mean", `config validate` checks the names a config refers to, and the JSON Schema editors use
 * is standard draft 2020-12, strict, described, and written where the examples point.
 * Drives the real `tollgate` command; nothing here needs a Temporal server.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { projectRoot } from '../../src/paths.js';
import { tollgateProcess, writeConfig, writeManifest } from '../cli/support.js';

let dir: string;
let env: NodeJS.ProcessEnv;
const noop = { type: 'command', operations: { deploy: ['true'], rollback: ['true'] } };
const EXAMPLE_CONFIG = path.join(projectRoot, 'deploy/examples/tollgate.yaml');
const EXAMPLE_RELEASES = ['sample-app-1.0.0.yaml', 'sample-app-2.0.0-errors.yaml'].map((f) =>
  path.join(projectRoot, 'deploy/examples/releases', f),
);

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tollgate-strict-'));
  env = { PATH: process.env.PATH, HOME: dir, TOLLGATE_HOME: path.join(dir, 'home') };
});

const tollgate = (args: string[]) => tollgateProcess(args, env);

/** The example config with one line rewritten, as a file in the test folder. */
async function exampleWith(name: string, from: string, to: string): Promise<string> {
  const text = await readFile(EXAMPLE_CONFIG, 'utf8');
  assert.ok(text.includes(from), `the example config has ${from}`);
  const file = path.join(dir, name);
  await writeFile(file, text.replace(from, to));
  return file;
}

void describe('unknown fields are errors', () => {
  void test('a misspelt quorum in a config is refused with a did-you-mean, exit 2', async () => {
    const file = await exampleWith('quorom.yaml', 'quorum: 2', 'quorom: 2');
    const run = await tollgate(['--config', file, 'config', 'validate']);
    assert.equal(run.code, 2, run.stdout);
    assert.match(
      run.stderr,
      /quorom\.yaml:\d+:\d+ pipelines\[0\]\.stages\[2\]\.approval\.quorom: unknown field; did you mean "quorum"\?/,
    );
    assert.doesNotMatch(run.stdout, /is valid/);
  });

  void test('a misspelt requester in a release is refused with a did-you-mean, exit 2', async () => {
    const file = await writeManifest(dir, 'reqester');
    const text = (await readFile(file, 'utf8')).replace('"requester"', '"reqester"');
    await writeFile(file, text);
    const run = await tollgate(['config', 'validate', file]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /reqester\.yaml:\d+:\d+ reqester: unknown field; did you mean "requester"\?/);
  });

  void test('a field that resembles nothing lists the allowed ones; a secret reference gets its did-you-mean too', async () => {
    const far = await exampleWith('far.yaml', 'kind: Config', 'kind: Config\ncolour: blue');
    const run = await tollgate(['--config', far, 'config', 'validate']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /colour: unknown field \(allowed: .*apiVersion, kind, principals/);

    const secret = path.join(dir, 'secret.yaml');
    await writeConfig(dir, [{ name: 'dev', target: noop }], {
      hook: { slack: { signingSecret: { fil: '/run/secrets/slack' } } },
    });
    await writeFile(
      secret,
      (await readFile(path.join(dir, 'tollgate.yaml'), 'utf8')).replace(/^/, '# a hook with a typo\n'),
    );
    const typo = await tollgate(['--config', secret, 'config', 'validate']);
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /hook\.slack\.signingSecret\.fil: unknown field; did you mean "file"\?/);
  });

  void test('a misspelt field in a stage target or canary step is refused', async () => {
    const file = path.join(dir, 'deep.yaml');
    await writeConfig(dir, [
      {
        name: 'dev',
        target: { ...noop, timout: '1m' },
        canary: { steps: [{ weight: 10, bake: '1m', bak: '2m' }] },
      },
    ]);
    await writeFile(file, await readFile(path.join(dir, 'tollgate.yaml'), 'utf8'));
    const run = await tollgate(['--config', file, 'config', 'validate']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /stages\[0\]\.target\.timout: unknown field; did you mean "timeout"\?/);
    assert.match(run.stderr, /canary\.steps\[0\]\.bak: unknown field; did you mean "bake"\?/);
  });
});

void describe('config validate checks what the config refers to', () => {
  void test('an unknown policy pack and an operator group without members are positioned errors with suggestions', async () => {
    let file = await exampleWith(
      'refs.yaml',
      'policy: { packs: [change-management, ai-release, release-evidence] }',
      'policy: { packs: [change-managment, ai-release, release-evidence] }',
    );
    const text = (await readFile(file, 'utf8')).replace(
      'operatorGroups: [operators]',
      'operatorGroups: [operator]',
    );
    file = path.join(dir, 'refs2.yaml');
    await writeFile(file, text);
    const run = await tollgate(['--config', file, 'config', 'validate']);
    assert.equal(run.code, 2, run.stdout);
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines.length, 2, run.stderr);
    assert.match(
      lines[0]!,
      /refs2\.yaml:\d+:\d+ pipelines\[0\]\.operatorGroups\[0\]: group "operator" has no members among principals; did you mean "operators"\?/,
    );
    assert.match(
      lines[1]!,
      /refs2\.yaml:\d+:\d+ pipelines\[0\]\.stages\[0\]\.policy\.packs\[0\]: no policy pack "change-managment" in .*; did you mean "change-management"\?/,
    );
  });
});

void describe('JSON Schema', () => {
  const schemas: Record<string, Record<string, unknown>> = {};
  before(async () => {
    const out = path.join(dir, 'schemas');
    const run = await tollgate(['config', 'schema', '--write', out]);
    assert.equal(run.code, 0, run.stderr);
    for (const kind of ['config', 'pipeline', 'release'])
      schemas[kind] = JSON.parse(await readFile(path.join(out, `${kind}.schema.json`), 'utf8')) as Record<
        string,
        unknown
      >;
  });

  void test('is standard draft 2020-12: strict Ajv compiles it; only standard formats', () => {
    const ajv = new Ajv2020({ strict: true, allErrors: true, validateFormats: false });
    for (const [kind, schema] of Object.entries(schemas)) {
      assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema', kind);
      assert.ok(ajv.validateSchema(schema), JSON.stringify(ajv.errors));
      ajv.compile(schema);
      const formats = [...JSON.stringify(schema).matchAll(/"format":"([^"]+)"/g)].map((m) => m[1]);
      for (const f of formats) assert.ok(['uri', 'date-time', 'date'].includes(f!), `${kind}: format ${f}`);
    }
  });

  void test('every field has a description and every object refuses unknown fields', () => {
    const undescribed: string[] = [];
    const open: string[] = [];
    const walk = (node: unknown, at: string): void => {
      if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${at}[${i}]`));
      if (!node || typeof node !== 'object') return;
      const n = node as Record<string, unknown>;
      if (n.properties) {
        if (n.additionalProperties !== false) open.push(at || '(root)');
        for (const [key, value] of Object.entries(n.properties as Record<string, Record<string, unknown>>)) {
          if (!value.description) undescribed.push(`${at}.${key}`);
          walk(value, `${at}.${key}`);
        }
      }
      for (const key of ['items', 'anyOf', 'oneOf', 'allOf', 'additionalProperties', '$defs'])
        if (n[key] && typeof n[key] === 'object') walk(n[key], `${at}/${key}`);
    };
    for (const [kind, schema] of Object.entries(schemas)) walk(schema, kind);
    assert.deepEqual(undescribed, []);
    assert.deepEqual(open, []);
  });

  void test("the schemas in the repository are today's, at the paths the examples' $schema comments name", async () => {
    const pointed = async (file: string) => {
      const match = /\$schema=(\S+)/.exec(await readFile(file, 'utf8'));
      assert.ok(match, `${file} names its schema`);
      return JSON.parse(await readFile(path.resolve(path.dirname(file), match[1]!), 'utf8')) as unknown;
    };
    assert.deepEqual(await pointed(EXAMPLE_CONFIG), schemas.config, 'run `tollgate config schema --write`');
    for (const release of EXAMPLE_RELEASES) assert.deepEqual(await pointed(release), schemas.release);
  });

  void test('accepts the examples and refuses a misspelt field, as the CLI does', async () => {
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    const config = ajv.compile(schemas.config!);
    const example = parse(await readFile(EXAMPLE_CONFIG, 'utf8')) as Record<string, unknown>;
    assert.ok(config(example), JSON.stringify(config.errors));
    const release = ajv.compile(schemas.release!);
    for (const file of EXAMPLE_RELEASES)
      assert.ok(release(parse(await readFile(file, 'utf8'))), JSON.stringify(release.errors));
    const misspelt = parse(await readFile(EXAMPLE_RELEASES[0]!, 'utf8')) as Record<string, unknown>;
    misspelt.reqester = misspelt.requester;
    delete misspelt.requester;
    assert.ok(!release(misspelt));
  });
});
