import http from 'node:http';

const TICK_MS = 20;
/** Beyond this many unanswered requests the generator waits instead of piling up sockets. */
const MAX_IN_FLIGHT = 200;

/**
 * The built-in traffic generator: steady requests through the router while a canary bakes, so
 * the analysis has real measurements even when nobody else uses the app. Responses are read and
 * dropped; the router does the counting.
 */
export class TrafficGenerator {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private timer: NodeJS.Timeout | undefined;
  private due = 0;
  private inFlight = 0;

  constructor(
    private readonly url: string,
    private readonly rps: number,
  ) {}

  get running(): boolean {
    return this.timer !== undefined;
  }

  start(): void {
    if (this.timer || this.rps <= 0) return;
    let last = performance.now();
    this.timer = setInterval(() => {
      const now = performance.now();
      this.due += (this.rps * (now - last)) / 1000;
      last = now;
      for (; this.due >= 1; this.due--) if (this.inFlight < MAX_IN_FLIGHT) this.send();
    }, TICK_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.due = 0;
  }

  close(): void {
    this.stop();
    this.agent.destroy();
  }

  private send(): void {
    this.inFlight++;
    let finished = false;
    const done = () => {
      if (!finished) this.inFlight--;
      finished = true;
    };
    http
      .get(this.url, { agent: this.agent, headers: { 'user-agent': 'tollgate-traffic' } }, (res) => {
        res.resume();
        res.once('end', done);
        res.once('error', done);
      })
      .once('error', done);
  }
}
