/**
 * Reading Kubernetes manifests: YAML streams (or `List` objects) of objects, each validated
 * against the Kubernetes OpenAPI schema of its apiVersion and kind (the schemas shipped in the
 * `kubernetes-models` package), so `replicas: "three"` is an error and not a workload that
 * happens to pass. A file without any object, and a workload without a pod template, are errors
 * naming the file: neither may count as "nothing to check".
 */
import { createRequire } from 'node:module';
import { parseAllDocuments } from 'yaml';
import { asArray, asString, depthError, isRecord, tooDeep } from '../evidence-file.js';

export interface ManifestObject {
  file: string;
  kind: string;
  /** `<Kind>/<name>` (with the namespace when one is set: `<Kind>/<namespace>/<name>`). */
  ref: string;
  object: Record<string, unknown>;
}

export interface ParsedManifests {
  objects: ManifestObject[];
  /** apiVersion/kind pairs no shipped schema describes (custom resources): read, not validated. */
  unvalidatedKinds: string[];
  errors: string[];
}

const require = createRequire(import.meta.url);

/** Kinds whose objects carry a pod template; one without it is a broken workload, not "no workload". */
export const WORKLOAD_KINDS = new Set([
  'Pod',
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'ReplicationController',
  'Job',
  'CronJob',
]);

export function parseManifests(field: string, file: string, text: string, maxDepth: number): ParsedManifests {
  const where = `${field}: ${file}`;
  const result: ParsedManifests = { objects: [], unvalidatedKinds: [], errors: [] };
  let documents;
  try {
    documents = parseAllDocuments(text);
  } catch (err) {
    return { ...result, errors: [`${where}: ${yamlFailure(err, maxDepth)}`] };
  }
  const docs = Array.isArray(documents) ? documents : [documents];
  docs.forEach((doc, i) => {
    const at = `${where}: document ${i + 1}`;
    if (doc.errors.some((e) => e.message.includes('Maximum call stack size exceeded'))) {
      // The parser recurses per level of nesting and reports running out of stack as a YAML error.
      result.errors.push(`${at}: ${tooDeep(maxDepth)}`);
      return;
    }
    if (doc.errors.length) {
      const e = doc.errors[0];
      result.errors.push(
        `${at} is not valid YAML (line ${e?.linePos?.[0].line ?? '?'}: ${e?.message.split('\n')[0]})`,
      );
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      result.errors.push(`${at}: ${yamlFailure(err, maxDepth)}`);
      return;
    }
    // Helm and kustomize output separate objects with `---` and comment-only documents.
    if (value === null || value === undefined) return;
    const deep = depthError(value, maxDepth);
    if (deep) {
      result.errors.push(`${at}: ${deep}`);
      return;
    }
    if (!isRecord(value) || typeof value.kind !== 'string' || typeof value.apiVersion !== 'string') {
      result.errors.push(`${at} is not a Kubernetes object (it needs apiVersion and kind)`);
      return;
    }
    const items = value.kind === 'List' || value.kind.endsWith('List') ? asArray(value.items) : [value];
    items.forEach((item, j) => {
      const itemAt = items.length > 1 || item !== value ? `${at} item ${j + 1}` : at;
      if (!isRecord(item) || typeof item.kind !== 'string' || typeof item.apiVersion !== 'string') {
        result.errors.push(`${itemAt} is not a Kubernetes object (it needs apiVersion and kind)`);
        return;
      }
      const object = { file, kind: item.kind, ref: objectRef(item), object: item };
      const schema = validateObject(item);
      if (schema === 'unknown') result.unvalidatedKinds.push(`${item.apiVersion}/${item.kind}`);
      else if (schema) result.errors.push(`${where}: ${object.ref}: ${schema}`);
      if (WORKLOAD_KINDS.has(item.kind) && !podTemplateOf(item))
        result.errors.push(
          `${where}: ${object.ref}: a ${item.kind} without a pod template (${templatePath(item.kind)}) deploys nothing; render the manifest fully`,
        );
      result.objects.push(object);
    });
  });
  if (result.objects.length === 0 && result.errors.length === 0)
    result.errors.push(`${where}: holds no Kubernetes object (the file is empty or only comments)`);
  result.unvalidatedKinds = [...new Set(result.unvalidatedKinds)].sort();
  return result;
}

function yamlFailure(err: unknown, maxDepth: number): string {
  if (err instanceof RangeError) return tooDeep(maxDepth);
  return `not valid YAML (${(err as Error).message.split('\n')[0]})`;
}

export function objectRef(object: Record<string, unknown>): string {
  const meta = isRecord(object.metadata) ? object.metadata : {};
  const name = asString(meta.name) ?? asString(meta.generateName) ?? '(unnamed)';
  const ns = asString(meta.namespace);
  return `${String(object.kind)}/${ns ? `${ns}/` : ''}${name}`;
}

function templatePath(kind: string): string {
  return kind === 'Pod'
    ? 'spec'
    : kind === 'CronJob'
      ? 'spec.jobTemplate.spec.template.spec'
      : 'spec.template.spec';
}

/** The pod spec of a workload (CronJob nests it one level deeper; a Pod is its own template). */
export function podTemplateOf(object: Record<string, unknown>): Record<string, unknown> | undefined {
  const spec = isRecord(object.spec) ? object.spec : undefined;
  if (!spec) return undefined;
  if (object.kind === 'Pod') return Array.isArray(spec.containers) ? spec : undefined;
  const template =
    object.kind === 'CronJob' && isRecord(spec.jobTemplate) && isRecord(spec.jobTemplate.spec)
      ? spec.jobTemplate.spec.template
      : spec.template;
  return isRecord(template) && isRecord(template.spec) ? template.spec : undefined;
}

interface SchemaModel {
  validate(): void;
}
type ModelClass = new (data: unknown) => SchemaModel;

const GROUP = /^(?:([a-z0-9]+(?:[.-][a-z0-9]+)*)\/)?(v[0-9]+(?:(?:alpha|beta)[0-9]+)?)$/;
const KIND = /^[A-Z][A-Za-z0-9]*$/;

/**
 * Undefined when the object matches its schema, `'unknown'` when no shipped schema covers its
 * group and version, otherwise the first problems found with the path of each.
 */
function validateObject(object: Record<string, unknown>): string | undefined {
  const apiVersion = String(object.apiVersion);
  const kind = String(object.kind);
  const m = GROUP.exec(apiVersion);
  if (!m || !KIND.test(kind)) return 'unknown';
  const dir = `kubernetes-models/${m[1] ? `${m[1]}/` : ''}${m[2]}`;
  let group: Record<string, unknown>;
  try {
    group = require(dir) as Record<string, unknown>;
  } catch {
    return 'unknown';
  }
  const Model = group[kind] as ModelClass | undefined;
  if (typeof Model !== 'function')
    return `${apiVersion} has no kind ${kind}: check the spelling of kind and apiVersion`;
  try {
    new Model(object).validate();
    return undefined;
  } catch (err) {
    const problems = asArray((err as { errors?: unknown }).errors)
      .filter(isRecord)
      .slice(0, 3)
      .map((e) => `${pathOf(asString(e.instancePath) ?? '')} ${asString(e.message) ?? 'is invalid'}`);
    const list = problems.length ? problems.join('; ') : (err as Error).message;
    return `does not match the Kubernetes ${apiVersion} ${kind} schema: ${list}`;
  }
}

function pathOf(pointer: string): string {
  const parts = pointer.split('/').slice(1);
  return parts.length
    ? parts
        .map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`))
        .join('')
        .slice(1)
    : '(object)';
}
