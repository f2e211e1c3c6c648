/**
 * A resource a worker opens on first use and keeps (a ledger connection, a signing key). A failed
 * open is forgotten, so the next activity attempt opens again: a database that was restarting or a
 * key file mounted late must not fail the worker's every later attempt with the first error.
 */
export interface OpenOnUse<T> {
  (): Promise<T>;
  /** What has been opened or is being opened, if anything (for closing it). */
  opened(): Promise<T> | undefined;
}

export function openOnUse<T>(open: () => Promise<T>): OpenOnUse<T> {
  let current: Promise<T> | undefined;
  const get = () =>
    (current ??= open().catch((err: unknown) => {
      current = undefined;
      throw err;
    }));
  return Object.assign(get, { opened: () => current });
}
