/**
 * Delivering the last requests of a process synchronously, for the moments when the event loop
 * can no longer run (`process.exit()`, an uncaught exception): a short child process (the exit
 * worker) receives the requests as JSON on stdin, sends them with the same client settings, and
 * answers which ones it could not deliver. Config travels on stdin, never through the environment.
 */
import { spawnSync } from 'node:child_process';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunStatus } from '@keel/contract';

/**
 * Everything the exit worker needs: how to reach the store, encoded `runs/log-batch` bodies,
 * and the runs to end.
 *
 * @example
 * finishSynchronously({ client: { trackingUri, headers: {}, insecureTls: false, cwd }, batches: [], runs: [{ run_id, status: 'FAILED', end_time: Date.now() }] });
 */
export interface SyncFinishRequest {
  readonly client: {
    readonly trackingUri: string;
    readonly headers: Readonly<Record<string, string>>;
    readonly insecureTls: boolean;
    readonly serverCertPath?: string;
    readonly clientCertPath?: string;
    readonly cwd: string;
  };
  readonly batches: readonly string[];
  readonly runs: readonly { readonly run_id: string; readonly status: RunStatus; readonly end_time: number }[];
}

/**
 * What the worker reports back: the indexes of batches it could not deliver, the runs it
 * ended, and the first error it met.
 *
 * @example
 * const { undelivered, endedRuns, error } = finishSynchronously(request);
 */
export interface SyncFinishResult {
  readonly undelivered: readonly number[];
  readonly endedRuns: readonly string[];
  readonly error?: string;
}

/** A safety net: the worker stops trying after 15 s of its own; this only guards against a hang. */
const WORKER_TIMEOUT_MS = 60_000;

/** Node flags the worker needs to load the same code as this process (loaders, export conditions). */
function loaderArgs(execArgv: readonly string[]): string[] {
  const out: string[] = [];
  const withValue = ['--import', '--require', '-r', '--loader', '--experimental-loader', '--conditions', '-C'];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i] as string;
    if (withValue.includes(arg) && i + 1 < execArgv.length) out.push(arg, execArgv[++i] as string);
    else if (withValue.some((flag) => arg.startsWith(`${flag}=`))) out.push(arg);
  }
  return out;
}

/**
 * Sends the requests from a child process and waits for it (synchronously).
 *
 * @example
 * const result = finishSynchronously(request);
 */
export function finishSynchronously(request: SyncFinishRequest): SyncFinishResult {
  // The worker sits next to this file: `.js` when built, `.ts` when run from source.
  const worker = fileURLToPath(new URL(`./exit-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url));
  const child = spawnSync(process.execPath, [...loaderArgs(process.execArgv), worker], {
    input: JSON.stringify(request),
    encoding: 'utf8',
    timeout: WORKER_TIMEOUT_MS,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const all = request.batches.map((_, i) => i);
  if (child.error !== undefined) return { undelivered: all, endedRuns: [], error: child.error.message };
  try {
    return JSON.parse(child.stdout) as SyncFinishResult;
  } catch {
    const reason = child.stderr.trim().split('\n').pop() ?? `exit code ${child.status}`;
    return { undelivered: all, endedRuns: [], error: reason };
  }
}
