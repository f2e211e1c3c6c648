/**
 * Deployment configuration, CIS Kubernetes Benchmark style (section 5.2 pod security, 5.7
 * resources), over the manifests a release deploys: every container non-root, read-only root
 * filesystem, CPU and memory limits, not privileged, no privilege escalation; storage classes
 * encrypted.
 */
import { parseAllDocuments } from 'yaml';
import type { FactContext } from './context.js';
import { asArray, asString, isRecord, readEvidenceText } from './evidence-file.js';

const CHECKS = [
  'runAsNonRoot',
  'readOnlyRootFilesystem',
  'resourceLimits',
  'notPrivileged',
  'noPrivilegeEscalation',
] as const;
type ContainerCheck = (typeof CHECKS)[number];

export interface DeploymentViolation {
  file: string;
  /** `<Kind>/<name>` of the object, with `/<container>` for container checks. */
  object: string;
  check: ContainerCheck | 'encryptedStorage';
}

export interface DeploymentFacts {
  present: boolean;
  parseable: boolean;
  workloads: number;
  containers: number;
  storageClasses: number;
  /** NetworkPolicy objects shipped with the workloads (default-deny ingress/egress lives here). */
  networkPolicies: number;
  /** Each check holds when every container (or storage class) satisfies it. */
  checks: Record<ContainerCheck | 'encryptedStorage', boolean>;
  violations: DeploymentViolation[];
  /** Every container image the manifests reference, for third-party vetting. */
  images: string[];
  errors: string[];
}

interface ManifestDoc {
  file: string;
  object: Record<string, unknown>;
}

export async function deploymentFacts(ctx: FactContext): Promise<DeploymentFacts> {
  const files = ctx.release.evidence.deploymentManifests;
  const errors: string[] = [];
  const docs: ManifestDoc[] = [];
  let readable = 0;
  for (const [i, file] of files.entries()) {
    const field = `evidence.deploymentManifests[${i}]`;
    const text = await readEvidenceText(field, file, ctx.baseDir);
    if (!text.ok) {
      errors.push(text.error);
      continue;
    }
    const parsed = parseManifests(field, file, text.value);
    errors.push(...parsed.errors);
    if (parsed.errors.length === 0) readable++;
    docs.push(...parsed.docs);
  }
  if (files.length === 0)
    errors.push('evidence.deploymentManifests: the release attaches no Kubernetes manifests');

  const violations: DeploymentViolation[] = [];
  const images = new Set<string>();
  let workloads = 0;
  let containers = 0;
  let storageClasses = 0;
  let networkPolicies = 0;
  for (const { file, object } of docs) {
    const kind = asString(object.kind) ?? 'Unknown';
    const name = isRecord(object.metadata) ? (asString(object.metadata.name) ?? '(unnamed)') : '(unnamed)';
    if (kind === 'StorageClass') {
      storageClasses++;
      if (!storageEncrypted(object))
        violations.push({ file, object: `${kind}/${name}`, check: 'encryptedStorage' });
      continue;
    }
    if (kind === 'NetworkPolicy') networkPolicies++;
    const pod = podSpecOf(object);
    if (!pod) continue;
    workloads++;
    for (const c of [...asArray(pod.initContainers), ...asArray(pod.containers)].filter(isRecord)) {
      containers++;
      const image = asString(c.image);
      if (image) images.add(image);
      for (const check of failedChecks(pod, c))
        violations.push({ file, object: `${kind}/${name}/${asString(c.name) ?? '?'}`, check });
    }
  }
  const failed = new Set(violations.map((v) => v.check));
  return {
    present: files.length > 0,
    parseable: files.length > 0 && readable === files.length,
    workloads,
    containers,
    storageClasses,
    networkPolicies,
    checks: {
      ...(Object.fromEntries(CHECKS.map((c) => [c, containers > 0 && !failed.has(c)])) as Record<
        ContainerCheck,
        boolean
      >),
      encryptedStorage: !failed.has('encryptedStorage'),
    },
    violations,
    images: [...images].sort(),
    errors,
  };
}

function parseManifests(
  field: string,
  file: string,
  text: string,
): { docs: ManifestDoc[]; errors: string[] } {
  const docs: ManifestDoc[] = [];
  const errors: string[] = [];
  parseAllDocuments(text).forEach((doc, i) => {
    if (doc.errors.length) {
      const e = doc.errors[0];
      errors.push(
        `${field}: ${file}: document ${i + 1} is not valid YAML (line ${e?.linePos?.[0].line ?? '?'}: ${e?.message.split('\n')[0]})`,
      );
      return;
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return;
    if (!isRecord(value) || typeof value.kind !== 'string') {
      errors.push(`${field}: ${file}: document ${i + 1} is not a Kubernetes object (no kind)`);
      return;
    }
    const items = value.kind === 'List' ? asArray(value.items).filter(isRecord) : [value];
    docs.push(...items.map((object) => ({ file, object })));
  });
  return { docs, errors };
}

/** The pod template of any workload kind (CronJob nests it one level deeper). */
function podSpecOf(object: Record<string, unknown>): Record<string, unknown> | undefined {
  const spec = isRecord(object.spec) ? object.spec : undefined;
  if (!spec) return undefined;
  if (object.kind === 'Pod') return spec;
  const template =
    object.kind === 'CronJob' && isRecord(spec.jobTemplate) && isRecord(spec.jobTemplate.spec)
      ? spec.jobTemplate.spec.template
      : spec.template;
  return isRecord(template) && isRecord(template.spec) ? template.spec : undefined;
}

function failedChecks(pod: Record<string, unknown>, container: Record<string, unknown>): ContainerCheck[] {
  const podSc = isRecord(pod.securityContext) ? pod.securityContext : {};
  const sc = isRecord(container.securityContext) ? container.securityContext : {};
  // A container setting overrides the pod's, as in Kubernetes itself.
  const runAsNonRoot = sc.runAsNonRoot ?? podSc.runAsNonRoot;
  const runAsUser = sc.runAsUser ?? podSc.runAsUser;
  const limits =
    isRecord(container.resources) && isRecord(container.resources.limits) ? container.resources.limits : {};
  const failed: ContainerCheck[] = [];
  if (!(runAsNonRoot === true || (typeof runAsUser === 'number' && runAsUser > 0)) || runAsUser === 0)
    failed.push('runAsNonRoot');
  if (sc.readOnlyRootFilesystem !== true) failed.push('readOnlyRootFilesystem');
  if (limits.cpu === undefined || limits.memory === undefined) failed.push('resourceLimits');
  if (sc.privileged === true) failed.push('notPrivileged');
  if (sc.allowPrivilegeEscalation !== false) failed.push('noPrivilegeEscalation');
  return failed;
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
