/**
 * The cache of created environments: a directory per content hash, a marker file written once
 * the environment is complete (a half-made one is never reused), and a lock file so that two
 * runs preparing the same environment at once create it once.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const READY_MARKER = '.keel-env-ready';

/** A short, stable hash of an environment description. */
export function contentHash(description: unknown): string {
  return createHash('sha1').update(JSON.stringify(description)).digest('hex');
}

/** Whether `dir` holds a complete environment. */
export function isEnvReady(dir: string): boolean {
  return existsSync(join(dir, READY_MARKER));
}

/** Marks `dir` complete, recording what it was made from. */
export async function markEnvReady(dir: string, description: unknown): Promise<void> {
  await writeFile(join(dir, READY_MARKER), `${JSON.stringify(description, null, 2)}\n`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs `task` holding the lock file `lockPath` (created exclusively, holding our PID). A lock
 * whose holder has died is taken over; a live holder is waited for, with `onWait` told once.
 */
export async function withEnvLock<T>(
  lockPath: string,
  onWait: () => void,
  task: () => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  await mkdir(dirname(lockPath), { recursive: true });
  let told = false;
  let emptySince: number | undefined;
  for (;;) {
    signal?.throwIfAborted();
    try {
      const handle = await open(lockPath, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number((await readFile(lockPath, 'utf8').catch(() => '')).trim());
      if (!Number.isInteger(holder) || holder <= 0) {
        // Being written right now, or left empty by a process that died between create and write.
        emptySince ??= Date.now();
        if (Date.now() - emptySince > 5000) await rm(lockPath, { force: true });
        await sleep(50);
        continue;
      }
      emptySince = undefined;
      if (!isAlive(holder)) {
        await rm(lockPath, { force: true });
        continue;
      }
      if (!told) {
        onWait();
        told = true;
      }
      await sleep(250);
    }
  }
  try {
    return await task();
  } finally {
    await rm(lockPath, { force: true });
  }
}
