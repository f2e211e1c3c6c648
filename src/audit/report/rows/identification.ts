/**
 * Guideline 8: the deployment process identifies what it deploys and where: the release digest,
 * every artifact pinned by digest, provenance naming those digests, stages in pipeline order,
 * and the worker identity that changed each stage.
 */
import { deploysOf, obj, strings, type Data } from '../evidence.js';
import { list, type CoverageRow, type RowContext } from './row.js';

const DIGEST = /^sha256:[0-9a-f]{64}$/;

export function identificationRow(ctx: RowContext): CoverageRow {
  const base = {
    id: 'ag-8-identification',
    source: 'Auditing guideline 8',
    question:
      'Identification and integration of the deployment process (digests, provenance, stage order, worker)',
  };
  const deploys = deploysOf(ctx.records);
  if (deploys.length === 0)
    return { ...base, status: 'not applicable', detail: 'nothing was deployed', evidence: [] };
  const started = ctx.started;
  const artifacts = started?.artifacts ?? [];
  const unpinned = artifacts.filter((a) => !a.digest || !DIGEST.test(a.digest));
  const { stages, reached } = ctx.promotion;
  const inOrder = reached.every((s, i) => stages[i] === s);
  const anonymous = deploys.filter((d) => !d.worker);
  const subjects = ctx.policies
    .map((p) => obj(p.facts.provenance))
    .filter((p): p is Data => p !== undefined)
    .flatMap((p) =>
      (Array.isArray(p.subjects) ? p.subjects : []).map((s) =>
        strings(Object.values(obj(s) ?? {})).join(' '),
      ),
    );
  const covered = ctx.policies.some((p) => obj(p.facts.provenance)?.artifactsCovered === true);
  const problems = [
    ...(started?.releaseDigest ? [] : ['no release digest recorded']),
    ...(artifacts.length === 0 ? ['no artifacts recorded'] : []),
    ...(unpinned.length ? [`artifact(s) not pinned by sha256: ${list(unpinned.map((a) => a.name))}`] : []),
    ...(inOrder ? [] : [`stages entered out of pipeline order: ${reached.join(' → ')}`]),
    ...(anonymous.length
      ? [
          `no worker identity on the deploy(s) at ${list(anonymous.map((d) => d.stage ?? '?'))} (no evidence of which worker deployed)`,
        ]
      : []),
  ];
  return {
    ...base,
    status: problems.length ? 'not met' : 'met',
    detail:
      `release digest ${started?.releaseDigest ?? 'NONE'}; artifacts ${artifacts.map((a) => `${a.name} ${a.digest ?? 'unpinned'}`).join(', ') || 'none'}` +
      `; provenance ${covered ? `names every artifact digest (${list(subjects)})` : 'does not (or was not checked to) name the artifact digests'}` +
      `; stages ${reached.join(' → ')}${inOrder ? ' in pipeline order' : ''}` +
      `; deployed by ${deploys.map((d) => `${d.stage ?? '?'}: ${d.worker ? d.worker.identity : 'UNKNOWN worker'}`).join(', ')}` +
      (problems.length ? `; ${problems.join('; ')}` : ''),
    evidence: [...(started ? [started.seq] : []), ...deploys.map((d) => d.seq)],
  };
}
