/**
 * What happens to pending data when a Node process ends. On `beforeExit` (the event loop ran
 * dry) the tracker delivers what is queued and ends its active runs FINISHED, as MLflow's
 * `atexit` hook does. On `exit` nothing asynchronous can run any more (e.g. after
 * `process.exit()`), so undelivered data is reported on stderr, synchronously, instead of
 * vanishing silently.
 */

/**
 * The part of a tracker the hooks need.
 *
 * @example
 * installExitHooks({ pendingCount: () => 0, activeRunIds: () => [], finishAll: async () => {}, warn: console.warn });
 */
export interface ExitHookTarget {
  /** Items queued or in flight. */
  pendingCount(): number;
  /** IDs of runs still active. */
  activeRunIds(): readonly string[];
  /** Ends active runs and delivers queued data. */
  finishAll(): Promise<void>;
  warn(message: string): void;
}

/**
 * Installs the hooks; returns a function that removes them.
 *
 * @example
 * const remove = installExitHooks(target);
 * remove();
 */
export function installExitHooks(target: ExitHookTarget): () => void {
  let finishing = false;
  const onBeforeExit = () => {
    if (finishing || (target.pendingCount() === 0 && target.activeRunIds().length === 0)) return;
    finishing = true;
    target
      .finishAll()
      .catch((error: unknown) => target.warn(`[keel] could not finish tracking at exit: ${(error as Error).message}`))
      .finally(() => {
        finishing = false;
      });
  };
  const onExit = () => {
    const pending = target.pendingCount();
    const runs = target.activeRunIds();
    if (pending > 0) {
      process.stderr.write(
        `[keel] warning: the process exited with ${pending} metric/param/tag value(s) not delivered; await tracker.flush() or end the run before process.exit().\n`,
      );
    }
    if (runs.length > 0) process.stderr.write(`[keel] warning: run(s) ${runs.join(', ')} left RUNNING at exit.\n`);
  };
  process.on('beforeExit', onBeforeExit);
  process.on('exit', onExit);
  return () => {
    process.off('beforeExit', onBeforeExit);
    process.off('exit', onExit);
  };
}
