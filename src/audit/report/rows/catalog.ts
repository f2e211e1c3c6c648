/** Guideline 1: hardened, secure-by-default building blocks for what was deployed. */
import { deployedStages, isFailing, list, rulesAbout, type CoverageRow, type RowContext } from './row.js';

export function catalogRow(ctx: RowContext): CoverageRow {
  const base = {
    id: 'ag-1-secure-templates',
    source: 'Auditing guideline 1',
    question: 'Secure service catalog and templates: hardened building blocks in use',
  };
  const deployed = deployedStages(ctx);
  if (deployed.length === 0)
    return { ...base, status: 'not applicable', detail: 'nothing was deployed', evidence: [] };
  const checks = rulesAbout(ctx, ['deployment.'], /manifest|non-root|read-only|privileged|resource-limit/);
  const unchecked = deployed.filter((s) => !checks.some((c) => c.stage === s));
  const failing = checks.filter((c) => isFailing(c.outcome) && !ctx.waived.has(c.ruleId));
  const waived = checks.filter((c) => isFailing(c.outcome) && ctx.waived.has(c.ruleId));
  const evidence = [...new Set(checks.map((c) => c.seq))];
  if (checks.length === 0)
    return {
      ...base,
      status: 'not met',
      detail:
        'no hardening check (deployment-config pack) ran on what was deployed: add the deployment-config pack to the stages and attach the deployment manifests',
      evidence,
    };
  const status = unchecked.length || failing.length ? 'not met' : waived.length ? 'partial' : 'met';
  return {
    ...base,
    status,
    detail:
      `${checks.length} hardening check(s) (${list(checks.map((c) => c.ruleId))})` +
      (unchecked.length ? `; deployed WITHOUT a hardening check: ${list(unchecked)}` : '') +
      (failing.length ? `; failing: ${list(failing.map((c) => `${c.ruleId}@${c.stage ?? '?'}`))}` : '') +
      (waived.length ? `; failing but waived: ${list(waived.map((c) => c.ruleId))}` : '') +
      (!failing.length && !waived.length ? '; all passed' : ''),
    evidence,
  };
}
