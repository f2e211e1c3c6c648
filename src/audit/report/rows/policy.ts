/**
 * Guidelines 3 and 6: configuration policies enforced as code at every stage, with the log of
 * failed gates and their remediation; and the procedure in force (pipeline, digest, packs).
 */
import type { PipelineInForce } from '../pipeline.js';
import { deployedStages, isFailing, list, type CoverageRow, type RowContext } from './row.js';

export function configurationPolicyRow(ctx: RowContext): CoverageRow {
  const base = {
    id: 'ag-3-configuration-policies',
    source: 'Auditing guideline 3',
    question: 'Configuration policies enforced as code, with an audit log of remediation',
  };
  const entered = ctx.promotion.reached;
  if (entered.length === 0)
    return { ...base, status: 'not applicable', detail: 'no stage was entered', evidence: [] };
  const withRules = new Set(ctx.policies.filter((p) => p.rules.length > 0).map((p) => p.stage));
  const unchecked = entered.filter((s) => !withRules.has(s));
  const deployed = new Set(deployedStages(ctx));
  const failures = ctx.policies.flatMap((p) =>
    p.rules.filter((r) => isFailing(r.outcome)).map((r) => ({ ...r, stage: p.stage, seq: p.seq })),
  );
  // A failing rule that was neither waived nor stopped the stage means the gate did not enforce.
  const bypassed = failures.filter((f) => !ctx.waived.has(f.ruleId) && f.stage && deployed.has(f.stage));
  const remediation = failures.map(
    (f) =>
      `${f.ruleId}@${f.stage ?? '?'} ${ctx.waived.has(f.ruleId) ? 'waived' : deployed.has(f.stage ?? '') ? 'NOT ENFORCED' : 'stopped the promotion'}`,
  );
  const waivers = ctx.records.filter((r) => r.type === 'waiver.granted');
  return {
    ...base,
    status: unchecked.length || bypassed.length ? 'not met' : 'met',
    detail:
      (unchecked.length
        ? `stage(s) ran NO policy rule: ${list(unchecked)}`
        : `every entered stage (${list(entered)}) evaluated its packs`) +
      `; ${ctx.policies.reduce((n, p) => n + p.rules.length, 0)} rule result(s)` +
      `; remediation log: ${failures.length ? remediation.join(', ') : 'no failed gate'}`,
    evidence: [...ctx.policies.map((p) => p.seq), ...waivers.map((w) => w.seq)].sort((a, b) => a - b),
  };
}

export function proceduresRow(ctx: RowContext, pipeline: PipelineInForce): CoverageRow {
  const base = {
    id: 'ag-6-procedures',
    source: 'Auditing guideline 6',
    question: 'Policies and procedures for application deployment: the pipeline in force',
  };
  if (!ctx.started)
    return {
      ...base,
      status: 'not met',
      detail: 'no promotion.started record: the pipeline this change went through is unknown',
      evidence: [],
    };
  const entered = pipeline.stages.filter((s) => s.entered);
  if (entered.length === 0)
    return {
      ...base,
      status: 'not applicable',
      detail: `pipeline ${pipeline.name ?? '?'} was chosen but no stage was entered`,
      evidence: [ctx.started.seq],
    };
  const withoutPacks = entered.filter((s) => s.policyPacks.length === 0).map((s) => s.name);
  const evidence = [ctx.started.seq, ...entered.flatMap((s) => s.evidence)].sort((a, b) => a - b);
  const summary = `pipeline ${pipeline.name ?? '?'} (${pipeline.stages.map((s) => s.name).join(' → ')}), digest ${pipeline.digest ?? 'NOT RECORDED'}; packs ${entered.map((s) => `${s.name}: ${list(s.policyPacks)}`).join('; ')}`;
  if (withoutPacks.length)
    return {
      ...base,
      status: 'not met',
      detail: `${summary}; stage(s) ran NO policy pack: ${list(withoutPacks)}`,
      evidence,
    };
  return {
    ...base,
    status: pipeline.digest ? 'met' : 'partial',
    detail: pipeline.digest
      ? summary
      : `${summary}; the pipeline definition is not recorded, only read back from its gates (see "Pipeline in force")`,
    evidence,
  };
}
