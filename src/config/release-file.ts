/**
 * Reads a release manifest (YAML or JSON) for policy dry-runs, reporting problems by line:
 * `release.yaml:7: artifacts.0.digest: must be sha256:<64 lowercase hex>`.
 */
import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import { Release } from '../domain/release.js';

export class ReleaseFileError extends Error {
  override name = 'ReleaseFileError';
}

export async function readReleaseFile(file: string): Promise<Release> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ReleaseFileError(
      `${file}: ${code === 'ENOENT' ? 'release manifest not found' : (err as Error).message}`,
    );
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    throw new ReleaseFileError(
      `${file}:${lines.linePos(e.pos[0]).line}: not valid YAML: ${e.message.split('\n')[0]}`,
    );
  }
  const parsed = Release.safeParse(doc.toJS());
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    let line: number | undefined;
    for (let n = issue.path.length; n >= 0 && line === undefined; n--) {
      const node = doc.getIn(issue.path.slice(0, n), true) as
        { range?: [number, number, number] } | undefined;
      if (node?.range) line = lines.linePos(node.range[0]).line;
    }
    return `${file}${line ? `:${line}` : ''}: ${issue.path.join('.') || '(release)'}: ${issue.message}`;
  });
  throw new ReleaseFileError(`invalid release manifest:\n  ${problems.join('\n  ')}`);
}
