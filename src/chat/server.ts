/**
 * `tollgate hook serve`: the HTTP service through which approvers act from chat. Each request
 * is authenticated by its platform (Slack signing v0, a Mattermost command token, or a generic
 * webhook's HMAC), mapped to a Tollgate principal, and relayed to the promotion as an action
 * signed with the hook's own key. Every refusal is answered with a 4xx and recorded as evidence.
 */
import type { KeyObject } from 'node:crypto';
import Fastify, { LogController, type FastifyError, type FastifyReply, type FastifyRequest } from 'fastify';
import {
  isGrpcServiceError,
  ServiceError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type Client,
} from '@temporalio/client';
import type { Principal } from '../config/schema.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Logger } from '../logging/logger.js';
import {
  CommandError,
  commandFromInteraction,
  commandFromWebhook,
  InteractionPayload,
  parseCommandText,
  SlashCommandForm,
  WebhookBody,
  type ChatCommand,
} from './commands.js';
import { listenProblem } from './listen.js';
import { resolveSecret, type HookConfig } from './config.js';
import { FollowUps } from './follow-ups.js';
import { PrincipalDirectory, type ChatIdentity } from './identity.js';
import { RateLimiter } from './rate-limit.js';
import { PromotionRelay } from './relay.js';
import { acceptedReply, refusedReply } from './replies.js';
import { Refusal, SecurityRecorder } from './refusals.js';
import { Exchanges, type Exchange } from './exchange.js';
import { ReplayGuard } from './replay.js';
import {
  form,
  FORM,
  frameworkRefusal,
  header,
  json,
  JSON_TYPE,
  parseField,
  rawBody,
} from './request-body.js';
import {
  MAX_SIGNATURE_AGE_SECONDS,
  verifyMattermostToken,
  verifySlackSignature,
  verifyWebhookSignature,
  type SignatureCheck,
} from './signatures.js';

export interface HookDeps {
  config: HookConfig;
  client: Client;
  ledger: Ledger;
  principals: Principal[];
  /** The hook's Ed25519 key; the workflow knows its public half as `chat:<id>`. */
  serviceKey: { id: string; privateKey: KeyObject };
  logger: Logger;
}

export interface HookServer {
  /** Starts listening; returns the base URL. Defaults come from config.listen. */
  listen(port?: number, host?: string): Promise<string>;
  /** Stops accepting requests, finishes those in flight, and flushes follow-ups and evidence. */
  close(): Promise<void>;
}

