/**
 * `tollgate ledger backup` and `tollgate ledger restore`, through the ledger's public interface
 * only, so they work the same for every store (file, PostgreSQL) and survive changes to how a
 * store keeps its records.
 *
 * A backup is a directory: `backup.json` (LedgerBackupManifest), each chain's records exactly as
 * stored (`chains/NNNNNN.jsonl`) and each archived artifact (`artifacts/NNNNNN`). Each chain is
 * read as one consistent prefix — the chain is append-only, so what was read is what was there —
 * and the manifest records its length, head hash and seal. Records appended while the backup runs
 * belong to the next one.
 *
 * A restore writes into an empty store only: appending a backup to a ledger that already holds
 * evidence would interleave two histories. Every chain is verified (hashes, links, seal) and
 * every artifact's sha256 checked before the first write; then each record is appended again and
 * must come back with the hash it had, and seals and artifacts (with attestations) follow.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { EvidenceRecord } from '../domain/evidence.js';
import { LedgerBackupManifest } from '../domain/ledger-backup.js';
import type { Ledger } from '../ledger/ledger.js';
import { verifyChain } from '../ledger/verify.js';
import { firstIssue } from '../domain/zod-issue.js';

export class BackupError extends Error {
  override name = 'BackupError';
}

const MANIFEST = 'backup.json';
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const numbered = (i: number) => String(i).padStart(6, '0');
/** Unreadable JSON fails the schema check that follows, with the file named there. */
const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

export interface BackupSummary {
  dir: string;
  createdAt: string;
  chains: number;
  records: number;
  artifacts: number;
}

export async function backupLedger(
  ledger: Ledger,
  dir: string,
  opts: { source: 'file' | 'postgres'; now?: Date },
): Promise<BackupSummary> {
  const existing = await readdir(dir).catch(() => []);
  if (existing.length > 0)
    throw new BackupError(`${dir} is not empty: back up into a new or empty directory`);
  await mkdir(path.join(dir, 'chains'), { recursive: true });
  await mkdir(path.join(dir, 'artifacts'), { recursive: true });
  const createdAt = (opts.now ?? new Date()).toISOString();

  const chains: LedgerBackupManifest['chains'] = [];
  let records = 0;
  for (const [i, summary] of (await ledger.listChains()).entries()) {
    const raw = await ledger.readRaw(summary.chainId);
    const file = `chains/${numbered(i)}.jsonl`;
    await writeFile(path.join(dir, file), raw.map((line) => `${line}\n`).join(''));
    const head = raw.length ? EvidenceRecord.parse(JSON.parse(raw.at(-1)!)) : undefined;
    const seal = await ledger.getSeal(summary.chainId);
    chains.push({
      chainId: summary.chainId,
      file,
      length: raw.length,
      headHash: head?.hash ?? '',
      ...(seal && seal.seq < raw.length ? { seal } : {}),
    });
    records += raw.length;
  }

  const artifacts: LedgerBackupManifest['artifacts'] = [];
  for (const [i, entry] of (await ledger.listArtifacts()).entries()) {
    const content = await ledger.getArtifact(entry.promotionId, entry.name);
    if (!content)
      throw new BackupError(
        `artifact ${entry.name} of ${entry.promotionId} is listed but missing: run \`tollgate audit verify\``,
      );
    const file = `artifacts/${numbered(i)}`;
    await writeFile(path.join(dir, file), content);
    artifacts.push({
      promotionId: entry.promotionId,
      name: entry.name,
      file,
      sha256: sha256(content),
      ...(entry.keyId && entry.signature ? { keyId: entry.keyId, signature: entry.signature } : {}),
    });
  }

  const manifest: LedgerBackupManifest = {
    format: 'tollgate-ledger-backup/v1',
    createdAt,
    source: opts.source,
    chains,
    artifacts,
  };
  await writeFile(path.join(dir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  return { dir, createdAt, chains: chains.length, records, artifacts: artifacts.length };
}

export async function readBackupManifest(dir: string): Promise<LedgerBackupManifest> {
  let text: string;
  try {
    text = await readFile(path.join(dir, MANIFEST), 'utf8');
  } catch {
    throw new BackupError(`${dir} holds no ${MANIFEST}: give the directory \`tollgate ledger backup\` wrote`);
  }
  const parsed = LedgerBackupManifest.safeParse(parseJson(text));
  if (!parsed.success) {
    throw new BackupError(`${path.join(dir, MANIFEST)}: ${firstIssue(parsed.error)}`);
  }
  return parsed.data;
}

export async function restoreLedger(ledger: Ledger, dir: string): Promise<BackupSummary> {
  const manifest = await readBackupManifest(dir);
  const [held, archived] = await Promise.all([ledger.listChains(), ledger.listArtifacts()]);
  if (held.length > 0 || archived.length > 0)
    throw new BackupError(
      `the target ledger is not empty (${held.length} chains, ${archived.length} artifacts): restore only into an empty store`,
    );

  // Everything is checked against the manifest before the first write.
  const chains = [];
  for (const c of manifest.chains) {
    const lines = (await readFile(path.join(dir, c.file), 'utf8')).split('\n').filter(Boolean);
    const records = lines.map((line, seq) => {
      const parsed = EvidenceRecord.safeParse(parseJson(line));
      if (!parsed.success || parsed.data.seq !== seq || parsed.data.chainId !== c.chainId)
        throw new BackupError(`${c.file} line ${seq + 1} is not record ${seq} of chain ${c.chainId}`);
      return parsed.data;
    });
    const verified = verifyChain(c.chainId, lines, c.seal);
    if (!verified.ok)
      throw new BackupError(`${c.file}: chain ${c.chainId} does not verify: ${verified.problems.join('; ')}`);
    if (records.length !== c.length || (records.at(-1)?.hash ?? '') !== c.headHash)
      throw new BackupError(
        `${c.file} does not match backup.json (chain ${c.chainId}: ${records.length} records, expected ${c.length} ending in ${c.headHash.slice(0, 12)}…)`,
      );
    chains.push({ ...c, records });
  }
  const artifacts = [];
  for (const a of manifest.artifacts) {
    const content = await readFile(path.join(dir, a.file));
    if (sha256(content) !== a.sha256)
      throw new BackupError(`${a.file} (${a.name} of ${a.promotionId}) has changed since the backup`);
    artifacts.push({ ...a, content });
  }

  let records = 0;
  for (const c of chains) {
    for (const r of c.records) {
      const { prevHash, hash, ...input } = r;
      const stored = await ledger.append(input);
      if (stored.hash !== hash || stored.prevHash !== prevHash)
        throw new BackupError(
          `chain ${c.chainId} record ${r.seq} restored with another hash: the stores disagree`,
        );
      records++;
    }
    if (c.seal) await ledger.seal(c.seal);
  }
  for (const a of artifacts)
    await ledger.putArtifact(
      a.promotionId,
      a.name,
      a.content,
      a.keyId && a.signature ? { keyId: a.keyId, signature: a.signature } : undefined,
    );
  // The restored records form the new store's own Merkle log: a store holding the ledger key signs
  // a checkpoint over all of it, so verification finds the log covered.
  await ledger.checkpoint();
  return {
    dir,
    createdAt: manifest.createdAt,
    chains: chains.length,
    records,
    artifacts: artifacts.length,
  };
}
