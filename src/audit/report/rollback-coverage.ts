/**
 * The auditor's questions for an operator's rollback (`tollgate rollback`), which is a change of
 * its own: was the request signed by someone allowed to make it, is it explained, did it hold
 * the stage exclusively, and did it restore a version. A promotion's questions (policy,
 * segregation of approvals, canary) do not apply to it.
 */
import { payloadOf, type EvidenceRecord } from '../../domain/evidence.js';
import type { CoverageRow } from './rows/row.js';

/** True when the chain is a rollback's rather than a promotion's. */
export function isRollbackChain(records: EvidenceRecord[]): boolean {
  return records[0]?.type === 'rollback.requested';
}

export function rollbackCoverage(records: EvidenceRecord[]): CoverageRow[] {
  const find = (type: string) => records.find((r) => r.type === type);
  const requested = find('rollback.requested')!;
  const request = payloadOf(requested, 'rollback.requested');
  const refused = find('security.refused');
  const lockRefused = find('lock.refused');
  const lockAcquired = find('lock.acquired');
  const completed = find('rollback.completed');
  const failed = find('rollback.failed');
  const reason = request?.reason || undefined;

  return [
    {
      id: 'rb-authorized',
      source: 'Operator rollback',
      question: 'Authorized, signed request',
      status: refused ? 'not met' : requested.actor.verifiedBy ? 'met' : 'not met',
      detail: refused
        ? `request by ${request?.requestedBy ?? '?'} refused: ${payloadOf(refused, 'security.refused')?.reason ?? '?'}`
        : `requested by ${requested.actor.id}, signature verified (${requested.actor.verifiedBy ?? 'none'}), member of the pipeline's operator groups`,
      evidence: [requested.seq, ...(refused ? [refused.seq] : [])],
    },
    {
      id: 'rb-documented',
      source: 'Operator rollback',
      question: 'Change documented',
      status: reason ? 'met' : 'partial',
      detail: reason ? `reason: ${reason}` : 'no reason was given with the request',
      evidence: [requested.seq],
    },
    {
      id: 'rb-exclusive',
      source: 'Operator rollback',
      question: 'Exclusive access to the stage',
      status: lockAcquired ? 'met' : lockRefused ? 'met' : 'not applicable',
      detail: lockAcquired
        ? 'the app × stage lock was held for the whole rollback: no promotion could deploy meanwhile'
        : lockRefused
          ? `refused while ${payloadOf(lockRefused, 'lock.refused')?.heldBy ?? 'a promotion'} held the stage; nothing was changed`
          : 'the request was refused before the stage was touched',
      evidence: [lockAcquired, lockRefused].flatMap((r) => (r ? [r.seq] : [])),
    },
    {
      id: 'rb-restored',
      source: 'Operator rollback',
      question: 'Previous version restored',
      status: completed ? 'met' : failed ? 'not met' : 'not applicable',
      detail: completed
        ? `${payloadOf(completed, 'rollback.completed')?.from ?? '?'} → ${payloadOf(completed, 'rollback.completed')?.restored ?? '?'}`
        : failed
          ? (payloadOf(failed, 'rollback.failed')?.error ?? 'the rollback failed')
          : 'no rollback was attempted',
      evidence: [completed, failed].flatMap((r) => (r ? [r.seq] : [])),
    },
  ];
}
