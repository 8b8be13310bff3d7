/**
 * The Slurm backend: the job is submitted with `sbatch` as a batch script that runs
 * `keel run --run-id <id> --backend local` on the allocated node, which prepares the
 * environment there and runs the command with the run's variables (and records the run's
 * status and log itself). Here, the job ID is recorded on the run, the job's state is followed
 * with `squeue` (`sacct` once the controller has forgotten it), its output file is streamed, and
 * cancelling runs `scancel`. The tools are found on the launcher's PATH.
 */
import { mkdir, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ProjectError } from '../errors.js';
import { lastLines, runProcess } from '../process.js';
import { joinShellArgs } from '../shell-quote.js';
import { keelCliCommand, localRunArguments } from './keel-invocation.js';
import type { JobOutcome, JobState, ProjectBackend, ProjectJob, SubmittedRun } from './project-backend.js';
import { parseSlurmConfig, type SlurmConfig, sbatchOptions } from './slurm-config.js';

/** How Slurm's job states map to run statuses. */
export function runStateOfSlurm(state: string): JobState {
  const base = state.split(/[\s+]/)[0]?.toUpperCase() ?? '';
  if (base === 'COMPLETED') return 'FINISHED';
  if (base === 'CANCELLED' || base === 'PREEMPTED') return 'KILLED';
  const active = [
    'PENDING',
    'CONFIGURING',
    'RUNNING',
    'COMPLETING',
    'SUSPENDED',
    'REQUEUED',
    'REQUEUE_HOLD',
    'REQUEUE_FED',
    'RESIZING',
    'STOPPED',
    'SIGNALING',
    'STAGE_OUT',
    'RESV_DEL_HOLD',
  ];
  return active.includes(base) ? 'RUNNING' : 'FAILED';
}

/**
 * The batch script: a bash script that runs one command line, every word quoted once.
 *
 * @example
 * batchScript(['/usr/bin/node', '/opt/keel/bin/keel.js', 'run', ...], 'abc123');
 */
export function batchScript(argv: readonly string[], runId: string): string {
  return `#!/bin/bash\n# Written by keel run for run ${runId}: runs the entry point with the local backend on the allocated node.\nexec ${joinShellArgs(argv)}\n`;
}

/** Reads the job's state: squeue while the controller knows the job, then sacct; undefined when neither knows it. */
async function slurmState(
  jobId: string,
  env: NodeJS.ProcessEnv,
): Promise<{ state: string; exitCode?: number } | undefined> {
  const queue = await runProcess(['squeue', '--noheader', '--states=all', `--jobs=${jobId}`, '--format=%T'], {
    env,
  }).catch(() => undefined);
  const state = queue?.code === 0 ? queue.stdout.trim().split('\n')[0]?.trim() : undefined;
  if (state !== undefined && state !== '') {
    if (runStateOfSlurm(state) === 'RUNNING') return { state };
    const exitCode = await scontrolExitCode(jobId, env);
    return { state, ...(exitCode === undefined ? {} : { exitCode }) };
  }
  const acct = await runProcess(
    ['sacct', '--noheader', '--allocations', '--parsable2', `--jobs=${jobId}`, '--format=State,ExitCode'],
    { env },
  ).catch(() => undefined);
  const line = acct?.code === 0 ? acct.stdout.trim().split('\n')[0] : undefined;
  if (line === undefined || line === '') return undefined;
  const [accState = '', exit = ''] = line.split('|');
  const exitCode = Number(exit.split(':')[0]);
  return { state: accState, ...(Number.isInteger(exitCode) ? { exitCode } : {}) };
}

async function scontrolExitCode(jobId: string, env: NodeJS.ProcessEnv): Promise<number | undefined> {
  const shown = await runProcess(['scontrol', 'show', 'job', '--oneliner', jobId], { env }).catch(() => undefined);
  const match = shown?.code === 0 ? /\bExitCode=(\d+):(\d+)/.exec(shown.stdout) : null;
  if (match === null) return undefined;
  const signal = Number(match[2]);
  return signal > 0 ? 128 + signal : Number(match[1]);
}

/** A submitted Slurm job. */
class SlurmSubmittedRun implements SubmittedRun {
  private cancelled = false;
  private outcome: Promise<JobOutcome> | undefined;
  private offset = 0;

