/**
 * Two WorkflowService calls over plaintext gRPC with node:http2 and a protobuf description of
 * just their messages, for `tollgate status`: loading @temporalio/client (gRPC, and protobufjs
 * reflection of the whole Temporal API) costs more than the call itself. Only answers that need
 * no interpretation are handled here — a JSON payload; anything else (TLS, an API key or headers
 * from the Temporal config, a gRPC error, a rejected query, another encoding) returns undefined
 * and the caller asks again through the SDK, so every error reads exactly as before.
 */
import http2 from 'node:http2';
import protobuf from 'protobufjs/light.js';
import { unreachable, type TemporalTarget } from './target.js';

/** As connectClient's connectTimeout. */
const CONNECT_TIMEOUT_MS = 5000;
const SERVICE = '/temporal.api.workflowservice.v1.WorkflowService';

/** Field numbers and types as in temporal/api (test/cli/status.test.ts compares them). */
export const LITE_PROTOS = {
  QueryWorkflowRequest: {
    fields: {
      namespace: { type: 'string', id: 1 },
      execution: { type: 'WorkflowExecution', id: 2 },
      query: { type: 'WorkflowQuery', id: 3 },
    },
  },
  QueryWorkflowResponse: {
    fields: {
      queryResult: { type: 'Payloads', id: 1 },
      queryRejected: { type: 'QueryRejected', id: 2 },
    },
  },
  WorkflowExecution: {
    fields: { workflowId: { type: 'string', id: 1 }, runId: { type: 'string', id: 2 } },
  },
  WorkflowQuery: {
    fields: { queryType: { type: 'string', id: 1 }, queryArgs: { type: 'Payloads', id: 2 } },
  },
  QueryRejected: { fields: { status: { type: 'int32', id: 1 } } },
  DescribeWorkflowExecutionRequest: {
    fields: {
      namespace: { type: 'string', id: 1 },
      execution: { type: 'WorkflowExecution', id: 2 },
    },
  },
  DescribeWorkflowExecutionResponse: {
    fields: { workflowExecutionInfo: { type: 'WorkflowExecutionInfo', id: 2 } },
  },
  WorkflowExecutionInfo: {
    fields: { status: { type: 'int32', id: 5 }, memo: { type: 'Memo', id: 10 } },
  },
  Memo: { fields: { fields: { keyType: 'string', type: 'Payload', id: 1 } } },
  Payloads: { fields: { payloads: { rule: 'repeated', type: 'Payload', id: 1 } } },
  Payload: {
    fields: { metadata: { keyType: 'string', type: 'bytes', id: 1 }, data: { type: 'bytes', id: 2 } },
  },
} as const;

const root = protobuf.Root.fromJSON({ nested: LITE_PROTOS });

interface Payload {
  metadata?: Record<string, Uint8Array>;
  data?: Uint8Array;
}

/** Only a target reached without TLS, credentials or extra headers. */
function plainAddress(target: TemporalTarget): string | undefined {
  const { address, ...rest } = target.options;
  return Object.values(rest).every((v) => v === undefined) ? address : undefined;
}

/** gRPC's framing: a compression flag byte, a 4-byte big-endian length, the message. */
function frame(message: Uint8Array): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(message.length, 1);
  return Buffer.concat([head, message]);
}

function unframe(body: Buffer): Uint8Array | undefined {
  if (body.length < 5 || body[0] !== 0) return undefined;
  const length = body.readUInt32BE(1);
  return body.length === 5 + length ? body.subarray(5) : undefined;
}

function post(address: string, path: string, request: Buffer): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://${address}`);
    const done = (value: Buffer | undefined, err?: Error) => {
      session.close();
      if (err) reject(err);
      else resolve(value);
    };
    // Any error goes to the SDK, which reports it as every other command does; a server that
    // does not even accept the connection within the SDK's connect timeout is unreachable here.
    let connected = false;
    session.once('connect', () => (connected = true));
    session.once('error', () => done(undefined));
    session.setTimeout(CONNECT_TIMEOUT_MS, () => {
      if (!connected) done(undefined, new Error('Failed to connect before the deadline'));
    });
    const stream = session.request({
      ':method': 'POST',
      ':path': path,
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    const chunks: Buffer[] = [];
    let status: string | undefined;
    stream.on('response', (headers) => (status = headers['grpc-status'] as string | undefined));
    stream.on(
      'trailers',
      (trailers: http2.IncomingHttpHeaders) =>
        (status = (trailers['grpc-status'] as string | undefined) ?? status),
    );
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('error', () => done(undefined));
    stream.on('end', () => done(status === '0' ? Buffer.concat(chunks) : undefined));
    stream.end(request);
  });
}

/** One unary call: the decoded response, or undefined where the SDK must ask. */
async function call(
  target: TemporalTarget,
  method: string,
  request: Record<string, unknown>,
): Promise<Record<string, unknown> | undefined> {
  const address = plainAddress(target);
  if (!address) return undefined;
  const encoded = root.lookupType(`${method}Request`).encode(request).finish();
  let body: Buffer | undefined;
  try {
    body = await post(address, `${SERVICE}/${method}`, frame(encoded));
  } catch (err) {
    throw unreachable(target, err);
  }
  const message = body && unframe(body);
  if (!message) return undefined;
  const type = root.lookupType(`${method}Response`);
  return type.toObject(type.decode(message));
}

/** A payload of the SDK's default converter holding JSON, parsed; otherwise undefined. */
function jsonPayload(payload: Payload | undefined): unknown {
  const encoding = payload?.metadata?.encoding && Buffer.from(payload.metadata.encoding).toString();
  if (encoding !== 'json/plain' || !payload?.data) return undefined;
  return JSON.parse(Buffer.from(payload.data).toString('utf8'));
}

/**
 * The workflow's answer to a query without arguments, or undefined where the SDK must ask.
 * Throws UnreachableError (as the SDK's connection does) when the address never accepts a
 * connection; so does liteDescribe.
 */
export async function liteQuery(
  target: TemporalTarget,
  workflowId: string,
  queryType: string,
): Promise<unknown> {
  const response = (await call(target, 'QueryWorkflow', {
    namespace: target.namespace,
    execution: { workflowId },
    query: { queryType },
  })) as { queryResult?: { payloads?: Payload[] }; queryRejected?: unknown } | undefined;
  const payloads = response?.queryResult?.payloads;
  if (response?.queryRejected || payloads?.length !== 1) return undefined;
  return jsonPayload(payloads[0]);
}

/**
 * The run's status (WorkflowExecutionStatus number) and one field of its memo, or undefined
 * where the describe did not answer (then the SDK must ask).
 */
export async function liteDescribe(
  target: TemporalTarget,
  workflowId: string,
  field: string,
): Promise<{ status?: number; memo: unknown } | undefined> {
  const response = (await call(target, 'DescribeWorkflowExecution', {
    namespace: target.namespace,
    execution: { workflowId },
  })) as
    { workflowExecutionInfo?: { status?: number; memo?: { fields?: Record<string, Payload> } } } | undefined;
  if (!response) return undefined;
  const info = response.workflowExecutionInfo;
  return { ...(info?.status ? { status: info.status } : {}), memo: jsonPayload(info?.memo?.fields?.[field]) };
}
