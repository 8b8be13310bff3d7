/**
 * The models' composition root: the flavor registry (a `Map`, in order of preference: native
 * runtimes first) and the Python environment managers, built from resolved options. Runtimes
 * load lazily: building the registry loads neither onnxruntime nor Python.
 */
import { invalidParameter } from '@keel/contract';
import type { Flavor, FlavorRegistry } from './flavor.js';
import { JsFunctionFlavor } from './flavors/js-function-flavor.js';
import { OnnxFlavor } from './flavors/onnx-flavor.js';
import { PythonFunctionFlavor } from './flavors/python-function-flavor.js';
import {
  LocalPythonEnvironment,
  type PythonEnvironmentProvider,
  type PythonEnvironmentRegistry,
  pythonEnvironmentFor,
} from './python/python-environment.js';

/** How models are run on this machine. */
export interface ModelRuntimeOptions {
  /** `--env-manager` (default `local`). */
  readonly envManager?: string;
  /** The interpreter of the `local` environment manager (default `python3`). */
  readonly python?: string;
  /** Python worker processes per model (default 1). */
  readonly pythonWorkers?: number;
  /** How the worker loads models: with mlflow when importable (`auto`), never (`builtin`), or always (`mlflow`). */
  readonly pythonLoader?: 'auto' | 'mlflow' | 'builtin';
  /** onnxruntime threads per inference (default 1: best for many small requests). */
  readonly onnxThreads?: number;
  /** The environment of child processes (default: this process's). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Extra environment managers by name (virtualenv, uv, conda), added to `local`. */
  readonly environments?: ReadonlyMap<string, PythonEnvironmentProvider>;
  /** Warnings and worker logs. */
  readonly log?: (line: string) => void;
}

/** The environment managers: `local`, plus any given. */
export function createPythonEnvironments(options: ModelRuntimeOptions = {}): PythonEnvironmentRegistry {
  return new Map<string, PythonEnvironmentProvider>([
    [
      'local',
      new LocalPythonEnvironment({
        ...(options.python === undefined ? {} : { python: options.python }),
        ...(options.env === undefined ? {} : { env: options.env }),
        ...(options.log === undefined ? {} : { warn: options.log }),
      }),
    ],
    ...(options.environments ?? new Map()),
  ]);
}

/**
 * The flavors Keel runs, in order of preference.
 *
 * @example
 * const flavors = createFlavorRegistry({ python: '/usr/bin/python3' });
 * const model = await loadModelDirectory(dir, { flavors });
 */
export function createFlavorRegistry(options: ModelRuntimeOptions = {}): FlavorRegistry {
  const environments = createPythonEnvironments(options);
  const name = options.envManager ?? 'local';
  let environment: PythonEnvironmentProvider;
  try {
    environment = pythonEnvironmentFor(environments, name);
  } catch (error) {
    // Reported when a Python model is loaded, not before: other flavors do not need it.
    environment = {
      name,
      prepare: () => Promise.reject(error),
    };
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