  constructor(
    private readonly job: ProjectJob,
    readonly jobId: string,
    private readonly outputFile: string,
    private readonly pollMs: number,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  get runId(): string {
    return this.job.runId;
  }

  /** Streams what the job wrote to its output file since the last call. */
  private async drainOutput(): Promise<void> {
    const handle = await open(this.outputFile, 'r').catch(() => undefined);
    if (handle === undefined) return;
    try {
      const buffer = Buffer.alloc(64 * 1024);
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, this.offset);
        if (bytesRead === 0) break;
        this.offset += bytesRead;
        this.job.output.write(buffer.subarray(0, bytesRead).toString('utf8'), 'stdout');
      }
    } finally {
      await handle.close();
    }
  }

  async state(): Promise<JobState> {
    const known = await slurmState(this.jobId, this.env);
    return known === undefined ? 'FAILED' : runStateOfSlurm(known.state);
  }

  wait(): Promise<JobOutcome> {
    this.outcome ??= this.follow();
    return this.outcome;
  }

  private async follow(): Promise<JobOutcome> {
    let lastState = '';
    for (;;) {
      const known = await slurmState(this.jobId, this.env);
      await this.drainOutput();
      if (known === undefined) {
        return { status: 'FAILED', exitCode: 1, reason: `Slurm no longer knows job ${this.jobId}` };
      }
      if (known.state !== lastState) {
        lastState = known.state;
        this.job.output.progress(`Slurm job ${this.jobId}: ${known.state}`);
      }
      const status = runStateOfSlurm(known.state);
      if (status !== 'RUNNING') {
        await this.job.setTags({ 'keel.slurm.jobState': known.state }).catch(() => undefined);
        if (status === 'FINISHED') return { status, exitCode: 0 };
        if (status === 'KILLED' || this.cancelled) {
          return { status: 'KILLED', exitCode: 143, reason: `Slurm job ${this.jobId} ended ${known.state}` };
        }
        return {
          status: 'FAILED',
          exitCode: known.exitCode !== undefined && known.exitCode !== 0 ? known.exitCode : 1,
          reason: `Slurm job ${this.jobId} ended ${known.state}`,
        };
      }
      await sleep(this.pollMs);
    }
  }

  async cancel(): Promise<void> {
    this.cancelled = true;
    const result = await runProcess(['scancel', this.jobId], { env: this.env });
    if (result.code !== 0) {
      throw new ProjectError(`scancel ${this.jobId} failed: ${lastLines(result.stderr || result.stdout, 2)}`);
    }
    await this.wait();
  }
}

/** Runs projects as Slurm batch jobs. */
export class SlurmProjectBackend implements ProjectBackend {
  readonly name = 'slurm';
  readonly jobRecordsRun = true;
  private readonly config: SlurmConfig;

  /** `config` is the `--backend-config` object; it is validated here. */
  constructor(config: unknown = {}) {
    this.config = parseSlurmConfig(config);
  }

  async submit(job: ProjectJob): Promise<SubmittedRun> {
    const env = { ...job.env } as NodeJS.ProcessEnv;
    const dir = this.config.output_dir ?? join(job.storageDir, 'slurm');
    await mkdir(dir, { recursive: true });
    const script = join(dir, `keel-run-${job.runId}.sh`);
    const keel = this.config.keel_command ?? keelCliCommand();
    await writeFile(script, batchScript([...keel, ...localRunArguments(job)], job.runId), { mode: 0o755 });
    const outputPattern = join(dir, `keel-run-${job.runId}-%j.out`);
    const argv = [
      'sbatch',
      '--parsable',
      `--job-name=keel-${job.runId.slice(0, 8)}`,
      `--output=${outputPattern}`,
      `--chdir=${job.cwd}`,
      ...sbatchOptions(this.config),
      script,
    ];
    job.output.progress(`Submitting to Slurm: ${joinShellArgs(argv)}`);
    const submitted = await runProcess(argv, { env, ...(job.signal ? { signal: job.signal } : {}) });
    const jobId = submitted.stdout.trim().split(';')[0]?.trim() ?? '';
    if (submitted.code !== 0 || !/^\d+(?:_\d+)?$/.test(jobId)) {
      throw new ProjectError(
        `sbatch failed: ${lastLines(submitted.stderr || submitted.stdout, 3) || `exit ${submitted.code}`}`,
      );
    }
    await job.setTags({ 'keel.slurm.jobId': jobId });
    job.output.progress(`Submitted Slurm job ${jobId} (output: ${outputPattern.replace('%j', jobId)})`);
    return new SlurmSubmittedRun(
      job,
      jobId,
      outputPattern.replace('%j', jobId),
      (this.config.poll_interval ?? 2) * 1000,
      env,
    );
  }
}
