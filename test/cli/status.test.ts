/**
 * `tollgate status` asks for a promotion's state over plain gRPC (src/client/lite-rpc.ts) and
 * falls back to the SDK: what it prints must be exactly what the workflow answers through the
 * SDK, for a promotion waiting at a gate and for a finished one, and its protobuf description
 * must agree with the Temporal API it talks to.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';
import protobuf from 'protobufjs';
import { stateQuery } from '../../workflows/messages.js';
import { LITE_PROTOS } from '../../src/client/lite-rpc.js';
import { startDevServer, type Harness } from '../helpers/temporal.js';
import { createCliWorld, waitForState, writeManifest, type CliWorld } from './support.js';

const noop = { type: 'command', operations: { deploy: ['true'], rollback: ['true'] } };
const STAGES = [
  { name: 'dev', target: noop, policy: { packs: ['change-management'] } },
  {
    name: 'prod',
    target: noop,
    policy: { packs: ['change-management'] },
    approval: { groups: ['release-managers'] },
  },
];

// The SDK's CommonJS module is the protobufjs root of the whole Temporal API.
const temporalApi = createRequire(import.meta.url)('@temporalio/proto') as protobuf.Root;

let harness: Harness;
let world: CliWorld;

before(async () => {
  harness = await startDevServer();
  world = await createCliWorld(harness, STAGES);
});
after(async () => {
  await world.workers.shutdown();
  await harness.teardown();
});

const API_NAMES: Record<string, string> = {
  QueryWorkflowRequest: 'temporal.api.workflowservice.v1.QueryWorkflowRequest',
  QueryWorkflowResponse: 'temporal.api.workflowservice.v1.QueryWorkflowResponse',
  WorkflowExecution: 'temporal.api.common.v1.WorkflowExecution',
  WorkflowQuery: 'temporal.api.query.v1.WorkflowQuery',
  QueryRejected: 'temporal.api.query.v1.QueryRejected',
  Payloads: 'temporal.api.common.v1.Payloads',
  Payload: 'temporal.api.common.v1.Payload',
  DescribeWorkflowExecutionRequest: 'temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest',
  DescribeWorkflowExecutionResponse: 'temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse',
  WorkflowExecutionInfo: 'temporal.api.workflow.v1.WorkflowExecutionInfo',
  Memo: 'temporal.api.common.v1.Memo',
};

void test('the lite calls describe their messages with the Temporal API field numbers and types', () => {
  for (const [name, { fields }] of Object.entries(LITE_PROTOS)) {
    const api = temporalApi.lookupType(API_NAMES[name]!);
    for (const [field, mine] of Object.entries(fields) as [
      string,
      protobuf.IField & { keyType?: string },
    ][]) {
      const theirs = api.fields[field];
      assert.ok(theirs, `${name}.${field} is not in ${API_NAMES[name]}`);
      assert.equal(mine.id, theirs.id, `${name}.${field} number`);
      assert.equal(mine.rule, theirs.repeated ? 'repeated' : undefined, `${name}.${field} rule`);
      const type = theirs.resolve().resolvedType;
      // An enum is an int32 on the wire.
      const expected = type instanceof protobuf.Enum ? 'int32' : (type?.name ?? theirs.type);
      assert.equal(mine.type, expected, `${name}.${field} type`);
      if (theirs instanceof protobuf.MapField)
        assert.equal(mine.keyType, theirs.keyType, `${name}.${field} key`);
    }
  }
});

async function statusJson(id: string): Promise<unknown> {
  const run = await world.tollgate(['status', id, '--json']);
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout);
}

void test('status prints the state the workflow answers, while it waits and once it has finished', async () => {
  const id = 'checkout-7.0.0';
  const release = await writeManifest(world.dir, id, { version: '7.0.0' });
  assert.equal((await world.tollgate(['promote', release, '--id', id, '--json'], { as: 'rita' })).code, 0);
  const waiting = await waitForState(harness, id, (s) => s.gate === 'approval', 'prod approval');
  assert.deepEqual(await statusJson(id), JSON.parse(JSON.stringify(waiting)));

  const approved = await world.tollgate(['approve', id, '--yes'], { as: 'bob' });
  assert.equal(approved.code, 0, approved.stderr);
  await harness.env.client.workflow.getHandle(id).result();
  const finished = await harness.env.client.workflow.getHandle(id).query(stateQuery);
  assert.equal(finished.status, 'succeeded');
  assert.deepEqual(await statusJson(id), JSON.parse(JSON.stringify(finished)));
});
