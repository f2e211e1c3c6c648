#!/usr/bin/env node
// Tollgate's sample app: one tiny HTTP server whose versions behave well or badly on purpose, so
// canary outcomes come from real requests. See README.md beside this file.
import http from 'node:http';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: { port: { type: 'string' }, version: { type: 'string' }, behaviour: { type: 'string' } },
});

const port = Number(args.port ?? process.env.PORT ?? 8080);
const version = args.version ?? process.env.VERSION ?? '0.0.0';
const behaviour = args.behaviour ?? process.env.SAMPLE_APP_BEHAVIOUR ?? behaviourOf(version);
const errorEvery = Math.round(1 / Number(process.env.SAMPLE_APP_ERROR_RATE ?? 0.2));
const maxDelayMs = Number(process.env.SAMPLE_APP_DELAY_MS ?? 300);
const tailFraction = Number(process.env.SAMPLE_APP_TAIL_FRACTION ?? 0.3);
const tailDelayMs = Number(process.env.SAMPLE_APP_TAIL_MS ?? 400);

if (!['healthy', 'errors', 'slow', 'tail'].includes(behaviour)) {
  process.stderr.write(
    `sample-app: behaviour must be healthy, errors, slow or tail, not ${JSON.stringify(behaviour)}\n`,
  );
  process.exit(2);
}
if (!(tailFraction >= 0 && tailFraction <= 1) || !(tailDelayMs >= 0)) {
  process.stderr.write(
    'sample-app: SAMPLE_APP_TAIL_FRACTION must be between 0 and 1 and SAMPLE_APP_TAIL_MS a number of milliseconds >= 0\n',
  );
  process.exit(2);
}
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(
    `sample-app: --port must be a port number, not ${JSON.stringify(args.port ?? process.env.PORT)}\n`,
  );
  process.exit(2);
}

function behaviourOf(v) {
  if (v.includes('errors')) return 'errors';
  if (v.includes('slow')) return 'slow';
  if (v.includes('tail')) return 'tail';
  return 'healthy';
}

let served = 0;

const server = http.createServer((req, res) => {
  const reply = (status, body) => {
    res.writeHead(status, { 'content-type': 'application/json', 'x-app-version': version });
    res.end(`${JSON.stringify(body)}\n`);
  };
  if (req.url === '/healthz') return reply(200, { status: 'ok', version, behaviour });
  served++;
  // Every fifth request of an error-prone version fails: exactly the configured rate, no luck involved.
  if (behaviour === 'errors' && served % errorEvery === 0)
    return reply(500, { error: 'simulated failure', version });
  const delay = behaviour === 'slow' ? Math.random() * maxDelayMs : behaviour === 'tail' ? tailDelay() : 0;
  setTimeout(() => reply(200, { message: 'hello from the sample app', version }), delay);
});

// Evenly spread over the requests, like the errors: 30 % means 3 of every 10, the median untouched.
function tailDelay() {
  return Math.floor(served * tailFraction) > Math.floor((served - 1) * tailFraction) ? tailDelayMs : 0;
}

server.listen(port, '127.0.0.1', () => {
  process.stdout.write(
    `sample-app ${version} (${behaviour}) listening on 127.0.0.1:${server.address().port}\n`,
  );
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