export async function createHookServer(deps: HookDeps): Promise<HookServer> {
  const { config, client, ledger, logger } = deps;
  const slackSecret =
    config.slack && (await resolveSecret(config.slack.signingSecret, 'hook.slack.signingSecret'));
  const mattermostToken =
    config.mattermost && (await resolveSecret(config.mattermost.token, 'hook.mattermost.token'));
  const webhooks = new Map(
    await Promise.all(
      config.webhooks.map(
        async (w, i) =>
          [
            w.id,
            { identity: w.identity, secret: await resolveSecret(w.secret, `hook.webhooks[${i}].secret`) },
          ] as const,
      ),
    ),
  );
  const directory = new PrincipalDirectory(deps.principals);
  const relay = new PromotionRelay(client, deps.serviceKey, config.workflowIdPrefix);
  const recorder = new SecurityRecorder(ledger, logger);
  const followUps = new FollowUps(logger);
  // Twice the timestamp tolerance: a request can be up to 5 minutes early or late.
  const replays = new ReplayGuard(2 * MAX_SIGNATURE_AGE_SECONDS * 1000);
  const byAddress = new RateLimiter(config.limits.perAddress);
  const byIdentity = new RateLimiter(config.limits.perIdentity);

  const app = Fastify({
    loggerInstance: logger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.limits.bodyBytes,
    trustProxy: config.trustProxy,
    forceCloseConnections: 'idle',
    return503OnClosing: true,
  });

  // Bodies stay raw Buffers (request-body.ts reads them once the request is authenticated).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser([FORM, JSON_TYPE], { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  const exchanges = new Exchanges();
  const exchange = (req: FastifyRequest): Exchange => exchanges.of(req);

  async function refuse(req: FastifyRequest, reply: FastifyReply, refusal: Refusal): Promise<FastifyReply> {
    const ex = exchange(req);
    if (refusal.recorded) await recorder.record(refusal, ex.party, ex.summary);
    const body = refusedReply(refusal);
    if (ex.followUp) followUps.post(ex.followUp.url, ex.followUp.hosts, body);
    return reply.code(refusal.status).send(body);
  }

  async function fail(req: FastifyRequest, reply: FastifyReply, err: unknown): Promise<FastifyReply> {
    if (err instanceof Refusal) return refuse(req, reply, err);
    if (err instanceof CommandError) return refuse(req, reply, new Refusal('bad-request', err.message));
    if (isTemporalUnavailable(err)) {
      logger.error({ err }, 'Temporal is unavailable to the hook');
      return reply.code(503).send({
        response_type: 'ephemeral',
        text: 'Tollgate cannot reach Temporal right now; try again shortly.',
        tollgate: { ok: false },
      });
    }
    logger.error({ err }, 'hook request failed unexpectedly');
    return reply.code(500).send({
      response_type: 'ephemeral',
      text: 'Tollgate hit an internal error; the operators were told.',
      tollgate: { ok: false },
    });
  }

  /** The steps every authenticated command shares: identity, its rate limit, the relay. */
  async function act(
    ex: Exchange,
    identity: ChatIdentity,
    command: ChatCommand,
    reply: FastifyReply,
  ): Promise<FastifyReply> {
    ex.party.chatIdentity = identity;
    Object.assign(ex.summary, {
      command:
        command.kind === 'vote' || command.kind === 'canary'
          ? command.decision
          : command.kind === 'control'
            ? command.command
            : 'status',
      promotionId: command.promotionId,
      ...((command.kind === 'vote' || command.kind === 'canary') && command.stage
        ? { stage: command.stage }
        : {}),
    });
    const principal = directory.find(identity);
    if (!principal)
      throw new Refusal(
        'unknown-user',
        `${identity.platform} user ${identity.userId} is not mapped to a Tollgate principal: add it under principals[].chat.${identity.platform} in the config`,
      );
    ex.party.principal = principal.id;
    limit(
      byIdentity,
      `${identity.platform}:${identity.userId}`,
      `too many requests from ${principal.id}; wait a minute`,
    );
    const outcome = await relay.run(command, { principal, identity, channel: ex.party.channel });
    if (outcome.stage) ex.summary.stage = outcome.stage;
    logger.info({ principal: principal.id, request: ex.summary }, 'hook request accepted');
    const body = acceptedReply(outcome.text, outcome.inChannel);
    if (ex.followUp?.always) followUps.post(ex.followUp.url, ex.followUp.hosts, body);
    return reply.code(200).send(body);
  }

  function limit(limiter: RateLimiter, key: string, reason: string): void {
    const decision = limiter.take(key, Date.now());
    if (!decision.allowed)
      throw new Refusal(
        'rate-limited',
        reason,
        decision.record,
        decision.suppressed ? { unrecordedSinceLast: decision.suppressed } : {},
      );
  }

  function authenticate(ex: Exchange, check: SignatureCheck, verifiedBy: string): void {
    if (!check.ok) throw new Refusal(check.kind, check.reason);
    ex.party.verifiedBy = verifiedBy;
  }

  function notReplayed(key: string, what: string): void {
    if (!replays.firstSeen(key, Date.now()))
      throw new Refusal('replay', `${what} was already delivered; replays are refused`);
  }

  app.addHook('onRequest', (req, _reply, done) => {
    try {
      if (req.url.startsWith('/v1/'))
        limit(byAddress, req.ip, `too many requests from ${req.ip}; wait a minute`);
      done();
    } catch (err) {
      done(err as Error);
    }
  });

  app.setErrorHandler(async (err: FastifyError, req, reply) => {
    if (err instanceof Refusal) return refuse(req, reply, err);
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500)
      return refuse(req, reply, frameworkRefusal(err, config.limits.bodyBytes));
    return fail(req, reply, err);
  });

  app.setNotFoundHandler(async (req, reply) =>
    refuse(
      req,
      reply,
      new Refusal(
        'not-found',
        `no endpoint ${req.method} ${exchange(req).summary.path}; see /v1/slack/commands, /v1/slack/interactions, /v1/mattermost/commands, /v1/webhooks/<integration>`,
      ),
    ),
  );

  function requireSlack(): string {
    if (!slackSecret) throw new Refusal('not-found', 'Slack is not configured on this hook (hook.slack)');
    return slackSecret;
  }

  function verifySlack(req: FastifyRequest, ex: Exchange, raw: Buffer): void {
    const signature = header(req, 'x-slack-signature');
    const check = verifySlackSignature(
      requireSlack(),
      { signature, timestamp: header(req, 'x-slack-request-timestamp') },
      raw,
      Date.now(),
    );
    authenticate(ex, check, 'slack-signature');
    notReplayed(`slack:${signature}`, 'this Slack request');
  }

  const route =
    (work: (req: FastifyRequest, reply: FastifyReply, ex: Exchange) => Promise<FastifyReply>) =>
    async (req: FastifyRequest, reply: FastifyReply) => {
      try {
        return await work(req, reply, exchange(req));
      } catch (err) {
        return fail(req, reply, err);
      }
    };

  app.post(
    '/v1/slack/commands',
    route(async (req, reply, ex) => {
      const raw = rawBody(req, FORM);
      verifySlack(req, ex, raw);
      const fields = parseField(SlashCommandForm, form(raw), 'slash command');
      ex.followUp = { url: fields.response_url, hosts: config.slack!.responseUrlHosts, always: false };
      return act(ex, { platform: 'slack', userId: fields.user_id }, parseCommandText(fields.text), reply);
    }),
  );

  app.post(
    '/v1/slack/interactions',
    route(async (req, reply, ex) => {
      const raw = rawBody(req, FORM);
      verifySlack(req, ex, raw);
      const payload = parseField(
        InteractionPayload,
        json(form(raw).payload ?? '', 'payload'),
        'interaction payload',
      );
      ex.followUp = { url: payload.response_url, hosts: config.slack!.responseUrlHosts, always: true };
      return act(ex, { platform: 'slack', userId: payload.user.id }, commandFromInteraction(payload), reply);
    }),
  );

  app.post(
    '/v1/mattermost/commands',
    route(async (req, reply, ex) => {
      if (!mattermostToken)
        throw new Refusal('not-found', 'Mattermost is not configured on this hook (hook.mattermost)');
      const raw = rawBody(req, FORM);
      const fields = form(raw);
      const authorization = header(req, 'authorization');
      const token = authorization?.startsWith('Token ') ? authorization.slice('Token '.length) : fields.token;
      authenticate(ex, verifyMattermostToken(mattermostToken, token), 'mattermost-token');
      // Mattermost signs nothing, but every command invocation carries a fresh trigger id.
      const triggerId = fields.trigger_id;
      if (!triggerId) throw new Refusal('bad-request', 'Mattermost command without trigger_id');
      notReplayed(`mattermost:${triggerId}`, 'this Mattermost command');
      const command = parseField(SlashCommandForm, fields, 'slash command');
      ex.followUp = { url: command.response_url, hosts: config.mattermost!.responseUrlHosts, always: false };
      return act(
        ex,
        { platform: 'mattermost', userId: command.user_id },
        parseCommandText(command.text),
        reply,
      );
    }),
  );

  app.post<{ Params: { integration: string } }>(
    '/v1/webhooks/:integration',
    route(async (req, reply, ex) => {
      const { integration } = req.params as { integration: string };
      const hook = webhooks.get(integration);
      if (!hook)
        throw new Refusal(
          'unknown-integration',
          `no webhook integration "${integration.slice(0, 63)}" is configured`,
        );
      const raw = rawBody(req, JSON_TYPE);
      authenticate(
        ex,
        verifyWebhookSignature(hook.secret, header(req, 'x-tollgate-signature'), raw),
        `webhook-hmac:${integration}`,
      );
      const deliveryId = header(req, 'x-tollgate-delivery');
      if (!deliveryId || deliveryId.length > 200)
        throw new Refusal(
          'bad-request',
          'X-Tollgate-Delivery header (a unique id per delivery, at most 200 characters) is required',
        );
      ex.summary.deliveryId = deliveryId;
      const body = parseField(WebhookBody, json(raw.toString('utf8'), 'body'), 'webhook body');
      if (Math.abs(Date.now() / 1000 - body.timestamp) > MAX_SIGNATURE_AGE_SECONDS)
        throw new Refusal('stale-timestamp', 'body.timestamp is more than 5 minutes away from now');
      notReplayed(`webhook:${integration}:${deliveryId}`, `delivery ${deliveryId}`);
      return act(ex, { platform: hook.identity, userId: body.user }, commandFromWebhook(body), reply);
    }),
  );

  // While closing, answers end their connection so close() need not wait out keep-alive timeouts.
  let closing = false;
  app.addHook('onSend', (_req, reply, payload, done) => {
    if (closing) void reply.header('connection', 'close');
    done(null, payload);
  });

  app.get('/healthz', (_req, reply) => reply.send({ status: 'ok' }));

  app.get('/readyz', async (_req, reply) => {
    try {
      await client.withDeadline(Date.now() + 2_000, () => client.workflowService.getSystemInfo({}));
      return { status: 'ready' };
    } catch (err) {
      return reply
        .code(503)
        .send({ status: 'unavailable', reason: `Temporal is not reachable: ${(err as Error).message}` });
    }
  });

  await app.ready();

  return {
    async listen(port, host) {
      const at = { port: port ?? config.listen.port, host: host ?? config.listen.host };
      try {
        return await app.listen(at);
      } catch (err) {
        throw listenProblem(err, at) ?? err;
      }
    },
    async close() {
      closing = true;
      await app.close();
      await followUps.drain();
      await recorder.drain();
    },
  };
}

function isTemporalUnavailable(err: unknown): boolean {
  return (
    err instanceof ServiceError ||
    err instanceof WorkflowUpdateRPCTimeoutOrCancelledError ||
    isGrpcServiceError(err)
  );
}
