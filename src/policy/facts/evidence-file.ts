/**
 * Reading the files a release attaches as evidence. Every failure becomes a message naming the
 * release field, the path and what to fix; fact modules put it in their `errors` list so the
 * rules that read the fact fail with that reason instead of the activity crashing.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';

export type Loaded<T> = { ok: true; value: T } | { ok: false; error: string };

export function resolveEvidencePath(file: string, baseDir: string | undefined): string {
  return path.resolve(baseDir ?? process.cwd(), file);
}

export async function readEvidenceText(
  field: string,
  file: string,
  baseDir: string | undefined,
): Promise<Loaded<string>> {
  const resolved = resolveEvidencePath(file, baseDir);
  try {
    return { ok: true, value: await readFile(resolved, 'utf8') };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'file not found'
        : code === 'EISDIR'
          ? 'is a directory, not a file'
          : (err as Error).message;
    return { ok: false, error: `${field}: ${file}: ${reason}` };
  }
}

export async function readEvidenceJson(
  field: string,
  file: string,
  baseDir: string | undefined,
): Promise<Loaded<unknown>> {
  const text = await readEvidenceText(field, file, baseDir);
  if (!text.ok) return text;
  try {
    return { ok: true, value: JSON.parse(text.value) as unknown };
  } catch (err) {
    return { ok: false, error: `${field}: ${file}: not valid JSON (${(err as Error).message})` };
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
