/**
 * CDEvents (the CD Foundation's vocabulary of delivery events, spec 0.5.1) derived from the
 * evidence records of a promotion:
 *
 * - a stage starts serving a version: `service.deployed` when nothing served before there,
 *   `service.upgraded` when it replaced a version (a plain deploy, or a canary promoted to stable);
 * - a rollback completed: `service.rolledback`;
 * - a canary step shifted traffic: `environment.modified`.
 *
 * The event id is the record's hash, so a record seen twice yields the same event and a sink
 * can drop the repeat. Artifacts are named by package URL (purl), as the spec recommends.
 */
import { PackageURL } from 'packageurl-js';
import type { EvidenceRecord } from '../domain/evidence.js';
import type { Artifact } from '../domain/release.js';

export const CDEVENTS_SPEC_VERSION = '0.5.1';

export const CDEVENT_TYPES = {
  deployed: 'dev.cdevents.service.deployed.0.3.0',
  upgraded: 'dev.cdevents.service.upgraded.0.3.0',
  rolledback: 'dev.cdevents.service.rolledback.0.3.0',
  environmentModified: 'dev.cdevents.environment.modified.0.3.0',
} as const;

export interface CdEvent {
  context: {
    specversion: string;
    id: string;
    source: string;
    type: string;
    timestamp: string;
    chainId: string;
  };
  /** Spec 0.5 dropped `subject.type`: the event type names the subject. */
  subject: {
    id: string;
    content: Record<string, unknown>;
  };
  customData?: Record<string, unknown>;
  customDataContentType?: string;
}

/** What the mapping remembers of a promotion from its `promotion.started` record. */
interface PromotionFacts {
  app: string;
  version: string;
  artifacts: Artifact[];
}

interface Serving {
  app?: string;
  stable?: { version?: string };
  canary?: { version?: string; weight?: number };
  previousStable?: string;
}

/**
 * The artifact's purl: `pkg:oci/<name>@sha256:…?repository_url=…` for an image, otherwise a
 * generic purl of the app and version (a rollback may restore a version this process never saw).
 */
export function artifactPurl(app: string, version: string, artifact?: Artifact): string {
  if (artifact?.type === 'container-image') {
    const repository = artifact.ref.split('@')[0]!.replace(/:[^/]*$/, '');
    const name = repository.split('/').at(-1)!;
    return new PackageURL('oci', undefined, name, artifact.digest, { repository_url: repository }).toString();
  }
  return new PackageURL('generic', undefined, app, version, undefined).toString();
}

export interface CdEventsMapper {
  /** The events a record means (none for most records). */
  map(record: EvidenceRecord): CdEvent[];
}

export function createCdEventsMapper(source: string): CdEventsMapper {
  /** Open promotions' release facts; dropped when the promotion ends. */
  const promotions = new Map<string, PromotionFacts>();

  const context = (record: EvidenceRecord, type: string, suffix = '') => ({
    specversion: CDEVENTS_SPEC_VERSION,
    id: `${record.hash}${suffix}`,
    source,
    type,
    timestamp: record.time,
    chainId: record.promotionId,
  });
  const custom = (record: EvidenceRecord, extra: Record<string, unknown> = {}) => ({
    customData: {
      tollgate: { promotionId: record.promotionId, evidence: record.type, seq: record.seq, ...extra },
    },
    customDataContentType: 'application/json',
  });

  const serviceEvent = (record: EvidenceRecord, serving: Serving, version: string): CdEvent => {
    const facts = promotions.get(record.promotionId);
    const app = serving.app ?? facts?.app ?? record.promotionId;
    const artifact = facts?.version === version ? facts.artifacts[0] : undefined;
    const replaced = serving.previousStable && serving.previousStable !== version;
    return {
      context: context(record, replaced ? CDEVENT_TYPES.upgraded : CDEVENT_TYPES.deployed),
      subject: {
        id: app,
        content: { environment: { id: record.stage! }, artifactId: artifactPurl(app, version, artifact) },
      },
      ...custom(record, { version, ...(replaced ? { replaced: serving.previousStable } : {}) }),
    };
  };

  return {
    map(record) {
      const data = record.data;
      const serving = (data.serving ?? {}) as Serving;
      const version = typeof data.version === 'string' ? data.version : undefined;
      switch (record.type) {
        case 'promotion.started': {
          const release = data.release as { app: string; version: string; artifacts: Artifact[] } | undefined;
          if (release) promotions.set(record.promotionId, release);
          return [];
        }
        case 'deploy.completed':
          // A canary's first deploy serves beside the stable version: the service changes
          // when the canary is promoted, not here.
          if (!record.stage || !version || serving.canary?.version === version) return [];
          return [serviceEvent(record, serving, version)];
        case 'canary.promoted':
          return record.stage && version ? [serviceEvent(record, serving, version)] : [];
        case 'canary.step':
          if (!record.stage) return [];
          return [
            {
              context: context(record, CDEVENT_TYPES.environmentModified),
              subject: { id: record.stage, content: { name: record.stage } },
              ...custom(record, { canary: serving.canary ?? null, weight: data.weight ?? null }),
            },
          ];
        case 'rollback.completed': {
          const restored = typeof data.restored === 'string' ? data.restored : undefined;
          if (!record.stage || !restored) return [];
          const app = serving.app ?? promotions.get(record.promotionId)?.app ?? record.promotionId;
          return [
            {
              context: context(record, CDEVENT_TYPES.rolledback),
              subject: {
                id: app,
                content: { environment: { id: record.stage }, artifactId: artifactPurl(app, restored) },
              },
              ...custom(record, { restored, reason: data.reason ?? null }),
            },
          ];
        }
        default:
          if (record.type.startsWith('promotion.')) promotions.delete(record.promotionId);
          return [];
      }
    },
  };
}
