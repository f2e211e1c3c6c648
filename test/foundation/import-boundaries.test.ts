/**
 * The layer boundaries are enforced by lint (eslint.config.js): these tests run the project's own
 * ESLint configuration over deliberate violations and show it failing, and over the allowed forms
 * and show it passing. Type-aware rules are switched off for the probes: the boundary rules do
 * not need types, and a probe is not a file of the TypeScript project.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { projectRoot } from '../../src/paths.js';

const eslint = new ESLint({ cwd: projectRoot, overrideConfig: tseslint.configs.disableTypeChecked });

async function boundaryErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${projectRoot}/${file}` });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports')
    .map((m) => m.message);
}

const cases: { file: string; code: string; refused: boolean }[] = [
  {
    file: 'workflows/probe.ts',
    code: "import { ORCHESTRATION_TASK_QUEUE } from '../activities/contracts.js';\nexport const q = ORCHESTRATION_TASK_QUEUE;\n",
    refused: true,
  },
  {
    file: 'workflows/probe.ts',
    code: "import { createLedger } from '../src/ledger/create.js';\nexport const c = createLedger;\n",
    refused: true,
  },
  {
    file: 'workflows/probe.ts',
    code: "import { PolicyEvaluation } from '../src/policy/types.js';\nexport const p = PolicyEvaluation;\n",
    refused: true,
  },
  {
    file: 'workflows/probe.ts',
    code: "import { readFile } from 'node:fs/promises';\nexport const r = readFile;\n",
    refused: true,
  },
  {
    file: 'workflows/probe.ts',
    code: "import type { StageActivities } from '../activities/contracts.js';\nexport type S = StageActivities;\n",
    refused: false,
  },
  {
    file: 'workflows/probe.ts',
    code: "import { ORCHESTRATION_TASK_QUEUE } from '../src/domain/task-queues.js';\nexport const q = ORCHESTRATION_TASK_QUEUE;\n",
    refused: false,
  },
  {
    file: 'src/domain/probe.ts',
    code: "import type { Ledger } from '../ledger/ledger.js';\nexport type L = Ledger;\n",
    refused: true,
  },
  {
    file: 'src/domain/probe.ts',
    code: "import { z } from 'zod';\nexport const s = z.string();\n",
    refused: false,
  },
];

for (const c of cases) {
  void test(`${c.file}: ${c.code.split('\n')[0]} → ${c.refused ? 'lint fails' : 'allowed'}`, async () => {
    const errors = await boundaryErrors(c.file, c.code);
    if (c.refused)
      assert.equal(errors.length, 1, `expected one boundary error, got ${JSON.stringify(errors)}`);
    else assert.deepEqual(errors, []);
  });
}

void test('the refusal says where shared values belong', async () => {
  const [message] = await boundaryErrors('workflows/probe.ts', cases[0]!.code);
  assert.match(message ?? '', /live in src\/domain/);
});
