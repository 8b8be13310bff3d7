/**
 * Model environment files (models.md §4): reading what a Python model needs (its Python version
 * and requirement files) and writing the files MLflow expects next to a model Keel saves, so
 * that MLflow's Python tools can recreate its environment too.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MLFLOW_COMPAT_VERSION } from '@keel/contract';
import { parseDocument, stringify } from 'yaml';
import type { ModelDirectory } from './model-directory.js';

/** What an environment manager needs to run a Python model. Paths are absolute and inside the model. */
export interface ModelEnvironmentSpec {
  /** The model directory (real path). */
  readonly modelDir: string;
  /** The Python version the model was saved with (`python_version`, else `python_env.yaml`). */
  readonly pythonVersion?: string;
  readonly pythonEnvFile?: string;
  readonly condaFile?: string;
  readonly requirementsFile?: string;
  /** The requirement lines of `requirements.txt` (comments and blank lines dropped). */
  readonly requirements: readonly string[];
}

async function readOptional(path: string | undefined): Promise<string | undefined> {
  if (path === undefined) return undefined;
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Reads the environment of a model's `python_function` flavor. */
export async function readModelEnvironment(model: ModelDirectory): Promise<ModelEnvironmentSpec> {
  const pyfunc = model.flavor('python_function') ?? {};
  const env = pyfunc.env;
  const condaName = typeof env === 'string' ? env : (env as { conda?: unknown } | undefined)?.conda;
  const venvName = typeof env === 'object' && env !== null ? (env as { virtualenv?: unknown }).virtualenv : undefined;
  const condaFile = condaName ? await model.resolve(condaName, 'flavors.python_function.env.conda') : undefined;
  const pythonEnvFile = venvName ? await model.resolve(venvName, 'flavors.python_function.env.virtualenv') : undefined;
  const requirementsFile = await model.resolve('requirements.txt', 'requirements.txt');
  const requirementsText = await readOptional(requirementsFile);
  let pythonVersion = typeof pyfunc.python_version === 'string' ? pyfunc.python_version : undefined;
  if (pythonVersion === undefined) {
    const text = await readOptional(pythonEnvFile);
    const python =
      text === undefined ? undefined : (parseDocument(text, { schema: 'core' }).toJS() as { python?: unknown })?.python;
    if (python !== undefined && python !== null) pythonVersion = String(python);
  }
  return {
    modelDir: model.dir,
    ...(pythonVersion === undefined ? {} : { pythonVersion }),
    ...(pythonEnvFile === undefined ? {} : { pythonEnvFile }),
    ...(condaFile === undefined ? {} : { condaFile }),
    ...(requirementsText === undefined ? {} : { requirementsFile }),
    requirements: (requirementsText ?? '')
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#')),
  };
}

/** The default Python version written into environments of models Keel saves. */
export const DEFAULT_PYTHON_VERSION = '3.11';

/**
 * Writes `conda.yaml`, `python_env.yaml` and `requirements.txt` for `requirements` (pip lines;
 * `mlflow` is added) and returns the `env` block of the `python_function` flavor.
 */
export async function writeEnvironmentFiles(
  dir: string,
  requirements: readonly string[],
  pythonVersion: string = DEFAULT_PYTHON_VERSION,
): Promise<{ conda: string; virtualenv: string }> {
  const pip = [`mlflow==${MLFLOW_COMPAT_VERSION}`, ...requirements.filter((r) => !/^mlflow\b/.test(r))];
  await writeFile(join(dir, 'requirements.txt'), `${pip.join('\n')}\n`);
  await writeFile(
    join(dir, 'python_env.yaml'),
    stringify(
      {
        python: pythonVersion,
        build_dependencies: ['pip', 'setuptools', 'wheel'],
        dependencies: ['-r requirements.txt'],
      },
      { version: '1.1' },
    ),
  );
  await writeFile(
    join(dir, 'conda.yaml'),
    stringify(
      { channels: ['conda-forge'], dependencies: [`python=${pythonVersion}`, 'pip', { pip }], name: 'mlflow-env' },
      { version: '1.1' },
    ),
  );
  return { conda: 'conda.yaml', virtualenv: 'python_env.yaml' };
}
