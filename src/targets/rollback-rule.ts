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
