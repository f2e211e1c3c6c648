/**
 * One hook request as the hook records it: who sent it (filled in as checks pass) and what may
 * be recorded about it — never its body, headers, secrets or signatures.
 */
import type { FastifyRequest } from 'fastify';
import { channelOf, type RequestParty, type RequestSummary } from './refusals.js';

export interface Exchange {
  party: RequestParty;
  summary: RequestSummary;
  /** Where to post the answer in the channel, once the request is authenticated. */
  followUp?: { url?: string; hosts: string[]; always: boolean };
}

/** The exchange of each request, made on first use. */
export class Exchanges {
  private readonly byRequest = new WeakMap<FastifyRequest, Exchange>();

  of(req: FastifyRequest): Exchange {
    let ex = this.byRequest.get(req);
    if (!ex) {
      ex = {
        party: { channel: channelOf(req.url) },
        summary: {
          method: req.method,
          path: req.url.split('?')[0]!.slice(0, 200),
          source: req.ip,
          ...(req.headers['content-type'] ? { contentType: req.headers['content-type'].slice(0, 100) } : {}),
          ...(req.headers['content-length'] ? { bytes: Number(req.headers['content-length']) || 0 } : {}),
        },
      };
      this.byRequest.set(req, ex);
    }
    return ex;
  }
}
