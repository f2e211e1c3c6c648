/** One line per evidence record for the timeline: what happened, and who did it. */
import { drDrillOf, num, objs, str, strings, workerOf, type AnyRecord } from './evidence.js';

/**
 * Who acted: the principal of the record, and for records the system wrote on someone's behalf
 * (a vote relayed by the chat hook, a freeze forwarded by the line) the person named in them.
 */
export function actorOf(r: AnyRecord): string {
  const d = r.data;
  const person = str(d.approver) ?? str(d.by) ?? str(d.actor) ?? str(d.requestedBy);
  const who = `${r.actor.id} (${r.actor.channel}${r.actor.verifiedBy ? `, ${r.actor.verifiedBy}` : ''})`;
  if (person && person !== r.actor.id) return `${person} via ${who}`;
  if (r.type === 'freeze.lifted' && !person) return `${who}; who lifted the freeze is not recorded`;
  return who;
}

export function summaryOf(r: AnyRecord): string {
  const d = r.data;
  switch (r.type) {
    case 'promotion.started':
      return `pipeline ${str(d.pipeline) ?? '?'} through ${strings(d.stages).join(' → ')}, release digest ${str(d.releaseDigest) ?? '?'}`;
    case 'policy.evaluated':
      return `${d.passed ? 'passed' : 'failed'}: ${
        objs(d.rules)
          .filter((x) => x.outcome !== 'pass')
          .map((x) => `${str(x.ruleId)} ${str(x.outcome)}`)
          .join(', ') || 'all rules pass'
      }`;
    case 'approval.requested':
      return `quorum ${num(d.quorum) ?? '?'} from ${strings(d.groups).join(', ')}${d.distinctGroups ? ' (distinct groups)' : ''}, deadline ${str(d.deadline) ?? '?'}`;
    case 'approval.vote':
      return `${str(d.approver) ?? r.actor.id} voted ${str(d.decision) ?? '?'} via ${str(d.channel) ?? r.actor.channel}${d.comment ? `: ${str(d.comment)}` : ''}`;
    case 'approval.granted':
      return `approved by ${
        objs(d.votes)
          .map((v) => str(v.approver))
          .join(', ') || '?'
      }`;
    case 'waiver.granted':
      return `${str(d.by) ?? r.actor.id} waived ${strings(d.waives).join(', ')}: ${str(d.justification) ?? ''}`;
    case 'deploy.completed':
      return `deployed ${str(d.version) ?? '?'}${workerOf(r) ? ` by worker ${workerOf(r)!.identity}` : ''}`;
    case 'canary.step':
      return `step ${num(d.step) ?? '?'} at weight ${num(d.weight) ?? '?'}%`;
    case 'canary.analysis':
      return `${str(d.verdict) ?? '?'}: ${str(d.reason) ?? ''}`;
    case 'canary.decision':
      return `${str(d.decision) ?? '?'} by ${str(d.by) ?? '?'}`;
    case 'rollback.completed':
      return `rolled back (${str(d.reason) ?? '?'}), restored ${str(d.restored) ?? 'nothing'}`;
    case 'security.refused':
      return `refused ${str(d.actor) ?? r.actor.id} via ${str(d.channel) ?? r.actor.channel}: ${str(d.reason) ?? ''}`;
    case 'dr.drill': {
      const drill = drDrillOf(r)!;
      return `restore drill ${drill.result ?? '?'}: backup of ${drill.backupAt ?? '?'} into ${drill.restoredInto ?? '?'}, ${drill.verifyDetail}`;
    }
    default:
      return str(d.outcome) ?? str(d.reason) ?? '';
  }
}
