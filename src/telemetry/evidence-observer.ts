/**
 * Watches the evidence the orchestration worker appends and hands each stored record to the
 * telemetry listeners (metrics, CDEvents). It is an activity interceptor around
 * `recordEvidence`, so the workflow code and its history are untouched: telemetry can be turned
 * on, off or changed without a `patched()` and without affecting replay.
 *
 * A listener runs after the record is stored and must not throw or block: its failure is logged
 * and the activity's result is returned as it was, so telemetry never fails a promotion.
 */
import type { Context } from '@temporalio/activity';
import type { ActivityInboundCallsInterceptor, ActivityInterceptorsFactory } from '@temporalio/worker';
import { EvidenceRecord } from '../domain/evidence.js';
import type { Logger } from '../logging/logger.js';

export type EvidenceListener = (record: EvidenceRecord) => void;

export function evidenceObserver(listeners: EvidenceListener[], logger: Logger): ActivityInterceptorsFactory {
  return (ctx: Context) => {
    const inbound: ActivityInboundCallsInterceptor = {
      async execute(input, next) {
        const result = await next(input);
        if (ctx.info.activityType !== 'recordEvidence') return result;
        const record = EvidenceRecord.safeParse(result);
        if (!record.success) return result;
        for (const listener of listeners) {
          try {
            listener(record.data);
          } catch (err) {
            logger.warn(
              { err, type: record.data.type },
              'a telemetry listener failed; the promotion goes on',
            );
          }
        }
        return result;
      },
    };
    return { inbound };
  };
}
