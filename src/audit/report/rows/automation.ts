/**
 * Guideline 9 and the addendum's encouragement of automation: which gates decided by
 * themselves and on what criteria (policy rules, canary thresholds), automatic rollbacks, and
 * every manual intervention counted.
 */
import { isHumanChannel, str } from '../evidence.js';
import { list, type CoverageRow, type RowContext } from './row.js';

const INTERVENTIONS = /^(control\.|canary\.decision|waiver\.granted|freeze\.)/;

export function automationRow(ctx: RowContext): CoverageRow {
  const base = {
    id: 'ag-9-automation',
    source: 'Auditing guideline 9 + addendum',
    question: 'Extent of automation and its criteria; manual interventions counted',
  };
  const entered = ctx.promotion.reached;
  if (entered.length === 0)
    return { ...base, status: 'not applicable', detail: 'no stage was entered', evidence: [] };
  const automatic = ctx.records.filter(
    (r) => (r.type === 'policy.evaluated' || r.type === 'canary.analysis') && r.actor.channel === 'system',
  );
  const gated = new Set(automatic.map((r) => r.stage));
  const ungated = entered.filter((s) => !gated.has(s));
  const manualDeploys = ctx.records.filter(
    (r) => r.type === 'deploy.completed' && isHumanChannel(r.actor.channel),
  );
  const autoRollbacks = ctx.records.filter(
    (r) => r.type === 'rollback.completed' && r.actor.channel === 'system',
  );
  const interventions = ctx.records.filter(
    (r) => INTERVENTIONS.test(r.type) && isHumanChannel(r.actor.channel),
  );
  // A person overriding an automatic verdict (continuing a failing canary) is automation set aside.
  const overrides = ctx.records.filter(
    (r) =>
      r.type === 'canary.decision' && isHumanChannel(r.actor.channel) && str(r.data.decision) === 'continue',
  );
  const criteria = [
    ...new Set(
      ctx.records
        .filter((r) => r.type === 'canary.analysis')
        .flatMap((r) =>
          (Array.isArray(r.data.metrics) ? r.data.metrics : []).map(
            (m) => str((m as { name?: unknown }).name) ?? '?',
          ),
        ),
    ),
  ];
  const status = ungated.length || manualDeploys.length ? 'not met' : overrides.length ? 'partial' : 'met';
  return {
    ...base,
    status,
    detail:
      `${automatic.length} automatic gate decision(s) (policy rules at ${list([...gated].filter((s): s is string => !!s))}` +
      `${criteria.length ? `; canary metrics ${list(criteria)}` : ''})` +
      `; ${autoRollbacks.length} automatic rollback(s)` +
      `; ${interventions.length} manual intervention(s)${interventions.length ? `: ${interventions.map((r) => `${r.type} by ${r.actor.id}`).join(', ')}` : ''}` +
      (ungated.length ? `; stage(s) with NO automatic gate: ${list(ungated)}` : '') +
      (manualDeploys.length ? `; ${manualDeploys.length} deploy(s) by a person` : '') +
      (overrides.length ? `; ${overrides.length} automatic verdict(s) overridden by a person` : ''),
    evidence: [...automatic, ...autoRollbacks, ...interventions, ...manualDeploys]
      .map((r) => r.seq)
      .sort((a, b) => a - b),
  };
}
