/**
 * The timeout and retry sets workflows schedule activities with, one per kind of work, so a
 * promotion and an operator's rollback treat the same activity the same way.
 */
import type { ActivityOptions, LocalActivityOptions } from '@temporalio/common';

/** Deploy operations retry transient target errors; a permanent TargetError fails at once. */
export const STAGE_ACTIVITY_OPTIONS = {
  startToCloseTimeout: '10m',
  heartbeatTimeout: '1m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 5 },
} as const satisfies ActivityOptions;

/** Orchestration work (policy evaluation, trust resolution): retried until it succeeds. */
export const ORCHESTRATION_ACTIVITY_OPTIONS = {
  startToCloseTimeout: '2m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' },
} as const satisfies ActivityOptions;

/** Resolving a signed start or an operator's rollback against the workers' config: a short lookup. */
export const RESOLVE_ACTIVITY_OPTIONS = {
  ...ORCHESTRATION_ACTIVITY_OPTIONS,
  startToCloseTimeout: '1m',
} as const satisfies ActivityOptions;

/**
 * Local activities (evidence appends, stage locks, sealing): quick calls on the workflow's own
 * worker; retried until they succeed, since a chain must not have a gap.
 */
export const LOCAL_ACTIVITY_OPTIONS = {
  startToCloseTimeout: '30s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '10s' },
} as const satisfies LocalActivityOptions;

/** The notify activity retries deliveries itself; a few attempts here cover a lost worker. */
export const NOTIFY_ACTIVITY_OPTIONS = {
  startToCloseTimeout: '1m',
  retry: { maximumAttempts: 3 },
} as const satisfies ActivityOptions;

/** The freeze's broadcast to running promotions and its trust lookup. */
export const BROADCAST_ACTIVITY_OPTIONS = {
  startToCloseTimeout: '2m',
  retry: { maximumInterval: '30s' },
} as const satisfies ActivityOptions;
export const FREEZE_TRUST_ACTIVITY_OPTIONS = {
  startToCloseTimeout: '1m',
  retry: { maximumInterval: '30s' },
} as const satisfies ActivityOptions;
