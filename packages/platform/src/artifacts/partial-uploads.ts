/**
 * Clean-up of interrupted uploads. A local write streams into a `.keel-partial-<hex>` file next
 * to its target and renames it when complete; a crash, a killed process or a power cut in
 * between leaves the temporary file behind. The sweeper removes such files on start and then
 * periodically, but only once they have not been written to for a while: a live upload touches
 * its file with every chunk, so it is never taken for an abandoned one (not even one written by
 * another server process sharing the directory).
 */
import type { Dirent } from 'node:fs';
import { lstat, opendir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PARTIAL_NAME } from './local-artifact-repository.js';

/** A temporary file untouched this long belongs to an upload that will never finish. */
export const DEFAULT_PARTIAL_MAX_AGE_MS = 60 * 60 * 1000;
/** How often the directories are swept after the first sweep at start. */
export const DEFAULT_SWEEP_INTERVAL_MS = 15 * 60 * 1000;

export interface PartialUploadSweepOptions {
  /** Files last modified longer ago than this are removed (default one hour). */
  readonly maxAgeMs?: number;
  /** The current time, in ms since the epoch (tests pass their own). */
  readonly now?: number;
}

/**
 * Removes abandoned `.keel-partial-*` files anywhere below `root` and resolves with how many
 * were removed. Symbolic links are not followed; a missing root is simply empty.
 *
 * @example
 * const removed = await removeStalePartialUploads('/srv/mlartifacts', { maxAgeMs: 3_600_000 });
 */
export async function removeStalePartialUploads(
  root: string,
  options: PartialUploadSweepOptions = {},
): Promise<number> {
  const cutoff = (options.now ?? Date.now()) - (options.maxAgeMs ?? DEFAULT_PARTIAL_MAX_AGE_MS);
  let removed = 0;
  // Depth-first with an explicit stack: artifact trees can be deep, and recursion is not needed.
  const pending = [root];
  while (pending.length > 0) {
    const directory = pending.pop() as string;
    let entries: AsyncIterable<Dirent>;
    try {
      entries = await opendir(directory);
    } catch {
      continue; // gone, or not a directory any more: nothing to sweep there
    }
    try {
      for await (const entry of entries) {
        const path = join(directory, entry.name);
        if (entry.isDirectory()) pending.push(path);
        else if (entry.isFile() && PARTIAL_NAME.test(entry.name) && (await isOlderThan(path, cutoff))) {
          await rm(path, { force: true });
          removed++;
        }
      }
    } catch {
      // The directory changed while being read; the next sweep gets the rest.
    }
  }
  return removed;
}

async function isOlderThan(path: string, cutoff: number): Promise<boolean> {
  try {
    return (await lstat(path)).mtimeMs < cutoff;
  } catch {
    return false;
  }
}

/** A running sweeper; `stop()` cancels the timer and waits for a sweep in progress. */
export interface PartialUploadSweeper {
  /** Resolves when the sweep started at construction has finished. */
  readonly firstSweep: Promise<void>;
  stop(): Promise<void>;
}

export interface PartialUploadSweeperOptions {
  readonly maxAgeMs?: number;
  readonly intervalMs?: number;
  /** Told how many files each sweep removed (only when it removed some), or why it failed. */
  readonly onSweep?: (root: string, removed: number) => void;
  readonly onError?: (root: string, error: unknown) => void;
}

/**
 * Sweeps `roots` now and then every `intervalMs`. The timer does not keep the process alive.
 *
 * @example
 * const sweeper = startPartialUploadSweeper(['/srv/mlartifacts']);
 * // ... on shutdown:
 * await sweeper.stop();
 */
export function startPartialUploadSweeper(
  roots: readonly string[],
  options: PartialUploadSweeperOptions = {},
): PartialUploadSweeper {
  let running: Promise<void> = Promise.resolve();
  const sweep = (): Promise<void> => {
    running = running.then(async () => {
      for (const root of roots) {
        try {
          const removed = await removeStalePartialUploads(root, { maxAgeMs: options.maxAgeMs });
          if (removed > 0) options.onSweep?.(root, removed);
        } catch (error) {
          options.onError?.(root, error);
        }
      }
    });
    return running;
  };
  const firstSweep = sweep();
  const timer = setInterval(() => void sweep(), options.intervalMs ?? DEFAULT_SWEEP_INTERVAL_MS);
  timer.unref();
  return {
    firstSweep,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
