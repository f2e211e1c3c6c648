import { z } from 'zod';
import { Severity } from './settings.js';

/** Control ids as `<framework>:<control>`, e.g. `ISO27001:A.8.32` or `EUAIAct:Art.50`. */
export const ControlId = z
  .string()
  .regex(/^[A-Za-z0-9-]+:[A-Za-z0-9.()-]+$/, 'must be <framework>:<control>, e.g. ISO27001:A.8.32');

export const PolicyRule = z.strictObject({
  id: z
    .string()
    .regex(/^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$/, 'must be lowercase letters, digits and "-" (max 64)')
    .describe('Unique within the pack; shown in results and approvals.'),
  description: z.string().min(1).describe('What the rule requires, phrased as the passing condition.'),
  severity: Severity.describe(
    'How bad a failure is; failures at or above the blocking severity stop the stage.',
  ),
  stages: z
    .array(z.string().min(1))
    .optional()
    .describe('Stages the rule applies to; all stages when absent.'),
  expression: z
    .string()
    .min(1)
    .describe('CEL expression returning bool over the variables release, stage, facts, time and requester.'),
  remediation: z.string().min(1).describe('What to do when the rule fails.'),
  controls: z.array(ControlId).min(1).describe('Control ids this rule evidences.'),
});
export type PolicyRule = z.infer<typeof PolicyRule>;

export const PolicyPackFile = z
  .strictObject({
    apiVersion: z.literal('tollgate.dev/v1'),
    kind: z.literal('PolicyPack'),
    name: z
      .string()
      .regex(/^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$/, 'must be lowercase letters, digits and "-" (max 64)')
      .describe('Pack name that stages list under policy.packs.'),
    description: z.string().optional(),
    rules: z.array(PolicyRule).min(1, 'a pack needs at least one rule'),
  })
  .superRefine((pack, ctx) => {
    const seen = new Set<string>();
    pack.rules.forEach((r, i) => {
      if (seen.has(r.id))
        ctx.addIssue({ code: 'custom', path: ['rules', i, 'id'], message: `duplicate rule id ${r.id}` });
      seen.add(r.id);
    });
  });
export type PolicyPackFile = z.infer<typeof PolicyPackFile>;

/** The JSON Schema of a pack file, for editor completion (`# yaml-language-server: $schema=…`). */
export function policyPackJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(PolicyPackFile, { io: 'input' }),
    $id: 'https://tollgate.dev/schemas/policy-pack.json',
    title: 'Tollgate policy pack',
  };
}
