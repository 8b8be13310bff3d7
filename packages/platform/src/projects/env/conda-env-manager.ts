/**
 * `--env-manager conda`: `conda env create --prefix <env root>/conda_envs/keel-<sha1>` from the
 * project's conda file (mamba when `conda` is absent; `MLFLOW_CONDA_HOME` points at an install),
 * and `conda run --prefix <env> --no-capture-output` before the command. Without conda or mamba it
 * fails at once with a message that names the alternatives.
 */
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ProjectError } from '../errors.js';
import { findExecutable, runChecked } from '../process.js';
import { contentHash, isEnvReady, markEnvReady, withEnvLock } from './env-cache.js';
import type { EnvManager, EnvManagerOptions, EnvProgressListener, EnvSpec, PreparedEnv } from './env-manager.js';
import { findPython } from './python-env.js';

/** Creates and reuses conda environments. */
export class CondaEnvManager implements EnvManager {
  readonly name = 'conda';
  readonly tag = 'conda';
  private readonly options: EnvManagerOptions;

  constructor(options: EnvManagerOptions) {
    this.options = Object.freeze({ ...options });
  }

  /** conda (or mamba): `MLFLOW_CONDA_HOME/bin/conda`, then PATH. */
  private findConda(): string {
    const home = this.options.env.MLFLOW_CONDA_HOME;
    const found =
      (home ? findExecutable(join(home, 'bin', 'conda'), undefined) : undefined) ??
      findExecutable('conda', this.options.env.PATH) ??
      findExecutable('mamba', this.options.env.PATH);
    if (found === undefined) {
      throw new ProjectError(
        'conda is not installed: neither conda nor mamba was found on PATH (or in MLFLOW_CONDA_HOME). Install Miniforge, or choose another manager: --env-manager virtualenv (python_env.yaml, or the conda file converted), uv, or local.',
      );
    }
    return found;
  }

  async prepare(
    spec: EnvSpec,
    onProgress: EnvProgressListener = () => undefined,
    signal?: AbortSignal,
  ): Promise<PreparedEnv> {
    const environment = spec.environment;
    if (environment.kind === 'docker') {
      throw new ProjectError('This project declares docker_env: it runs in its container, not in a conda environment.');
    }
    if (environment.kind === 'python' && environment.file !== undefined) {
      throw new ProjectError(
        'python_env project cannot be executed using conda. Use --env-manager virtualenv (or uv, or local) instead.',
      );
    }
    const conda = this.findConda();
    if (!['1', 'true'].includes((this.options.env.MLFLOW_DISABLE_ENV_MANAGER_CONDA_WARNING ?? '').toLowerCase())) {
      onProgress({
        kind: 'step',
        message:
          'Note: conda may pull packages from channels whose terms require a license for commercial use (set MLFLOW_DISABLE_ENV_MANAGER_CONDA_WARNING=true to hide this).',
      });
    }
    const env = { ...this.options.env } as NodeJS.ProcessEnv;
    // No conda file: the default interpreter's version, nothing else.
    const source: { readonly file: string; readonly text: string } | { readonly python: string } =
      environment.kind === 'conda'
        ? { file: environment.file, text: readFileSync(environment.file, 'utf8') }
        : { python: (await findPython(undefined, this.options.env)).version };
    const dir = join(this.options.envRoot, 'conda_envs', `keel-${contentHash(source)}`);
    const prepared: PreparedEnv = {
      commandPrefix: [conda, 'run', '--prefix', dir, '--no-capture-output'],
      env: {},
      description: `conda ${dir}`,
    };
    if (isEnvReady(dir)) {
      onProgress({ kind: 'step', message: `Reusing conda environment ${dir}` });
      return prepared;
    }
    const onOutput = (text: string) => onProgress({ kind: 'output', text });
    await withEnvLock(
      `${dir}.lock`,
      () => onProgress({ kind: 'step', message: `Waiting for another run creating ${dir}` }),
      async () => {
        if (isEnvReady(dir)) return;
        await rm(dir, { recursive: true, force: true });
        onProgress({ kind: 'step', message: `Creating conda environment ${dir}` });
        const argv =
          'file' in source
            ? [conda, 'env', 'create', '--prefix', dir, '--file', source.file]
            : [conda, 'create', '--yes', '--prefix', dir, `python=${source.python}`];
        try {
          await runChecked(argv, { env, onOutput, ...(signal ? { signal } : {}) }, `${conda} env create`);
          await markEnvReady(dir, source);
        } catch (error) {
          await rm(dir, { recursive: true, force: true });
          throw error;
        }
      },
      signal,
    );
    return prepared;
  }
}
