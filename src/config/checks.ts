/**
 * What `tollgate config validate` checks beyond the schema, because it needs more than the file:
 * every pack a stage names exists in the pack folders, and every approver, operator and waiver
 * group has members.
 */
import { suggestion } from './known-keys.js';
import type { PathProblem } from './yaml-file.js';
import type { TollgateConfig } from './schema.js';

/** Problems with the names a config refers to, given the names of the packs that loaded. */
export function referenceProblems(config: TollgateConfig, packNames: readonly string[]): PathProblem[] {
  const problems: PathProblem[] = [];
  const groups = [...new Set(config.principals.flatMap((p) => p.groups))];
  const unknownGroup = (path: PropertyKey[], group: string) => {
    if (groups.includes(group)) return;
    const near = suggestion(group, groups);
    problems.push({
      path,
      message: `group "${group}" has no members among principals${near ? `; did you mean "${near}"?` : ` (groups: ${groups.join(', ') || 'none'})`}`,
    });
  };
  config.pipelines.forEach((pipeline, pi) => {
    pipeline.operatorGroups.forEach((g, gi) => unknownGroup(['pipelines', pi, 'operatorGroups', gi], g));
    pipeline.waiverGroups.forEach((g, gi) => unknownGroup(['pipelines', pi, 'waiverGroups', gi], g));
    pipeline.stages.forEach((stage, si) =>
      stage.policy.packs.forEach((pack, ki) => {
        if (packNames.includes(pack)) return;
        const near = suggestion(pack, packNames);
        problems.push({
          path: ['pipelines', pi, 'stages', si, 'policy', 'packs', ki],
          message: `no policy pack "${pack}" in ${config.policyPackDirs.join(', ')}${near ? `; did you mean "${near}"?` : ` (packs: ${packNames.join(', ') || 'none'})`}`,
        });
      }),
    );
  });
  return problems;
}
