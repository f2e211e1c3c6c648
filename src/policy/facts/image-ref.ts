/** Container image references as Docker/OCI tools read them: `[registry/]path[:tag][@sha256:…]`. */
export interface ImageRef {
  ref: string;
  /** e.g. `registry.example.com`, `docker.io` for bare names. */
  registry: string;
  /** registry + path, without tag or digest, e.g. `docker.io/library/nginx`. */
  repository: string;
  tag: string | null;
  digest: string | null;
}

export function parseImageRef(ref: string): ImageRef {
  const [namePart = '', digest] = ref.split('@', 2);
  const lastSlash = namePart.lastIndexOf('/');
  const lastColon = namePart.lastIndexOf(':');
  const name = lastColon > lastSlash ? namePart.slice(0, lastColon) : namePart;
  const tag = lastColon > lastSlash ? namePart.slice(lastColon + 1) : null;
  const first = name.split('/')[0] ?? '';
  // Docker's rule: the first component is a registry only if it looks like a host.
  const hasRegistry =
    name.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  const registry = hasRegistry ? first : 'docker.io';
  const path = hasRegistry ? name.slice(first.length + 1) : name.includes('/') ? name : `library/${name}`;
  return { ref, registry, repository: `${registry}/${path}`, tag, digest: digest ?? null };
}

/** Pinned = addressed by an immutable sha256 digest; a tag alone (`:latest`, `:1.2`) can move. */
export function isDigestPinned(ref: ImageRef): boolean {
  return ref.digest !== null && /^sha256:[0-9a-f]{64}$/.test(ref.digest);
}

/**
 * Allow-list entries match a whole registry (`registry.example.com`) or a repository prefix at a
 * path boundary (`ghcr.io/acme` allows `ghcr.io/acme/api`, not `ghcr.io/acme-evil/api`).
 */
export function matchesAllowList(repository: string, allowList: string[]): boolean {
  return allowList.some((entry) => {
    const e = entry.replace(/\/+$/, '');
    return repository === e || repository.startsWith(`${e}/`);
  });
}
