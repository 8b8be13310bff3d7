/**
 * Running a project end to end (projects.md §6): fetch and validate it, create the run (or join
 * an existing one), hand the job to a backend, then record the outcome, the failure reason and
 * the log. `keel run` and the SDK's `runProject` both go through `launchProject`.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { KeelClient, RunStatus } from '@keel/client';
import type { JobOutcome, JobOutput, JobState, ProjectJob, SubmittedRun } from './backend/project-backend.js';
import { createProjectBackends, projectBackendFrom } from './backend/project-backends.js';
import { entryPointCommand, findEntryPoint, formatTemplate, scriptCommand } from './command.js';
import { dockerArgsFrom } from './env/docker-env-manager.js';
import { defaultEnvRoot } from './env/env-manager.js';
import { checkEnvManagerName, createEnvManagers, envManagerNameFor } from './env/env-managers.js';
import { ProjectError } from './errors.js';
import { loadProject } from './mlproject.js';
import {
  type CheckedParameters,
  checkParameterName,
  checkParameters,
  loggedParameters,
  resolveParameters,
} from './parameters.js';
import { reusedRun, startSupervisor, teeOutput, waitForRunEnd } from './run-handles.js';
import { fetchProject } from './source/project-source.js';
import {
  artifactDownloader,
  createProjectRun,
  findReusableRun,
  finishProjectRun,
  isTerminalStatus,
  localTrackingDir,
  resolveExperimentId,
  setRunTags,
  uploadRunLog,
} from './tracking-run.js';

/** What to run and where. */
export interface LaunchOptions {
  /** Project directory, git URL or ZIP archive, with an optional `#subdirectory`. */
  readonly uri: string;
  /** Entry point or script file (default `main`). */
  readonly entryPoint?: string;
  readonly parameters?: ReadonlyMap<string, string>;
  /** Git commit, branch or tag. */
  readonly version?: string;
  readonly experimentId?: string;
  readonly experimentName?: string;
  readonly runName?: string;
  /** Join this existing run instead of creating one (the job side of a Slurm or detached run). */
  readonly runId?: string;
  readonly envManager?: string;
  /** `local` (default) or `slurm`. */
  readonly backend?: string;
  readonly backendConfig?: unknown;
  /** Where remote `path` parameters are downloaded (default: the system temp directory). */
  readonly storageDir?: string;
  /** `-A name=value` docker options. */
  readonly dockerArgs?: readonly string[];
  /** Makes the run a child of this one (`mlflow.parentRunId`). */
  readonly parentRunId?: string;
  /** Reuse a FINISHED run with the same entry point, params and git commit instead of running. */
  readonly reuseFinished?: boolean;
  /** Start the job and return: `wait()` then follows the run's status on the tracking server. */
  readonly detach?: boolean;
  /** Temporary directories to delete when the run ends (handed over by a launcher that did not wait). */
  readonly cleanupDirs?: readonly string[];
  readonly cwd: string;
  /** The launcher's environment (tools on PATH, `MLFLOW_*`, credentials). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly client: KeelClient;
  /** The tracking URI the command logs to, absolute for local stores. */
  readonly trackingUri: string;
  readonly output: JobOutput;
}

/** How a project run ended. */
export interface ProjectRunResult {
  readonly runId: string;
  /** The run's final status as recorded. */
  readonly status: RunStatus;
  /** The command's exit status (128+n for a signal; 0 for a reused run). */
  readonly exitCode: number;
  readonly reason?: string;
}

/** A launched project run. */
export interface ProjectRun {
  readonly runId: string;
  readonly experimentId: string;
  /** Whether an earlier finished run was reused instead of running. */
  readonly reused: boolean;
  /** Resolves once the job is started (environment prepared and command spawned, or submitted). */
  started(): Promise<void>;
  /** Resolves when the run has ended and its status, reason and log are recorded. */
  wait(): Promise<ProjectRunResult>;
  /** Stops the job; the run ends KILLED. */
  cancel(): Promise<void>;
  state(): Promise<JobState>;
}

function osUser(env: Readonly<Record<string, string | undefined>>): string {
  try {
    return userInfo().username;
  } catch {
    return env.USER ?? 'unknown';
  }
}

/**
 * Fetches, checks and starts a project run. Errors found before the run exists (unknown entry
 * point, bad parameters, missing files) reject without creating anything.
 *
 * @example
 * const run = await launchProject({ uri: '.', entryPoint: 'train', parameters: new Map([['alpha', '0.5']]), ... });
 * const { status, exitCode } = await run.wait();
 */
