/**
 * Evidence bundles: `audit export` writes a tar.gz with the ledger slice (chains, seals,
 * archived histories and the archive index, in the file store's layout), the Merkle log's
 * checkpoint with inclusion proofs of every bundled record and seal (bundle-log.ts), rendered
 * reports, the ledger public key and a manifest of sha256 hashes; `audit verify --bundle` checks
 * it offline, against a checkpoint the auditor received separately when one is given.
 */
import type { KeyObject } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import type { Logger } from '../logging/logger.js';
import { fileLayout } from '../ledger/file-layout.js';
import { openFileLedger } from '../ledger/file-store.js';
import type { EvidenceBlobStore } from '../ledger/blob-store.js';
import type { ChainSeal, Ledger } from '../ledger/ledger.js';
import { sha256Hex } from '../ledger/record.js';
import { ledgerKeyId, publicKeyFromText, rawKeyBytes } from '../ledger/seal.js';
import { evidenceBlobs } from './bundle-evidence.js';
import {
  BUNDLE_CHECKPOINT,
  BUNDLE_CONSISTENCY,
  BUNDLE_PROOFS,
  bundleLogFiles,
  verifyBundleLog,
  type BundleLogVerification,
} from './bundle-log.js';
import { crossCheck, type CrossCheck } from './cross-check.js';
import { evidenceFromHistory, parseHistoryJson } from './history.js';
import { listPromotions } from './list.js';
import { promotionReport } from './report/build.js';
import { renderReport } from './report/render.js';
import { verifyLedger, type LedgerVerification } from './verify.js';

export const BUNDLE_FORMAT = 'tollgate-evidence-bundle/1';
const MANIFEST = 'manifest.json';
const PUBLIC_KEY = 'ledger-public-key.txt';

export interface BundleManifest {
  format: typeof BUNDLE_FORMAT;
  createdAt: string;
  since: string;
  promotions: string[];
  /** Relative path → sha256 of every file in the bundle except the manifest. */
  files: Record<string, string>;
}

export function publicKeyText(key: KeyObject): string {
  return `ed25519:${rawKeyBytes(key).toString('base64')}`;
}

async function writeInto(
  root: string,
  relative: string,
  content: string | Buffer,
  files: Record<string, string>,
): Promise<void> {
  const full = path.join(root, relative);
  await mkdir(path.dirname(full), { recursive: true });
  await writeFile(full, content);
  files[relative.split(path.sep).join('/')] = sha256Hex(
    typeof content === 'string' ? Buffer.from(content) : content,
  );
}

