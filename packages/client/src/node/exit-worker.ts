/**
 * The exit worker: run as a child process by `finishSynchronously`. Reads a `SyncFinishRequest`
 * on stdin, delivers the batches and ends the runs with a client built from the same settings,
 * and prints a `SyncFinishResult` on stdout.
 */
import { readFileSync } from 'node:fs';
import { tracking } from '@keel/contract';
import { createClient } from './node-client.js';
import type { SyncFinishRequest, SyncFinishResult } from './sync-finish.js';

const request = JSON.parse(readFileSync(0, 'utf8')) as SyncFinishRequest;
const { client: settings } = request;
const client = createClient({
  trackingUri: settings.trackingUri,
  headers: settings.headers,
  insecureTls: settings.insecureTls,
  ...(settings.serverCertPath === undefined ? {} : { serverCertPath: settings.serverCertPath }),
  ...(settings.clientCertPath === undefined ? {} : { clientCertPath: settings.clientCertPath }),
  // A few quick attempts: the process is ending and someone is waiting for it.
  requestTimeoutMs: 5000,
  retry: { maxRetries: 2, backoffFactorMs: 200, backoffJitterMs: 0 },
  env: {},
  cwd: settings.cwd,
});
const undelivered: number[] = [];
const endedRuns: string[] = [];
let error: string | undefined;
// Past this point nothing more is tried: the process must end, and what is left is kept on disk.
const deadline = Date.now() + 15_000;
// Runs end first: a run left RUNNING is worse than a value kept in a file. (Values may still be
// logged to an ended run.)
for (const run of request.runs) {
  if (Date.now() > deadline) break;
  try {
    await client.updateRun(run);
    endedRuns.push(run.run_id);
  } catch (e) {
    error ??= (e as Error).message;
  }
}
for (const [index, body] of request.batches.entries()) {
  try {
    if (Date.now() > deadline) throw new Error('no time left before exit');
    await client.callEncoded(tracking.logBatch, body);
  } catch (e) {
    undelivered.push(index);
    error ??= (e as Error).message;
  }
}
await client.close().catch(() => undefined);
const result: SyncFinishResult = { undelivered, endedRuns, ...(error === undefined ? {} : { error }) };
// Exit at once: idle keep-alive connections would hold the process (and the waiting parent) for seconds.
process.stdout.write(JSON.stringify(result), () => process.exit(0));
