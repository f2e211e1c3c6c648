/**
 * A failed command's exit code and the lines to print, none of them a stack trace unless
 * TOLLGATE_DEBUG is set. Loaded only when a command fails, because recognising the SDK's and the
 * config loader's errors means loading those modules.
 */
import { WorkflowNotFoundError } from '@temporalio/common';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { CommanderError } from 'commander';
import { FileProblemsError } from '../config/yaml-file.js';
import { UnreachableError } from '../client/connection.js';
import { HookListenError } from '../chat/listen.js';
import { EXIT, OutcomeFailure, RefusedError, UserError, refusalReason } from './errors.js';

export function exitCodeOf(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode;
  if (err instanceof UnreachableError) return EXIT.unreachable;
  if (
    err instanceof UserError ||
    err instanceof FileProblemsError ||
    err instanceof WorkflowNotFoundError ||
    err instanceof HookListenError
  )
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
