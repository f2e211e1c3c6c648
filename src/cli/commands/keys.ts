/** `tollgate keys init`: your Ed25519 signing key for votes and other actions. */
import { access, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { generateSigningKey, publicKeyText, writePrivateKey } from '../../keys.js';
import type { Tollgate } from '../context.js';
import { UserError } from '../errors.js';
import { actingPrincipal, defaultKeyFile } from '../identity.js';

export function registerKeyCommands(program: Command, ctx: Tollgate): void {
  const keys = program.command('keys').description('your signing key');
  keys
    .command('init')
    .description('create an Ed25519 key and print the public part to register in the config')
    .option('--out <file>', 'where to write the private key (PKCS#8 PEM, mode 600)', defaultKeyFile())
    .addHelpText(
      'after',
      '\nExamples:\n  tollgate keys init\n  tollgate keys init --out ~/.tollgate/work.pem --json',
    )
    .action(async (opts: { out: string }) => {
      const exists = await access(opts.out).then(
        () => true,
        () => false,
      );
      if (exists)
        throw new UserError(
          `${opts.out} already exists: refusing to overwrite a signing key (choose another --out)`,
        );
      await mkdir(path.dirname(path.resolve(opts.out)), { recursive: true, mode: 0o700 });
      const key = generateSigningKey();
      await writePrivateKey(opts.out, key);
      const publicKey = publicKeyText(key);
      const principal = actingPrincipal(ctx.options.as);
      ctx.print({ privateKeyFile: opts.out, publicKey, principal }, () =>
        [
          `wrote ${opts.out} (mode 600). Register the public key under your principal in the config:`,
          '',
          'principals:',
          `  - id: ${principal}`,
          '    publicKeys:',
          `      - ${publicKey}`,
        ].join('\n'),
      );
    });
}
