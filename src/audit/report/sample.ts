/**
 * The auditor's sample: a reproducible random selection from the population. Each member is
 * ranked by sha256(seed, id) and the first n are taken, so the same seed over the same
 * population always gives the same sample, and adding members later does not reshuffle the
 * others' ranks.
 */
import { createHash, randomBytes } from 'node:crypto';

export function newSeed(): string {
  return randomBytes(8).toString('hex');
}

export function drawSample(ids: readonly string[], size: number, seed: string): string[] {
  const rank = (id: string) => createHash('sha256').update(seed).update('\0').update(id).digest('hex');
  return [...ids]
    .map((id) => ({ id, rank: rank(id) }))
    .sort((a, b) => a.rank.localeCompare(b.rank))
    .slice(0, Math.max(0, size))
    .map((x) => x.id);
}
