import type { z } from 'zod';

/**
 * The first problem zod found, as `path: message` (e.g. `stages.0.name: Required`), for error
 * messages that tell the user what to fix. `root` names the value itself when the path is empty.
 */
export function firstIssue(error: z.ZodError, root = '(root)'): string {
  const issue = error.issues[0];
  return `${issue?.path.join('.') || root}: ${issue?.message ?? 'is invalid'}`;
}
