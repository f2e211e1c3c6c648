/**
 * Bundle-time only: the Temporal API description that the bundled inspection commands load in
 * place of @temporalio/proto's whole one. That package builds protobufjs reflection of every
 * message it knows (the core SDK's own, the Cloud API, all ~100 WorkflowService RPCs) as soon as
 * it is imported, which is the largest part of the CLI's cold start; the bundled commands call
 * only the RPCs in BUNDLED_RPCS. The pruned description keeps every message those RPCs reach,
 * every service object (with only those methods) and the namespaces the client and common
 * libraries read by path (enums, common, failure, error details, well-known types).
 */
import { createRequire } from 'node:module';
import protobuf from 'protobufjs';

/** The WorkflowService RPCs that `status`, `list` and `watch` make, through @temporalio/client. */
export const BUNDLED_RPCS = new Set([
  'GetSystemInfo',
  'DescribeWorkflowExecution',
  'QueryWorkflow',
  'ListWorkflowExecutions',
  'CountWorkflowExecutions',
  'GetWorkflowExecutionHistory',
  'Check',
]);

/** Namespaces kept whole: the SDK reads their members by path, outside any RPC's messages. */
const KEPT_WHOLE = [
  'temporal.api.enums',
  'temporal.api.common',
  'temporal.api.failure',
  'temporal.api.errordetails',
  'temporal.api.sdk',
  'temporal.api.history',
  'google',
  'grpc',
];

type Reflected = protobuf.ReflectionObject;

function* descendants(ns: protobuf.NamespaceBase): Generator<Reflected> {
  for (const child of ns.nestedArray) {
    yield child;
    if (child instanceof protobuf.Namespace) yield* descendants(child);
  }
}

/** Every message and enum reachable from the kept roots, by fully qualified name. */
function reachable(root: protobuf.Root): Set<string> {
  const kept = new Set<string>();
  const queue: Reflected[] = [];
  const keep = (obj: Reflected | null | undefined) => {
    if (obj && !kept.has(obj.fullName)) {
      kept.add(obj.fullName);
      queue.push(obj);
    }
  };
  for (const name of KEPT_WHOLE) {
    for (const obj of descendants(root.lookup(name) as protobuf.Namespace)) {
      if (obj instanceof protobuf.Type || obj instanceof protobuf.Enum) keep(obj);
    }
  }
  for (const obj of descendants(root)) {
    if (!(obj instanceof protobuf.Service)) continue;
    for (const method of obj.methodsArray) {
      if (!BUNDLED_RPCS.has(method.name)) continue;
      keep(method.resolvedRequestType);
      keep(method.resolvedResponseType);
    }
  }
  while (queue.length) {
    const obj = queue.pop()!;
    if (!(obj instanceof protobuf.Type)) continue;
    for (const field of obj.fieldsArray) keep(field.resolvedType);
    for (const nested of obj.nestedArray) keep(nested);
    // A nested type is written inside its parent's description, so its parent goes too.
    if (obj.parent instanceof protobuf.Type) keep(obj.parent);
  }
  return kept;
}

type Json = Record<string, unknown> & { nested?: Record<string, Json> };

function prune(ns: protobuf.NamespaceBase, kept: Set<string>): Json | undefined {
  const nested: Record<string, Json> = {};
  for (const child of ns.nestedArray) {
    if (child instanceof protobuf.Service) {
      const json = child.toJSON() as Json & { methods: Record<string, unknown> };
      json.methods = Object.fromEntries(
        Object.entries(json.methods).filter(([name]) => BUNDLED_RPCS.has(name)),
      );
      nested[child.name] = json;
    } else if (child instanceof protobuf.Type || child instanceof protobuf.Enum) {
      if (kept.has(child.fullName)) nested[child.name] = child.toJSON() as unknown as Json;
    } else if (child instanceof protobuf.Namespace) {
      const json = prune(child, kept);
      if (json) nested[child.name] = json;
    }
  }
  if (!Object.keys(nested).length) return undefined;
  return { ...(ns.options ? { options: ns.options } : {}), nested };
}

/** The source of a module that stands in for @temporalio/proto/protos/json-module.js. */
export function prunedJsonModule(): string {
  const require = createRequire(import.meta.url);
  const full = require('@temporalio/proto/protos/json-module.js') as protobuf.Root;
  full.resolveAll();
  const json = prune(full, reachable(full)) ?? {};
  return [
    'const $protobuf = require("protobufjs/light");',
    'const $root = ($protobuf.roots.__temporal || ($protobuf.roots.__temporal = new $protobuf.Root()))',
    `  .addJSON(${JSON.stringify(json.nested ?? {})});`,
    'module.exports = $root;',
  ].join('\n');
}
