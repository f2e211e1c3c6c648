import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { TargetError, type DeployRequest } from './target.js';

type DeployArtifact = DeployRequest['artifacts'][number];

/** What a target learnt about one artifact's bytes; kept in its operation log. */
export type ArtifactCheck =
  | { name: string; ref: string; checked: ('sha256' | 'sha512')[] }
  | { name: string; ref: string; unchecked: string };

/**
 * Checks the bytes of every artifact this machine can read against the digests the release pins,
 * before anything is deployed: an approval covers the release digest, and so the artifacts' digests,
 * not whatever file happens to sit at the ref. A ref is read when it is a `file:` URL (which must
 * exist) or a path to a regular file, relative to the worker's working directory like the target's
 * command; registry references and directories are not bytes the target can hash, and are listed
 * as unchecked. A mismatch is a permanent refusal naming the artifact and both digests.
 */
export async function checkArtifactBytes(
  artifacts: DeployArtifact[],
  cwd: string = process.cwd(),
): Promise<ArtifactCheck[]> {
  const results: ArtifactCheck[] = [];
  for (const artifact of artifacts) results.push(await checkOne(artifact, cwd));
  return results;
}

async function checkOne(artifact: DeployArtifact, cwd: string): Promise<ArtifactCheck> {
  const { name, ref } = artifact;
  const isUrl = ref.startsWith('file:');
  const file = isUrl ? fileURLToPath(ref) : path.resolve(cwd, ref);
  const kind = await stat(file).then(
    (s) => (s.isFile() ? 'file' : 'other'),
    (err: NodeJS.ErrnoException) => {
      if (isUrl)
        throw new TargetError(
          `artifact ${name}: ${ref} cannot be read (${err.code ?? err.message}); put the artifact there or fix the ref in the release`,
          false,
        );
      return 'missing';
    },
  );
  if (kind !== 'file')
    return { name, ref, unchecked: kind === 'missing' ? 'not a file on this machine' : 'not a regular file' };

  const wanted = [
    { algorithm: 'sha256' as const, digest: artifact.digest },
    ...(artifact.sha512 ? [{ algorithm: 'sha512' as const, digest: artifact.sha512 }] : []),
  ];
  const actual = await hashFile(
    file,
    wanted.map((w) => w.algorithm),
  );
  for (const { algorithm, digest } of wanted) {
    const got = `${algorithm}:${actual.get(algorithm)}`;
    if (got !== digest.toLowerCase())
      throw new TargetError(
        `artifact ${name} (${ref}) does not match the release: its ${algorithm} is ${got}, the release pins ${digest}; deploy the bytes the release names, or release these bytes under their own digest`,
        false,
      );
  }
  return { name, ref, checked: wanted.map((w) => w.algorithm) };
}

async function hashFile(file: string, algorithms: ('sha256' | 'sha512')[]): Promise<Map<string, string>> {
  const hashes = algorithms.map((a) => [a, createHash(a)] as const);
  await pipeline(createReadStream(file), async (chunks: AsyncIterable<Buffer>) => {
    for await (const chunk of chunks) for (const [, h] of hashes) h.update(chunk);
  });
  return new Map(hashes.map(([a, h]) => [a, h.digest('hex')]));
}
