/**
 * `audit archive`: archives the histories of promotion runs that closed without archiving
 * themselves — a run terminated (`temporal workflow terminate`), timed out, or replaced by a
 * reset never reaches the workflow's own archive step — and records the end of a promotion
 * whose last run was terminated or timed out: a `promotion.terminated` / `promotion.timed-out`
 * record saying who ended it and why (from the history), then the seal. Run it where the ledger
 * key is, before Temporal's retention removes the runs.
 */
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { historyArtifactName } from '../../activities/evidence.js';
import type { Ledger } from '../ledger/ledger.js';
import { sha256Hex } from '../ledger/record.js';
import { attestArtifact, makeSeal, type LedgerSigner } from '../ledger/seal.js';
import { isSecurityChain } from '../ledger/verify.js';
import type { History } from './history.js';
import { runsOf } from './lifecycle.js';

export interface ArchiveSweep {
  archived: string[];
  recorded: string[];
}

const ENDS = {
  TERMINATED: { type: 'promotion.terminated', status: 'terminated' },
  TIMED_OUT: { type: 'promotion.timed-out', status: 'timed-out' },
} as const;

/** Who ended the run and why, as its last history event says. */
function endOf(history: History): { reason?: string; identity?: string } {
  const last = history.events?.at(-1);
  const terminated = last?.workflowExecutionTerminatedEventAttributes;
  return {
    ...(terminated?.reason ? { reason: terminated.reason } : {}),
    ...(terminated?.identity ? { identity: terminated.identity } : {}),
  };
}

export async function archiveClosedRuns(
  ledger: Ledger,
  client: Client,
  opts: { signer?: LedgerSigner; promotionId?: string },
): Promise<ArchiveSweep> {
  const sweep: ArchiveSweep = { archived: [], recorded: [] };
  const chains = (await ledger.listChains()).filter(
    (c) => !isSecurityChain(c.chainId) && (!opts.promotionId || c.promotionId === opts.promotionId),
  );
  for (const chain of chains) {
    const records = await ledger.read(chain.chainId);
    const first = records[0];
    if (!first) continue;
    const runs = await runsOf(client, first.workflowId ?? chain.promotionId);
    const archived = new Set((await ledger.listArtifacts(chain.promotionId)).map((a) => a.name));
    for (const [i, run] of runs.entries()) {
      if (run.status.name === 'RUNNING') continue;
      const name = historyArtifactName(run.runId);
      const handle = client.workflow.getHandle(run.workflowId, run.runId);
      const history = await handle.fetchHistory();
      if (!archived.has(name)) {
        const content = Buffer.from(historyToJSON(history), 'utf8');
        const attestation = opts.signer
          ? attestArtifact(opts.signer, chain.promotionId, name, sha256Hex(content))
          : undefined;
        await ledger.putArtifact(chain.promotionId, name, content, attestation);
        sweep.archived.push(`${chain.promotionId}/${name}`);
      }
      const end = ENDS[run.status.name as keyof typeof ENDS] as (typeof ENDS)[keyof typeof ENDS] | undefined;
      const lastRun = i === runs.length - 1;
      if (!end || !lastRun || records.some((r) => r.type === end.type && r.data.runId === run.runId))
        continue;
      const { reason, identity } = endOf(history);
      const record = await ledger.appendNext({
        chainId: chain.chainId,
        promotionId: chain.promotionId,
        workflowId: run.workflowId,
        runId: run.runId,
        type: end.type,
        actor: { id: identity ?? 'unknown', channel: 'api', verifiedBy: 'temporal-history' },
        time: (run.closeTime ?? new Date()).toISOString(),
        data: {
          runId: run.runId,
          status: end.status,
          outcome: `${end.status} from outside the workflow${identity ? ` by ${identity}` : ''}${reason ? `: ${reason}` : ''}`,
          ...(reason ? { reason } : {}),
          ...(identity ? { identity } : {}),
        },
        controls: [],
      });
      if (opts.signer) await ledger.seal(makeSeal(opts.signer, record, new Date().toISOString()));
      sweep.recorded.push(`${chain.promotionId}#${record.seq} ${end.type}`);
    }
  }
  return sweep;
}
