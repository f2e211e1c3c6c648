import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import { TargetError } from './target.js';

/** Reads a target's persisted state; a missing file is a fresh start, a damaged one an error that says so. */
export async function readState<S extends z.ZodType>(
  file: string,
  schema: S,
): Promise<z.infer<S> | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new TargetError(`${file} is not JSON: move it away to start this target from scratch`, false);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TargetError(
      `${file}: ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'invalid'}: move it away to start this target from scratch`,
      false,
    );
  }
  return parsed.data;
}

/** Write-then-rename, so a crash leaves either the old state or the new one, never half of each. */
export async function writeState(file: string, state: unknown): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(state, null, 2)}\n`);
  await rename(temporary, file);
}
