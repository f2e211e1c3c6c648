/** Every row of a promotion's control coverage, in the order of the control's auditing guidelines. */
import type { PipelineInForce } from '../pipeline.js';
import { aiRows } from './ai.js';
import { recordKeepingRow, separationRow, standardizedRow } from './addendum.js';
import { automationRow } from './automation.js';
import { catalogRow } from './catalog.js';
import { disasterRecoveryRow, rollbackReadinessRow } from './continuity.js';
import { segregationRow } from './duties.js';
import { identificationRow } from './identification.js';
import { interfacesRow } from './interfaces.js';
import { configurationPolicyRow, proceduresRow } from './policy.js';
import type { CoverageRow, RowContext } from './row.js';
import { thirdPartyRow } from './third-party.js';

export function promotionRows(ctx: RowContext, pipeline: PipelineInForce): CoverageRow[] {
  return [
    catalogRow(ctx),
    interfacesRow(ctx),
    configurationPolicyRow(ctx),
    thirdPartyRow(ctx),
    disasterRecoveryRow(ctx),
    rollbackReadinessRow(ctx),
    proceduresRow(ctx, pipeline),
    segregationRow(ctx),
    identificationRow(ctx),
    automationRow(ctx),
    standardizedRow(ctx),
    separationRow(ctx),
    recordKeepingRow(ctx),
    ...aiRows(ctx),
  ];
}
