import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { OperationLogEntry, ServingState } from '../../src/targets/target.js';
import { sampleAppTarget, tempDir } from './sample-app.js';

const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const close of closers) await close();
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

void test('after its worker is killed mid-canary, a new worker keeps serving and can still roll back', async () => {
  const stateDir = await tempDir();
  const worker = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(import.meta.dirname, 'fixtures', 'worker.ts'), stateDir],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const [line] = (await once(createInterface({ input: worker.stdout }), 'line')) as [string];
  const before = JSON.parse(line) as { serving: ServingState; log: OperationLogEntry[] };
  const pidOf = (key: string) => before.log.find((e) => e.key === key)!.detail!.pid as number;
  const stablePid = pidOf('p1/dev/deploy');
  const canaryPid = pidOf('p2/dev/deploy');

  worker.kill('SIGKILL');
  await once(worker, 'exit');
  // The stable version dies too; the canary outlives its worker.
  process.kill(stablePid, 'SIGKILL');
  while (alive(stablePid)) await new Promise((r) => setTimeout(r, 10));
  assert.ok(alive(canaryPid));

  const { target } = await sampleAppTarget({ stateDir });
  closers.push(() => target.close());
  const restored = await target.status('shop');
  assert.deepEqual(
    restored.stable,
    { version: '1.0.0', healthy: true },
    'the dead stable version was started again',
  );
  assert.deepEqual(
    restored.canary,
    { version: '2.0.0', weight: 20, healthy: true },
    'the canary was adopted at its weight',
  );
  assert.equal(restored.endpoint!.url, before.serving.endpoint!.url, 'the router is back on the same port');
  assert.deepEqual(
    (await target.operationLog()).map((e) => e.key),
    ['p1/dev/deploy', 'p2/dev/deploy', 'p2/dev/weight/0'],
    'the operation log written by the dead worker is still there',
  );

  const repeated = await target.setWeight({
    key: 'p2/dev/weight/0',
    app: 'shop',
    version: '2.0.0',
    weight: 20,
  });
  assert.deepEqual(repeated, before.serving, 'a retried activity gets the recorded result');

  const seen = new Set<string>();
  for (let i = 0; i < 10; i++) {
    const res = await fetch(restored.endpoint!.url);
    assert.equal(res.status, 200);
    seen.add(res.headers.get('x-tollgate-version')!);
    await res.arrayBuffer();
  }
  assert.deepEqual([...seen].sort(), ['1.0.0', '2.0.0']);

  const rolledBack = await target.rollback({ key: 'p2/dev/rollback', app: 'shop' });
  assert.deepEqual(rolledBack.stable, { version: '1.0.0', healthy: true });
  assert.equal(rolledBack.canary, undefined);
  assert.ok(!alive(canaryPid), 'the adopted canary process was stopped');
});
