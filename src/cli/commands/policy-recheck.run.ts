/**
 * `tollgate policy recheck <bundle> <promotion>`: an auditor re-evaluates a promotion's recorded
 * policy gates offline from an evidence bundle (`tollgate audit export`), reading the evidence
 * bytes the bundle carries, and learns whether today's packs and settings give the recorded result.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import * as tar from 'tar';
import { z } from 'zod';
import { openFileBlobStore } from '../../ledger/blob-store-file.js';
import { openFileLedger } from '../../ledger/file-store.js';
import { createLogger } from '../../logging/logger.js';
import { createPolicyEngine } from '../../policy/engine.js';
import { recheckPromotion } from '../../policy/recheck.js';
import type { CliContext } from '../context.js';

const RecheckConfig = z.looseObject({
  policyPackDirs: z.array(z.string()).default(['deploy/policies']),
  policy: z.unknown().optional(),
});

export async function recheck(
  ctx: CliContext,
  bundle: string,
  promotionId: string,
  opts: { pack?: string[] },
  cmd: Command,
): Promise<void> {
  const root = await mkdtemp(path.join(tmpdir(), 'tollgate-recheck-'));
  let differs: string | undefined;
  try {
    const dir = await bundleDir(bundle, root);
    const logger = createLogger({ level: 'warn', pretty: false });
    const config = RecheckConfig.parse(await ctx.loadConfig());
    const engine = await createPolicyEngine({
      packDirs: opts.pack ?? config.policyPackDirs,
      settings: config.policy ?? {},
      logger,
      blobs: openFileBlobStore(path.join(dir, 'ledger')),
    });
    const gates = await recheckPromotion(
      await openFileLedger(path.join(dir, 'ledger'), logger),
      engine,
      promotionId,
    );
    if (ctx.json) ctx.out(JSON.stringify({ promotionId, gates }, null, 2));
    else
      for (const g of gates) {
        ctx.out(
          `${promotionId} ${g.stage}: ${g.same ? 'same result' : 'DIFFERENT result'} (recorded ${g.recordedHash.slice(0, 16)}, now ${g.recheckedHash.slice(0, 16)}; ${g.passed ? 'passes' : 'blocks'})`,
        );
        for (const change of g.changedRules) ctx.out(`  ${change}`);
      }
    if (gates.some((g) => !g.same))
      differs = `${promotionId}: the re-evaluation differs from the recorded result (packs, settings or evidence changed)`;
  } catch (err) {
    cmd.error(`error: ${(err as Error).message}`, { exitCode: 2, code: 'tollgate.policy.input' });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  if (differs) cmd.error(differs, { exitCode: 1, code: 'tollgate.policy.differs' });
}

/** An exported bundle (.tar.gz, extracted into `root`) or a folder it was already extracted to. */
async function bundleDir(bundle: string, root: string): Promise<string> {
  if ((await stat(bundle)).isDirectory()) return bundle;
  try {
    await tar.extract({ file: bundle, cwd: root, strict: true });
  } catch (err) {
    throw new Error(
      `${bundle}: not a readable evidence bundle (${(err as Error).message}); create one with \`tollgate audit export\``,
    );
  }
  return root;
}
