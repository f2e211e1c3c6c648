/**
 * The errors commands throw, and what each means for the exit code: 0 ok, 1 the outcome was a
 * failure (a promotion failed, an action was refused), 2 the user's input is wrong, 3 Temporal
 * is unreachable. failure.ts turns any error into its exit code and lines.
 */
import type { WorkflowUpdateFailedError } from '@temporalio/client';

export const EXIT = { ok: 0, failure: 1, usage: 2, unreachable: 3 } as const;

/** Bad input the user can fix: exit code 2. */
export class UserError extends Error {
  override name = 'UserError';
}

/** The command worked, but its outcome is a failure (exit code 1); the message was printed already. */
export class OutcomeFailure extends Error {
  override name = 'OutcomeFailure';
}

/** A promotion's validator refused an action; `reason` is what the workflow said. */
export class RefusedError extends Error {
  override name = 'RefusedError';
  constructor(readonly reason: string) {
    super(`refused: ${reason}`);
  }
}

/** The reason a workflow update validator gave, from the server's failure. */
export function refusalReason(err: WorkflowUpdateFailedError): string {
  const cause = err.cause as { message?: string } | undefined;
  return cause?.message ?? err.message;
}
