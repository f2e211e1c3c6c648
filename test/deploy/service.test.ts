/**
 * `tollgate worker` as the service the Kubernetes manifests run: a real subprocess against a real
 * Temporal dev server, with its probes and Prometheus metrics on --ops-port, posting CDEvents to
 * an HTTP collector started here (which refuses its first delivery, so the retry is exercised)
 * and to a sink that is down (which must not hold anything up). Promotions and a rollback are
 * driven with the real CLI; the events received are checked against the CDEvents spec's schemas.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createInterface } from 'node:readline';
import { HTTP } from 'cloudevents';
import { projectRoot } from '../../src/paths.js';
import { tollgateCommand } from '../helpers/cli-process.js';
import { startDevServer, type Harness } from '../helpers/temporal.js';
import { tollgateProcess, waitForState, writeConfig, writeManifest } from '../cli/support.js';
import { cdEventsValidator, type ReceivedEvent } from '../helpers/cdevents-schemas.js';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

const noop = { type: 'command', operations: { deploy: ['true'], rollback: ['true'] } };
const STAGES = [
  { name: 'dev', target: noop, policy: { packs: ['change-management'] } },
  {
    name: 'staging',
    target: noop,
    policy: { packs: ['change-management'] },
    approval: { groups: ['release-managers'] },
  },
];

/** An HTTP collector that answers 503 to its very first request, then 202 and keeps the events. */
class Collector {
  readonly events: ReceivedEvent[] = [];
  requests = 0;
  private server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      this.requests++;
      if (this.requests === 1) {
        res.writeHead(503).end();
        return;
      }
      const body = Buffer.concat(chunks).toString('utf8');
      this.events.push({
        headers: req.headers,
        body,
        cloudEvent: HTTP.toEvent({ headers: req.headers, body }),
      });
      res.writeHead(202).end();
    });
  });
  async listen(): Promise<string> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/events`;
  }
  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: { key: string; value: { stringValue?: string; boolValue?: boolean; intValue?: number } }[];
}

/** An OTLP/HTTP trace receiver (the JSON encoding the exporter sends by default). */
class OtlpReceiver {
  readonly spans: OtlpSpan[] = [];
  private server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[];
      };
      for (const r of body.resourceSpans) for (const s of r.scopeSpans) this.spans.push(...s.spans);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  async listen(): Promise<string> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1/traces`;
  }
  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
  named(name: string): OtlpSpan[] {
    return this.spans.filter((s) => s.name === name);
  }
}

const attr = (span: OtlpSpan | undefined, key: string) => {
  const v = span?.attributes.find((a) => a.key === key)?.value;
  return v?.stringValue ?? v?.boolValue ?? v?.intValue;
};

async function until<T>(what: string, probe: () => Promise<T | undefined>, withinMs = 60_000): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

let harness: Harness;
let collector: Collector;
let otlp: OtlpReceiver;
let worker: ChildProcess;
let ops: string;
let env: NodeJS.ProcessEnv;
let dir: string;

const tollgate = (args: string[], as: string) =>
  tollgateProcess(args, { ...env, TOLLGATE_USER: as, TOLLGATE_KEY: path.join(dir, `${as}.pem`) });

async function promote(version: string, id: string): Promise<void> {
  const manifest = await writeManifest(dir, id, { version });
  const started = await tollgate(['promote', manifest, '--id', id], 'rita');
  assert.equal(started.code, 0, started.stderr);
  await waitForState(
    harness,
    id,
    (s) => s.gate === 'approval' && s.currentStage === 'staging',
    `${id} approval`,
  );
  const vote = await tollgate(['approve', id, '--yes'], 'bob');
  assert.equal(vote.code, 0, vote.stderr);
  await harness.env.client.workflow.getHandle(id).result();
}

