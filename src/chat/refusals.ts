/**
 * Refused requests. The Temporal server keeps no trace of an update its validator rejected, and
 * a request with a bad signature never reaches Temporal at all, so the hook writes every refusal
 * to the ledger itself as `security.refused` evidence.
 */
import type { Ledger } from '../ledger/ledger.js';
import type { Logger } from '../logging/logger.js';
import { refusalRecord } from '../approvals/refusals.js';
import type { ChatIdentity } from './identity.js';

export type RefusalKind =
  | 'bad-request'
  | 'unsupported-media-type'
  | 'body-too-large'
  | 'bad-signature'
  | 'stale-timestamp'
  | 'replay'
  | 'unknown-integration'
  | 'unknown-user'
  | 'rate-limited'
  | 'not-found'
  | 'not-waiting'
  | 'digest-mismatch'
  | 'refused-by-workflow';

const STATUS: Record<RefusalKind, number> = {
  'bad-request': 400,
  'unsupported-media-type': 415,
  'body-too-large': 413,
  'bad-signature': 401,
  'stale-timestamp': 401,
  replay: 409,
  'unknown-integration': 404,
  'unknown-user': 403,
  'rate-limited': 429,
  'not-found': 404,
  'not-waiting': 409,
  'digest-mismatch': 409,
  'refused-by-workflow': 403,
};

export class Refusal extends Error {
  override name = 'Refusal';
  constructor(
    readonly kind: RefusalKind,
    readonly reason: string,
    /** False for the repeats of a rate-limited flood that an earlier record already counts. */
    readonly recorded = true,
    readonly details: Record<string, unknown> = {},
  ) {
    super(reason);
  }

  get status(): number {
    return STATUS[this.kind];
  }
}

/** What may be recorded about a request: never its body, headers, secrets or signatures. */
export interface RequestSummary {
  method: string;
  path: string;
  source: string;
  contentType?: string;
  bytes?: number;
  command?: string;
  promotionId?: string;
  stage?: string;
  deliveryId?: string;
}

/** Who sent a request, as far as the hook could tell when it refused it. */
export interface RequestParty<Channel extends string = 'slack' | 'mattermost' | 'webhook'> {
  channel: Channel;
  /** Set once the platform's signature (or token) was verified. */
  verifiedBy?: string;
  chatIdentity?: ChatIdentity;
  principal?: string;
}

/** The channel a hook request arrived on, from its path: recorded with its votes and refusals. */
export function channelOf(url: string): RequestParty['channel'] {
  if (url.startsWith('/v1/webhooks/')) return 'webhook';
  return url.startsWith('/v1/mattermost/') ? 'mattermost' : 'slack';
}

export class SecurityRecorder {
  private pending: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly ledger: Ledger,
    private readonly logger: Logger,
  ) {}

  /**
   * Appends one `security.refused` record. Only requests whose signature verified may name the
   * promotion chain they are filed under; unauthenticated noise goes to `security:hook`, so
   * nobody can create chains by sending garbage.
   */
  record(refusal: Refusal, party: RequestParty, request: RequestSummary): Promise<void> {
    this.logger.warn(
      {
        refusal: refusal.kind,
        reason: refusal.reason,
        channel: party.channel,
        principal: party.principal,
        request,
      },
      'hook request refused',
    );
    const append = this.pending.then(() =>
      this.ledger.appendNext(
        refusalRecord({
          reason: refusal.reason,
          refusal: refusal.kind,
          channel: party.channel,
          ...(party.principal ? { principal: party.principal } : {}),
          ...(party.verifiedBy ? { verifiedBy: party.verifiedBy } : {}),
          ...(party.chatIdentity ? { chatIdentity: party.chatIdentity } : {}),
          ...(request.promotionId ? { promotionId: request.promotionId } : {}),
          ...(request.stage ? { stage: request.stage } : {}),
          fallbackChain: 'hook',
          details: { status: refusal.status, request, ...refusal.details },
        }),
      ),
    );
    // A ledger outage must not turn a refusal into a 5xx or stall later records.
    this.pending = append.catch((err: unknown) =>
      this.logger.error(
        { err, refusal: refusal.kind },
        'could not record a refused hook request in the ledger',
      ),
    );
    return this.pending.then(() => undefined);
  }

  /** Waits for every record already requested (graceful shutdown). */
  async drain(): Promise<void> {
    await this.pending;
  }
}
