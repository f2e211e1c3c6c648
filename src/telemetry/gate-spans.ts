/**
 * OpenTelemetry spans of a promotion, derived from its evidence records: one span for the
 * promotion (a CI/CD pipeline run), one per stage (a pipeline task of type deploy) and one per
 * gate inside it (policy, approval, change window, freeze, deploy, canary, rollback), carrying
 * the semantic conventions' `cicd.*` and `deployment.*` attributes. Start and end times are the
 * records' workflow times, so a span shows how long the gate really held the release.
 *
 * Spans live in this process's memory between their first and last record: a promotion an
 * orchestration worker takes over mid-way from another one is not traced (its rollbacks are).
 * The ledger, not the trace, is the record of what happened.
 */
import { context, trace, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import {
  ATTR_CICD_PIPELINE_NAME,
  ATTR_CICD_PIPELINE_RESULT,
  ATTR_CICD_PIPELINE_RUN_ID,
  ATTR_CICD_PIPELINE_TASK_NAME,
  ATTR_CICD_PIPELINE_TASK_RUN_ID,
  ATTR_CICD_PIPELINE_TASK_RUN_RESULT,
  ATTR_CICD_PIPELINE_TASK_TYPE,
  ATTR_DEPLOYMENT_ENVIRONMENT_NAME,
  ATTR_DEPLOYMENT_ID,
  ATTR_DEPLOYMENT_NAME,
  ATTR_DEPLOYMENT_STATUS,
  CICD_PIPELINE_TASK_TYPE_VALUE_DEPLOY,
  DEPLOYMENT_STATUS_VALUE_FAILED,
  DEPLOYMENT_STATUS_VALUE_SUCCEEDED,
} from '@opentelemetry/semantic-conventions/incubating';
import type { EvidenceRecord } from '../domain/evidence.js';

/** `cicd.pipeline.result` of each way a promotion ends. */
const PIPELINE_RESULT: Record<string, string> = {
  'promotion.completed': 'success',
  'promotion.failed': 'failure',
  'promotion.rolled-back': 'failure',
  'promotion.rejected': 'failure',
  'promotion.expired': 'timeout',
  'promotion.aborted': 'cancellation',
  'promotion.superseded': 'cancellation',
};

/** Gates that open with one record and close with another. */
const OPENS: Record<string, string> = {
  'approval.requested': 'approval',
  'window.waiting': 'window',
  'freeze.held': 'freeze',
};
const CLOSES: Record<string, string> = {
  'approval.granted': 'approval',
  'window.open': 'window',
  'freeze.lifted': 'freeze',
  'canary.promoted': 'canary',
};

interface StageTrace {
  span: Span;
  ctx: Context;
  /** Time of the stage's latest record: where a gate without an opening record began. */
  last: number;
  open: Map<string, { at: number; attributes: Attributes }>;
}

interface PromotionTrace {
  span: Span;
  ctx: Context;
  attributes: Attributes;
  stages: Map<string, StageTrace>;
}

export interface GateTracer {
  readonly observe: (record: EvidenceRecord) => void;
}

export function createGateTracer(tracer: Tracer): GateTracer {
  const promotions = new Map<string, PromotionTrace>();

  /** Operator rollbacks run as workflows of their own: one span from request to outcome. */
  const rollbacks = new Map<string, number>();
  const rollbackOutsidePromotion = (record: EvidenceRecord, at: number) => {
    if (record.type === 'rollback.requested') rollbacks.set(record.promotionId, at);
    if (record.type !== 'rollback.completed' && record.type !== 'rollback.failed') return;
    const ok = record.type === 'rollback.completed';
    tracer
      .startSpan(`rollback ${record.stage}`, {
        startTime: rollbacks.get(record.promotionId) ?? at,
        attributes: {
          [ATTR_DEPLOYMENT_ENVIRONMENT_NAME]: record.stage,
          [ATTR_DEPLOYMENT_ID]: record.promotionId,
          [ATTR_CICD_PIPELINE_TASK_NAME]: record.stage,
          [ATTR_CICD_PIPELINE_TASK_TYPE]: CICD_PIPELINE_TASK_TYPE_VALUE_DEPLOY,
          [ATTR_CICD_PIPELINE_TASK_RUN_RESULT]: ok ? 'success' : 'failure',
          [ATTR_DEPLOYMENT_STATUS]: ok ? DEPLOYMENT_STATUS_VALUE_SUCCEEDED : DEPLOYMENT_STATUS_VALUE_FAILED,
          'tollgate.gate': 'rollback',
        },
      })
      .end(at);
    rollbacks.delete(record.promotionId);
  };

  const stageOf = (p: PromotionTrace, record: EvidenceRecord, at: number): StageTrace => {
    const name = record.stage!;
    let s = p.stages.get(name);
    if (!s) {
      const attributes: Attributes = {
        ...p.attributes,
        [ATTR_DEPLOYMENT_ENVIRONMENT_NAME]: name,
        [ATTR_CICD_PIPELINE_TASK_NAME]: name,
        [ATTR_CICD_PIPELINE_TASK_RUN_ID]: `${record.promotionId}/${name}`,
        [ATTR_CICD_PIPELINE_TASK_TYPE]: CICD_PIPELINE_TASK_TYPE_VALUE_DEPLOY,
      };
      const span = tracer.startSpan(`stage ${name}`, { startTime: at, attributes }, p.ctx);
      s = { span, ctx: trace.setSpan(p.ctx, span), last: at, open: new Map() };
      p.stages.set(name, s);
    }
    return s;
  };

  const gate = (
    s: StageTrace,
    name: string,
    from: number,
    to: number,
    result: string,
    extra: Attributes = {},
  ) => {
    const attributes = {
      ...s.open.get(name)?.attributes,
      ...extra,
      'tollgate.gate': name,
      [ATTR_CICD_PIPELINE_TASK_RUN_RESULT]: result,
    };
    tracer.startSpan(`gate ${name}`, { startTime: from, attributes }, s.ctx).end(to);
    s.open.delete(name);
  };

  const endStage = (s: StageTrace, at: number, result: string) => {
    for (const [name, open] of s.open) gate(s, name, open.at, at, result);
    s.span.setAttribute(ATTR_CICD_PIPELINE_TASK_RUN_RESULT, result);
    s.span.end(at);
  };

  return {
    observe: (record) => {
      const at = Date.parse(record.time);
      const data = record.data;
      if (record.type === 'promotion.started') {
        const release = data.release as { app?: string; version?: string } | undefined;
        const attributes: Attributes = {
          [ATTR_CICD_PIPELINE_NAME]: typeof data.pipeline === 'string' ? data.pipeline : 'default',
          [ATTR_CICD_PIPELINE_RUN_ID]: record.promotionId,
          [ATTR_DEPLOYMENT_ID]: record.promotionId,
          [ATTR_DEPLOYMENT_NAME]: release?.app ?? '',
          'tollgate.release.version': release?.version ?? '',
          'tollgate.release.digest': typeof data.releaseDigest === 'string' ? data.releaseDigest : '',
        };
        const span = tracer.startSpan(`promotion ${release?.app ?? ''} ${release?.version ?? ''}`.trim(), {
          startTime: at,
          attributes,
        });
        promotions.set(record.promotionId, {
          span,
          ctx: trace.setSpan(context.active(), span),
          attributes,
          stages: new Map(),
        });
        return;
      }
      const p = promotions.get(record.promotionId);
      const result = PIPELINE_RESULT[record.type];
      if (result) {
        if (!p) return;
        for (const s of p.stages.values()) endStage(s, at, result);
        p.span.setAttribute(ATTR_CICD_PIPELINE_RESULT, result);
        p.span.end(at);
        promotions.delete(record.promotionId);
        return;
      }
      if (!record.stage) return;
      if (!p) {
        rollbackOutsidePromotion(record, at);
        return;
      }
      const s = stageOf(p, record, at);
      const opens = OPENS[record.type];
      if (opens) s.open.set(opens, { at, attributes: {} });
      if (record.type === 'canary.step' && !s.open.has('canary'))
        s.open.set('canary', { at, attributes: {} });
      const closes = CLOSES[record.type];
      if (closes) gate(s, closes, s.open.get(closes)?.at ?? s.last, at, 'success');
      switch (record.type) {
        case 'policy.evaluated':
          gate(s, 'policy', s.last, at, data.passed === true ? 'success' : 'failure', {
            'tollgate.policy.result_hash': typeof data.resultHash === 'string' ? data.resultHash : '',
          });
          break;
        case 'deploy.completed':
          gate(s, 'deploy', s.last, at, 'success', {
            [ATTR_DEPLOYMENT_STATUS]: DEPLOYMENT_STATUS_VALUE_SUCCEEDED,
          });
          break;
        case 'rollback.completed':
        case 'rollback.failed':
          if (s.open.has('canary')) gate(s, 'canary', s.open.get('canary')!.at, at, 'failure');
          gate(s, 'rollback', s.last, at, record.type === 'rollback.completed' ? 'success' : 'failure');
          break;
        case 'stage.completed':
          endStage(s, at, 'success');
          p.stages.delete(record.stage);
          return;
      }
      s.last = at;
    },
  };
}