before(async () => {
  harness = await startDevServer();
  collector = new Collector();
  const url = await collector.listen();
  otlp = new OtlpReceiver();
  const traces = await otlp.listen();
  dir = await mkdtemp(path.join(tmpdir(), 'tollgate-service-'));
  const configFile = await writeConfig(dir, STAGES, {
    events: {
      source: 'tollgate-test',
      cdevents: [
        { name: 'collector', url, attempts: 4, timeout: '2s' },
        // Nothing listens on port 9 (discard) here: every attempt fails at once.
        { name: 'down', url: 'http://127.0.0.1:9/events', attempts: 3, timeout: '1s' },
      ],
    },
  });
  env = {
    PATH: process.env.PATH,
    HOME: dir,
    TOLLGATE_HOME: path.join(dir, 'home'),
    TOLLGATE_CONFIG: configFile,
    TEMPORAL_ADDRESS: harness.env.address,
    TEMPORAL_NAMESPACE: harness.env.namespace ?? 'default',
  };
  const workerEnv = { ...env, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: traces, OTEL_BSP_SCHEDULE_DELAY: '200' };
  const [node, args] = tollgateCommand([
    '--json',
    'worker',
    '--orchestration',
    '--all-stages',
    '--ops-port',
    '0',
  ]);
  worker = spawn(node, args, { cwd: projectRoot, env: workerEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  // --json prints one indented JSON object once the workers run: read lines until it closes.
  let printed = '';
  for await (const line of createInterface({ input: worker.stdout! })) {
    printed += `${line}\n`;
    if (line === '}') break;
  }
  ops = (JSON.parse(printed) as { ops: string }).ops;
});

after(async () => {
  if (worker.exitCode === null) worker.kill('SIGKILL');
  await collector.close();
  await otlp.close();
  await harness.teardown();
});

void describe('tollgate worker as a service', () => {
  void it('answers its probes: alive at once, ready while every queue is polled', async () => {
    const health = await fetch(`${ops}/healthz`);
    assert.equal(health.status, 200);
    const ready = await until('readiness', async () => {
      const res = await fetch(`${ops}/readyz`);
      return res.status === 200 ? ((await res.json()) as { status: string }) : undefined;
    });
    assert.equal(ready.status, 'ready');
  });

  void it('counts promotions, gate waits, approval latency; emits CDEvents that meet the spec', async () => {
    await promote('1.0.0', 'checkout-svc-1');
    await promote('1.1.0', 'checkout-svc-2');
    const rollback = await tollgate(
      ['rollback', 'checkout', '--stage', 'staging', '--reason', 'INC-7: errors', '--yes'],
      'erin',
    );
    assert.equal(rollback.code, 0, rollback.stdout + rollback.stderr);

    const metrics = await (await fetch(`${ops}/metrics`)).text();
    assert.match(metrics, /^tollgate_promotions_total\{status="started"\} 2$/m);
    assert.match(metrics, /^tollgate_promotions_total\{status="completed"\} 2$/m);
    assert.match(metrics, /^tollgate_gate_wait_seconds_count\{gate="approval",stage="staging"\} 2$/m);
    assert.match(
      metrics,
      /^tollgate_approval_latency_seconds_count\{stage="staging",decision="approve"\} 2$/m,
    );
    assert.match(metrics, /^process_resident_memory_bytes \d+/m);

    const received = await until('five CDEvents', () =>
      Promise.resolve(collector.events.length >= 5 ? collector.events : undefined),
    );
    assert.ok(collector.requests >= 6, 'the refused first delivery was retried');
    const validate = await cdEventsValidator();
    for (const e of received) assert.deepEqual(validate(e), [], e.body);

    const summary = received.map((e) => {
      const data = JSON.parse(e.body) as {
        subject: { id: string; content: { environment: { id: string }; artifactId: string } };
      };
      return `${e.headers['ce-type'] as string} ${data.subject.id}@${data.subject.content.environment.id} ${data.subject.content.artifactId}`;
    });
    const image = `pkg:oci/checkout@sha256:${'c'.repeat(64)}?repository_url=registry.example.com%2Fcheckout`;
    assert.deepEqual(summary, [
      `dev.cdevents.service.deployed.0.3.0 checkout@dev ${image}`,
      `dev.cdevents.service.deployed.0.3.0 checkout@staging ${image}`,
      `dev.cdevents.service.upgraded.0.3.0 checkout@dev ${image}`,
      `dev.cdevents.service.upgraded.0.3.0 checkout@staging ${image}`,
      'dev.cdevents.service.rolledback.0.3.0 checkout@staging pkg:generic/checkout@1.0.0',
    ]);
    assert.equal(received[0]!.headers['ce-source'], 'tollgate-test');
  });

  void it('exports a trace per promotion over OTLP: stages, gates and activities with cicd.* and deployment.* attributes', async () => {
    const root = await until('the first promotion span', () =>
      Promise.resolve(otlp.named('promotion checkout 1.0.0')[0]),
    );
    assert.equal(attr(root, 'cicd.pipeline.run.id'), 'checkout-svc-1');
    assert.equal(attr(root, 'cicd.pipeline.result'), 'success');
    assert.equal(attr(root, 'deployment.name'), 'checkout');
    const trace = otlp.spans.filter((s) => s.traceId === root.traceId);
    const stage = trace.find((s) => s.name === 'stage staging')!;
    assert.equal(stage.parentSpanId, root.spanId);
    assert.equal(attr(stage, 'deployment.environment.name'), 'staging');
    assert.equal(attr(stage, 'cicd.pipeline.task.type'), 'deploy');
    const gates = trace.filter((s) => s.parentSpanId === stage.spanId).map((s) => s.name);
    assert.deepEqual(gates, ['gate policy', 'gate approval', 'gate deploy']);
    const deploy = trace.find((s) => s.parentSpanId === stage.spanId && s.name === 'gate deploy');
    assert.equal(attr(deploy, 'deployment.status'), 'succeeded');
    assert.equal(attr(deploy, 'cicd.pipeline.task.run.result'), 'success');

    const rollback = await until('the rollback span', () =>
      Promise.resolve(otlp.named('rollback staging')[0]),
    );
    assert.equal(attr(rollback, 'deployment.status'), 'succeeded');
    // The SDK's interceptor traces every activity execution, on the stage queues too.
    assert.ok(otlp.named('RunActivity:deploy').length >= 4, 'deploy activities traced');
    assert.ok(otlp.named('RunActivity:evaluatePolicy').length >= 2, 'policy activities traced');
  });

  void it('stops on SIGTERM with exit code 0, even with a sink that never answers', async () => {
    worker.kill('SIGTERM');
    const [code] = (await once(worker, 'exit')) as [number | null];
    assert.equal(code, 0);
  });
});
