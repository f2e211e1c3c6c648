/** Asking before a signed action: a yes on the terminal, or --yes in scripts. */
import { UserError } from './errors.js';

export async function confirm(question: string, opts: { yes?: boolean; refusing: string }): Promise<boolean> {
  if (opts.yes) return true;
  if (!process.stdin.isTTY || !process.stdout.isTTY)
    throw new UserError(
      `refusing to ${opts.refusing} without confirmation: no terminal to ask on, pass --yes`,
    );
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}
