/**
 * Who is acting, and the key that proves it. The principal comes from `--as`, TOLLGATE_USER or
 * the login name; the key from `--key`, TOLLGATE_KEY, the project's `.tollgate/keys/<user>.pem`
 * (the embedded default generates those), `~/.tollgate/key.pem` or `~/.ssh/id_ed25519`. A key
 * file is PKCS#8 PEM or an OpenSSH Ed25519 key. The key must be one the config lists for that
 * principal, so nobody acts as someone else by typing their name.
 */
import type { KeyObject } from 'node:crypto';
import { access } from 'node:fs/promises';
import { homedir, userInfo } from 'node:os';
import path from 'node:path';
import type { Action, Signed } from '../approvals/actions.js';
import {
  newNonce,
  parsePublicKeyText,
  principalKeyId,
  rawPublicKey,
  readPrivateKey,
  signAction,
} from '../keys.js';
import type { TollgateConfig } from '../config/schema.js';
import { UserError } from './errors.js';

export interface Signer {
  principal: string;
  keyId: string;
  keyFile: string;
  sign<T extends Action>(payload: T): Signed<T>;
  /** The fields every signed action shares. */
  base(promotionId: string): {
    promotionId: string;
    actor: string;
    channel: 'cli';
    issuedAt: string;
    nonce: string;
  };
}

export function defaultKeyFile(): string {
  return path.join(homedir(), '.tollgate', 'key.pem');
}

/** The key `ssh-keygen -t ed25519` writes by default: used when there is no Tollgate key. */
function sshKeyFile(): string {
  return path.join(homedir(), '.ssh', 'id_ed25519');
}

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

export function actingPrincipal(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return flag ?? env.TOLLGATE_USER ?? userInfo().username;
}

async function keyFileFor(
  principal: string,
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<string> {
  if (flag) return flag;
  if (env.TOLLGATE_KEY) return env.TOLLGATE_KEY;
  const { demoKeyFile } = await import('../config/embedded.js');
  for (const file of [demoKeyFile(principal), defaultKeyFile(), sshKeyFile()])
    if (await exists(file)) return file;
  return defaultKeyFile();
}

export async function resolveSigner(
  config: TollgateConfig,
  opts: { as?: string; key?: string },
  env: NodeJS.ProcessEnv = process.env,
): Promise<Signer> {
  const principal = actingPrincipal(opts.as, env);
  const entry = config.principals.find((p) => p.id === principal);
  if (!entry)
    throw new UserError(
      `you act as "${principal}", who is not a principal in the config (principals: ${config.principals.map((p) => p.id).join(', ') || 'none'}); choose one with --as or TOLLGATE_USER`,
    );
  const keyFile = await keyFileFor(principal, opts.key, env);
  let key: KeyObject;
  try {
    key = await readPrivateKey(keyFile);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(
      code === 'ENOENT'
        ? `no signing key at ${keyFile}: create one with \`tollgate keys init\` and register its public part for ${principal}, or pass --key`
        : (err as Error).message.includes(keyFile)
          ? (err as Error).message
          : `signing key ${keyFile}: ${(err as Error).message}`,
    );
  }
  const raw = rawPublicKey(key);
  const registered = entry.publicKeys.some((text) => parsePublicKeyText(text).equals(raw));
  if (!registered)
    throw new UserError(
      `the key in ${keyFile} is not registered for ${principal}: add ed25519:${raw.toString('base64')} (or the key's ssh-ed25519 line) to principals[${config.principals.indexOf(entry)}].publicKeys in the config`,
    );
  const keyId = principalKeyId(principal, raw);
  return {
    principal,
    keyId,
    keyFile,
    sign: (payload) => signAction(payload, keyId, key),
    base: (promotionId) => ({
      promotionId,
      actor: principal,
      channel: 'cli',
      issuedAt: new Date().toISOString(),
      nonce: newNonce(),
    }),
  };
}
