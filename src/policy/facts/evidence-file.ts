/**
 * Reading the files a release attaches as evidence. Every failure becomes a message naming the
 * release field, the path and what to fix; fact modules put it in their `errors` list so the
 * rules that read the fact fail with that reason instead of the activity crashing.
 *
 * Evidence comes from a build the gate does not trust yet, so reading is bounded: a size limit
 * per file (checked before the bytes are read), a nesting limit per document, and byte-order
 * marks are named instead of showing up as an invisible character in a parser's message.
 */
import { open } from 'node:fs/promises';
import path from 'node:path';

export type Loaded<T> = { ok: true; value: T } | { ok: false; error: string };

/** Where evidence bytes come from: the file system (dry runs, local workers) or the ledger's blob store. */
export interface EvidenceSource {
  /**
   * The bytes of `file` as the release names it, or a reason it cannot be read. Sources refuse
   * files larger than `maxBytes` without reading them whole.
   */
  read(file: string, maxBytes: number): Promise<Loaded<Buffer>>;
}

/** Content-addressed evidence (the ledger's blob store): bytes by `sha256:<hex>`, hash-checked. */
export interface EvidenceBlobs {
  get(digest: string): Promise<Buffer | undefined>;
}

/**
 * Reads the evidence of a promoted release by the digests `tollgate promote` recorded: any worker
 * on any machine evaluates the bytes the release digest covers, never a file of its own disk.
 */
export function blobEvidenceSource(
  blobs: EvidenceBlobs | undefined,
  digests: Record<string, string>,
): EvidenceSource {
  return {
    async read(file, maxBytes) {
      const digest = digests[file];
      if (!digest)
        return {
          ok: false,
          error:
            'was not stored when the release was promoted (evidence.digests has no entry for it: the file was missing or unreadable then)',
        };
      if (!blobs)
        return { ok: false, error: `${digest} cannot be read: this worker has no evidence blob store` };
      let bytes: Buffer | undefined;
      try {
        bytes = await blobs.get(digest);
      } catch (err) {
        return { ok: false, error: (err as Error).message };
      }
      if (!bytes) return { ok: false, error: `${digest} is not in the ledger's blob store` };
      if (bytes.length > maxBytes) return { ok: false, error: tooLarge(bytes.length, maxBytes) };
      return { ok: true, value: bytes };
    },
  };
}

export interface EvidenceLimits {
  /** Largest evidence file read, in bytes. */
  maxFileBytes: number;
  /** Deepest nesting of objects and arrays a JSON or YAML document may have. */
  maxDepth: number;
}

/** Reads from the file system; relative paths resolve against `baseDir` (default: the working directory). */
export function fileEvidenceSource(baseDir: string | undefined): EvidenceSource {
  return {
    async read(file, maxBytes) {
      const resolved = path.resolve(baseDir ?? process.cwd(), file);
      try {
        const handle = await open(resolved, 'r');
        try {
          const stat = await handle.stat();
          if (stat.isDirectory()) return { ok: false, error: 'is a directory, not a file' };
          if (stat.size > maxBytes) return { ok: false, error: tooLarge(stat.size, maxBytes) };
          return { ok: true, value: await handle.readFile() };
        } finally {
          await handle.close();
        }
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        const reason =
          code === 'ENOENT'
            ? 'file not found'
            : code === 'EISDIR'
              ? 'is a directory, not a file'
              : (err as Error).message;
        return { ok: false, error: reason };
      }
    },
  };
}

export function tooLarge(size: number, maxBytes: number): string {
  return `the file is ${mib(size)}, larger than the limit of ${mib(maxBytes)} (policy.evidence.maxFileBytes): attach a smaller report or raise the limit`;
}

function mib(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : `${bytes} bytes`;
}

/** What every reader needs: where bytes come from and how much of them to accept. */
export interface EvidenceReader {
  source: EvidenceSource;
  limits: EvidenceLimits;
}

const BOMS: { bytes: number[]; name: string }[] = [
  { bytes: [0xef, 0xbb, 0xbf], name: 'a UTF-8 byte-order mark (EF BB BF)' },
  { bytes: [0xff, 0xfe], name: 'a UTF-16 LE byte-order mark (FF FE): save the file as UTF-8' },
  { bytes: [0xfe, 0xff], name: 'a UTF-16 BE byte-order mark (FE FF): save the file as UTF-8' },
];

export async function readEvidenceBytes(
  reader: EvidenceReader,
  field: string,
  file: string,
): Promise<Loaded<Buffer>> {
  const bytes = await reader.source.read(file, reader.limits.maxFileBytes);
  return bytes.ok ? bytes : { ok: false, error: `${field}: ${file}: ${bytes.error}` };
}

/**
 * The file as UTF-8 text. A UTF-8 byte-order mark is dropped (editors on Windows write one and
 * every parser here would otherwise report U+FEFF); UTF-16 is refused by name.
 */
export async function readEvidenceText(
  reader: EvidenceReader,
  field: string,
  file: string,
): Promise<Loaded<string>> {
  const bytes = await readEvidenceBytes(reader, field, file);
  if (!bytes.ok) return bytes;
  const bom = BOMS.find((b) => b.bytes.every((x, i) => bytes.value[i] === x));
  if (bom && bom.bytes.length === 2)
    return { ok: false, error: `${field}: ${file}: starts with ${bom.name}` };
  return { ok: true, value: bytes.value.toString('utf8', bom ? bom.bytes.length : 0) };
}

export async function readEvidenceJson(
  reader: EvidenceReader,
  field: string,
  file: string,
): Promise<Loaded<unknown>> {
  const text = await readEvidenceText(reader, field, file);
  if (!text.ok) return text;
  let value: unknown;
  try {
    value = JSON.parse(text.value) as unknown;
  } catch (err) {
    return { ok: false, error: `${field}: ${file}: not valid JSON (${(err as Error).message})` };
  }
  const depth = depthError(value, reader.limits.maxDepth);
  return depth ? { ok: false, error: `${field}: ${file}: ${depth}` } : { ok: true, value };
}

/**
 * Nesting deeper than `maxDepth`, found without recursion so a hostile document cannot
 * exhaust the stack here either.
 */
export function depthError(value: unknown, maxDepth: number): string | undefined {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= maxDepth) return tooDeep(maxDepth);
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return undefined;
}

export function tooDeep(maxDepth: number): string {
  return `nested deeper than ${maxDepth} levels of objects and arrays (the limit evidence documents may have)`;
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
