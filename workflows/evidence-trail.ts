import { CancellationScope, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import type { Actor, EvidenceRecord, EvidenceType } from '../src/domain/evidence.js';
import type { OrchestrationActivities } from '../activities/contracts.js';
import { LOCAL_ACTIVITY_OPTIONS } from '../src/domain/activity-options.js';
import { controlsFor } from './controls.js';

const { recordEvidence } =
  proxyLocalActivities<Pick<OrchestrationActivities, 'recordEvidence'>>(LOCAL_ACTIVITY_OPTIONS);

export const SYSTEM_ACTOR: Actor = { id: 'tollgate', channel: 'system' };

/**
 * The promotion's chain of evidence. Sequence numbers are assigned in workflow order and
 * appends run one after another, never cancelled, so the chain has no gaps and a retried append (same seq, same
 * workflow time, same data) is recognised by the ledger as the record it already holds.
 */
export class EvidenceTrail {
  private seq = 0;
  private tail: Promise<unknown> = Promise.resolve();
  /**
   * Cancelling a stage (abort, supersede) must never drop a record that already has its
   * sequence number: the chain would have a gap. One shielding scope serves every append: a new
   * scope per record cost a few promises each, and the sandbox captures a stack trace for every
   * promise a workflow makes.
   */
  private readonly shield = new CancellationScope({ cancellable: false });

  /** @param firstSeq where the chain goes on (a workflow that continued as new carries it over). */
  constructor(
    private readonly promotionId: string,
    firstSeq = 0,
  ) {
    this.seq = firstSeq;
  }

  get count(): number {
    return this.seq;
  }

  add(
    type: EvidenceType,
    data: Record<string, unknown>,
    opts: { stage?: string; actor?: Actor; controls?: string[] } = {},
  ): Promise<EvidenceRecord> {
    const info = workflowInfo();
    const input = {
      chainId: this.promotionId,
      seq: this.seq++,
      promotionId: this.promotionId,
      workflowId: info.workflowId,
      runId: info.runId,
      ...(opts.stage ? { stage: opts.stage } : {}),
      type,
      actor: opts.actor ?? SYSTEM_ACTOR,
      time: new Date().toISOString(),
      data,
      controls: controlsFor(type, opts.controls),
    };
    const appended = this.tail.then(() => this.shield.run(() => recordEvidence(input)));
    this.tail = appended.catch(() => undefined);
    return appended;
  }
}
