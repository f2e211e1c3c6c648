import type { CanaryConfig } from './config.js';
import type { AnalysisResult } from './types.js';
import type { Target } from '../targets/target.js';

export interface AnalysisRequest {
  app: string;
  stage: string;
  canaryVersion: string;
  /** The stable version serving beside the canary, if any (the comparison baseline). */
  baselineVersion?: string;
  step: number;
  weight: number;
  config: CanaryConfig;
  /** The bake interval to analyse (ISO times). */
  window: { start: string; end: string };
  target: Target;
}

/** Decides pass / fail / inconclusive for one canary step from real measurements. */
export interface CanaryAnalyzer {
  analyze(req: AnalysisRequest): Promise<AnalysisResult>;
}
