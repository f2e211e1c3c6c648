/**
 * The policy engine: packs are loaded and type-checked once, at startup; each evaluation
 * computes the facts of a release, runs every rule of the stage's packs and returns a result
 * whose hash approvals bind to. The hash covers packs (by content hash), rule results and
 * facts, never a timestamp, so the same inputs always give the same hash.
 */
import { createHash } from 'node:crypto';
import type { Logger } from '../logging/logger.js';
import type { PolicyRequest } from '../../activities/contracts.js';
import { canonicalJson } from '../domain/canonical.js';
import { Release } from '../domain/release.js';
import { evaluationErrorMessage } from './cel.js';
import { parseTrustedKeys } from './facts/dsse.js';
import {
  blobEvidenceSource,
  fileEvidenceSource,
  type EvidenceBlobs,
  type EvidenceSource,
} from './facts/evidence-file.js';
import { loadSigstoreTrust, type SigstoreTrust } from './facts/sigstore.js';
import { computeFacts, type Facts } from './facts/index.js';
import { loadPacks, type LoadedPack, type LoadedRule } from './loader.js';
import { PolicySettings, SEVERITY_RANK, type PolicySettingsInput } from './settings.js';
import type { PolicyEvaluation, RuleResult } from './types.js';

export interface EvaluateOptions {
  /** Relative evidence paths resolve against this; overrides the engine's baseDir. */
  baseDir?: string;
  /** Read evidence from here instead of the file system (the ledger's blob store). */
  evidenceSource?: EvidenceSource;
  /** Evaluate against these facts instead of computing them (backtests over recorded facts). */
  facts?: Facts;
}

export interface PolicyEngine {
  readonly packs: readonly LoadedPack[];
  readonly settings: PolicySettings;
  /** The engine reads stored evidence by digest (it was given the ledger's blob store). */
  readonly readsEvidenceBlobs: boolean;
  evaluate(req: PolicyRequest, options?: EvaluateOptions): Promise<PolicyEvaluation>;
}

export interface PolicyEngineOptions {
  packDirs: string[];
  /** The ledger's evidence blobs: releases promoted with evidence digests are read from here. */
  blobs?: EvidenceBlobs;
  settings: PolicySettingsInput;
  logger: Logger;
  baseDir?: string;
}

export class PolicySettingsError extends Error {
  override name = 'PolicySettingsError';
}

