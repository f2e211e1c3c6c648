/**
 * What a command's failure means for its exit code: 0 ok, 1 the outcome was a failure (a
 * promotion failed, an action was refused), 2 the user's input is wrong, 3 Temporal is
 * unreachable. None of them prints a stack trace unless TOLLGATE_DEBUG is set.
 */
import { WorkflowNotFoundError } from '@temporalio/common';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { CommanderError } from 'commander';
import { FileProblemsError } from '../config/yaml-file.js';
import { UnreachableError } from '../client/connection.js';

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

export function exitCodeOf(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode;
  if (err instanceof UnreachableError) return EXIT.unreachable;
  if (err instanceof UserError || err instanceof FileProblemsError || err instanceof WorkflowNotFoundError)
    return EXIT.usage;
  return EXIT.failure;
}

/** The lines to print for a failure: one per problem, no stack trace. */
export function errorLines(err: unknown): string[] {
  if (err instanceof OutcomeFailure) return err.message ? [err.message] : [];
  if (err instanceof FileProblemsError) return err.problems.map((p) => `error: ${p}`);
  if (err instanceof WorkflowNotFoundError)
    return [`error: no promotion ${err.workflowId ?? ''} (see \`tollgate list\`)`.replace('  ', ' ')];
  if (err instanceof RefusedError) return [err.message];
  if (err instanceof WorkflowUpdateFailedError) return [`refused: ${refusalReason(err)}`];
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n').map((line, i) => (i === 0 ? `error: ${line}` : line));
}
