import type { Logger } from '../logging/logger.js';
import { durationMs } from '../domain/common.js';
import type { Target } from '../targets/target.js';
import { CanaryConfig } from './config.js';
import type { AnalysisResult, MetricJudgement } from './types.js';
import { judgeErrorRateComparison, judgeLatencyShift, judgeTailLatency } from './comparisons.js';
import { judgeQueriedComparison } from './queried-comparison.js';
import {
  inconclusive,
  judgeMeasuredThreshold,
  judgeSampleCount,
  judgeValue,
  overallVerdict,
} from './judgements.js';
import { builtInProvider } from './providers/built-in.js';
import { prometheusProvider, rangeOf } from './providers/prometheus.js';
import {
  MetricsInvalidError,
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

export interface AnalyzerOptions {
  logger: Logger;
  /** Delays between attempts to reach an unavailable provider; its error is the reason only after the last. */
  retryDelaysMs?: readonly number[];
}

/**
 * The analyzer: measures canary and baseline over the bake window with the configured metrics
 * provider, then judges minimum samples, every threshold and the comparisons with the baseline.
 * A provider that cannot answer (after its retries) or answers with impossible numbers makes the
 * step inconclusive with a reason naming the metric and the provider, never a pass or a throw.
 */
export function createAnalyzer(opts: AnalyzerOptions): CanaryAnalyzer {
  const retryDelaysMs = opts.retryDelaysMs ?? [1_000, 3_000];
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
        const measure = (version: string) =>
          withRetries(retryDelaysMs, () => provider.measure({ app: req.app, version, window: req.window }));
        [canary, baseline] = await Promise.all([
          measure(req.canaryVersion),
          req.baselineVersion ? measure(req.baselineVersion) : undefined,
        ]);
      } catch (err) {
        if (!isProviderError(err)) throw err;
        log.warn({ err: err.message }, 'canary metrics unavailable or invalid');
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
        const bounded = threshold.min !== undefined || threshold.max !== undefined;
        if (bounded || !threshold.compare)
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
        if (threshold.compare && threshold.query !== undefined && baseline && req.baselineVersion)
          judgements.push(
            await judgeQueriedComparison(provider, threshold, threshold.compare, {
              canary: fillQuery(threshold.query, placeholders),
              baseline: fillQuery(threshold.query, { ...placeholders, version: req.baselineVersion }),
              at: req.window.end,
            }),
          );
      }

      const notes: string[] = [];
      if (!config.compareToBaseline.enabled) notes.push('comparison to baseline disabled');
      else if (!baseline)
        notes.push('comparison to baseline skipped: no stable version serves beside the canary');
      else if (req.weight >= 100)
        notes.push('comparison to baseline skipped: at 100% the baseline receives no traffic');
      else
        for (const judge of [judgeLatencyShift, judgeTailLatency, judgeErrorRateComparison])
          judgements.push(judge(canary, baseline, config.compareToBaseline, config.minSamples));

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
    const judgement = judgeValue(threshold.metric, await provider.query(query, at), threshold);
    if (judgement.canary === null && judgement.verdict === 'inconclusive')
      judgement.reason = `${judgement.reason} (${provider.name} provider, query ${JSON.stringify(query)})`;
    return judgement;
  } catch (err) {
    if (isProviderError(err)) return inconclusive(threshold.metric, err.message);
    throw err;
  }
}

export function isProviderError(
  err: unknown,
): err is MetricsUnavailableError | MetricsQueryError | MetricsInvalidError {
  return (
    err instanceof MetricsUnavailableError ||
    err instanceof MetricsQueryError ||
    err instanceof MetricsInvalidError
  );
}

/** Only unavailability is retried: a wrong query or impossible numbers come back the same. */
async function withRetries<T>(delaysMs: readonly number[], fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof MetricsUnavailableError) || attempt >= delaysMs.length) throw err;
      await new Promise((resolve) => setTimeout(resolve, delaysMs[attempt]));
    }
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
