/**
 * AI release facts for releases with an `ai` section: the model is pinned and allow-listed, its
 * model card states intended use and limitations (ISO/IEC 42001 B.6.2.x, EU AI Act Art. 53 /
 * Annex XI), evaluations and red-team results meet the configured thresholds (NIST AI RMF
 * MEASURE 2.x), and user-facing AI carries a transparency notice (EU AI Act Art. 50).
 */
import { z } from 'zod';
import type { MetricThreshold } from '../settings.js';
import type { FactContext } from './context.js';
import { isRecord, readEvidenceJson, readEvidenceText, type EvidenceReader } from './evidence-file.js';
import { firstIssue } from '../../domain/zod-issue.js';

export interface AiFacts {
  /** The release declares an `ai` section; the other fields are only meaningful when true. */
  present: boolean;
  userFacing: boolean;
  riskClass: string | null;
  model: { id: string | null; digest: string | null; pinned: boolean; allowed: boolean };
  modelCard: { present: boolean; parseable: boolean; hasIntendedUse: boolean; hasLimitations: boolean };
  evaluations: {
    present: boolean;
    parseable: boolean;
    metrics: Record<string, number>;
    failing: { metric: string; value: number | null; min: number | null; max: number | null }[];
    passed: boolean;
  };
  redTeam: {
    present: boolean;
    parseable: boolean;
    total: number;
    passed: number;
    passRate: number;
    minPassRate: number;
    meetsThreshold: boolean;
  };
  transparencyNotice: { required: boolean; present: boolean };
  errors: string[];
}

const EvaluationResults = z.object({ metrics: z.record(z.string(), z.number()) });
const RedTeamResults = z
  .object({ total: z.number().int().nonnegative(), passed: z.number().int().nonnegative() })
  .refine((r) => r.passed <= r.total, 'passed cannot exceed total');

export async function aiFacts(ctx: FactContext): Promise<AiFacts> {
  const ai = ctx.release.ai;
  const minPassRate = ctx.settings.ai.redTeamMinPassRate;
  const facts: AiFacts = {
    present: ai !== undefined,
    userFacing: ai?.userFacing ?? false,
    riskClass: ai?.riskClass ?? null,
    model: { id: ai?.model.id ?? null, digest: ai?.model.digest ?? null, pinned: false, allowed: false },
    modelCard: { present: false, parseable: false, hasIntendedUse: false, hasLimitations: false },
    evaluations: { present: false, parseable: false, metrics: {}, failing: [], passed: false },
    redTeam: {
      present: false,
      parseable: false,
      total: 0,
      passed: 0,
      passRate: 0,
      minPassRate,
      meetsThreshold: false,
    },
    transparencyNotice: { required: ai?.userFacing ?? false, present: false },
    errors: [],
  };
  if (!ai) return facts;

  facts.model.pinned = /^sha256:[0-9a-f]{64}$/.test(ai.model.digest);
  facts.model.allowed = ctx.settings.ai.allowedModels.some(
    (m) => m.id === ai.model.id && (m.digest === undefined || m.digest === ai.model.digest),
  );
  if (!facts.model.allowed)
    facts.errors.push(`ai.model: ${ai.model.id}@${ai.model.digest} is not on policy.ai.allowedModels`);

  if (!ai.modelCard) facts.errors.push('ai.modelCard: the release attaches no model card');
  else {
    facts.modelCard.present = true;
    const card = await readModelCard(ai.modelCard, ctx.evidence);
    if ('error' in card) facts.errors.push(card.error);
    else {
      facts.modelCard = { present: true, parseable: true, ...card };
      if (!card.hasIntendedUse) facts.errors.push(`ai.modelCard: ${ai.modelCard} states no intended use`);
      if (!card.hasLimitations) facts.errors.push(`ai.modelCard: ${ai.modelCard} states no limitations`);
    }
  }

  if (!ai.evaluations) facts.errors.push('ai.evaluations: the release attaches no evaluation results');
  else {
    facts.evaluations.present = true;
    const results = await readStructured(
      'ai.evaluations',
      ai.evaluations,
      ctx.evidence,
      EvaluationResults,
      '{ "metrics": { "<name>": <number> } }',
    );
    if ('error' in results) facts.errors.push(results.error);
    else {
      const failing = failingMetrics(results.value.metrics, ctx.settings.ai.evaluationThresholds);
      facts.evaluations = {
        present: true,
        parseable: true,
        metrics: results.value.metrics,
        failing,
        passed: failing.length === 0,
      };
      for (const f of failing)
        facts.errors.push(
          `ai.evaluations: ${f.metric} = ${f.value ?? 'missing'} (required ${describeBounds(f)})`,
        );
    }
  }

  if (!ai.redTeam)
    facts.errors.push('ai.redTeam: the release attaches no red-team / prompt-injection results');
  else {
    facts.redTeam.present = true;
    const results = await readStructured(
      'ai.redTeam',
      ai.redTeam,
      ctx.evidence,
      RedTeamResults,
      '{ "total": <cases>, "passed": <cases withstood> }',
    );
    if ('error' in results) facts.errors.push(results.error);
    else {
      const { total, passed } = results.value;
      const passRate = total === 0 ? 0 : passed / total;
      facts.redTeam = {
        present: true,
        parseable: true,
        total,
        passed,
        passRate,
        minPassRate,
        meetsThreshold: total > 0 && passRate >= minPassRate,
      };
      if (!facts.redTeam.meetsThreshold)
        facts.errors.push(`ai.redTeam: pass rate ${passed}/${total} is below ${minPassRate}`);
    }
  }

  facts.transparencyNotice.present = await noticePresent(ai.transparencyNotice, ctx.evidence, facts.errors);
  if (ai.userFacing && !facts.transparencyNotice.present)
    facts.errors.push('ai.transparencyNotice: user-facing AI needs a transparency notice');
  return facts;
}

