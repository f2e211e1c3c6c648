/**
 * Turns a validated release and config into a promotion's input: the release digest approvals
 * bind to, and the trust snapshot (principals, groups, public keys) the workflow verifies with.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Pipeline, TollgateConfig } from '../config/schema.js';
import type { Release } from '../domain/release.js';
import { canonicalBytes } from '../domain/canonical.js';
import type { Signed, StartAction, TrustSnapshot } from '../approvals/actions.js';
import { chatServiceKeyId, parsePublicKeyText, principalKeyId } from '../keys.js';
import type { PromotionInput, PromotionStart } from '../../workflows/types.js';

export function releaseDigest(release: Release): string {
  return `sha256:${createHash('sha256').update(canonicalBytes(release)).digest('hex')}`;
}

export function buildTrust(config: Pick<TollgateConfig, 'principals' | 'chatServiceKeys'>): TrustSnapshot {
  const keys: TrustSnapshot['keys'] = {};
  for (const principal of config.principals) {
    for (const text of principal.publicKeys) {
      const raw = parsePublicKeyText(text);
      keys[principalKeyId(principal.id, raw)] = {
        publicKeyHex: raw.toString('hex'),
        kind: 'principal',
        principal: principal.id,
      };
    }
  }
  for (const service of config.chatServiceKeys) {
    keys[chatServiceKeyId(service.id)] = {
      publicKeyHex: parsePublicKeyText(service.publicKey).toString('hex'),
      kind: 'chat-service',
    };
  }
  return { principals: config.principals.map((p) => ({ id: p.id, groups: p.groups })), keys };
}

export function findPipeline(config: TollgateConfig, name?: string): Pipeline {
  if (!name) {
    if (config.pipelines.length === 1) return config.pipelines[0]!;
    throw new Error(
      `config defines ${config.pipelines.length} pipelines: choose one with --pipeline (${config.pipelines.map((p) => p.name).join(', ')})`,
    );
  }
  const pipeline = config.pipelines.find((p) => p.name === name);
  if (!pipeline)
    throw new Error(
      `no pipeline named ${name} (config has: ${config.pipelines.map((p) => p.name).join(', ')})`,
    );
  return pipeline;
}

/** Promotion ids read well in logs and the Web UI: `<app>-<version>-<random>`. */
export function newPromotionId(release: Release): string {
  return `${release.app}-${release.version}-${randomUUID().slice(0, 8)}`.replace(/[^A-Za-z0-9._-]/g, '-');
}

export function preparePromotion(
  config: TollgateConfig,
  release: Release,
  opts: { pipeline?: string; promotionId?: string; taskQueue?: string; deployQueuePrefix?: string } = {},
): PromotionInput {
  const promotionId = opts.promotionId ?? newPromotionId(release);
  return {
    promotionId,
    workflowId: promotionId,
    release,
    releaseDigest: releaseDigest(release),
    pipeline: findPipeline(config, opts.pipeline),
    trust: buildTrust(config),
    ...(opts.taskQueue ? { taskQueue: opts.taskQueue } : {}),
    ...(opts.deployQueuePrefix ? { deployQueuePrefix: opts.deployQueuePrefix } : {}),
  };
}

/** Signs a start request: whoever signs it is the promotion's requester. */
export interface StartSigner {
  sign(payload: StartAction): Signed<StartAction>;
  base(promotionId: string): Omit<StartAction, 'kind' | 'pipeline' | 'app' | 'version' | 'releaseDigest'>;
}

/**
 * A promotion's signed start: the release named by digest and the pipeline by name. The
 * workers resolve everything else from their own config.
 */
export function prepareSignedStart(
  config: TollgateConfig,
  release: Release,
  signer: StartSigner,
  opts: { pipeline?: string; promotionId?: string; taskQueue?: string; deployQueuePrefix?: string } = {},
): { start: PromotionStart; promotionId: string; releaseDigest: string; pipeline: Pipeline } {
  const promotionId = opts.promotionId ?? newPromotionId(release);
  const pipeline = findPipeline(config, opts.pipeline);
  const digest = releaseDigest(release);
  const request = signer.sign({
    ...signer.base(promotionId),
    kind: 'start',
    pipeline: pipeline.name,
    app: release.app,
    version: release.version,
    releaseDigest: digest,
  });
  return {
    promotionId,
    releaseDigest: digest,
    pipeline,
    start: {
      request,
      release,
      workflowId: promotionId,
      ...(opts.taskQueue ? { taskQueue: opts.taskQueue } : {}),
      ...(opts.deployQueuePrefix ? { deployQueuePrefix: opts.deployQueuePrefix } : {}),
    },
  };
}
