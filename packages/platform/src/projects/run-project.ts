/**
 * `runProject`: MLflow's `mlflow.projects.run()` for TypeScript. It launches an entry point of a
 * project as its own tracked run (a child of the calling step's run when called inside one),
 * waits for it by default, and can reuse an earlier finished run with the same entry point,
 * parameters and git commit instead of running again. It spawns processes, so it lives in the
 * Node platform package (`@keel/platform/projects`), beside the runner it shares with `keel run`.
 */
import { createClient } from '@keel/client/node';
import type { EnvManagerName } from './env/env-managers.js';
import { ProjectRunFailedError } from './errors.js';
import { launchProject, type ProjectRun } from './launch.js';
import { absoluteTrackingUri } from './tracking-run.js';

/** Options of `runProject`. */
export interface RunProjectOptions {
  /** Entry point or script file (default `main`). */
  readonly entryPoint?: string;
  /** Parameter values; numbers and booleans are converted to text. */
  readonly parameters?: Readonly<Record<string, string | number | boolean>>;
  /** Git commit, branch or tag of a git project. */
  readonly version?: string;
  readonly experimentName?: string;
  readonly experimentId?: string;
  readonly runName?: string;
  /** `local`, `virtualenv`, `uv`, `conda` or `node` (default: what the project declares). */
  readonly envManager?: EnvManagerName;
  /** `local` (default) or `slurm`. */
  readonly backend?: string;
  /** The backend's settings (Slurm: partition, time, resources, sbatch_options...). */
  readonly backendConfig?: Readonly<Record<string, unknown>>;
  readonly storageDir?: string;
  /** `docker run` options as `name=value` or `name`. */
  readonly dockerArgs?: readonly string[];
  /** Parent run (default: `MLFLOW_RUN_ID`, the run of the step calling this); `null` for none. */
  readonly parentRunId?: string | null;
  /** Reuse a FINISHED run with the same entry point, params and git commit (default false). */
  readonly reuseFinished?: boolean;
  /** Wait for the run to end (default true); a failed run then throws `ProjectRunFailedError`. */
  readonly synchronous?: boolean;
  /** Default: `MLFLOW_TRACKING_URI`, else the SDK's default local store. */
  readonly trackingUri?: string;
  /** Environment (default: `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Directory relative paths are resolved against (default: `process.cwd()`). */
  readonly cwd?: string;
  /** Receives the command's output (default: this process's stdout/stderr). */
  readonly onOutput?: (text: string, stream: 'stdout' | 'stderr') => void;
  /** Receives progress lines (default: stderr, prefixed with `[keel]`). */
  readonly onProgress?: (message: string) => void;
}

/**
 * Runs an entry point of a project as a tracked run and returns it (already ended, unless
 * `synchronous: false`).
 *
 * @example
 * // Inside a workflow's `main` step: each step becomes a child run of main's run.
 * const prepare = await runProject('.', { entryPoint: 'prepare', parameters: { input: 'data/raw.csv' }, reuseFinished: true });
 * const train = await runProject('.', { entryPoint: 'train', parameters: { data: 'data/clean.csv' } });
 * console.log(prepare.runId, (await train.wait()).status);
 */
export async function runProject(uri = '.', options: RunProjectOptions = {}): Promise<ProjectRun> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const client = createClient({
    ...(options.trackingUri === undefined ? {} : { trackingUri: options.trackingUri }),
    env,
    cwd,
  });
  const trackingUri = absoluteTrackingUri(client.config.trackingUri, cwd);
  const parentRunId =
    options.parentRunId === null ? undefined : (options.parentRunId ?? (env.MLFLOW_RUN_ID || undefined));
  let run: ProjectRun;
  try {
    run = await launchProject({
      uri,
      parameters: new Map(Object.entries(options.parameters ?? {}).map(([k, v]) => [k, String(v)])),
      ...pick(options, [
        'entryPoint',
        'version',
        'experimentName',
        'experimentId',
        'runName',
        'envManager',
        'backend',
        'backendConfig',
        'storageDir',
        'dockerArgs',
        'reuseFinished',
      ]),
      ...(parentRunId === undefined ? {} : { parentRunId }),
      cwd,
      env,
      client,
      trackingUri,
      output: {
        write:
          options.onOutput ?? ((text, stream) => (stream === 'stdout' ? process.stdout : process.stderr).write(text)),
        progress: options.onProgress ?? ((message) => process.stderr.write(`[keel] ${message}\n`)),
      },
    });
  } catch (error) {
    await client.close();
    throw error;
  }
  const ended = run.wait().finally(() => client.close());
  const handle: ProjectRun = { ...run, wait: () => ended };
  if (options.synchronous === false) return handle;
  const result = await ended;
  if (result.status !== 'FINISHED')
    throw new ProjectRunFailedError(result.runId, result.status, result.exitCode, result.reason);
  return handle;
}

function pick<T extends object, K extends keyof T>(source: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const key of keys) if (source[key] !== undefined) out[key] = source[key];
  return out;
}
