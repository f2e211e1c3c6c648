/**
 * Deployment configuration over the manifests a release deploys: every pod template against the
 * Pod Security Standards' `restricted` profile plus resource limits, read-only root filesystems
 * and digest-pinned images (k8s/pod-security.ts); objects outside the `default` namespace;
 * storage classes encrypted. Each violation names the file, the object and the container.
 */
import type { FactContext } from './context.js';
import { asArray, asString, isRecord, readEvidenceText } from './evidence-file.js';
import { parseManifests, podTemplateOf, type ManifestObject } from './k8s/manifests.js';
import {
  CONTAINER_CHECKS,
  POD_CHECKS,
  containerFailures,
  podFailures,
  type ContainerCheck,
  type PodCheck,
} from './k8s/pod-security.js';

type ObjectCheck = 'encryptedStorage' | 'notDefaultNamespace';
export type DeploymentCheck = PodCheck | ContainerCheck | ObjectCheck;

export interface DeploymentViolation {
  file: string;
  /** `<Kind>/<name>` of the object, with `/<container>` for container checks. */
  object: string;
  check: DeploymentCheck;
  detail: string;
}

export interface DeploymentFacts {
  present: boolean;
  /** Every file was read, holds objects, and every object matches its Kubernetes schema. */
  parseable: boolean;
  workloads: number;
  containers: number;
  storageClasses: number;
  /** NetworkPolicy objects shipped with the workloads (default-deny ingress/egress lives here). */
  networkPolicies: number;
  /** Each check holds when every workload, container (or object) satisfies it. */
  checks: Record<DeploymentCheck, boolean>;
  violations: DeploymentViolation[];
  /** Custom resources (`apiVersion/kind`) read without a schema to validate them against. */
  unvalidatedKinds: string[];
  /** Every container image the manifests reference, for third-party vetting. */
  images: string[];
  errors: string[];
}

export async function deploymentFacts(ctx: FactContext): Promise<DeploymentFacts> {
  const files = ctx.release.evidence.deploymentManifests;
  const errors: string[] = [];
  const objects: ManifestObject[] = [];
  const unvalidated = new Set<string>();
  let readable = 0;
  for (const [i, file] of files.entries()) {
    const field = `evidence.deploymentManifests[${i}]`;
    const text = await readEvidenceText(ctx.evidence, field, file);
    if (!text.ok) {
      errors.push(text.error);
      continue;
    }
    const parsed = parseManifests(field, file, text.value, ctx.settings.evidence.maxDepth);
    errors.push(...parsed.errors);
    if (parsed.errors.length === 0) readable++;
    objects.push(...parsed.objects);
    parsed.unvalidatedKinds.forEach((k) => unvalidated.add(k));
  }
  if (files.length === 0)
    errors.push('evidence.deploymentManifests: the release attaches no Kubernetes manifests');

  const violations: DeploymentViolation[] = [];
  const images = new Set<string>();
  const counts = { workloads: 0, containers: 0, storageClasses: 0, networkPolicies: 0 };
  for (const { file, kind, ref, object } of objects) {
    const add = (check: DeploymentCheck, detail: string, container?: string): void =>
      void violations.push({ file, object: container ? `${ref}/${container}` : ref, check, detail });
    const meta = isRecord(object.metadata) ? object.metadata : {};
    if (meta.namespace === 'default')
      add('notDefaultNamespace', 'metadata.namespace is default, shared by everything deployed without one');
    if (kind === 'StorageClass') {
      counts.storageClasses++;
      if (!storageEncrypted(object)) add('encryptedStorage', 'no encryption parameter for its driver');
      continue;
    }
    if (kind === 'NetworkPolicy') counts.networkPolicies++;
    const pod = podTemplateOf(object);
    if (!pod) continue;
    counts.workloads++;
    podFailures(pod).forEach((f) => add(f.check, f.detail));
    const template = isRecord(object.spec) && isRecord(object.spec.template) ? object.spec.template : {};
    const annotations = {
      ...(isRecord(meta.annotations) ? meta.annotations : {}),
      ...(isRecord(template.metadata) && isRecord(template.metadata.annotations)
        ? template.metadata.annotations
        : {}),
    };
    const all = [
      ...asArray(pod.initContainers),
      ...asArray(pod.containers),
      ...asArray(pod.ephemeralContainers),
    ];
    for (const c of all.filter(isRecord)) {
      counts.containers++;
      const image = asString(c.image);
      if (image) images.add(image);
      containerFailures(pod, c, annotations).forEach((f) => add(f.check, f.detail, asString(c.name) ?? '?'));
    }
  }
  for (const v of violations)
    errors.push(`deployment.checks.${v.check}: ${v.file}: ${v.object}: ${v.detail}`);
  const failed = new Set(violations.map((v) => v.check));
  const podLevel = [...POD_CHECKS, ...CONTAINER_CHECKS].map((c) => [
    c,
    counts.containers > 0 && !failed.has(c),
  ]);
  return {
    present: files.length > 0,
    parseable: files.length > 0 && readable === files.length,
    ...counts,
    checks: {
      ...(Object.fromEntries(podLevel) as Record<PodCheck | ContainerCheck, boolean>),
      encryptedStorage: !failed.has('encryptedStorage'),
      notDefaultNamespace: !failed.has('notDefaultNamespace'),
    },
    violations,
    unvalidatedKinds: [...unvalidated].sort(),
    images: [...images].sort(),
    errors,
  };
}

/** Encryption parameters of the common CSI drivers (AWS EBS, GCE PD with CMEK, Azure Disk). */
function storageEncrypted(sc: Record<string, unknown>): boolean {
  const p = isRecord(sc.parameters) ? sc.parameters : {};
  return (
    String(p.encrypted).toLowerCase() === 'true' ||
    typeof p.kmsKeyId === 'string' ||
    typeof p['disk-encryption-kms-key'] === 'string' ||
    typeof p.diskEncryptionSetID === 'string'
  );
}
