/**
 * Posts the outcome to a platform's `response_url`. Slack shows nothing of a 4xx answer and
 * ignores the body of a button click's answer, so this is how the reason reaches the channel.
 * Only hosts named in config are contacted, so a request cannot make the hook call elsewhere.
 */
import type { Logger } from '../logging/logger.js';
import type { SlackReply } from './replies.js';

export class FollowUps {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly logger: Logger,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  post(responseUrl: string | undefined, allowedHosts: string[], reply: SlackReply): void {
    if (!responseUrl) return;
    let url: URL;
    try {
      url = new URL(responseUrl);
    } catch {
      return;
    }
    if (
      !['https:', 'http:'].includes(url.protocol) ||
      !allowedHosts.some((h) => h === url.host || h === url.hostname)
    ) {
      this.logger.warn(
        { host: url.host },
        'response_url host is not in responseUrlHosts; no follow-up posted',
      );
      return;
    }
    const body = JSON.stringify({ ...reply, replace_original: false });
    const delivery = this.fetchImpl(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      signal: AbortSignal.timeout(5_000),
    })
      .then((res) => {
        if (!res.ok)
          this.logger.warn({ host: url.host, status: res.status }, 'response_url follow-up was not accepted');
      })
      .catch((err: unknown) =>
        this.logger.warn({ host: url.host, err: String(err) }, 'response_url follow-up failed'),
      )
      .finally(() => this.inFlight.delete(delivery));
    this.inFlight.add(delivery);
  }

  async drain(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }
}
