import { z } from 'zod';

/** Policy settings of one stage: which packs apply. Packs themselves are loaded by src/policy/. */
export const StagePolicyConfig = z.object({
  packs: z.array(z.string().min(1)).default([]),
});
export type StagePolicyConfig = z.infer<typeof StagePolicyConfig>;
