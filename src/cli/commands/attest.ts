/**
 * `tollgate attest verify <file>`: checks one stage attestation offline. The work lives in
 * attest.run.ts, loaded only when the command runs.
 */
import type { Command } from 'commander';
import type { Tollgate } from '../context.js';

export function registerAttestCommands(program: Command, ctx: Tollgate): void {
  const attest = program
    .command('attest')
    .description('stage attestations (in-toto statements in DSSE envelopes)');
  attest
    .command('verify')
    .description(
      "check a stage attestation's signature and the gates it claims, with this config's keys and rules",
    )
    .argument('<file>', 'a DSSE envelope (JSON), or a stage.attested evidence record that holds one')
    .option('--key <publicKey>', "trust this orchestration key (ed25519:<base64>) instead of the config's")
    .addHelpText(
      'after',
      `
Examples:
  tollgate attest verify prod-admitted.dsse.json
  tollgate attest verify record.json --key ed25519:9m3Y…= --json

Exit codes: 0 the attestation holds, 1 it does not (the reason is printed), 2 unreadable file or config.`,
    )
    .action(async (file: string, opts: { key?: string }) =>
      (await import('./attest.run.js')).verifyAttestation(ctx, file, opts),
    );
}
