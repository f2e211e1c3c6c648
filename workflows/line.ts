/**
 * The line: one long-lived workflow (type `freeze`, id `tollgate-line`) that holds the stop-the-line freeze.
 * `tollgate freeze` / `unfreeze` update it; it forwards the signed action to every running
 * promotion, and new promotions ask it at start. Promotions verify the signature themselves.
 */
import {
  condition,
  allHandlersFinished,
  ApplicationFailure,
  continueAsNew,
  defineQuery,
  patched,
  defineUpdate,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { FreezeAction, Signed } from '../src/approvals/actions.js';
import type { OrchestrationActivities } from '../activities/contracts.js';
import { BROADCAST_ACTIVITY_OPTIONS, FREEZE_TRUST_ACTIVITY_OPTIONS } from '../src/domain/activity-options.js';
import { EvidenceTrail } from './evidence-trail.js';
import { freezeProblem } from './freeze-rules.js';

export const LINE_WORKFLOW_ID = 'tollgate-line';

export const setFreezeUpdate = defineUpdate<{ frozen: boolean; notified: number }, [Signed<FreezeAction>]>(
  'setFreeze',
);
export const lineStatusQuery = defineQuery<{ freeze?: Signed<FreezeAction> }>('lineStatus');

const { broadcastFreeze } =
  proxyActivities<Pick<OrchestrationActivities, 'broadcastFreeze'>>(BROADCAST_ACTIVITY_OPTIONS);

const { lineTrust } = proxyActivities<Pick<OrchestrationActivities, 'lineTrust'>>(
  FREEZE_TRUST_ACTIVITY_OPTIONS,
);

/**
 * patched() id: the line checks each freeze action's signature, its signer's operator group
 * (from the orchestration worker's config) and its order, and records every freeze and lift in
 * its own evidence chain (`tollgate-line`).
 */
export const SIGNED_LINE = 'signed-line';
export const LINE_CHAIN = 'tollgate-line';

export interface LineState {
  freeze?: Signed<FreezeAction>;
  /** When the last accepted freeze or unfreeze was issued. */
  lastIssuedAt?: string;
  /** The next sequence number of the line's evidence chain. */
  seq?: number;
}

/** The stop-the-line freeze: workflow type `freeze`, id `tollgate-line`. */
export async function freeze(initial: LineState = {}): Promise<void> {
  await holdLine(initial);
}

/**
 * The same workflow under the type name it had before it was named for the freeze: still
 * registered, so its recorded histories replay and a running one goes on (continue-as-new keeps
 * a run's type).
 */
export async function line(initial: LineState = {}): Promise<void> {
  await holdLine(initial);
}

async function holdLine(initial: LineState): Promise<void> {
  let inForce = initial.freeze;
  let lastIssuedAt = initial.lastIssuedAt;
  setHandler(lineStatusQuery, () => (inForce ? { freeze: inForce } : {}));
  const signed = patched(SIGNED_LINE);
  let authority: Awaited<ReturnType<typeof lineTrust>> | undefined;
  const evidence = new EvidenceTrail(LINE_CHAIN, initial.seq ?? 0);
  const problemOf = (action: Signed<FreezeAction>) =>
    authority &&
    freezeProblem(action, { ...authority, ...(lastIssuedAt ? { inForceIssuedAt: lastIssuedAt } : {}) });
  setHandler(
    setFreezeUpdate,
    async (action) => {
      if (signed) {
        // An update that arrived while the line was loading its trust is checked here.
        await condition(() => authority !== undefined);
        const problem = problemOf(action);
        if (problem) throw ApplicationFailure.nonRetryable(problem, 'Refused');
      }
      inForce = action.payload.frozen ? action : undefined;
      lastIssuedAt = action.payload.issuedAt;
      if (authority)
        await evidence.add(
          action.payload.frozen ? 'freeze.held' : 'freeze.lifted',
          {
            reason: action.payload.reason,
            by: action.payload.actor,
            issuedAt: action.payload.issuedAt,
            action,
          },
          {
            actor: {
              id: action.payload.actor,
              channel: action.payload.channel,
              verifiedBy: `ed25519:${action.keyId}`,
            },
          },
        );
      const { notified } = await broadcastFreeze(action);
      return { frozen: action.payload.frozen, notified };
    },
    {
      validator: (action: Signed<FreezeAction>) => {
        if (action?.payload?.kind !== 'freeze') throw new Error('not a freeze action');
        if (!action.payload.reason) throw new Error('a freeze needs a reason');
        const problem = problemOf(action);
        if (problem) throw new Error(problem);
      },
    },
  );
  if (signed) authority = await lineTrust();
  await condition(() => workflowInfo().continueAsNewSuggested);
  await condition(allHandlersFinished);
  await continueAsNew<typeof freeze>({
    ...(inForce ? { freeze: inForce } : {}),
    ...(lastIssuedAt ? { lastIssuedAt } : {}),
    ...(signed ? { seq: evidence.count } : {}),
  });
}
