/**
 * The `EnvManager` seam: turns a declared software environment into what a command needs to
 * run inside it. Managers create (or reuse, from a cache keyed by content hash) the
 * environment, report progress and their tools' output, and answer with a command prefix and
 * variables; they never run the command themselves. The projects runner and the Python model
 * worker use the same managers.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ProjectEnvironment } from '../mlproject.js';

/** What to prepare. */
export interface EnvSpec {
  /** Absolute directory the command will run in (the project, the model...): relative files and `package.json` are read here. */
  readonly dir: string;
  /** The declared environment (`python_env.yaml`, conda file, `docker_env`, or nothing). */
  readonly environment: ProjectEnvironment;
  /**
   * Names of variables of the caller's environment the command must see even across an
   * isolation boundary (a container): the run's `MLFLOW_RUN_ID`, `MLFLOW_TRACKING_URI`, ...
   */
  readonly passEnv?: readonly string[];
}

/** A prepared environment: how to run a command inside it. */
export interface PreparedEnv {
  /**
   * Words put before the command (`conda run --prefix <env> --no-capture-output`, `docker run
   * ... <image>`); empty when variables are enough.
   */
  readonly commandPrefix: readonly string[];
  /** Variables set over the caller's environment (`PATH` with the environment's `bin` first, `VIRTUAL_ENV`, ...). */
  readonly env: Readonly<Record<string, string>>;
  /** The shell that runs MLproject command text inside the environment (a container's `sh`); absent: the host's bash. */
  readonly shell?: string;
  /** Run tags describing the environment (`mlflow.docker.image.uri`, `mlflow.docker.image.id`). */
  readonly tags?: Readonly<Record<string, string>>;
  /** One line saying what was used ("virtualenv /root/.mlflow/envs/virtualenv_envs/keel-3f2a... (Python 3.11.2)"). */
  readonly description: string;
}

/** Progress of a preparation: steps (one line each) and the raw output of the tools it runs. */
export type EnvProgress =
  | { readonly kind: 'step'; readonly message: string }
  | { readonly kind: 'output'; readonly text: string };

/** Receives progress events. */
export type EnvProgressListener = (event: EnvProgress) => void;

/**
 * One way of preparing environments (`local`, `virtualenv`, `uv`, `conda`, `node`, `docker`).
 *
 * @example
 * const prepared = await manager.prepare({ dir: projectDir, environment: project.environment }, (e) =>
 *   e.kind === 'step' ? console.error(e.message) : process.stderr.write(e.text),
 * );
 * spawn(prepared.commandPrefix[0] ?? 'python', [...prepared.commandPrefix.slice(1), 'train.py'], {
 *   env: { ...process.env, ...prepared.env },
 * });
 */
export interface EnvManager {
  /** The `--env-manager` value. */
  readonly name: string;
  /** The `mlflow.project.env` tag value; undefined when nothing is created (`local`). */
  readonly tag: string | undefined;
  /** Creates or reuses the environment. Throws `ProjectError` with a message that says what to do instead. */
  prepare(spec: EnvSpec, onProgress?: EnvProgressListener, signal?: AbortSignal): Promise<PreparedEnv>;
}

/** What every manager is built with (read once, at the edge). */
export interface EnvManagerOptions {
  /** The launcher's environment: `PATH` finds the tools, and prepared `PATH`s extend it. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Cache of created environments (`MLFLOW_ENV_ROOT`, default `~/.mlflow/envs`). */
  readonly envRoot: string;
}

/** Where created environments are cached: `MLFLOW_ENV_ROOT`, else `~/.mlflow/envs`, as in MLflow. */
export function defaultEnvRoot(env: Readonly<Record<string, string | undefined>>): string {
  return env.MLFLOW_ENV_ROOT || join(env.HOME || homedir(), '.mlflow', 'envs');
}

/** `PATH` with `dir` first. */
export function prependPath(dir: string, env: Readonly<Record<string, string | undefined>>): string {
  const rest = env.PATH ?? '';
  return rest === '' ? dir : `${dir}:${rest}`;
}
