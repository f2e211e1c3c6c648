/**
 * Validation of received CDEvents against the CDEvents specification's own JSON schemas
 * (test/fixtures/cdevents/v0.5.1, copied from the spec's repository at tag v0.5.1; see the
 * README there), and of their CloudEvents binding: the `ce-*` headers must agree with the body.
 */
import { readdir, readFile } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { Ajv2020 } from 'ajv/dist/2020.js';

export interface ReceivedEvent {
  headers: IncomingHttpHeaders;
  body: string;
  /** The CloudEvent as the `cloudevents` package parsed it from the request. */
  cloudEvent: unknown;
}

const dir = new URL('../fixtures/cdevents/v0.5.1/', import.meta.url);

const SCHEMA_BY_TYPE: Record<string, string> = {
  'dev.cdevents.service.deployed.0.3.0': 'servicedeployed.json',
  'dev.cdevents.service.upgraded.0.3.0': 'serviceupgraded.json',
  'dev.cdevents.service.rolledback.0.3.0': 'servicerolledback.json',
  'dev.cdevents.environment.modified.0.3.0': 'environmentmodified.json',
};

async function json(url: URL): Promise<object> {
  return JSON.parse(await readFile(url, 'utf8')) as object;
}

/** Returns a function listing what is wrong with one event (empty when it conforms). */
export async function cdEventsValidator(): Promise<(e: ReceivedEvent | object) => string[]> {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  const links = new URL('links/', dir);
  for (const file of await readdir(links)) ajv.addSchema(await json(new URL(file, links)));
  const validators = new Map<string, ReturnType<typeof ajv.compile>>();
  for (const [type, file] of Object.entries(SCHEMA_BY_TYPE))
    validators.set(type, ajv.compile(await json(new URL(file, dir))));

  return (e) => {
    const received = 'body' in e ? e : undefined;
    const event = (received ? JSON.parse(received.body) : e) as {
      context?: { type?: string; id?: string; source?: string };
    };
    const type = event.context?.type ?? '';
    const validate = validators.get(type);
    if (!validate) return [`no CDEvents schema for type ${type || '(none)'}`];
    const problems = validate(event)
      ? []
      : (validate.errors ?? []).map((err) => `${type}${err.instancePath}: ${err.message}`);
    if (received) {
      const h = received.headers;
      if (h['ce-specversion'] !== '1.0') problems.push('ce-specversion must be 1.0');
      if (h['ce-type'] !== type)
        problems.push(`ce-type ${String(h['ce-type'])} is not the CDEvent's type ${type}`);
      if (h['ce-id'] !== event.context?.id) problems.push('ce-id is not the CDEvent id');
      if (h['ce-source'] !== event.context?.source) problems.push('ce-source is not the CDEvent source');
      if (!received.cloudEvent) problems.push('the cloudevents package could not read the request');
    }
    return problems;
  };
}
