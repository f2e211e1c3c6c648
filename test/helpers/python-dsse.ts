/**
 * A Python with securesystemslib, the DSSE reference implementation's library, for checking
 * that a standard verifier accepts Tollgate's attestations. The test provisions it itself: a
 * virtual environment under Tollgate's home, created and filled from PyPI on first use.
 */
import { execFile } from 'node:child_process';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { tollgateHome } from '../../src/paths.js';

const run = promisify(execFile);
export const SECURESYSTEMSLIB = 'securesystemslib[crypto]==1.6.0';

let provisioning: Promise<string> | undefined;

/** The venv's python, with securesystemslib installed. */
export function pythonWithSecuresystemslib(): Promise<string> {
  provisioning ??= (async () => {
    const venv = path.join(tollgateHome(), 'venvs', 'securesystemslib-1.6.0');
    const python = path.join(venv, 'bin', 'python');
    const ready = path.join(venv, '.installed');
    const exists = await access(ready).then(
      () => true,
      () => false,
    );
    if (!exists) {
      await run('python3', ['-m', 'venv', venv]);
      await run(
        python,
        ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', SECURESYSTEMSLIB],
        {
          timeout: 300_000,
        },
      );
      await run('touch', [ready]);
    }
    return python;
  })();
  return provisioning;
}
