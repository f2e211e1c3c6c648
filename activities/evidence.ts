/**
 * Evidence activities: append a record (run as a local activity right after the step it
 * records), seal a finished promotion's chain, and archive its closed history.
 *
 * Archive design: the promotion's chain is sealed when the promotion ends, and its history can
 * only be fetched after the run has closed, so the archive cannot be a record in that chain.
 * Instead the history JSON is stored as an artifact beside the evidence, the ledger's archive
 * index keeps its sha256, and (with a signing key) the index entry carries a ledger-key
 * attestation over { promotionId, name, sha256 }. `audit verify` recomputes the sha256 and
 * checks the attestation, so a swapped archive is detected like an edited record.
 */
import { ApplicationFailure } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { setTimeout as sleep } from 'node:timers/promises';
import type { OrchestrationActivities } from './contracts.js';
import type { EvidenceInput, EvidenceRecord } from '../src/domain/evidence.js';
import { LedgerConflictError, type Ledger } from '../src/ledger/ledger.js';
import { attestArtifact, loadLedgerSigner, makeSeal, type LedgerSigner } from '../src/ledger/seal.js';
import { sha256Hex } from '../src/ledger/record.js';
import type { Logger } from '../src/logging/logger.js';

export function historyArtifactName(runId: string): string {
  return `history-${runId}.json`;
}

/**
 * A workflow task that fails after its local activity wrote a record (worker killed, task
 * timed out) is re-run on a later workflow clock, so the same step arrives with another `time`
 * (and time-derived data such as deadlines). Same run, same sequence number, same kind of
 * record, same actor: that is the step retried, not a conflict — the first write stands and
 * is what the history's marker will hold. Anything else is refused.
 */
async function sameStepRetried(ledger: Ledger, input: EvidenceInput): Promise<EvidenceRecord | undefined> {
  const stored = (await ledger.read(input.chainId))[input.seq];
  if (!stored) return undefined;
  const same =
    stored.runId === input.runId &&
    stored.type === input.type &&
    stored.stage === input.stage &&
    stored.actor.id === input.actor.id &&
    stored.actor.channel === input.actor.channel;
  return same ? stored : undefined;
}

/**
 * Waits for a run to close, looking again after 50 ms, then twice as long each time (at most a
 * second apart), for at most `withinMs`; true once it has. The archive starts moments before
 * its promotion closes: waiting here spares a failed attempt and the retry's back-off for
 * nearly every promotion, and the growing pause keeps a busy server from being asked often.
 */
async function closesWithin(handle: WorkflowHandle, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  for (let pause = 50; ; pause = Math.min(pause * 2, 1000)) {
    if ((await handle.describe()).status.name !== 'RUNNING') return true;
    if (Date.now() + pause > deadline) return false;
    await sleep(pause);
  }
}

export function createEvidenceActivities(deps: {
  ledger: Ledger;
  signingKeyPath?: string;
  client?: Client;
  logger: Logger;
  /** How long an archive waits for its promotion to close before failing the attempt (default 10 s). */
  archiveWaitMs?: number;
}): Pick<OrchestrationActivities, 'recordEvidence' | 'sealPromotion' | 'archiveHistory'> {
  const { ledger, logger } = deps;
  let signer: Promise<LedgerSigner> | undefined;
  const getSigner = () => {
    if (!deps.signingKeyPath) return undefined;
    signer ??= loadLedgerSigner(deps.signingKeyPath).catch((err: Error) => {
      signer = undefined;
      throw ApplicationFailure.nonRetryable(
        `ledger signing key ${deps.signingKeyPath}: ${err.message} (fix ledgerSigningKey in the Tollgate config)`,
      );
    });
    return signer;
  };

  return {
    async recordEvidence(input) {
      try {
        return await ledger.append(input);
      } catch (err) {
        const stored = err instanceof LedgerConflictError ? await sameStepRetried(ledger, input) : undefined;
        if (stored) {
          logger.warn(
            { chainId: input.chainId, seq: input.seq, type: input.type },
            'evidence step re-run after a failed workflow task: keeping the record written first',
          );
          return stored;
        }
        // A conflict or an invalid record will not fix itself on retry: fail loudly, at once.
        if (err instanceof LedgerConflictError || err instanceof TypeError) {
          throw ApplicationFailure.nonRetryable(err.message, err.name);
        }
        throw err;
      }
    },

    async sealPromotion({ promotionId }) {
      const pending = getSigner();
      if (!pending) {
        logger.warn({ promotionId }, 'no ledgerSigningKey configured: the promotion chain is not sealed');
        return undefined;
      }
      const key = await pending;
      const records = await ledger.read(promotionId);
      const head = records.at(-1);
      if (!head) return undefined;
      const existing = await ledger.getSeal(promotionId);
      if (existing?.seq === head.seq && existing.headHash === head.hash) return existing;
      const seal = makeSeal(key, head, new Date().toISOString());
      await ledger.seal(seal);
      logger.info({ promotionId, seq: head.seq, keyId: seal.keyId }, 'promotion evidence sealed');
      return seal;
    },

    async archiveHistory({ promotionId, workflowId, runId }) {
      if (!deps.client)
        throw ApplicationFailure.nonRetryable(
          'archiveHistory needs a Temporal client; the worker was started without one',
        );
      const handle = deps.client.workflow.getHandle(workflowId, runId);
      if (!(await closesWithin(handle, deps.archiveWaitMs ?? 10_000))) {
        throw ApplicationFailure.retryable(
          `promotion ${promotionId} (run ${runId}) is still running; its history is archived once it closes`,
          'StillRunning',
        );
      }
      const history = await handle.fetchHistory();
      const content = Buffer.from(historyToJSON(history), 'utf8');
      const name = historyArtifactName(runId);
      const pending = getSigner();
      const attestation = pending
        ? attestArtifact(await pending, promotionId, name, sha256Hex(content))
        : undefined;
      const sha256 = await ledger
        .putArtifact(promotionId, name, content, attestation)
        .catch((err: unknown) => {
          throw err instanceof LedgerConflictError
            ? ApplicationFailure.nonRetryable(err.message, err.name)
            : err;
        });
      const events = history.events?.length ?? 0;
      logger.info({ promotionId, workflowId, runId, sha256, events }, 'promotion history archived');
      return { sha256, events };
    },
  };
}
