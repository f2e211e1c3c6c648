import type { Logger } from '../logging/logger.js';
import { durationMs } from '../domain/common.js';
import type { Target } from '../targets/target.js';
import { CanaryConfig } from './config.js';
import type { AnalysisResult, MetricJudgement } from './types.js';
import { judge } from './judge.js';
import { judgeQueriedComparison } from './queried-comparison.js';
import { inconclusive, judgeValue } from './judgements.js';
import { recordMeasurements } from './recorded.js';
import { builtInProvider } from './providers/built-in.js';
import { prometheusProvider, rangeOf } from './providers/prometheus.js';
import {
  isProviderError,
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
        return {
          ...head,
          verdict: 'inconclusive',
          metrics: [],
          reason: `no measurements: ${err.message}`,
          providerError: err.message,
        };
      }

      const placeholders = {
        app: req.app,
        stage: req.stage,
        version: req.canaryVersion,
        baseline: req.baselineVersion ?? '',
        range: rangeOf(req.window),
      };
      const queried = async (threshold: CanaryConfig['thresholds'][number], query: string) => {
        const out: MetricJudgement[] = [];
        const bounded = threshold.min !== undefined || threshold.max !== undefined;
        if (bounded || !threshold.compare)
          out.push(
            await judgeQueriedThreshold(provider, threshold, fillQuery(query, placeholders), req.window.end),
          );
        if (threshold.compare && baseline && req.baselineVersion)
          out.push(
            await judgeQueriedComparison(provider, threshold, threshold.compare, {
              canary: fillQuery(query, placeholders),
              baseline: fillQuery(query, { ...placeholders, version: req.baselineVersion }),
              at: req.window.end,
            }),
          );
        return out;
      };
      const { verdict, reason, metrics } = await judge(
        config,
        { canary, ...(baseline ? { baseline } : {}) },
        { weight: req.weight, windowSeconds },
        queried,
      );
      log.info({ verdict, reason }, 'canary step analysed');
      return {
        ...head,
        verdict,
        metrics,
        reason,
        measured: {
          canary: recordMeasurements(canary),
          ...(baseline ? { baseline: recordMeasurements(baseline) } : {}),
        },
      };
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
