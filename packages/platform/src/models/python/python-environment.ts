/**
 * How a Python model gets its interpreter: the projects' environment managers (one
 * implementation for `keel run` and model serving) prepare the environment the model declares
 * (`python_env.yaml`, `conda.yaml`), and this adapter turns the prepared environment into the
 * command that runs Python in it. `local` runs a given interpreter as is (MLflow's
 * `--env-manager local`), checked once.
 */
import { invalidParameter } from '@keel/contract';
import type { EnvManager, EnvProgressListener, EnvSpec } from '../../projects/env/env-manager.js';
import { ProjectError } from '../../projects/errors.js';
import type { ProjectEnvironment } from '../../projects/mlproject.js';
import { findExecutable, lastLines, runProcess } from '../../projects/process.js';
import type { ModelEnvironmentSpec } from '../environment.js';

/** How to run Python in a prepared environment. */
export interface PythonEnvironment {
  /** The command that runs Python (`['/usr/bin/python3']`, `['conda', 'run', '--prefix', '/envs/x', '--no-capture-output', 'python']`). */
  readonly command: readonly string[];
  /** Variables set over the worker's environment (`PATH` with the environment's `bin` first, `VIRTUAL_ENV`). */
  readonly env: Readonly<Record<string, string>>;
}

/** The `--env-manager` values of `keel models serve|predict`, as in MLflow. */
export const MODEL_ENV_MANAGER_NAMES = ['local', 'virtualenv', 'uv', 'conda'] as const;

/**
 * The environment a manager prepares for a model: conda uses the model's `conda.yaml`;
 * virtualenv and uv its `python_env.yaml`, else its `conda.yaml` converted (as MLflow does).
 */
export function modelEnvSpec(spec: ModelEnvironmentSpec, manager: string): EnvSpec {
  let environment: ProjectEnvironment;
  if (manager === 'conda') {
    environment = spec.condaFile === undefined ? { kind: 'python' } : { kind: 'conda', file: spec.condaFile };
  } else if (spec.pythonEnvFile !== undefined) {
    environment = { kind: 'python', file: spec.pythonEnvFile };
  } else if (spec.condaFile !== undefined) {
    environment = { kind: 'conda', file: spec.condaFile };
  } else {
    environment = { kind: 'python' };
  }
  return { dir: spec.modelDir, environment };
}

/** Options of `ModelPythonEnvironment`. */
export interface ModelPythonEnvironmentOptions {
  /** The interpreter of `local` (a path or a name on PATH; default `python3`). */
  readonly python?: string;
  /** The environment of the child processes (default: this process's). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Receives warnings and the manager's progress (one line each). */
  readonly log?: (message: string) => void;
}

/**
 * A Python model's environment, prepared by one of the projects' environment managers.
 *
 * @example
 * const managers = createEnvManagers({ env: process.env, envRoot });
 * const venv = new ModelPythonEnvironment(managers.get('virtualenv') as EnvManager);
 * const { command, env } = await venv.prepare(await readModelEnvironment(model)); // ['python'], PATH=<venv>/bin:...
 */
export class ModelPythonEnvironment {
  private checked: Promise<string> | undefined;

  constructor(
    private readonly manager: EnvManager,
    private readonly options: ModelPythonEnvironmentOptions = {},
  ) {}

  get name(): string {
    return this.manager.name;
  }

  get python(): string {
    return this.options.python ?? 'python3';
  }

  async prepare(spec: ModelEnvironmentSpec): Promise<PythonEnvironment> {
    const log = this.options.log;
    const onProgress: EnvProgressListener = (event) => {
      if (event.kind === 'step') log?.(event.message);
      else for (const line of event.text.split('\n')) if (line.trim() !== '') log?.(line);
    };
    let prepared: Awaited<ReturnType<EnvManager['prepare']>>;
    try {
      prepared = await this.manager.prepare(modelEnvSpec(spec, this.manager.name), onProgress);
    } catch (error) {
      // The managers' errors say what to do; here they are a client's choice that cannot work.
      if (error instanceof ProjectError) throw invalidParameter(error.message);
      throw error;
    }
    if (this.manager.name !== 'local') {
      // The environment's own interpreter: first on its PATH, or behind its command prefix.
      return { command: [...prepared.commandPrefix, 'python'], env: prepared.env };
    }
    await this.checkLocal(spec);
    return { command: [...prepared.commandPrefix, this.python], env: prepared.env };
  }

  /** Checks the `local` interpreter once; a minor version other than the model's is only a warning, as in MLflow. */
  private async checkLocal(spec: ModelEnvironmentSpec): Promise<void> {
    const env = { ...(this.options.env ?? process.env) } as NodeJS.ProcessEnv;
    const fail = (why: string) =>
      invalidParameter(
        `The python_function flavor needs a Python interpreter: '${this.python}' ${why}. Choose one with --python <path> (or KEEL_PYTHON).`,
      );
    this.checked ??= (async () => {
      if (findExecutable(this.python, env.PATH) === undefined) throw fail('was not found');
      const result = await runProcess([this.python, '-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'], {
        env,
        timeoutMs: 60_000,
      }).catch((error: Error) => ({ code: -1, signal: null, stdout: '', stderr: error.message }));
      if (result.code === 0) return result.stdout.trim();
      const why = lastLines(result.stderr, 1) || `exit ${result.code ?? result.signal}`;
      throw fail(`does not run (${why})`);
    })();
    this.checked.catch(() => {
      this.checked = undefined;
    });
    const version = await this.checked;
    const wanted = spec.pythonVersion?.split('.').slice(0, 2).join('.');
    if (wanted !== undefined && wanted !== version.split('.').slice(0, 2).join('.')) {
      this.options.log?.(
        `The model was saved with Python ${spec.pythonVersion}; running it with ${this.python} (Python ${version}) as --env-manager local asks.`,
      );
    }
  }
}

/**
 * The environment for `--env-manager <name>`, or an error naming the choices.
 *
 * @example
 * const environment = modelPythonEnvironment(createEnvManagers({ env, envRoot }), 'uv');
 */
export function modelPythonEnvironment(
  managers: ReadonlyMap<string, EnvManager>,
  name: string,
  options: ModelPythonEnvironmentOptions = {},
): ModelPythonEnvironment {
  const manager = (MODEL_ENV_MANAGER_NAMES as readonly string[]).includes(name) ? managers.get(name) : undefined;
  if (manager === undefined) {
    throw invalidParameter(
      `Unknown environment manager '${name}' for a model; choose one of ${MODEL_ENV_MANAGER_NAMES.join(', ')}.`,
    );
  }
  return new ModelPythonEnvironment(manager, options);
}
