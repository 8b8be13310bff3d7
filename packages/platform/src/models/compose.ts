/**
 * The models' composition root: the flavor registry (a `Map`, in order of preference: native
 * runtimes first) over the projects' environment managers, built from resolved options. Runtimes
 * load lazily: building the registry loads neither onnxruntime nor Python.
 */
import { invalidParameter } from '@keel/contract';
import { defaultEnvRoot, type EnvManager } from '../projects/env/env-manager.js';
import { createEnvManagers } from '../projects/env/env-managers.js';
import type { Flavor, FlavorRegistry } from './flavor.js';
import { JsFunctionFlavor } from './flavors/js-function-flavor.js';
import { OnnxFlavor } from './flavors/onnx-flavor.js';
import { type PythonEnvironmentProvider, PythonFunctionFlavor } from './flavors/python-function-flavor.js';
import { modelPythonEnvironment } from './python/python-environment.js';

/** How models are run on this machine. */
export interface ModelRuntimeOptions {
  /** `--env-manager`: local, virtualenv, uv or conda (default `local`). */
  readonly envManager?: string;
  /** The interpreter of the `local` environment manager (default `python3`). */
  readonly python?: string;
  /** Python worker processes per model (default 1). */
  readonly pythonWorkers?: number;
  /** How the worker loads models: with mlflow when importable (`auto`), never (`builtin`), or always (`mlflow`). */
  readonly pythonLoader?: 'auto' | 'mlflow' | 'builtin';
  /** onnxruntime threads per inference (default 1: best for many small requests). */
  readonly onnxThreads?: number;
  /** The environment of child processes and environment tools (default: this process's). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The environment managers by name (default: the projects' managers over `env`, caching under `MLFLOW_ENV_ROOT`). */
  readonly envManagers?: ReadonlyMap<string, EnvManager>;
  /** Warnings, environment preparation steps and worker logs. */
  readonly log?: (line: string) => void;
}

/**
 * The flavors Keel runs, in order of preference.
 *
 * @example
 * const flavors = createFlavorRegistry({ python: '/usr/bin/python3' });
 * const model = await loadModelDirectory(dir, { flavors });
 */
export function createFlavorRegistry(options: ModelRuntimeOptions = {}): FlavorRegistry {
  const env = options.env ?? process.env;
  const managers = options.envManagers ?? createEnvManagers({ env, envRoot: defaultEnvRoot(env) });
  const name = options.envManager ?? 'local';
  let environment: PythonEnvironmentProvider;
  try {
    environment = modelPythonEnvironment(managers, name, {
      ...(options.python === undefined ? {} : { python: options.python }),
      env,
      ...(options.log === undefined ? {} : { log: options.log }),
    });
  } catch (error) {
    // Reported when a Python model is loaded, not before: other flavors do not need it.
    environment = { prepare: () => Promise.reject(error) };
  }
  if (options.pythonWorkers !== undefined && (!Number.isInteger(options.pythonWorkers) || options.pythonWorkers < 1)) {
    throw invalidParameter('The number of Python workers must be a whole number of at least 1.');
  }
  return new Map<string, Flavor>([
    ['onnx', new OnnxFlavor({ intraOpNumThreads: options.onnxThreads ?? 1 })],
    ['js_function', new JsFunctionFlavor()],
    [
      'python_function',
      new PythonFunctionFlavor({
        environment,
        workers: options.pythonWorkers ?? 1,
        loader: options.pythonLoader ?? 'auto',
        ...(options.env === undefined ? {} : { env: options.env }),
        ...(options.log === undefined ? {} : { onLog: options.log }),
      }),
    ],
  ]);
}
