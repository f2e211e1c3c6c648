/**
 * Whether a promotion can still be acted on. Temporal answers an update to a closed workflow as
 * if the workflow did not exist; a user who typed an id from `tollgate list` must instead hear
 * that the promotion already ended, how, and when.
 */
import type { Client } from '@temporalio/client';
import { SA_STATUS } from '../temporal/search-attributes.js';
import { UserError } from './errors.js';

/** Why `id` cannot be acted on (ended, or not a promotion at all), or undefined while it runs. */
export async function notActionable(client: Client, id: string): Promise<string | undefined> {
  const description = await client.workflow.getHandle(id).describe();
  if (description.type !== 'promotion')
    throw new UserError(
      `${id} is not a promotion but Tollgate's ${description.type} workflow (see \`tollgate list\`)`,
    );
  if (description.status.name === 'RUNNING') return undefined;
  const outcome = description.typedSearchAttributes.get(SA_STATUS) ?? description.status.name.toLowerCase();
  const when = description.closeTime ? ` at ${description.closeTime.toISOString()}` : '';
  return `promotion ${id} already ${outcome}${when}`;
}
