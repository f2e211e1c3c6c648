import { aiFacts } from './ai-release.js';
import type { FactContext } from './context.js';
import { deploymentFacts } from './deployment-config.js';
import { provenanceFacts } from './provenance.js';
import { sbomFacts } from './sbom.js';
import { thirdPartyFacts } from './third-party.js';
import { vulnerabilityFacts } from './vulnerabilities.js';

export type { FactContext } from './context.js';

/** Fact sets by name, as rules read them (`facts.sbom.parseable`). Each has an `errors` list. */
export type Facts = Record<string, { errors: string[] } & Record<string, unknown>>;

export const FACT_SETS = ['provenance', 'sbom', 'vulnerabilities', 'thirdParty', 'ai', 'deployment'] as const;

export async function computeFacts(ctx: FactContext): Promise<Facts> {
  const [provenance, sbom, vulnerabilities, deployment, ai] = await Promise.all([
    provenanceFacts(ctx),
    sbomFacts(ctx),
    vulnerabilityFacts(ctx),
    deploymentFacts(ctx),
    aiFacts(ctx),
  ]);
  const thirdParty = thirdPartyFacts(ctx, deployment, provenance);
  return toPlain({ provenance, sbom, vulnerabilities, thirdParty, ai, deployment });
}

/** Facts are hashed and recorded as JSON: drop anything JSON would not keep (undefined). */
function toPlain(facts: Record<string, object>): Facts {
  return JSON.parse(JSON.stringify(facts)) as Facts;
}
