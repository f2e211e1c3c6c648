/**
 * The embedded default config: `deploy/examples/tollgate.yaml` is a template whose principals,
 * chat hook and ledger need keys. On first use it is copied to `.tollgate/tollgate.yaml` with
 * keys generated into `.tollgate/keys/` — every installation gets its own keys, and none is
 * ever committed.
 */
import { randomBytes } from 'node:crypto';
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isAlias, parseDocument } from 'yaml';
import { projectRoot, tollgateHome } from '../paths.js';
import { generateSigningKey, publicKeyText, readPrivateKey, writePrivateKey } from '../keys.js';

// From the project root, not this file: the compiled CLI runs this module from dist/src/config/.
export const EMBEDDED_TEMPLATE = path.join(projectRoot, 'deploy', 'examples', 'tollgate.yaml');

/** Tollgate's home (`.tollgate/` in the project, or TOLLGATE_HOME): keys, ledger, state, the dev server's database. */
export function projectHome(): string {
  return tollgateHome();
}

export function demoKeyFile(principal: string, home = projectHome()): string {
  return path.join(home, 'keys', `${principal}.pem`);
}

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

async function keyText(file: string): Promise<string> {
  if (!(await exists(file))) await writePrivateKey(file, generateSigningKey());
  return publicKeyText(await readPrivateKey(file));
}

/** Returns the path of the materialized embedded config, creating it (and its keys) if needed. */
export async function ensureEmbeddedConfig(home = projectHome()): Promise<string> {
  const target = path.join(home, 'tollgate.yaml');
  if (await exists(target)) return target;
  const keys = path.join(home, 'keys');
  await mkdir(keys, { recursive: true, mode: 0o700 });
  const doc = parseDocument(await readFile(EMBEDDED_TEMPLATE, 'utf8'));
  const principals = (doc.toJS() as { principals?: { id: string }[] }).principals ?? [];
  for (const [i, p] of principals.entries()) {
    doc.setIn(['principals', i, 'publicKeys'], [await keyText(demoKeyFile(p.id, home))]);
  }
  const hookKey = path.join(keys, 'hook.pem');
  doc.setIn(['chatServiceKeys'], [{ id: 'demo-hook', publicKey: await keyText(hookKey) }]);
  doc.setIn(['hook', 'serviceKey'], { id: 'demo-hook', privateKeyFile: hookKey });
  const slackSecret = path.join(keys, 'slack-signing-secret');
  if (!(await exists(slackSecret)))
    await writeFile(slackSecret, randomBytes(32).toString('hex'), { mode: 0o600 });
  doc.setIn(['hook', 'slack'], { signingSecret: { file: slackSecret }, responseUrlHosts: [] });
  const ledgerKey = path.join(keys, 'ledger.pem');
  await keyText(ledgerKey);
  doc.set('ledgerSigningKey', ledgerKey);
  // Absolute paths: the materialized config works from any working directory.
  doc.set('ledger', { type: 'file', path: path.join(home, 'ledger') });
  doc.set('stateDir', path.join(home, 'state'));
  const packDirs = (doc.get('policyPackDirs') as { toJSON(): string[] } | undefined)?.toJSON() ?? [
    'deploy/policies',
  ];
  doc.set(
    'policyPackDirs',
    packDirs.map((dir) => path.resolve(projectRoot, dir)),
  );
  const pipelines = (doc.toJS() as { pipelines: { stages: { target: { command?: string[] } }[] }[] })
    .pipelines;
  pipelines.forEach((p, pi) =>
    p.stages.forEach((st, si) => {
      const at = ['pipelines', pi, 'stages', si, 'target'];
      // A target reused with a YAML alias is rewritten once, at its anchor.
      if (isAlias(doc.getIn(at, true))) return;
      st.target.command?.forEach((arg, ai) => {
        if (arg.startsWith('deploy/')) doc.setIn([...at, 'command', ai], path.join(projectRoot, arg));
      });
    }),
  );
  doc.commentBefore = ` Generated from ${path.relative(process.cwd(), EMBEDDED_TEMPLATE)} with keys in ${keys}.\n${doc.commentBefore ?? ''}`;
  // The template's `$schema` comment is relative to the template; the copy lives elsewhere.
  const schemaFile = path.relative(home, path.join(projectRoot, 'deploy', 'schemas', 'config.schema.json'));
  await writeFile(
    target,
    doc.toString().replace(/\$schema=\S+/, () => `$schema=${schemaFile}`),
  );
  return target;
}
