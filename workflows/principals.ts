/** Group membership as the promotion's trust snapshot says: the one check every rule uses. */
import type { TrustSnapshot } from '../src/approvals/actions.js';

export function inGroups(trust: TrustSnapshot, actor: string, groups: string[]): boolean {
  const principal = trust.principals.find((p) => p.id === actor);
  return Boolean(principal?.groups.some((g) => groups.includes(g)));
}
