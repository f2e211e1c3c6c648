/** What `tollgate attest verify` does (its shape is in attest.ts). */
import { readFile } from 'node:fs/promises';
import { readStageAttestation } from '../../approvals/attestation.js';
import { parsePublicKeyText } from '../../keys.js';
import { predicateProblem } from '../../approvals/stage-gates.js';
import { trustedOrchestrationKeys } from '../../config/orchestration-key.js';
import { buildTrust } from '../../promotion/prepare.js';
import type { Tollgate } from '../context.js';
import { OutcomeFailure, UserError } from '../errors.js';

export async function verifyAttestation(ctx: Tollgate, file: string, opts: { key?: string }): Promise<void> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new UserError(`${file}: ${(err as Error).message} (give a DSSE envelope as JSON)`);
  }
  const record = json as { data?: { envelope?: unknown } };
  const envelope = record?.data?.envelope ?? json;
  const config = await ctx.config();
  let keys: Buffer[];
  try {
    keys = opts.key ? [parsePublicKeyText(opts.key)] : await trustedOrchestrationKeys(config);
  } catch (err) {
    throw new UserError(`--key: ${(err as Error).message}`);
  }
  const read = readStageAttestation(envelope, keys);
  const problem =
    'problem' in read
      ? read.problem
      : predicateProblem(read.statement.predicate, { config, trust: buildTrust(config) });
  if (problem) {
    ctx.print({ ok: false, file, problem }, () => `${file}: does not hold: ${problem}`);
    throw new OutcomeFailure('');
  }
  const { predicate: p, subject } = (read as Extract<typeof read, { statement: unknown }>).statement;
  ctx.print({ ok: true, file, statement: { subject, predicate: p } }, () =>
    [
      `${file}: holds`,
      `promotion  ${p.promotionId} · stage ${p.stage} (${p.phase}) · pipeline ${p.pipeline}`,
      `release    ${p.release.app} ${p.release.version} ${p.release.digest}`,
      `subjects   ${subject.map((s) => `${s.name} sha256:${s.digest.sha256}`).join(', ')}`,
      `requester  ${String(p.start.payload.actor)}`,
      `policy     ${p.policy.passed ? 'passed' : `failed, waived: ${p.policy.failedRules.join(', ')}`} (${p.policy.resultHash})`,
      `votes      ${p.votes.map((v) => `${String(v.payload.actor)} ${String(v.payload.decision)}`).join(', ') || 'none required'}`,
      `issued     ${p.issuedAt} under config ${p.configDigest}`,
    ].join('\n'),
  );
}
