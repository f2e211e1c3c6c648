/**
 * Scenario 4: canary analysis reads a real Prometheus, which is stopped once the promotion is
 * past approval. Every analysis must be inconclusive (never a pass) saying Prometheus is
 * unreachable, a person must be asked (the canary-inconclusive notification and the workflow
 * waiting for a decision), and the decision must be recorded — continue promotes, rollback rolls back.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startDevServer } from '../helpers/temporal.js';
import { startPrometheus } from '../helpers/prometheus.js';
import { testRelease } from '../helpers/promotion-world.js';
import { checkRun, demand, tally } from './support/checks.js';
import { Installation } from './support/installation.js';
import { waitUntil } from './support/progress.js';
import { runPromotion } from './support/run-promotion.js';
import type { ChaosOptions, Scenario } from './types.js';

/** Prometheus' scrape target (an empty /metrics) and the chat webhook the notifications go to. */
async function startEndpoint() {
  const notifications: { event: string; promotionId: string }[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      if (req.method === 'POST') notifications.push(JSON.parse(body) as (typeof notifications)[number]);
      res.end(req.method === 'POST' ? '{}' : '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { address, notifications, close: () => new Promise((resolve) => server.close(resolve)) };
}

export const prometheusDown: Scenario = {
  name: 'Prometheus unreachable during analysis',
  async run(_opts: ChaosOptions) {
    const endpoint = await startEndpoint();
    const prometheus = await startPrometheus({ scrape: [endpoint.address] });
    const temporal = await startDevServer({ logLevel: 'error' });
    const inst = await Installation.create({
      address: temporal.env.address,
      canaryMetrics: { provider: 'prometheus', url: prometheus.url, timeout: '2s' },
      notifyUrl: `http://${endpoint.address}/notify`,
    });
    try {
      inst.startWorker();
      let stopped!: () => void;
      const prometheusStopped = new Promise<void>((resolve) => (stopped = resolve));
      const decisions = ['continue', 'rollback'] as const;
      const runs = await Promise.all(
        decisions.map(async (decision, i) => {
          // The second promotion starts once Prometheus is down, so none of its analyses saw it up.
          if (i > 0) await prometheusStopped;
          return runPromotion(
            inst,
            testRelease({ app: `billing-api-${i}` }),
            `chaos-prometheus-${decision}`,
            {
              decision,
              ...(i === 0
                ? {
                    disturb: async (p) => {
                      await waitUntil(inst, p, (s) => s.scheduled('deploy') >= 2, 'the prod deploy');
                      await prometheus.stop();
                      stopped();
                    },
                  }
                : {}),
            },
          );
        }),
      );
      const checks = await Promise.all(
        runs.map(async (run, i) => {
          const decision = decisions[i]!;
          const check = await checkRun(inst, `decision ${decision}`, run.promotion, run.result, {
            status: decision === 'continue' ? 'succeeded' : 'rolled-back',
            ...(decision === 'rollback'
              ? { outcome: /rolled back by decision after an inconclusive analysis/ }
              : {}),
            records: ['canary.analysis', 'canary.decision'],
          });
          const analyses = check.chain.filter((r) => r.type === 'canary.analysis');
          for (const a of analyses)
            demand(
              check,
              a.data.verdict === 'inconclusive' && /unreachable/.test(String(a.data.reason)),
              `analysis step ${String(a.data.step)}: ${String(a.data.verdict)} (${String(a.data.reason)}), expected inconclusive: unreachable`,
            );
          const recorded = check.chain.filter((r) => r.type === 'canary.decision').length;
          demand(check, recorded === run.decisions, `${run.decisions} decisions taken, ${recorded} recorded`);
          demand(
            check,
            endpoint.notifications.some(
              (n) => n.event === 'canary-inconclusive' && n.promotionId === run.promotion.input.promotionId,
            ),
            'nobody was notified that a decision is needed',
          );
          return check;
        }),
      );
      return tally(
        this.name,
        checks,
        'Prometheus stopped before the prod canary; every analysis inconclusive, a person asked (webhook) and answered (continue / rollback)',
      );
    } finally {
      await inst.close();
      await temporal.teardown();
      await prometheus.stop();
      await endpoint.close();
    }
  },
};
