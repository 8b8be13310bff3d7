/**
 * The pieces of a launched run that do not depend on its backend: following a run's status on
 * the tracking server, the handle of a reused run, the tee into the run's log file, and the
 * background supervisor of a detached local run.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, openSync } from 'node:fs';
import { join } from 'node:path';
import type { KeelClient } from '@keel/client';
import { keelCliCommand, localRunArguments } from './backend/keel-invocation.js';
import type { JobOutput, ProjectJob } from './backend/project-backend.js';
import type { ProjectRun, ProjectRunResult } from './launch.js';
import { isTerminalStatus } from './tracking-run.js';

/** Polls a run until it is FINISHED, FAILED or KILLED. */
export async function waitForRunEnd(client: KeelClient, runId: string, pollMs = 1000, signal?: AbortSignal) {
  for (;;) {
    const { run } = await client.getRun({ run_id: runId });
    if (isTerminalStatus(run.info.status)) return run;
    signal?.throwIfAborted();
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** The handle of an earlier finished run that was reused instead of running. */
export function reusedRun(runId: string, experimentId: string): ProjectRun {
  const result: ProjectRunResult = { runId, status: 'FINISHED', exitCode: 0 };
  return {
    runId,
    experimentId,
    reused: true,
    started: async () => undefined,
    wait: async () => result,
    cancel: async () => undefined,
    state: async () => 'FINISHED',
  };
}

/** Writes to the caller's output and to the run's log file. */
export function teeOutput(target: JobOutput, logFile: string) {
  const log = createWriteStream(logFile);
  const output: JobOutput = {
    write(text, stream) {
      log.write(text);
      target.write(text, stream);
    },
    progress(message) {
      log.write(`[keel] ${message}\n`);
      target.progress(message);
    },
  };
  return { output, close: () => new Promise<void>((resolve) => log.end(() => resolve())) };
}

/** Starts `keel run --run-id ...` in the background, in its own session, to run a detached job. */
export function startSupervisor(job: ProjectJob, storage: string): void {
  const keel = keelCliCommand();
  const log = openSync(join(storage, 'detached.out'), 'a');
  const child = spawn(keel[0] as string, [...keel.slice(1), ...localRunArguments(job)], {
    cwd: job.cwd,
    env: job.env as NodeJS.ProcessEnv,
    detached: true,
    stdio: ['ignore', log, log],
  });
  child.unref();
  job.output.progress(
    `Started the run in the background (process ${child.pid}; its output: ${join(storage, 'detached.out')})`,
  );
}