export async function createPolicyEngine(opts: PolicyEngineOptions): Promise<PolicyEngine> {
  const parsed = PolicySettings.safeParse(opts.settings);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  policy.${i.path.join('.')}: ${i.message}`);
    throw new PolicySettingsError(`invalid policy settings:\n${lines.join('\n')}`);
  }
  const settings = parsed.data;
  const trustedKeys = parseTrustedKeys(settings.provenance.trustedKeys);
  let sigstore: SigstoreTrust | undefined;
  try {
    sigstore = await loadSigstoreTrust(settings.provenance.sigstore);
  } catch (err) {
    throw new PolicySettingsError((err as Error).message);
  }
  const packs = await loadPacks(opts.packDirs);
  opts.logger.info(
    { packs: packs.map((p) => ({ name: p.name, version: p.version, rules: p.rules.length })) },
    'policy packs loaded',
  );

  return {
    packs,
    settings,
    readsEvidenceBlobs: opts.blobs !== undefined,
    async evaluate(req, options = {}) {
      const parsedRelease = Release.safeParse(req.release);
      const release = parsedRelease.success ? parsedRelease.data : req.release;
      const time = new Date(req.time);
      const facts =
        options.facts ??
        (await computeFacts({
          release,
          settings,
          trustedKeys,
          ...(sigstore ? { sigstore } : {}),
          evidence: {
            source:
              options.evidenceSource ??
              (release.evidence.digests
                ? blobEvidenceSource(opts.blobs, release.evidence.digests)
                : fileEvidenceSource(options.baseDir ?? opts.baseDir)),
            limits: settings.evidence,
          },
          time,
        }));
      const selected = selectPacks(packs, req.packs);
      const vars = {
        release: JSON.parse(JSON.stringify(release)) as unknown,
        stage: req.stage,
        facts,
        time,
        requester: release.requester,
      };
      const rules: RuleResult[] = [
        ...selected.missing.map((name) => missingPackResult(name, packs)),
        ...selected.packs.flatMap((pack) =>
          pack.rules.map((rule) => evaluateRule(pack, rule, req.stage, vars)),
        ),
      ];
      const packRefs = selected.packs.map((p) => ({ name: p.name, version: p.version }));
      const blocking = SEVERITY_RANK[settings.blockingSeverity];
      const passed = !rules.some(
        (r) => (r.outcome === 'fail' || r.outcome === 'error') && SEVERITY_RANK[r.severity] >= blocking,
      );
      const resultHash = createHash('sha256')
        .update(canonicalJson({ packs: packRefs, rules, facts }) ?? '')
        .digest('hex');
      const evaluation: PolicyEvaluation = {
        stage: req.stage,
        passed,
        resultHash,
        packs: packRefs,
        rules,
        facts,
        evaluatedAt: new Date().toISOString(),
      };
      opts.logger.info(
        {
          promotionId: req.promotionId,
          stage: req.stage,
          passed,
          resultHash,
          failed: rules
            .filter((r) => r.outcome === 'fail' || r.outcome === 'error')
            .map((r) => `${r.pack}/${r.ruleId}`),
        },
        'policy evaluated',
      );
      return evaluation;
    },
  };
}

/** An empty list selects every loaded pack; names that are not loaded become failing results. */
function selectPacks(
  packs: readonly LoadedPack[],
  names: string[],
): { packs: LoadedPack[]; missing: string[] } {
  if (names.length === 0) return { packs: [...packs], missing: [] };
  return {
    packs: packs.filter((p) => names.includes(p.name)),
    missing: names.filter((n) => !packs.some((p) => p.name === n)),
  };
}

function missingPackResult(name: string, packs: readonly LoadedPack[]): RuleResult {
  return {
    pack: name,
    ruleId: 'pack-loaded',
    description: `policy pack ${name} is loaded`,
    severity: 'critical',
    outcome: 'error',
    message: `the stage requires pack "${name}", which is not loaded (loaded: ${packs.map((p) => p.name).join(', ') || 'none'})`,
    remediation: 'add the pack file to a policy pack directory or fix the pack name in the stage config',
    controls: [],
    factsRead: [],
  };
}

interface RuleVars {
  release: unknown;
  stage: string;
  facts: Facts;
  time: Date;
  requester: string;
}

function evaluateRule(pack: LoadedPack, rule: LoadedRule, stage: string, vars: RuleVars): RuleResult {
  const base = {
    pack: pack.name,
    ruleId: rule.id,
    description: rule.description,
    severity: rule.severity,
    controls: rule.controls,
    factsRead: rule.compiled.factsRead,
  };
  if (rule.stages && !rule.stages.includes(stage)) {
    return { ...base, outcome: 'skipped', message: `applies to stages ${rule.stages.join(', ')}` };
  }
  let value: unknown;
  try {
    value = rule.compiled.evaluate(vars);
  } catch (err) {
    return {
      ...base,
      outcome: 'error',
      message: `expression failed: ${evaluationErrorMessage(err)}`,
      remediation: rule.remediation,
    };
  }
  if (value === true) return { ...base, outcome: 'pass' };
  if (value !== false) {
    return {
      ...base,
      outcome: 'error',
      message: `expression returned ${typeof value}, not a bool`,
      remediation: rule.remediation,
    };
  }
  const reasons = relevantFactErrors(vars.facts, rule.compiled.factsRead);
  return {
    ...base,
    outcome: 'fail',
    message: reasons.length ? `not met: ${reasons.join('; ')}` : `not met: ${rule.description}`,
    remediation: rule.remediation,
  };
}

/**
 * The errors of the fact sets a rule read, narrowed to the most specific fact it read that
 * errors are labelled by (`deployment.checks.hostPath: …` for a rule reading exactly that,
 * `ai.modelCard: …` for one reading `ai.modelCard.present`).
 */
function relevantFactErrors(facts: Facts, read: string[]): string[] {
  const reasons = new Set<string>();
  for (const set of new Set(read.map((p) => p.split('.')[0] ?? ''))) {
    const errors = facts[set]?.errors ?? [];
    const paths = read.filter((p) => p.startsWith(`${set}.`)).map((p) => p.split('.'));
    let narrowed: string[] = [];
    for (let depth = Math.max(0, ...paths.map((p) => p.length)); depth >= 2 && !narrowed.length; depth--) {
      const labels = paths.filter((p) => p.length >= depth).map((p) => `${p.slice(0, depth).join('.')}:`);
      narrowed = errors.filter((e) => labels.some((l) => e.startsWith(l)));
    }
    // Errors labelled by a fact the rule did not read belong to other rules.
    const unlabelled = errors.filter((e) => !e.startsWith(`${set}.`));
    (narrowed.length ? narrowed : unlabelled.length ? unlabelled : errors).forEach((e) => reasons.add(e));
  }
  return [...reasons];
}
