/**
 * Guideline 4: third-party vetting of what the release is made of: SBOM, signed provenance,
 * vulnerability reports, and for a release with an AI component its model.
 */
import { isFailing, list, rulesAbout, type CoverageRow, type RowContext } from './row.js';

const KINDS = [
  { name: 'SBOM', facts: ['sbom.'], id: /sbom|licen[cs]e|component/, required: true },
  { name: 'signed provenance', facts: ['provenance.'], id: /provenance|signature|signed/, required: true },
  { name: 'vulnerability reports', facts: ['vulnerabilities.'], id: /vuln|cve/, required: false },
  {
    name: 'registries and base images',
    facts: ['thirdParty.'],
    id: /registr|base-image|pinned/,
    required: false,
  },
] as const;

export function thirdPartyRow(ctx: RowContext): CoverageRow {
  const base = {
    id: 'ag-4-third-party',
    source: 'Auditing guideline 4',
    question: 'Third-party vetting of containers, models and functions (SBOM, vulnerabilities, provenance)',
  };
  if (ctx.promotion.reached.length === 0)
    return {
      ...base,
      status: 'not applicable',
      detail: 'no stage was entered, nothing was admitted',
      evidence: [],
    };
  const kinds = [
    ...KINDS,
    ...(ctx.started?.ai
      ? [{ name: 'AI model', facts: ['ai.model'], id: /model-pinned/, required: true }]
      : []),
  ].map((k) => {
    const rules = rulesAbout(ctx, [...k.facts], k.id);
    const failing = rules.filter((r) => isFailing(r.outcome) && !ctx.waived.has(r.ruleId));
    const passing = rules.filter((r) => r.outcome === 'pass');
    return { ...k, rules, failing, vetted: passing.length > 0 && failing.length === 0 };
  });
  const missing = kinds.filter((k) => k.required && k.rules.length === 0);
  const failing = kinds.flatMap((k) => k.failing);
  const attached = ctx.started?.attached;
  return {
    ...base,
    status:
      missing.length || failing.length || kinds.some((k) => k.required && !k.vetted) ? 'not met' : 'met',
    detail:
      kinds
        .map((k) =>
          k.rules.length
            ? `${k.name}: ${k.failing.length ? `FAILING ${list(k.failing.map((r) => r.ruleId))}` : k.vetted ? `checked (${list(k.rules.map((r) => r.ruleId))})` : 'not passed'}`
            : `${k.name}: ${k.required ? 'NOT CHECKED' : 'not checked'}`,
        )
        .join('; ') +
      `; attached by the release: sbom ${attached?.sbom ?? 'none'}, provenance ${attached?.provenance ?? 'none'}, vulnerability reports ${list(attached?.vulnerabilities ?? [])}`,
    evidence: [...new Set(kinds.flatMap((k) => k.rules.map((r) => r.seq)))].sort((a, b) => a - b),
  };
}
