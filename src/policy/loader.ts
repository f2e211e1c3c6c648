/**
 * Loads policy packs from directories and type-checks every rule before anything runs, so a
 * broken pack stops the worker at startup with every problem listed, never at a gate.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import { compileExpression, RULE_VARIABLES, type CompiledExpression, type ExpressionProblem } from './cel.js';
import { PolicyPackFile, PolicyRule } from './pack.js';

export interface LoadedRule extends PolicyRule {
  compiled: CompiledExpression;
}

export interface LoadedPack {
  name: string;
  /** `sha256:<hex>` of the file bytes: the pack version results name. */
  version: string;
  file: string;
  description?: string;
  rules: LoadedRule[];
}

export interface PackProblem {
  file: string;
  ruleId?: string;
  line?: number;
  column?: number;
  message: string;
}

export class PolicyPackError extends Error {
  override name = 'PolicyPackError';
  constructor(readonly problems: PackProblem[]) {
    super(
      `policy packs have ${problems.length} problem(s):\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`,
    );
  }
}

export function formatProblem(p: PackProblem): string {
  const where =
    p.line === undefined ? p.file : `${p.file}:${p.line}${p.column === undefined ? '' : `:${p.column}`}`;
  return `${where}${p.ruleId ? ` rule ${p.ruleId}` : ''}: ${p.message}`;
}

const PACK_FILE = /\.ya?ml$/;

/** Every `*.yaml`/`*.yml` directly inside the directories; throws PolicyPackError listing all problems. */
export async function loadPacks(dirs: string[]): Promise<LoadedPack[]> {
  const problems: PackProblem[] = [];
  const packs: LoadedPack[] = [];
  for (const dir of dirs) {
    let names: string[];
    try {
      names = (await readdir(dir)).filter((n) => PACK_FILE.test(n)).sort();
    } catch (err) {
      problems.push({ file: dir, message: `cannot read policy pack directory: ${(err as Error).message}` });
      continue;
    }
    if (names.length === 0)
      problems.push({ file: dir, message: 'no policy pack files (*.yaml) in this directory' });
    for (const name of names) {
      const file = path.join(dir, name);
      const result = parsePack(file, await readFile(file));
      problems.push(...result.problems);
      if (result.pack) packs.push(result.pack);
    }
  }
  const byName = new Map<string, string>();
  for (const p of packs) {
    const other = byName.get(p.name);
    if (other) problems.push({ file: p.file, message: `pack name "${p.name}" is already used by ${other}` });
    byName.set(p.name, p.file);
  }
  if (problems.length) throw new PolicyPackError(problems);
  return packs;
}

/** Parses and type-checks one pack file; returns the pack only when it has no problems. */
export function parsePack(file: string, bytes: Buffer): { pack?: LoadedPack; problems: PackProblem[] } {
  const lines = new LineCounter();
  const source = bytes.toString('utf8');
  const doc = parseDocument(source, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length) {
    return {
      problems: doc.errors.map((e) => {
        const pos = lines.linePos(e.pos[0]);
        return { file, line: pos.line, column: pos.col, message: `YAML: ${e.message.split('\n')[0]}` };
      }),
    };
  }
  const raw: unknown = doc.toJS();
  const kind = (raw as { kind?: unknown } | null)?.kind;
  if (kind !== 'PolicyPack') {
    const what = typeof kind === 'string' ? `kind: ${kind}` : 'no kind';
    return {
      problems: [
        {
          file,
          line: 1,
          message: `not a policy pack (${what}); pack directories hold only files with kind: PolicyPack`,
        },
      ],
    };
  }
  const parsed = PolicyPackFile.safeParse(raw);
  const problems: PackProblem[] = parsed.success
    ? []
    : parsed.error.issues.map((issue) => ({
        file,
        ...locate(doc, lines, issue.path as (string | number)[]),
        ruleId: ruleIdAt(doc, issue.path),
        message: `${issue.path.join('.') || '(pack)'}: ${issue.message}`,
      }));
  // Rules that are well-formed are type-checked even when a sibling is not, so one run lists everything.
  const rawRules = (raw as { rules?: unknown } | null)?.rules;
  const rules: LoadedRule[] = [];
  (Array.isArray(rawRules) ? rawRules : []).forEach((candidate, i) => {
    const rule = PolicyRule.safeParse(candidate);
    if (!rule.success) return;
    const result = compileExpression(rule.data.expression);
    if (result.ok) rules.push({ ...rule.data, compiled: result.compiled });
    else
      problems.push({
        file,
        ruleId: rule.data.id,
        ...expressionPosition(source, doc, lines, i, result.problem),
        message: describe(result.problem),
      });
  });
  problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
  if (problems.length || !parsed.success) return { problems };
  const version = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  return {
    problems,
    pack: { name: parsed.data.name, version, file, description: parsed.data.description, rules },
  };
}

function describe(problem: ExpressionProblem): string {
  const hint = /^Unknown variable/.test(problem.message)
    ? ` (declared variables: ${Object.keys(RULE_VARIABLES).join(', ')})`
    : '';
  return `${problem.kind === 'syntax' ? 'CEL syntax error' : 'CEL type error'}: ${problem.message}${hint}`;
}

function locate(
  doc: Document,
  lines: LineCounter,
  at: (string | number)[],
): { line?: number; column?: number } {
  for (let n = at.length; n >= 0; n--) {
    const node = doc.getIn(at.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node?.range) {
      const pos = lines.linePos(node.range[0]);
      return { line: pos.line, column: pos.col };
    }
  }
  return {};
}

function ruleIdAt(doc: Document, at: PropertyKey[]): string | undefined {
  if (at[0] !== 'rules' || typeof at[1] !== 'number') return undefined;
  const id = doc.getIn(['rules', at[1], 'id']);
  return typeof id === 'string' ? id : undefined;
}

/**
 * Maps an offset inside a rule's expression back to the file. Exact for single-line plain or
 * quoted scalars and for `|` block scalars (their lines are kept verbatim); other styles report
 * where the expression starts.
 */
function expressionPosition(
  source: string,
  doc: Document,
  lines: LineCounter,
  ruleIndex: number,
  problem: ExpressionProblem,
): { line?: number; column?: number } {
  const node = doc.getIn(['rules', ruleIndex, 'expression'], true);
  if (!isScalar(node) || !node.range) return locate(doc, lines, ['rules', ruleIndex]);
  const start = lines.linePos(node.range[0]);
  const text = String(node.value);
  // A parser reports "unexpected end" after the trailing newline of a block scalar; point at the last character instead.
  const offset = Math.min(problem.offset, text.trimEnd().length);
  const before = text.slice(0, offset);
  if (
    (node.type === 'PLAIN' || node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') &&
    !text.includes('\n')
  ) {
    return { line: start.line, column: start.col + (node.type === 'PLAIN' ? 0 : 1) + offset };
  }
  if (node.type === 'BLOCK_LITERAL') {
    const lineInBlock = before.split('\n').length - 1;
    const columnInLine = offset - (before.lastIndexOf('\n') + 1);
    const firstContentLine = start.line + 1;
    // Block content lines share the indentation of the first one; the rest is part of the expression.
    const firstLineStart = lines.lineStarts[firstContentLine - 1] ?? 0;
    const indent = /^ */.exec(source.slice(firstLineStart))?.[0].length ?? 0;
    return { line: firstContentLine + lineInBlock, column: indent + columnInLine + 1 };
  }
  return { line: start.line, column: start.col };
}
