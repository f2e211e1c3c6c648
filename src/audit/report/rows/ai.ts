/**
 * The AI regulations the control maps to (EU AI Act, ISO/IEC 42001, NIST AI RMF). They apply to
 * a release that declares an AI component (`ai` in its manifest); for any other release the AI
 * rules pass vacuously and evidence nothing, so the rows say "not applicable" and why.
 */
import { isFailing, list, type CoverageRow, type RowContext } from './row.js';

const AI_ROWS = [
  {
    id: 'ai-eu-art9',
    source: 'EU AI Act',
    question: 'Art. 9(6)–(8): risk management testing against defined metrics',
    controls: /^EUAIAct:Art\.9/,
  },
  {
    id: 'ai-eu-art50',
    source: 'EU AI Act',
    question: 'Art. 50: transparency to people',
    controls: /^EUAIAct:Art\.50/,
  },
  {
    id: 'ai-eu-art53-55',
    source: 'EU AI Act',
    question: 'Art. 53, 55 and Annex XI: model documentation and systemic-risk testing',
    controls: /^EUAIAct:(Art\.5[35]|Annex\.XI)/,
  },
  {
    id: 'ai-iso42001',
    source: 'ISO/IEC 42001',
    question: '8.2–8.4, B.6.2.5–B.6.2.6: AI system operation',
    controls: /^ISO42001:/,
  },
  {
    id: 'ai-nist-measure',
    source: 'NIST AI RMF',
    question: 'MEASURE 2.9 / 2.10: model explained, privacy and adversarial risk measured',
    controls: /^NIST-AI-RMF:MEASURE-2\.(9|10)$/,
  },
] as const;

/** Controls that only AI rules evidence: dropped from "controls evidenced" without an AI component. */
export const AI_CONTROL = /^(EUAIAct|ISO42001|NIST-AI-RMF:MEASURE-2\.(9|10)$)/;

export function aiRows(ctx: RowContext): CoverageRow[] {
  return AI_ROWS.map(({ controls, ...base }) => {
    const rules = ctx.policies.flatMap((p) =>
      p.rules.filter((r) => r.controls.some((c) => controls.test(c))).map((r) => ({ ...r, seq: p.seq })),
    );
    const evidence = [...new Set(rules.map((r) => r.seq))];
    if (!ctx.started?.ai)
      return {
        ...base,
        status: 'not applicable' as const,
        detail: `${ctx.promotion.app ?? 'the release'} declares no AI component (no ai section in its release manifest)${rules.length ? `: ${list(rules.map((r) => r.ruleId))} passed vacuously and evidence nothing` : ''}`,
        evidence: [],
      };
    const failing = rules.filter((r) => isFailing(r.outcome) && !ctx.waived.has(r.ruleId));
    const waived = rules.filter((r) => isFailing(r.outcome) && ctx.waived.has(r.ruleId));
    return {
      ...base,
      status:
        rules.length === 0 || failing.length
          ? ('not met' as const)
          : waived.length
            ? ('partial' as const)
            : ('met' as const),
      detail:
        rules.length === 0
          ? 'the release declares an AI component but no rule checked these requirements (add the ai-release pack)'
          : `${list(rules.map((r) => r.ruleId))}: ${failing.length ? `FAILING ${list(failing.map((r) => r.ruleId))}` : waived.length ? `waived ${list(waived.map((r) => r.ruleId))}` : 'passed'}`,
      evidence,
    };
  });
}