export async function exportBundle(
  ledger: Ledger,
  opts: { since: string; out: string; publicKey?: KeyObject; blobs?: Pick<EvidenceBlobStore, 'get'> },
): Promise<{ promotions: number; files: number; out: string }> {
  const promotions = await listPromotions(ledger, { since: opts.since });
  const root = await mkdtemp(path.join(tmpdir(), 'tollgate-bundle-'));
  try {
    const files: Record<string, string> = {};
    const rel = (absolute: string) => path.relative(root, absolute);
    const ledgerDir = path.join(root, 'ledger');
    const indexLines: string[] = [];
    const bundled: string[] = [];
    for (const { promotionId } of promotions) {
      for (const chainId of [promotionId, `security:${promotionId}`]) {
        const raw = await ledger.readRaw(chainId);
        if (raw.length === 0) continue;
        bundled.push(chainId);
        // The stored text itself, never re-serialized: the bundle must carry the same bytes the store holds.
        await writeInto(root, rel(fileLayout.chainFile(ledgerDir, chainId)), `${raw.join('\n')}\n`, files);
        const seal = await ledger.getSeal(chainId);
        if (seal)
          await writeInto(
            root,
            rel(fileLayout.sealFile(ledgerDir, chainId)),
            `${JSON.stringify(seal)}\n`,
            files,
          );
      }
      for (const entry of await ledger.listArtifacts(promotionId)) {
        const content = await ledger.getArtifact(promotionId, entry.name);
        if (content)
          await writeInto(
            root,
            rel(fileLayout.artifactFile(ledgerDir, promotionId, entry.name)),
            content,
            files,
          );
        indexLines.push(JSON.stringify(entry));
      }
      if (opts.blobs)
        for (const blob of await evidenceBlobs(ledger, opts.blobs, promotionId, ledgerDir))
          await writeInto(root, rel(blob.file), blob.content, files);
      const report = await promotionReport(ledger, promotionId, { publicKey: opts.publicKey });
      for (const format of ['md', 'html', 'json'] as const) {
        await writeInto(
          root,
          path.join('reports', `${encodeURIComponent(promotionId)}.${format}`),
          renderReport(report, format),
          files,
        );
      }
    }
    if (indexLines.length)
      await writeInto(root, rel(fileLayout.artifactIndex(ledgerDir)), `${indexLines.join('\n')}\n`, files);
    const logFiles = opts.publicKey ? await bundleLogFiles(ledger, bundled, opts.publicKey) : undefined;
    if (logFiles) {
      await writeInto(root, BUNDLE_CHECKPOINT, logFiles.checkpoint, files);
      await writeInto(root, BUNDLE_PROOFS, logFiles.proofs, files);
      await writeInto(root, BUNDLE_CONSISTENCY, logFiles.consistency, files);
    }
    if (opts.publicKey) await writeInto(root, PUBLIC_KEY, `${publicKeyText(opts.publicKey)}\n`, files);
    const manifest: BundleManifest = {
      format: BUNDLE_FORMAT,
      createdAt: new Date().toISOString(),
      since: opts.since,
      promotions: promotions.map((p) => p.promotionId),
      files,
    };
    await writeFile(path.join(root, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    await mkdir(path.dirname(path.resolve(opts.out)), { recursive: true });
    await tar.create({ gzip: true, file: opts.out, cwd: root, portable: true }, [
      MANIFEST,
      ...Object.keys(files).sort(),
    ]);
    return { promotions: promotions.length, files: Object.keys(files).length + 1, out: opts.out };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

export interface BundleVerification {
  ok: boolean;
  /** Missing, unlisted or changed files against the manifest. */
  manifestProblems: string[];
  /** Where the trusted key came from: the caller (pinned) or the bundle itself (self-asserted). */
  key: { source: 'pinned' | 'bundle' | 'none'; keyId?: string };
  ledger?: LedgerVerification;
  /** The bundle's records and seals proven in the ledger's signed Merkle log. */
  log?: BundleLogVerification;
  crossChecks: CrossCheck[];
  promotions: string[];
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((e) =>
      e.isDirectory()
        ? listFiles(path.join(dir, e.name), `${prefix}${e.name}/`)
        : Promise.resolve([`${prefix}${e.name}`]),
    ),
  );
  return nested.flat();
}

export async function verifyBundle(
  file: string,
  opts: { publicKey?: KeyObject; logger: Logger; checkpoint?: string },
): Promise<BundleVerification> {
  const root = await mkdtemp(path.join(tmpdir(), 'tollgate-verify-'));
  try {
    try {
      await tar.extract({ file, cwd: root, strict: true });
    } catch (err) {
      throw new Error(
        `${file}: not a readable evidence bundle (${(err as Error).message}); create one with \`tollgate audit export\``,
      );
    }
    let manifest: Omit<BundleManifest, 'format'> & { format: unknown };
    try {
      manifest = JSON.parse(await readFile(path.join(root, MANIFEST), 'utf8')) as BundleManifest & {
        format: unknown;
      };
    } catch {
      throw new Error(
        `${file}: has no readable ${MANIFEST}; not an evidence bundle made by \`tollgate audit export\``,
      );
    }
    if (manifest.format !== BUNDLE_FORMAT)
      throw new Error(`${file}: manifest format ${String(manifest.format)} is not ${BUNDLE_FORMAT}`);

    const manifestProblems: string[] = [];
    const present = (await listFiles(root)).filter((f) => f !== MANIFEST);
    for (const f of present)
      if (!(f in manifest.files)) manifestProblems.push(`${f}: in the bundle but not in the manifest`);
    for (const [f, sha] of Object.entries(manifest.files)) {
      const content = await readFile(path.join(root, f)).catch(() => undefined);
      if (!content) manifestProblems.push(`${f}: listed in the manifest but missing`);
      else if (sha256Hex(content) !== sha) manifestProblems.push(`${f}: sha256 differs from the manifest`);
    }

    const bundledKeyText = await readFile(path.join(root, PUBLIC_KEY), 'utf8').catch(() => undefined);
    const publicKey = opts.publicKey ?? (bundledKeyText ? publicKeyFromText(bundledKeyText) : undefined);
    const key = {
      source: opts.publicKey ? ('pinned' as const) : publicKey ? ('bundle' as const) : ('none' as const),
      ...(publicKey ? { keyId: ledgerKeyId(rawKeyBytes(publicKey)) } : {}),
    };

    const ledger = await openFileLedger(path.join(root, 'ledger'), opts.logger, { readOnly: true });
    try {
      // The bundle holds a slice of the ledger, not its log: its proofs are checked instead.
      const verification = await verifyLedger(ledger, { publicKey, log: false });
      const chains = new Map<string, { raw: string[]; seal?: ChainSeal }>();
      for (const { chainId } of await ledger.listChains()) {
        const seal = await ledger.getSeal(chainId);
        chains.set(chainId, { raw: await ledger.readRaw(chainId), ...(seal ? { seal } : {}) });
      }
      const read = (f: string) => readFile(path.join(root, f), 'utf8').catch(() => undefined);
      const [checkpoint, proofs, consistency] = await Promise.all(
        [BUNDLE_CHECKPOINT, BUNDLE_PROOFS, BUNDLE_CONSISTENCY].map(read),
      );
      const log = publicKey
        ? verifyBundleLog({ checkpoint, proofs, consistency }, chains, publicKey, opts.checkpoint)
        : undefined;
      const evidence = [];
      for (const entry of await ledger.listArtifacts()) {
        const content = await ledger.getArtifact(entry.promotionId, entry.name);
        if (content && entry.name.startsWith('history-'))
          evidence.push(...evidenceFromHistory(parseHistoryJson(content.toString('utf8'), entry.name)));
      }
      const crossChecks = await crossCheck(ledger, evidence);
      return {
        ok:
          manifestProblems.length === 0 &&
          verification.ok &&
          (log?.ok ?? true) &&
          crossChecks.every((c) => c.ok),
        manifestProblems,
        key,
        ledger: verification,
        ...(log ? { log } : {}),
        crossChecks,
        promotions: manifest.promotions,
      };
    } finally {
      await ledger.close();
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
