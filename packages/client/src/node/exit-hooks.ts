/**
 * How runs end when a Node process ends, so that none stays RUNNING forever:
 *
 * - `beforeExit` (the event loop ran dry): queued data is delivered and active runs end
 *   FINISHED, as MLflow's `atexit` hook does;
 * - SIGINT / SIGTERM, when nothing else listens for them: active runs end KILLED (within a few
 *   seconds), then the signal is raised again so the process ends as it would have;
 * - an uncaught exception or unhandled rejection that will end the process: active runs end
 *   FAILED;
 * - `process.exit()`: active runs end FINISHED (exit code 0) or FAILED.
 *
 * The last two happen when the event loop can no longer run, so the tracker finishes
 * synchronously there (a short child process delivers the requests). One set of process
 * listeners serves every tracker of the process.
 */

/**
 * The part of a tracker the hooks need.
 *
 * @example
 * registerExitTarget({ isIdle: () => true, finishAll: async () => {}, endAll: async () => {}, finishSync: () => {}, warn: console.warn });
 */
export interface ExitHookTarget {
  /** True when no run is active and nothing waits for delivery. */
  isIdle(): boolean;
  /** Ends active runs FINISHED and delivers queued data (the event loop still runs). */
  finishAll(): Promise<void>;
  /** Ends active runs with `status` after delivering what is queued (the event loop still runs). */
  endAll(status: 'KILLED'): Promise<void>;
  /** Delivers queued data and ends active runs with `status`, synchronously. */
  finishSync(status: 'FINISHED' | 'FAILED' | 'KILLED'): void;
  warn(message: string): void;
}

/** Longest wait for runs to end after SIGINT/SIGTERM before the signal ends the process anyway. */
const SIGNAL_GRACE_MS = 5000;

const targets = new Set<ExitHookTarget>();
const finishing = new WeakSet<ExitHookTarget>();
let signalled = false;

function onBeforeExit(): void {
  for (const target of targets) {
    if (finishing.has(target) || target.isIdle()) continue;
    finishing.add(target);
    target
      .finishAll()
      .catch((error: unknown) => target.warn(`[keel] could not finish tracking at exit: ${(error as Error).message}`))
      .finally(() => finishing.delete(target));
  }
}

function finishAllSync(status: 'FINISHED' | 'FAILED' | 'KILLED'): void {
  for (const target of targets) {
    if (target.isIdle()) continue;
    try {
      target.finishSync(status);
    } catch (error) {
      target.warn(`[keel] could not end runs at exit: ${(error as Error).message}`);
    }
  }
}

function onExit(code: number): void {
  finishAllSync(code === 0 ? 'FINISHED' : 'FAILED');
}

function onUncaught(): void {
  // Only when the process is about to die: a handler of the application's own keeps it alive.
  if (process.listenerCount('uncaughtException') === 0) finishAllSync('FAILED');
}

function onSignal(signal: NodeJS.Signals): void {
  // Someone else handles this signal (a graceful shutdown, say): the process may go on, and
  // runs still active when it ends are ended by the exit hook.
  if (process.listenerCount(signal) > 1) return;
  if (signalled) {
    // A second Ctrl-C: stop waiting.
    raise(signal);
    return;
  }
  signalled = true;
  const busy = [...targets].filter((t) => !t.isIdle());
  const ended = Promise.allSettled(busy.map((t) => t.endAll('KILLED')));
  const timeout = new Promise((resolve) => setTimeout(resolve, SIGNAL_GRACE_MS).unref());
  void Promise.race([ended, timeout]).then(() => raise(signal));
}

/** Ends the process with `signal`, as it would have ended without these hooks. */
function raise(signal: NodeJS.Signals): void {
  uninstall();
  // Runs not ended by now (the grace period ran out) end KILLED synchronously.
  finishAllSync('KILLED');
  targets.clear();
  process.kill(process.pid, signal);
}

const onInt = () => onSignal('SIGINT');
const onTerm = () => onSignal('SIGTERM');

function install(): void {
  process.on('beforeExit', onBeforeExit);
  process.on('exit', onExit);
  process.on('uncaughtExceptionMonitor', onUncaught);
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
}

function uninstall(): void {
  process.off('beforeExit', onBeforeExit);
  process.off('exit', onExit);
  process.off('uncaughtExceptionMonitor', onUncaught);
  process.off('SIGINT', onInt);
  process.off('SIGTERM', onTerm);
}

/**
 * Registers a tracker with the process hooks; returns a function that unregisters it (the
 * hooks go away with the last tracker).
 *
 * @example
 * const remove = registerExitTarget(target);
 * remove();
 */
export function registerExitTarget(target: ExitHookTarget): () => void {
  if (targets.size === 0) {
    signalled = false;
    install();
  }
  targets.add(target);
  return () => {
    if (!targets.delete(target)) return;
    if (targets.size === 0) uninstall();
  };
}