export async function launchProject(options: LaunchOptions): Promise<ProjectRun> {
  const { client, env } = options;
  // Mistakes in the request itself are reported before anything is fetched.
  if (options.envManager !== undefined) checkEnvManagerName(options.envManager);
  for (const name of options.parameters?.keys() ?? []) checkParameterName(name);
  const dockerArgs = dockerArgsFrom(options.dockerArgs ?? []);
  const envRoot = defaultEnvRoot(env);
  // A local tracking store is mounted at the same path, so the URI holds inside a container too.
  const storeDir = localTrackingDir(options.trackingUri);
  const managers = createEnvManagers(
    { env, envRoot },
    { args: dockerArgs, mounts: storeDir === undefined ? [] : [`${storeDir}:${storeDir}`] },
  );
  const downloader = artifactDownloader(client);
  const backends = createProjectBackends({
    managers,
    buildCommand: async (job) => {
      const resolved = await resolveParameters(job.parameters, downloader, job.storageDir);
      const entry = job.project.entryPoints.get(job.entryPoint);
      return job.isScript || entry === undefined
        ? scriptCommand(job.entryPoint, resolved.extra, job.env)
        : entryPointCommand(entry, resolved);
    },
  });
  const backend = projectBackendFrom(backends, options.backend ?? 'local', options.backendConfig);
  // On a cluster node the storage directory named by the launcher may not exist yet.
  if (options.storageDir !== undefined) await mkdir(options.storageDir, { recursive: true });
  const fetched = await fetchProject(options.uri, {
    env: env as NodeJS.ProcessEnv,
    cwd: options.cwd,
    ...(options.version === undefined ? {} : { version: options.version }),
    ...(options.storageDir === undefined ? {} : { tempRoot: options.storageDir }),
    onProgress: (m) => options.output.progress(m),
  });
  const cleanups: (() => Promise<void>)[] = [fetched.cleanup];
  for (const dir of options.cleanupDirs ?? []) cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const cleanup = async () => {
    for (const task of cleanups) await task().catch(() => undefined);
  };
  try {
    const project = loadProject(fetched.dir);
    const entryPoint = options.entryPoint ?? 'main';
    const { entry, isScript } = findEntryPoint(project, entryPoint);
    const user = options.parameters ?? new Map<string, string>();
    let checked: CheckedParameters;
    if (isScript) {
      for (const name of user.keys()) checkParameterName(name);
      checked = { declared: [], extra: [...user] };
    } else {
      checked = checkParameters(entry, user, { cwd: options.cwd, projectDir: project.dir });
      // A template naming an undeclared parameter fails now, before any run exists.
      formatTemplate(entry.command, new Map(entry.parameters.map((p) => [p.name, ''])), entry.name);
    }
    const envManager = envManagerNameFor(project, options.envManager);
    const params = loggedParameters(checked);

    let runId: string;
    let experimentId: string;
    if (options.runId !== undefined) {
      const { run } = await client.getRun({ run_id: options.runId });
      runId = run.info.run_id;
      experimentId = run.info.experiment_id;
    } else {
      experimentId = await resolveExperimentId(client, options, env);
      if (options.reuseFinished === true) {
        const commit = fetched.git?.commit;
        const found =
          commit === undefined
            ? undefined
            : await findReusableRun(client, { experimentId, entryPoint, gitCommit: commit, params });
        if (found !== undefined) {
          options.output.progress(
            `Reusing finished run ${found.info.run_id} (same entry point, parameters and commit)`,
          );
          await cleanup();
          return reusedRun(found.info.run_id, experimentId);
        }
        if (commit === undefined) options.output.progress('The project is not in git, so no earlier run can be reused');
      }
      const git = fetched.git;
      const tags: Record<string, string> = {
        'mlflow.user': osUser(env),
        'mlflow.source.name': fetched.sourceName,
        'mlflow.source.type': 'PROJECT',
        'mlflow.project.entryPoint': entryPoint,
        'mlflow.project.backend': backend.name,
        ...(git === undefined ? {} : { 'mlflow.source.git.commit': git.commit }),
        ...(git?.branch === undefined ? {} : { 'mlflow.source.git.branch': git.branch }),
        ...(git?.repoUrl === undefined
          ? {}
          : { 'mlflow.source.git.repoURL': git.repoUrl, 'mlflow.gitRepoURL': git.repoUrl }),
        ...(options.parentRunId === undefined ? {} : { 'mlflow.parentRunId': options.parentRunId }),
      };
      const run = await createProjectRun(client, {
        experimentId,
        ...(options.runName === undefined ? {} : { runName: options.runName }),
        user: tags['mlflow.user'] as string,
        tags,
        params,
      });
      runId = run.info.run_id;
    }

    const storage = await mkdtemp(join(options.storageDir ?? tmpdir(), 'keel-run-'));
    const { output, close } = teeOutput(options.output, join(storage, 'keel-run.log'));
    const controller = new AbortController();
    // Detached jobs outlive this process: they delete the temporary project copy themselves.
    const handsOffCleanup = options.detach === true || backend.jobRecordsRun;
    const job: ProjectJob = {
      runId,
      experimentId,
      trackingUri: options.trackingUri,
      project,
      entryPoint,
      isScript,
      parameters: checked,
      userParameters: user,
      envManager,
      dockerArgs: options.dockerArgs ?? [],
      env,
      runEnv: { MLFLOW_RUN_ID: runId, MLFLOW_TRACKING_URI: options.trackingUri, MLFLOW_EXPERIMENT_ID: experimentId },
      cwd: options.cwd,
      storageDir: storage,
      // A detached job also takes over this launcher's scratch space (its batch script, its output).
      cleanupDirs: handsOffCleanup
        ? [...(fetched.tempRoot === undefined ? [] : [fetched.tempRoot]), ...(options.detach === true ? [storage] : [])]
        : [],
      output,
      setTags: (t) => setRunTags(client, runId, t),
      signal: controller.signal,
    };
    if (handsOffCleanup) cleanups.shift();

    let submitted: SubmittedRun | undefined;
    let cancelled = false;
    const starting = (async () => {
      if (options.detach === true && backend.name === 'local') {
        startSupervisor(job, storage);
        return undefined;
      }
      submitted = await backend.submit(job);
      if (cancelled) await submitted.cancel();
      return submitted;
    })();

    const failure = (error: unknown): JobOutcome => {
      // The job never ran, so it will not delete the project copy it was handed.
      if (handsOffCleanup) cleanups.push(fetched.cleanup);
      const message = error instanceof Error ? error.message : String(error);
      output.progress(`Error: ${message}`);
      return cancelled
        ? { status: 'KILLED', exitCode: 143, reason: 'Cancelled before the command started' }
        : { status: 'FAILED', exitCode: 1, reason: message };
    };
    /**
     * Saves the log (unless the job saved its own) and cleans up, then records the outcome: whoever
     * waits for the status finds everything in place.
     */
    const record = async (outcome: JobOutcome, jobSavedLog: boolean): Promise<ProjectRunResult> => {
      const { run: current } = await client.getRun({ run_id: runId });
      const status = isTerminalStatus(current.info.status) ? current.info.status : outcome.status;
      const verb = status === 'FINISHED' ? 'succeeded' : status === 'KILLED' ? 'was killed' : 'failed';
      output.progress(`=== Run (ID '${runId}') ${verb} ===`);
      await close();
      if (!jobSavedLog) {
        await uploadRunLog(client, runId, join(storage, 'keel-run.log')).catch((error: Error) =>
          options.output.progress(`Could not save the run's log as an artifact: ${error.message}`),
        );
      }
      await cleanup();
      // The job has ended: its scratch space (downloads, a batch script and its output) can go.
      await rm(storage, { recursive: true, force: true });
      await finishProjectRun(client, runId, outcome);
      return {
        runId,
        status,
        exitCode: outcome.exitCode,
        ...(outcome.reason === undefined ? {} : { reason: outcome.reason }),
      };
    };

    let finished: () => Promise<ProjectRunResult>;
    let started: () => Promise<void>;
    if (options.detach === true) {
      // Nothing is followed unless asked: a detached launcher returns once the job is started.
      const failedToStart = starting.then(
        async () => {
          await close();
          return undefined;
        },
        (error: unknown) => record(failure(error), false),
      );
      started = async () => {
        const failed = await failedToStart;
        if (failed !== undefined) throw new ProjectError(failed.reason ?? 'The run could not be started.');
      };
      finished = async () => {
        const failed = await failedToStart;
        if (failed !== undefined) return failed;
        const run = await waitForRunEnd(client, runId);
        return { runId, status: run.info.status, exitCode: run.info.status === 'FINISHED' ? 0 : 1 };
      };
    } else {
      const result = (async () => {
        let outcome: JobOutcome;
        try {
          outcome = await ((await starting) as SubmittedRun).wait();
        } catch (error) {
          return record(failure(error), false);
        }
        return record(outcome, backend.jobRecordsRun);
      })();
      started = async () => {
        await starting.catch(() => undefined);
      };
      finished = () => result;
    }

    return {
      runId,
      experimentId,
      reused: false,
      started,
      wait: finished,
      async cancel() {
        cancelled = true;
        controller.abort();
        await submitted?.cancel();
      },
      state: async () => (submitted === undefined ? 'RUNNING' : submitted.state()),
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
