/**
 * The people around a promotion, played by the chaos runner: bob (release-managers) and carol
 * (security) approve prod when it waits for them, and erin (an operator) answers every
 * inconclusive canary analysis. They act the way the CLI does, with signed Temporal updates.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { controlUpdate, stateQuery, voteUpdate } from '../../../workflows/messages.js';
import type { PromotionState } from '../../../workflows/types.js';
import { signedControl, signedVote, type Person } from '../../helpers/promotion-world.js';
import type { Promotion } from './installation.js';

const APPROVERS: Person[] = ['bob', 'carol'];

export interface Autopilot {
  /** How many canary decisions erin took. */
  decisions: number;
  /** Stops acting; resolves once the current action is done. */
  stop(): Promise<void>;
}

export function autopilot(p: Promotion, decision: 'continue' | 'rollback' = 'continue'): Autopilot {
  let stopped = false;
  const pilot = { decisions: 0, stop: async () => {} };
  const act = async (state: PromotionState) => {
    const stage = state.stages.find((s) => s.name === state.currentStage);
    if (!stage) return;
    if (state.gate === 'approval' && stage.approval) {
      const next = APPROVERS.find((person) => !stage.approval!.votes.some((v) => v.approver === person));
      if (next) await p.handle.executeUpdate(voteUpdate, { args: [signedVote(state, next, stage.name)] });
    } else if (stage.canary?.awaitingDecision) {
      await p.handle.executeUpdate(controlUpdate, {
        args: [signedControl(state.promotionId, 'erin', decision, 'chaos run: metrics judged by a person')],
      });
      pilot.decisions++;
    }
  };
  const running = (async () => {
    while (!stopped) {
      // A worker being killed or a server restarting fails queries and updates for a while;
      // a refused update (the vote already counted) is fine: the next look decides again.
      const state = await p.handle.query(stateQuery).catch(() => undefined);
      if (state && state.status !== 'running') return;
      if (state) await act(state).catch(() => undefined);
      await sleep(150);
    }
  })();
  pilot.stop = async () => {
    stopped = true;
    await running;
  };
  return pilot;
}
