/**
 * Which version a rollback restores when the caller names none: during a canary, the stable
 * version beside it (the canary never took over); otherwise the version that was stable before
 * the last promotion or replacement. Undefined when there is nothing to go back to.
 */
export function versionToRestore(
  state: { stable?: string; canary?: string; previousStable?: string },
  toVersion?: string,
): string | undefined {
  return toVersion ?? (state.canary ? state.stable : state.previousStable);
}

/** The same rule over a target's serving state as activities report it. */
export function versionToRestoreFrom(
  serving: { stable?: { version: string }; canary?: { version: string }; previousStable?: string },
  toVersion?: string,
): string | undefined {
  return versionToRestore(
    {
      ...(serving.stable ? { stable: serving.stable.version } : {}),
      ...(serving.canary ? { canary: serving.canary.version } : {}),
      ...(serving.previousStable ? { previousStable: serving.previousStable } : {}),
    },
    toVersion,
  );
}
