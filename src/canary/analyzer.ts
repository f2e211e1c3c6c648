import type { Logger } from '../logging/logger.js';
import { durationMs } from '../domain/common.js';
import type { Target } from '../targets/target.js';
import { CanaryConfig } from './config.js';
import type { AnalysisResult, MetricJudgement } from './types.js';
import {
  inconclusive,
  judgeLatencyComparison,
  judgeMeasuredThreshold,
  judgeSampleCount,
  judgeValue,
  overallVerdict,
} from './judgements.js';
import { builtInProvider } from './providers/built-in.js';
import { prometheusProvider, rangeOf } from './providers/prometheus.js';
import {
  MetricsQueryError,
  MetricsUnavailableError,
  type MetricsProvider,
  type VersionMeasurements,
} from './providers/provider.js';

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

/**
 * The analyzer: measures canary and baseline over the bake window with the configured metrics
 * provider, then judges minimum samples, every threshold and the latency comparison. A provider
 * that cannot answer makes the step inconclusive, never a pass.
 */
export function createAnalyzer(opts: { logger: Logger }): CanaryAnalyzer {
  return {
    async analyze(req) {
      const config = CanaryConfig.parse(req.config);
      const provider = providerFor(config, req.target);
      const head = { step: req.step, weight: req.weight, provider: provider.name, window: req.window };
      const log = opts.logger.child({
        app: req.app,
        stage: req.stage,
        canary: req.canaryVersion,
        step: req.step,
      });
      const windowSeconds = (Date.parse(req.window.end) - Date.parse(req.window.start)) / 1000;

      let canary: VersionMeasurements;
      let baseline: VersionMeasurements | undefined;
      try {
        const measure = (version: string) => provider.measure({ app: req.app, version, window: req.window });
        [canary, baseline] = await Promise.all([
          measure(req.canaryVersion),
          req.baselineVersion ? measure(req.baselineVersion) : undefined,
        ]);
      } catch (err) {
        if (!(err instanceof MetricsUnavailableError || err instanceof MetricsQueryError)) throw err;
        log.warn({ err: err.message }, 'canary metrics unavailable');
        return { ...head, verdict: 'inconclusive', metrics: [], reason: `no measurements: ${err.message}` };
      }

      const judgements: MetricJudgement[] = [judgeSampleCount(canary, config.minSamples)];
      const placeholders = {
        app: req.app,
        stage: req.stage,
        version: req.canaryVersion,
        baseline: req.baselineVersion ?? '',
        range: rangeOf(req.window),
      };
      for (const threshold of config.thresholds) {
        judgements.push(
          threshold.query !== undefined
            ? await judgeQueriedThreshold(
                provider,
                threshold,
                fillQuery(threshold.query, placeholders),
                req.window.end,
              )
            : judgeMeasuredThreshold(threshold, canary, config.minSamples, windowSeconds),
        );
      }

      const notes: string[] = [];
      if (!config.compareToBaseline.enabled) notes.push('comparison to baseline disabled');
      else if (!baseline)
        notes.push('comparison to baseline skipped: no stable version serves beside the canary');
      else if (req.weight >= 100)
        notes.push('comparison to baseline skipped: at 100% the baseline receives no traffic');
      else
        judgements.push(
          judgeLatencyComparison(canary, baseline, config.compareToBaseline, config.minSamples),
        );

      const { verdict, reason } = overallVerdict(judgements, notes);
      log.info({ verdict, reason }, 'canary step analysed');
      return { ...head, verdict, metrics: judgements, reason };
    },
  };
}

function providerFor(config: CanaryConfig, target: Target): MetricsProvider {
  const metrics = config.metrics;
  if (metrics.provider === 'prometheus')
    return prometheusProvider({ url: metrics.url, timeoutMs: durationMs(metrics.timeout) });
  return builtInProvider(target);
}

async function judgeQueriedThreshold(
  provider: MetricsProvider,
  threshold: CanaryConfig['thresholds'][number],
  query: string,
  at: string,
): Promise<MetricJudgement> {
  if (!provider.query) {
    return inconclusive(
      threshold.metric,
      `thresholds with a query need canary.metrics.provider "prometheus" (the ${provider.name} provider has no query language)`,
    );
  }
  try {
    return judgeValue(threshold.metric, await provider.query(query, at), threshold);
  } catch (err) {
    if (err instanceof MetricsUnavailableError || err instanceof MetricsQueryError)
      return inconclusive(threshold.metric, err.message);
    throw err;
  }
}

const PLACEHOLDER = /\{(app|stage|version|baseline|range)\}/g;

/** Queries may name the step's app, stage, canary version, baseline version and window range. */
function fillQuery(
  query: string,
  values: Record<'app' | 'stage' | 'version' | 'baseline' | 'range', string>,
): string {
  return query.replace(PLACEHOLDER, (_, key: keyof typeof values) => values[key]);
}
