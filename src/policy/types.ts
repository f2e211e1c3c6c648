import { z } from 'zod';

export const RuleOutcome = z.enum(['pass', 'fail', 'error', 'skipped']);

export const RuleResult = z.object({
  pack: z.string(),
  ruleId: z.string(),
  description: z.string(),
  severity: z.enum(['low', 'medium', 'high', 'critical']),
  outcome: RuleOutcome,
  message: z.string().optional(),
  remediation: z.string().optional(),
  controls: z.array(z.string()),
  /** The fact names the rule's expression read. */
  factsRead: z.array(z.string()).default([]),
});
export type RuleResult = z.infer<typeof RuleResult>;

/** What the policy activity returns and the workflow records; approvals bind to `resultHash`. */
export const PolicyEvaluation = z.object({
  stage: z.string(),
  passed: z.boolean(),
  /** sha256 of the canonical JSON of { packs, rules, facts }: what an approver was shown. */
  resultHash: z.string(),
  packs: z.array(z.object({ name: z.string(), version: z.string() })),
  rules: z.array(RuleResult),
  facts: z.record(z.string(), z.unknown()),
  evaluatedAt: z.string(),
});
export type PolicyEvaluation = z.infer<typeof PolicyEvaluation>;
