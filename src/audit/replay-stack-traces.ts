/**
 * Replay without the SDK's per-promise stack capture.
 *
 * The SDK keeps a stack trace for every promise a workflow makes. It installs a promise hook
 * that compiles a Function and captures an Error for each one, so that a live workflow can answer
 * the `__stack_trace` query (the Temporal UI's "Stack Trace" tab). A replay answers no queries:
 * an audit needs the commands the code makes, not where it waits, and the hook was most of the
 * cost of a replay (figures in BENCHMARKS.md, audit).
 *
 * The hook belongs to the SDK's `globalHandlers`, which installs it with the first workflow
 * context of the process or thread and never again. Installing them here first and then stopping
 * only the promise hook keeps the rest (the mapping of stack traces in workflow errors). Each
 * workflow created afterwards is told that stack traces are off. The SDK version is pinned in
 * package.json; `test/audit/replay.test.ts` proves that replay still finds nondeterminism with
 * the hook stopped.
 */
import { globalHandlers } from '@temporalio/worker/lib/workflow/vm-shared.js';

/** The members used here; `stopPromiseHook` is private in the SDK's typings. */
interface Handlers {
  install(): void;
  promiseHookInstalled: boolean;
  stopPromiseHook(): void;
}

/**
 * Stops stack capture for the workflows created in this thread from now on. Call it only where
 * workflows are replayed, never in a live worker's workflow thread (debug mode): its workflows
 * could no longer answer the stack-trace query. A live worker's workflows normally run in a
 * thread of their own, with handlers of their own.
 */
export function stopStackTraceCapture(): void {
  const handlers = globalHandlers as unknown as Handlers;
  handlers.install(); // idempotent: the SDK's own call later does nothing
  if (!handlers.promiseHookInstalled) return;
  handlers.stopPromiseHook();
  handlers.promiseHookInstalled = false;
}
