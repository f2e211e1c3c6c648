/**
 * Reads a YAML or JSON file against a zod schema and reports every problem on its own line with
 * its position: `tollgate.yaml:12:7 pipelines[0].stages[1].approval.quorum: must be >= 1`.
 * YAML is a superset of JSON, so one parser serves both and JSON files get positions too.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { knownKeys, suggestion } from './known-keys.js';

/** A file a user wrote is wrong; `problems` holds one positioned line per problem. */
export class FileProblemsError extends Error {
  override name = 'FileProblemsError';
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

/** How a file is named in messages: relative to the working directory when it lies inside it. */
export function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), path.resolve(file));
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

/** `pipelines[0].stages[1].approval`, as a person would write it in JavaScript. */
export function issuePath(segments: readonly PropertyKey[]): string {
  return segments
    .map((s, i) => (typeof s === 'number' ? `[${s}]` : `${i === 0 ? '' : '.'}${String(s)}`))
    .join('');
}

/** zod's default messages, reworded as what to write instead. */
function reason(issue: z.core.$ZodIssue, value: unknown): string {
  switch (issue.code) {
    case 'invalid_type':
      return value === undefined ? `is required (${issue.expected})` : `must be ${article(issue.expected)}`;
    case 'too_small':
      if (issue.origin === 'array')
        return `must have at least ${String(issue.minimum)} item${issue.minimum === 1 ? '' : 's'}`;
      if (issue.origin === 'string')
        return `must be at least ${String(issue.minimum)} character${issue.minimum === 1 ? '' : 's'}`;
      return `must be ${issue.inclusive ? '>=' : '>'} ${String(issue.minimum)}`;
    case 'too_big':
      if (issue.origin === 'array') return `must have at most ${String(issue.maximum)} items`;
      if (issue.origin === 'string') return `must be at most ${String(issue.maximum)} characters`;
      return `must be ${issue.inclusive ? '<=' : '<'} ${String(issue.maximum)}`;
    case 'invalid_value':
      return `must be ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}`;
    case 'invalid_union':
      return issue.message.startsWith('Invalid input')
        ? 'does not match any of the allowed forms'
        : issue.message;
    default:
      return issue.message;
  }
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function position(doc: Document, lines: LineCounter, segments: readonly PropertyKey[]): string {
  for (let n = segments.length; n >= 0; n--) {
    const node: unknown = doc.getIn(segments.slice(0, n) as unknown[], true);
    if (isNode(node) && node.range) {
      // The value's position; for a missing key, the position of the map that lacks it.
      const { line, col } = lines.linePos(node.range[0]);
      return `:${line}:${col}`;
    }
    if (n === 0 && isNode(doc.contents) && doc.contents.range) {
      const { line, col } = lines.linePos(doc.contents.range[0]);
      return `:${line}:${col}`;
    }
  }
  return '';
}

export async function readText(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? `${what} not found`
        : code === 'EISDIR'
          ? `is a directory, not a ${what}`
          : `cannot read ${what} (${code ?? (err as Error).message})`;
    throw new FileProblemsError([`${displayPath(file)}: ${why}`]);
  }
}

/** Parses `text` (named `file` in messages) and validates it; throws FileProblemsError. */
export function parseWithSchema<S extends z.ZodType>(file: string, text: string, schema: S): z.output<S> {
  const name = displayPath(file);
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    throw new FileProblemsError(
      doc.errors.map((e) => {
        const { line, col } = lines.linePos(e.pos[0]);
        return `${name}:${line}:${col} not valid YAML: ${e.message.split('\n')[0]}`;
      }),
    );
  }
  const data: unknown = doc.toJS();
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  const line = (at: readonly PropertyKey[], why: string) =>
    `${name}${position(doc, lines, at)} ${issuePath(at) || '(document)'}: ${why}`;
  throw new FileProblemsError(
    parsed.error.issues.flatMap((issue) => {
      const unknown = unknownFields(issue);
      if (unknown)
        return unknown.map((key) => {
          const near = suggestion(key, knownKeys(schema, data, issue.path));
          return line(
            [...issue.path, key],
            `unknown field${near ? `; did you mean "${near}"?` : ` (allowed: ${knownKeys(schema, data, issue.path).join(', ')})`}`,
          );
        });
      return [line(issue.path, reason(issue, valueAt(data, issue.path)))];
    }),
  );
}

/**
 * The unknown field names an issue is about: an object's own, or those every branch of a union
 * of objects refused (`{ fil: x }` where `{ env }` or `{ file }` was expected).
 */
function unknownFields(issue: z.core.$ZodIssue): string[] | undefined {
  if (issue.code === 'unrecognized_keys') return issue.keys;
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return undefined;
  const perBranch = issue.errors.map((branch) =>
    branch.flatMap((i) => (i.code === 'unrecognized_keys' && i.path.length === 0 ? i.keys : [])),
  );
  const common = perBranch[0]!.filter((k) => perBranch.every((keys) => keys.includes(k)));
  return common.length ? common : undefined;
}

function valueAt(data: unknown, segments: readonly PropertyKey[]): unknown {
  let cur = data;
  for (const s of segments) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[s];
  }
  return cur;
}

export async function readWithSchema<S extends z.ZodType>(
  file: string,
  schema: S,
  what: string,
): Promise<z.output<S>> {
  return parseWithSchema(file, await readText(file, what), schema);
}

/** A problem found after parsing (e.g. a pack name no folder has), at a path of the document. */
export interface PathProblem {
  path: readonly PropertyKey[];
  message: string;
}

/** `problems` as positioned lines of `file`, the way schema problems are reported. */
export async function positionedProblems(file: string, problems: PathProblem[]): Promise<string[]> {
  const lines = new LineCounter();
  const doc = parseDocument(await readText(file, 'file'), { lineCounter: lines });
  return problems.map(
    (p) =>
      `${displayPath(file)}${position(doc, lines, p.path)} ${issuePath(p.path) || '(document)'}: ${p.message}`,
  );
}
