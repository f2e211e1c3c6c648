import type { EvidenceInput } from '../../src/domain/evidence.js';

/** A plausible record someone with write access might slip into a chain at `seq`. */
export function approvedTail(promotionId: string, seq: number): EvidenceInput {
  return {
    chainId: promotionId,
    seq,
    promotionId,
    stage: 'prod',
    type: 'approval.granted',
    actor: { id: 'tollgate', channel: 'system' },
    time: '2026-03-02T09:30:00.000Z',
    data: { votes: [{ approver: 'mallory', decision: 'approve' }] },
    controls: [],
  };
}
