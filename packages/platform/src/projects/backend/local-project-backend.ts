/**
 * The local backend: prepares the environment here, then runs the command as its own process
 * group (so cancelling stops everything it started) in the project directory, with the run's
 * variables, streaming its output as it comes.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { constants } from 'node:os';
import { commandArgv, commandText } from '../command.js';
import type { EnvManager } from '../env/env-manager.js';
import { envManagerFrom } from '../env/env-managers.js';
import { ProjectError } from '../errors.js';
import { findExecutable } from '../process.js';
import type {
  CommandBuilder,
  JobOutcome,
  JobState,
  ProjectBackend,
  ProjectJob,
  SubmittedRun,
} from './project-backend.js';

/** How long a cancelled process group gets between SIGTERM and SIGKILL. */
const KILL_GRACE_MS = 10_000;

/** Settings of the local backend. */
export interface LocalBackendOptions {
  readonly managers: ReadonlyMap<string, EnvManager>;
  /** Downloads remote `path` values and builds the command. */
  readonly buildCommand: CommandBuilder;
  /** Time between SIGTERM and SIGKILL when cancelling (default 10 s). */
  readonly killGraceMs?: number;
}

function signalNumber(signal: NodeJS.Signals): number {
  return (constants.signals as Record<string, number>)[signal] ?? 1;
}

/** A command running as a local process group. */
class LocalSubmittedRun implements SubmittedRun {
  private cancelled = false;
  private outcome: JobOutcome | undefined;
  private spawnError: Error | undefined;
  private readonly done: Promise<JobOutcome>;

  constructor(
    readonly runId: string,
    private readonly child: ChildProcess,
    private readonly killGraceMs: number,
  ) {
    this.done = new Promise((resolve) => {
      let settled = false;
      const finish = (code: number | null, signal: NodeJS.Signals | null) => {
        if (settled) return;
        settled = true;
        this.outcome = this.toOutcome(code, signal);
        resolve(this.outcome);
      };
      child.on('error', (error) => {
        this.spawnError = error;
        finish(127, null);
      });
      // 'exit' gives the status; output still in the pipes arrives before 'close' (bounded wait:
      // a background grandchild may hold the pipes open).
      child.on('exit', (code, signal) => {
        const timer = setTimeout(() => finish(code, signal), 2000);
        child.on('close', () => {
          clearTimeout(timer);
          finish(code, signal);
        });
      });
    });
  }

  private toOutcome(code: number | null, signal: NodeJS.Signals | null): JobOutcome {
    if (this.spawnError !== undefined) {
      return { status: 'FAILED', exitCode: 127, reason: `Could not start the command: ${this.spawnError.message}` };
    }
    if (this.cancelled) return { status: 'KILLED', exitCode: 128 + signalNumber('SIGTERM'), reason: 'Cancelled' };
    if (code === 0) return { status: 'FINISHED', exitCode: 0 };
    if (code !== null) return { status: 'FAILED', exitCode: code, reason: `The command exited with status ${code}` };
    const name = signal ?? 'SIGKILL';
    return { status: 'FAILED', exitCode: 128 + signalNumber(name), reason: `The command was killed by ${name}` };
  }

  wait(): Promise<JobOutcome> {
    return this.done;
  }

  async state(): Promise<JobState> {
    return this.outcome?.status ?? 'RUNNING';
  }

  private killGroup(signal: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // The group is already gone.
    }
  }

  async cancel(): Promise<void> {
    if (this.outcome !== undefined) return;
    this.cancelled = true;
    this.killGroup('SIGTERM');
    const timer = setTimeout(() => this.killGroup('SIGKILL'), this.killGraceMs);
    await this.done;
    clearTimeout(timer);
  }
}

/** The shell that runs MLproject command text: bash (as MLflow), else sh. */
function hostShell(env: Readonly<Record<string, string | undefined>>): string {
  return findExecutable('bash', env.PATH) ?? '/bin/sh';
}

/** Runs projects on this machine. */
export class LocalProjectBackend implements ProjectBackend {
  readonly name = 'local';
  readonly jobRecordsRun = false;
  private readonly options: LocalBackendOptions;

  constructor(options: LocalBackendOptions) {
    this.options = Object.freeze({ ...options });
  }

  async submit(job: ProjectJob): Promise<SubmittedRun> {
    const manager = envManagerFrom(this.options.managers, job.envManager);
    // Tagged before preparing, so a run whose preparation failed still says what was tried.
    if (manager.tag !== undefined) await job.setTags({ 'mlflow.project.env': manager.tag });
    const prepared = await manager.prepare(
      { dir: job.project.dir, environment: job.project.environment, passEnv: Object.keys(job.runEnv) },
      (event) => (event.kind === 'step' ? job.output.progress(event.message) : job.output.write(event.text, 'stderr')),
      job.signal,
    );
    if (prepared.tags !== undefined && Object.keys(prepared.tags).length > 0) await job.setTags(prepared.tags);
    const command = await this.options.buildCommand(job);
    const env = { ...job.env, ...prepared.env, ...job.runEnv };
    const argv = [...prepared.commandPrefix, ...commandArgv(command, prepared.shell ?? hostShell(env))];
    job.output.progress(`=== Running command '${commandText(command)}' in run with ID '${job.runId}' ===`);
    job.signal?.throwIfAborted();
    const [program, ...args] = argv;
    if (program === undefined) throw new ProjectError('Nothing to run.');
    const child = spawn(program, args, {
      cwd: job.project.dir,
      env: env as NodeJS.ProcessEnv,
      // Its own process group: cancelling kills everything it started, and Ctrl-C reaches keel first.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.setEncoding('utf8').on('data', (text: string) => job.output.write(text, 'stdout'));
    child.stderr?.setEncoding('utf8').on('data', (text: string) => job.output.write(text, 'stderr'));
    return new LocalSubmittedRun(job.runId, child, this.options.killGraceMs ?? KILL_GRACE_MS);
  }
}
