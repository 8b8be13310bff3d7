/**
 * The seam between Python models and environment managers: a provider turns a model's
 * environment (its Python version and requirement files) into the command that runs Python in
 * that environment. `local` runs a given interpreter as is (MLflow's `--env-manager local`);
 * virtualenv, uv and conda providers (the projects' environment managers) plug in through the
 * same interface, registered by name in the composition root: an adapter whose `prepare` calls
 * the manager with the model's `condaFile` / `pythonEnvFile` / `requirementsFile` /
 * `pythonVersion` and returns its command prefix (ending in the environment's `python`) and
 * environment, passed as `environments` to `createFlavorRegistry` (see `cli/model-loading.ts`).
 */
import { spawn } from 'node:child_process';
import { invalidParameter } from '@keel/contract';
import type { ModelEnvironmentSpec } from '../environment.js';

/** How to run Python in a prepared environment. */
export interface PythonEnvironment {
  /** The command prefix that runs Python (`['/usr/bin/python3']`, `['conda', 'run', '-n', 'x', 'python']`). */
  readonly command: readonly string[];
  /** Extra environment variables for the process. */
  readonly env: Readonly<Record<string, string>>;
}

/** Prepares (creates or reuses) the environment a model needs. */
export interface PythonEnvironmentProvider {
  /** The `--env-manager` name (`local`, `virtualenv`, `uv`, `conda`). */
  readonly name: string;
  prepare(spec: ModelEnvironmentSpec, onProgress?: (line: string) => void): Promise<PythonEnvironment>;
}

/** Providers by `--env-manager` name. */
export type PythonEnvironmentRegistry = ReadonlyMap<string, PythonEnvironmentProvider>;

/** MLflow's environment manager names; those without a registered provider are reported as unavailable. */
export const ENV_MANAGER_NAMES = ['local', 'virtualenv', 'uv', 'conda'] as const;

/** Runs `command -c code` and resolves with its stdout, or rejects with why it could not run. */
function probe(command: readonly string[], code: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const [file, ...args] = command as [string, ...string[]];
    const child = spawn(file, [...args, '-c', code], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => {
      out += c;
    });
    child.stderr.on('data', (c) => {
      err += c;
    });
    child.on('error', (error) => reject(error));
    child.on('close', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(err.trim() || `exit ${code}`))));
  });
}

/**
 * Runs the model with a given Python interpreter, as is (nothing installed). The interpreter is
 * checked once; a different minor version than the model was saved with is only a warning, as
 * in MLflow.
 *
 * @example
 * const local = new LocalPythonEnvironment({ python: '/usr/bin/python3' });
 * const { command } = await local.prepare(spec); // ['/usr/bin/python3']
 */
export class LocalPythonEnvironment implements PythonEnvironmentProvider {
  readonly name = 'local';
  private checked: Promise<string> | undefined;

  constructor(
    private readonly options: {
      /** The interpreter (a path or a name on PATH; default `python3`). */
      readonly python?: string;
      /** The environment of the child process (default: this process's). */
      readonly env?: Readonly<Record<string, string | undefined>>;
      readonly warn?: (message: string) => void;
    } = {},
  ) {}

  get python(): string {
    return this.options.python ?? 'python3';
  }

  async prepare(spec: ModelEnvironmentSpec): Promise<PythonEnvironment> {
    this.checked ??= probe([this.python], 'import sys; print("%d.%d.%d" % sys.version_info[:3])', {
      ...(this.options.env ?? process.env),
    }).catch((error: NodeJS.ErrnoException) => {
      this.checked = undefined;
      const why = error.code === 'ENOENT' ? 'was not found' : `does not run (${error.message.split('\n')[0]})`;
      throw invalidParameter(
        `The python_function flavor needs a Python interpreter: '${this.python}' ${why}. Choose one with --python <path> (or KEEL_PYTHON).`,
      );
    });
    const version = await this.checked;
    const wanted = spec.pythonVersion?.split('.').slice(0, 2).join('.');
    if (wanted !== undefined && wanted !== version.split('.').slice(0, 2).join('.')) {
      this.options.warn?.(
        `The model was saved with Python ${spec.pythonVersion}; running it with ${this.python} (Python ${version}) as --env-manager local asks.`,
      );
    }
    return { command: [this.python], env: {} };
  }
}

/**
 * The provider for `--env-manager <name>`, or an error naming what is available.
 *
 * @example
 * const provider = pythonEnvironmentFor(registry, 'local');
 */
export function pythonEnvironmentFor(registry: PythonEnvironmentRegistry, name: string): PythonEnvironmentProvider {
  const provider = registry.get(name);
  if (provider !== undefined) return provider;
  const known = (ENV_MANAGER_NAMES as readonly string[]).includes(name);
  throw invalidParameter(
    known
      ? `Environment manager '${name}' is not available in this Keel build; available: ${[...registry.keys()].join(', ')}.`
      : `Unknown environment manager '${name}'; choose one of ${[...registry.keys()].join(', ')}.`,
  );
}
