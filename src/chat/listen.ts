/** Why the chat hook could not listen, said with what to change (never a raw `listen EADDRINUSE`). */
export class HookListenError extends Error {
  override name = 'HookListenError';
}

export function listenProblem(err: unknown, at: { port: number; host: string }): HookListenError | undefined {
  const code = (err as NodeJS.ErrnoException).code;
  const where = `${at.host}:${at.port}`;
  const fix =
    'choose another port with --hook-port (tollgate dev), --port (tollgate hook serve) or hook.listen.port in the config';
  if (code === 'EADDRINUSE')
    return new HookListenError(
      `the chat hook cannot listen on ${where}: the port is in use (another tollgate dev or hook?); ${fix}`,
    );
  if (code === 'EACCES')
    return new HookListenError(`the chat hook may not listen on ${where} (a privileged port?); ${fix}`);
  if (code === 'EADDRNOTAVAIL')
    return new HookListenError(
      `the chat hook cannot listen on ${where}: no such address on this machine; set hook.listen.host or --host`,
    );
  return undefined;
}
