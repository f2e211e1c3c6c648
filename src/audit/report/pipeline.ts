/**
 * The pipeline in force for one promotion, as far as its evidence shows it: the pipeline name
 * and digest from the start, and per stage the policy packs that ran, the approval rule it
 * asked for, the canary steps and thresholds it analysed, and the change windows it waited for.
 * What the evidence does not record is listed as a gap rather than guessed from today's config.
 */
import type { EvidenceRecord } from '../../domain/evidence.js';
import { num, obj, objs, packLabel, packsOf, str, strings, type StartedPromotion } from './evidence.js';

export interface StageInForce {
  name: string;
  entered: boolean;
  policyPacks: string[];
  approval?: string;
  canary?: string;
  windows?: string;
  evidence: number[];
}

export interface PipelineInForce {
  name?: string;
  digest?: string;
  stages: StageInForce[];
  /** What an auditor would want to see that these records do not carry. */
  gaps: string[];
}

function thresholdText(m: Record<string, unknown>): string {
  const t = obj(m.threshold);
  const parts = [
    num(t?.min) !== undefined ? `min ${num(t?.min)}` : '',
    num(t?.max) !== undefined ? `max ${num(t?.max)}` : '',
  ].filter(Boolean);
  return `${str(m.name) ?? '?'}${parts.length ? ` ${parts.join(' ')}` : ''}`;
}

export function pipelineInForce(records: EvidenceRecord[], started?: StartedPromotion): PipelineInForce {
  const entered = new Set(records.filter((r) => r.type === 'stage.entered').map((r) => r.stage));
  const names = started?.stages.length ? started.stages : [...entered].filter((s): s is string => !!s);
  const stages = names.map((name): StageInForce => {
    const own = records.filter((r) => r.stage === name);
    const policies = own.filter((r) => r.type === 'policy.evaluated');
    const request = own.find((r) => r.type === 'approval.requested');
    const steps = own.filter((r) => r.type === 'canary.step');
    const analyses = own.filter((r) => r.type === 'canary.analysis');
    const windows = own.filter((r) => r.type === 'window.waiting' || r.type === 'window.open');
    const thresholds = [...new Set(analyses.flatMap((a) => objs(a.data.metrics).map(thresholdText)))];
    const rd = request?.data;
    return {
      name,
      entered: entered.has(name),
      policyPacks: [...new Set(policies.flatMap((p) => packsOf(p).map(packLabel)))],
      ...(rd
        ? {
            approval: `${num(rd.quorum) ?? '?'} approval(s) from ${strings(rd.groups).join(', ') || '?'}${rd.distinctGroups ? ' (distinct groups)' : ''}${str(rd.deadline) ? `, deadline ${str(rd.deadline)}` : ''}`,
          }
        : {}),
      ...(steps.length || analyses.length
        ? {
            canary: `weights ${steps.map((s) => `${num(s.data.weight) ?? '?'}%`).join(' → ') || '?'}${thresholds.length ? `; thresholds ${thresholds.join(', ')}` : ''}`,
          }
        : {}),
      ...(windows.length
        ? {
            windows: windows
              .map((w) =>
                w.type === 'window.waiting'
                  ? `waited (opens ${str(w.data.opensAt) ?? 'unknown'})`
                  : w.data.waived
                    ? 'outside the window, waived'
                    : 'inside a window',
              )
              .join('; '),
          }
        : {}),
      evidence: [
        ...policies,
        ...(request ? [request] : []),
        ...steps.slice(0, 1),
        ...analyses.slice(0, 1),
        ...windows,
      ].map((r) => r.seq),
    };
  });
  const gaps: string[] = [];
  if (!started?.pipelineDigest)
    gaps.push(
      'the pipeline definition and its digest are not recorded at the start (only its name and stage names): the rules below are read back from the gates that ran',
    );
  if (
    stages.some(
      (s) =>
        s.policyPacks.length &&
        !records.some((r) => r.type === 'policy.evaluated' && packsOf(r).some((p) => p.hash)),
    )
  )
    gaps.push('policy packs are recorded by name and version, not by content hash');
  if (stages.some((s) => s.entered && !s.approval))
    gaps.push(
      'a stage that asked for no approval records no approval rule: "none" cannot be told from "not recorded"',
    );
  if (stages.some((s) => s.canary))
    gaps.push('canary bake times and the action on an inconclusive analysis are not recorded');
  if (stages.some((s) => s.entered && !s.windows))
    gaps.push('change windows are recorded only when a stage has them; their definition is not recorded');
  return {
    ...(started?.pipeline ? { name: started.pipeline } : {}),
    ...(started?.pipelineDigest ? { digest: started.pipelineDigest } : {}),
    stages,
    gaps,
  };
}