function failingMetrics(
  metrics: Record<string, number>,
  thresholds: Record<string, MetricThreshold>,
): AiFacts['evaluations']['failing'] {
  return Object.entries(thresholds)
    .sort(([a], [b]) => a.localeCompare(b))
    .flatMap(([metric, t]) => {
      const min = typeof t === 'number' ? t : (t.min ?? null);
      const max = typeof t === 'number' ? null : (t.max ?? null);
      const value = metrics[metric] ?? null;
      const ok = value !== null && (min === null || value >= min) && (max === null || value <= max);
      return ok ? [] : [{ metric, value, min, max }];
    });
}

function describeBounds(f: { min: number | null; max: number | null }): string {
  return [f.min !== null ? `>= ${f.min}` : '', f.max !== null ? `<= ${f.max}` : '']
    .filter(Boolean)
    .join(' and ');
}

async function readStructured<T>(
  field: string,
  file: string,
  reader: EvidenceReader,
  schema: z.ZodType<T>,
  shape: string,
): Promise<{ value: T } | { error: string }> {
  const json = await readEvidenceJson(reader, field, file);
  if (!json.ok) return { error: json.error };
  const parsed = schema.safeParse(json.value);
  if (parsed.success) return { value: parsed.data };
  return { error: `${field}: ${file}: expected ${shape} (${firstIssue(parsed.error, 'document')})` };
}

/**
 * Model cards come as JSON (`intendedUse`/`intended_use`, `limitations`) or Markdown in the
 * Hugging Face layout (`## Intended use` or `## Uses`, `## Limitations` or `## Bias, Risks, and
 * Limitations`); a heading only counts when text follows it.
 */
async function readModelCard(
  file: string,
  reader: EvidenceReader,
): Promise<{ hasIntendedUse: boolean; hasLimitations: boolean } | { error: string }> {
  if (file.endsWith('.json')) {
    const json = await readEvidenceJson(reader, 'ai.modelCard', file);
    if (!json.ok) return { error: json.error };
    if (!isRecord(json.value)) return { error: `ai.modelCard: ${file}: a JSON model card must be an object` };
    const card = json.value;
    return {
      hasIntendedUse: nonEmpty(card.intendedUse ?? card.intended_use),
      hasLimitations: nonEmpty(card.limitations),
    };
  }
  const text = await readEvidenceText(reader, 'ai.modelCard', file);
  if (!text.ok) return { error: text.error };
  const sections = markdownSections(text.value);
  const has = (pattern: RegExp): boolean =>
    sections.some((s) => pattern.test(s.heading) && s.body.trim().length > 0);
  return { hasIntendedUse: has(/intended use|^uses$/i), hasLimitations: has(/limitations/i) };
}

function nonEmpty(value: unknown): boolean {
  if (typeof value === 'string') return value.trim().length > 0;
  if (Array.isArray(value)) return value.length > 0;
  return isRecord(value) && Object.keys(value).length > 0;
}

function markdownSections(text: string): { heading: string; body: string }[] {
  const sections: { heading: string; body: string }[] = [];
  for (const line of text.split('\n')) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) sections.push({ heading: heading[1] ?? '', body: '' });
    else if (sections.length) sections[sections.length - 1]!.body += `${line}\n`;
  }
  return sections;
}

/** A URL is taken as published (nothing is fetched); a file must exist and say something. */
async function noticePresent(
  notice: string | undefined,
  reader: EvidenceReader,
  errors: string[],
): Promise<boolean> {
  if (!notice) return false;
  if (/^https:\/\//.test(notice)) return true;
  const text = await readEvidenceText(reader, 'ai.transparencyNotice', notice);
  if (!text.ok) {
    errors.push(text.error);
    return false;
  }
  return text.value.trim().length > 0;
}
