/**
 * The `ProjectBackend` seam, in the shape of MLflow's `AbstractBackend`: a backend takes a job
 * whose run already exists and whose parameters are checked, starts it somewhere (a local
 * process group, a Slurm batch job, later a Kubernetes Job), and hands back a `SubmittedRun` to
 * wait for, poll or cancel. Backends do not create runs nor set their final status: the runner
 * does, from the outcome, so every backend records runs the same way.
 */
import type { ProjectCommand } from '../command.js';
import type { Project } from '../mlproject.js';
import type { CheckedParameters } from '../parameters.js';

/** A run's state as a backend sees it. */
export type JobState = 'RUNNING' | 'FINISHED' | 'FAILED' | 'KILLED';

/** How a job ended. */
export interface JobOutcome {
  readonly status: 'FINISHED' | 'FAILED' | 'KILLED';
  /** What `keel run` exits with: the command's exit status, 128+n for a signal. */
  readonly exitCode: number;
  /** Why it failed, when known beyond the exit status ("Slurm job 12 ended TIMEOUT"). */
  readonly reason?: string;
}

/** A started job. */
export interface SubmittedRun {
  readonly runId: string;
  /** Resolves when the job has ended. */
  wait(): Promise<JobOutcome>;
  /** Stops the job (its whole process group, or `scancel`); `wait()` then resolves KILLED. */
  cancel(): Promise<void>;
  /** The current state, without waiting. */
  state(): Promise<JobState>;
}

/** Where a job's output and progress go. */
export interface JobOutput {
  /** The command's output, as it arrives. */
  write(text: string, stream: 'stdout' | 'stderr'): void;
  /** One line about preparation or the backend ("Submitted Slurm job 12"). */
  progress(message: string): void;
}

/** Everything a backend needs to start one run of an entry point. */
export interface ProjectJob {
  readonly runId: string;
  readonly experimentId: string;
  /** The tracking URI the command logs to (absolute for local stores). */
  readonly trackingUri: string;
  readonly project: Project;
  /** The entry point (or script) name. */
  readonly entryPoint: string;
  readonly isScript: boolean;
  /** The checked parameters (remote `path` values not yet downloaded). */
  readonly parameters: CheckedParameters;
  /** The parameters as the user gave them, for a backend that re-launches `keel run` elsewhere. */
  readonly userParameters: ReadonlyMap<string, string>;
  /** The `--env-manager` to use (`docker` for docker_env projects). */
  readonly envManager: string;
  /** `-A` docker options as given. */
  readonly dockerArgs: readonly string[];
  /** The launcher's environment; the run's variables are added by the backend. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The run's variables: `MLFLOW_RUN_ID`, `MLFLOW_TRACKING_URI`, `MLFLOW_EXPERIMENT_ID`. */
  readonly runEnv: Readonly<Record<string, string>>;
  /** Directory relative paths were given against. */
  readonly cwd: string;
  /** Scratch space of this run (downloads, scripts). */
  readonly storageDir: string;
  /** Temporary directories (a project copy, a detached run's scratch space) the job deletes when it ends. */
  readonly cleanupDirs: readonly string[];
  readonly output: JobOutput;
  /** Records tags on the run (the environment used, a Slurm job ID). */
  setTags(tags: Readonly<Record<string, string>>): Promise<void>;
  readonly signal?: AbortSignal;
}

/**
 * A place runs execute.
 *
 * @example
 * const submitted = await backend.submit(job);
 * const { status, exitCode } = await submitted.wait();
 */
export interface ProjectBackend {
  /** The `--backend` value and the `mlflow.project.backend` tag. */
  readonly name: string;
  /** Whether the job records its own log artifact and final status (it runs `keel run` itself). */
  readonly jobRecordsRun: boolean;
  submit(job: ProjectJob): Promise<SubmittedRun>;
}

/** Builds the command of a job once its environment is ready (remote `path` values downloaded). */
export type CommandBuilder = (job: ProjectJob) => Promise<ProjectCommand>;
