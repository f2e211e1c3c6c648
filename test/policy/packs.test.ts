import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as prettier from 'prettier';
import { loadPacks, PolicyPackError } from '../../src/policy/loader.js';
import { policyPackJsonSchema } from '../../src/policy/pack.js';
import { createPolicyEngine, PolicySettingsError } from '../../src/policy/engine.js';
import { builtInPacks, captureLogger } from './helpers.js';

async function packDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tollgate-packs-'));
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  return dir;
}

async function loadError(dir: string): Promise<PolicyPackError> {
  const err = await loadPacks([dir]).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof PolicyPackError, `expected a PolicyPackError, got ${String(err)}`);
  return err;
}

const header = 'apiVersion: tollgate.dev/v1\nkind: PolicyPack\nname: demo\nrules:\n';
function rule(id: string, expression: string): string {
  return `  - id: ${id}\n    description: d\n    severity: high\n    expression: ${expression}\n    remediation: r\n    controls: [ISO27001:A.8.32]\n`;
}

void describe('policy packs', () => {
  void it('loads the built-in packs, every rule mapped to controls, versioned by the sha256 of the file', async () => {
    const packs = await loadPacks([builtInPacks]);
    assert.deepEqual(packs.map((p) => p.name).sort(), [
      'ai-release',
      'change-management',
      'deployment-config',
      'supply-chain',
    ]);
    for (const pack of packs) {
      const bytes = await readFile(pack.file);
      assert.equal(pack.version, `sha256:${createHash('sha256').update(bytes).digest('hex')}`);
      for (const r of pack.rules) assert.ok(r.controls.length > 0, `${pack.name}/${r.id} names no control`);
    }
    const controls = new Set(packs.flatMap((p) => p.rules.flatMap((r) => r.controls)));
    for (const required of [
      'ISO27001:A.8.9',
      'ISO27001:A.8.32',
      'ISO27001:A.5.31',
      'ISO27001:A.5.32',
      'ISO42001:8.2',
      'ISO42001:8.3',
      'ISO42001:8.4',
      'ISO42001:B.6.2.5',
      'ISO42001:B.6.2.6',
      'EUAIAct:Art.9(6)',
      'EUAIAct:Art.9(7)',
      'EUAIAct:Art.9(8)',
      'EUAIAct:Art.26',
      'EUAIAct:Art.50',
      'EUAIAct:Art.53',
      'EUAIAct:Annex.XI',
      'EUAIAct:Art.55',
      'NIST-AI-RMF:MEASURE-2.9',
      'NIST-AI-RMF:MEASURE-2.10',
      'BSI-C5:DEV-01',
      'BSI-C5:DEV-03',
      'BSI-C5:DEV-08',
      'BSI-C5:DEV-09',
      'BSI-C5:PSS-02',
      'BSI-C5:PSS-05',
      'BSI-C5:PSS-09',
      'BSI-C5:PSS-10',
      'CSA-CCM:AIS-06',
    ]) {
      assert.ok(controls.has(required), `no built-in rule evidences ${required}`);
    }
  });

  void it('keeps deploy/policies/pack.schema.json in step with the zod schema (regenerates it when stale)', async () => {
    const file = path.join(builtInPacks, 'pack.schema.json');
    const expected = await prettier.format(JSON.stringify(policyPackJsonSchema()), {
      ...(await prettier.resolveConfig(file)),
      filepath: file,
    });
    const current = await readFile(file, 'utf8').catch(() => '');
    if (current !== expected) await writeFile(file, expected);
    assert.equal(
      current,
      expected,
      'deploy/policies/pack.schema.json was stale and has been regenerated: commit it',
    );
    const schema = JSON.parse(expected) as { properties: { rules: { items: { required: string[] } } } };
    assert.deepEqual(schema.properties.rules.items.required, [
      'id',
      'description',
      'severity',
      'expression',
      'remediation',
      'controls',
    ]);
  });

  void it('reports an undeclared variable with file, rule id, line and column', async () => {
    const dir = await packDir({
      'demo.yaml': header + rule('ok-rule', 'facts.sbom.parseable') + rule('typo', 'relase.app == "x"'),
    });
    try {
      const err = await loadError(dir);
      assert.equal(err.problems.length, 1);
      assert.deepEqual(
        { ...err.problems[0], message: undefined },
        { file: path.join(dir, 'demo.yaml'), ruleId: 'typo', line: 14, column: 17, message: undefined },
      );
      assert.match(
        err.message,
        /demo\.yaml:14:17 rule typo: CEL type error: Unknown variable: relase \(declared variables: release, stage, facts, time, requester\)/,
      );
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  void it('reports a syntax error inside a block expression at its line in the file', async () => {
    const text = `${header}  - id: broken\n    description: d\n    severity: low\n    expression: |\n      facts.sbom.parseable &&\n        (stage == "prod"\n    remediation: r\n    controls: [ISO27001:A.8.32]\n`;
    const dir = await packDir({ 'demo.yaml': text });
    try {
      const err = await loadError(dir);
      assert.equal(err.problems[0]?.ruleId, 'broken');
      assert.equal(
        err.problems[0]?.line,
        10,
        'the unclosed parenthesis is on the second line of the expression',
      );
      assert.match(err.problems[0]?.message ?? '', /CEL syntax error/);
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  void it('lists every problem of every pack at once: schema errors, non-bool rules, YAML errors, duplicates', async () => {
    const dir = await packDir({
      'a.yaml':
        header +
        rule('not-bool', 'release.app + "x"') +
        '  - id: Bad_Id\n    description: d\n    severity: extreme\n    expresion: true\n    remediation: r\n    controls: [nope]\n',
      'b.yaml':
        'apiVersion: tollgate.dev/v1\nkind: PolicyPack\nname: demo\nrules:\n  - id: x\n    description: [unclosed\n',
      'c.yaml': header + rule('same', 'stage != ""') + rule('same', 'stage != ""'),
    });
    try {
      const err = await loadError(dir);
      const text = err.message;
      assert.match(
        text,
        /a\.yaml:8:17 rule not-bool: CEL type error: the expression must return bool, not string/,
      );
      assert.match(text, /a\.yaml:\d+:\d+ rule Bad_Id: rules\.1\.severity: Invalid option/);
      assert.match(text, /rule Bad_Id: rules\.1: Unrecognized key: "expresion"/);
      assert.match(text, /rules\.1\.controls\.0: must be <framework>:<control>/);
      assert.match(text, /b\.yaml:\d+:\d+: YAML:/);
      assert.match(text, /c\.yaml:\d+:\d+ rule same: rules\.1\.id: duplicate rule id same/);
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  void it('refuses a missing pack directory and two packs with the same name', async () => {
    const dir = await packDir({
      'a.yaml': header + rule('r', 'stage != ""'),
      'b.yaml': header + rule('r', 'stage != ""'),
    });
    try {
      const err = await loadError(dir);
      assert.match(err.message, /b\.yaml: pack name "demo" is already used by .*a\.yaml/);
      const missing = await loadError(path.join(dir, 'nope'));
      assert.match(missing.message, /nope: cannot read policy pack directory/);
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  void it('refuses invalid settings and unusable keys at engine start, naming the setting', async () => {
    const { logger } = captureLogger();
    await assert.rejects(
      createPolicyEngine({
        packDirs: [builtInPacks],
        settings: { blockingSeverity: 'severe' } as never,
        logger,
      }),
      (e: unknown) => e instanceof PolicySettingsError && /policy\.blockingSeverity/.test(e.message),
    );
    await assert.rejects(
      createPolicyEngine({
        packDirs: [builtInPacks],
        settings: {
          provenance: {
            trustedKeys: [
              { id: 'k', publicKey: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n' },
            ],
          },
        },
        logger,
      }),
      /policy\.provenance\.trustedKeys\[0\] \(k\): cannot read the public key/,
    );
  });
});
