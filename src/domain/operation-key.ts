/**
 * The idempotency key of one stage operation: `<promotionId>/<stage>/<op>[/<step>[/<measurement>]]`. Targets
 * record operations under it (a retried deploy is recognised, not repeated); a stage worker reads
 * the promotion and stage back out of it. Built and read here only.
 */

/** What a promotion asks of a stage worker; an operator's rollback restores under `restore`. */
export type StageOp = 'deploy' | 'weight' | 'analysis' | 'promote' | 'rollback' | 'restore';

export interface OperationKey<Op extends string = StageOp> {
  promotionId: string;
  stage: string;
  op: Op;
  /** The canary step, for operations repeated per step. */
  step?: number;
  /** The measurement within a step's bake, when a step is measured more than once. */
  measurement?: number;
}

export function formatOperationKey(key: OperationKey): string {
  const step = key.step === undefined ? '' : `/${key.step}`;
  const measurement = key.step === undefined || key.measurement === undefined ? '' : `/${key.measurement}`;
  return `${key.promotionId}/${key.stage}/${key.op}${step}${measurement}`;
}

/**
 * The parts of a key, or undefined when it does not have the key's form. The operation is read as
 * any name: a stage worker admits or refuses by promotion and stage, whatever the operation.
 */
export function parseOperationKey(text: string): OperationKey<string> | undefined {
  const parts = text.split('/');
  if (parts.length < 3 || parts.length > 5) return undefined;
  const [promotionId, stage, op, step, measurement] = parts as [string, string, string, string?, string?];
  if (!promotionId || !stage || !op) return undefined;
  if ([step, measurement].some((n) => n !== undefined && !/^\d+$/.test(n))) return undefined;
  return {
    promotionId,
    stage,
    op,
    ...(step !== undefined ? { step: Number(step) } : {}),
    ...(measurement !== undefined ? { measurement: Number(measurement) } : {}),
  };
}

/**
 * The key of the deploy a promotion's stage rollback undoes, or undefined for any other key (an
 * operator's rollback restores under `restore` and undoes no deploy of its own).
 */
export function deployUndoneBy(rollbackKey: string): string | undefined {
  const key = parseOperationKey(rollbackKey);
  return key?.op === 'rollback' && key.step === undefined
    ? formatOperationKey({ promotionId: key.promotionId, stage: key.stage, op: 'deploy' })
    : undefined;
}
