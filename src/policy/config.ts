import { z } from 'zod';

/** Policy settings of one stage: which packs apply. Packs themselves are loaded by src/policy/. */
export const StagePolicyConfig = z
  .strictObject({
    packs: z
      .array(z.string().min(1))
      .default([])
      .describe('names of the policy packs evaluated at this stage'),
  })
  .describe('policy gate of the stage');
export type StagePolicyConfig = z.infer<typeof StagePolicyConfig>;
