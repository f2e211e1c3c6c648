/**
 * Refused messages that reached the workflow are evidence, wherever they came from (the CLI,
 * the chat hook, or a raw Temporal client). An update validator's refusal never reaches the
 * history, so for signed promotions the validator lets a refused update through to its handler,
 * which records the refusal and then fails the update with the reason. A flood must not grow the
 * history without limit: the first RECORDED_REFUSALS are recorded, later ones are refused in the
 * validator without a record, and the count of recorded ones is in the promotion's last record.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import type { EvidenceTrail } from './evidence-trail.js';

export const RECORDED_REFUSALS = 20;

export class Refusals {
  recorded = 0;

  constructor(
    private readonly evidence: EvidenceTrail,
    /** Only signed promotions record refusals; earlier ones replay as they ran. */
    private readonly active: boolean,
  ) {}

  private get recording(): boolean {
    return this.active && this.recorded < RECORDED_REFUSALS;
  }

  /** In a validator: throws the problem at once unless the handler will record it. */
  screen(problem: string | undefined): void {
    if (problem && !this.recording) throw new Error(problem);
  }

  /** In an update handler: records the refusal, then fails the update with its reason. */
  async refuse(kind: string, problem: string, message: unknown, stage?: string): Promise<never> {
    await this.record(kind, problem, message, stage);
    throw ApplicationFailure.nonRetryable(problem, 'Refused');
  }

  /** For a signal (nobody waits for an answer): records the refusal while under the bound. */
  async record(kind: string, problem: string, message: unknown, stage?: string): Promise<void> {
    if (!this.recording) return;
    this.recorded++;
    await this.evidence.add(
      'security.refused',
      { refusal: kind, reason: problem, message: message ?? null },
      stage ? { stage } : {},
    );
  }
}
