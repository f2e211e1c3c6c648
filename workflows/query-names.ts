/**
 * What a client reads from a promotion, apart from messages.ts so that a client can name it
 * without loading the workflow SDK.
 */
export const STATE_QUERY = 'state';

/**
 * The memo field holding a finished promotion's final state (what STATE_QUERY then answers), so
 * `tollgate status` reads it with a describe instead of a query that makes a worker replay the
 * whole history.
 */
export const FINAL_STATE_MEMO = 'tollgateFinalState';
