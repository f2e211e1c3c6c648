/**
 * The CEL environment rules are written against. Only the five declared variables exist, so a
 * typo such as `fact.sbom` or `relase.app` is a type error at load time, not a silent `false`.
 */
import { Environment, type ASTNode, type ParseError, type TypeError } from '@marcbachmann/cel-js';

export const RULE_VARIABLES = {
  release: 'the release manifest (after defaults), e.g. release.change.ticket',
  stage: 'the stage being entered, e.g. "prod"',
  facts: 'facts computed from the release evidence, e.g. facts.sbom.parseable',
  time: 'the workflow time the gate was reached (timestamp)',
  requester: 'who started the promotion',
} as const;

function createEnvironment(): Environment {
  return new Environment({ homogeneousAggregateLiterals: false, enableOptionalTypes: true })
    .registerVariable('release', 'map', { description: RULE_VARIABLES.release })
    .registerVariable('stage', 'string', { description: RULE_VARIABLES.stage })
    .registerVariable('facts', 'map', { description: RULE_VARIABLES.facts })
    .registerVariable('time', 'google.protobuf.Timestamp', { description: RULE_VARIABLES.time })
    .registerVariable('requester', 'string', { description: RULE_VARIABLES.requester });
}

const environment = createEnvironment();

export interface RuleVariables {
  release: unknown;
  stage: string;
  facts: Record<string, unknown>;
  time: Date;
  requester: string;
}

export interface CompiledExpression {
  evaluate(vars: RuleVariables): unknown;
  /** Fact paths the expression reads, e.g. `sbom.parseable`, sorted. */
  factsRead: string[];
}

export interface ExpressionProblem {
  kind: 'syntax' | 'type';
  message: string;
  /** Character offset in the expression where the problem starts. */
  offset: number;
}

export type CompileResult =
  { ok: true; compiled: CompiledExpression } | { ok: false; problem: ExpressionProblem };

export function compileExpression(expression: string): CompileResult {
  let parsed: ReturnType<Environment['parse']>;
  try {
    parsed = environment.parse(expression);
  } catch (err) {
    return { ok: false, problem: problemOf('syntax', err) };
  }
  const checked = parsed.check();
  if (!checked.valid)
    return {
      ok: false,
      problem: problemOf(checked.error?.name === 'ParseError' ? 'syntax' : 'type', checked.error),
    };
  if (checked.type !== 'bool' && checked.type !== 'dyn') {
    return {
      ok: false,
      problem: { kind: 'type', message: `the expression must return bool, not ${checked.type}`, offset: 0 },
    };
  }
  return {
    ok: true,
    compiled: {
      evaluate: (vars): unknown => parsed({ ...vars }) as unknown,
      factsRead: [...collectFactPaths(parsed.ast)].sort(),
    },
  };
}

function problemOf(kind: ExpressionProblem['kind'], err: unknown): ExpressionProblem {
  const e = err as Partial<ParseError | TypeError> | undefined;
  return {
    kind,
    message: e?.summary ?? (err instanceof Error ? err.message : String(err)),
    offset: e?.range?.start ?? 0,
  };
}

/** The short reason of an evaluation error, without the library's multi-line source highlight. */
export function evaluationErrorMessage(err: unknown): string {
  const e = err as { summary?: string } | undefined;
  if (typeof e?.summary === 'string') return e.summary;
  return err instanceof Error ? err.message : String(err);
}

/** `facts.a.b` → `a.b`; member chains are recorded whole, not their prefixes. */
function memberPath(node: ASTNode): string[] | undefined {
  switch (node.op) {
    case 'id':
      return [node.args];
    case '.':
    case '.?': {
      const base = memberPath(node.args[0]);
      return base && [...base, node.args[1]];
    }
    case '[]':
    case '[?]': {
      const [obj, key] = node.args;
      const base = memberPath(obj);
      return base && key.op === 'value' && typeof key.args === 'string' ? [...base, key.args] : undefined;
    }
    default:
      return undefined;
  }
}

function collectFactPaths(root: ASTNode): Set<string> {
  const found = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (!isAstNode(value)) return;
    const path = memberPath(value);
    if (path && path[0] === 'facts' && path.length > 1) {
      found.add(path.slice(1).join('.'));
      return;
    }
    visit(value.args);
  };
  visit(root);
  return found;
}

function isAstNode(value: unknown): value is ASTNode {
  return typeof value === 'object' && value !== null && 'op' in value && 'args' in value;
}
