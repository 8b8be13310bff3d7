/**
 * `--env-manager uv`: `uv venv --python <version>` and `uv pip install`, cached by content hash
 * under `<env root>/uv_envs/`. Needs `uv` on PATH.
 */
import { join } from 'node:path';
import { ProjectError } from '../errors.js';
import { findExecutable, runChecked } from '../process.js';
import { type PythonEnvTool, prepareCachedPythonEnv } from './cached-python-env.js';
import type { EnvManager, EnvManagerOptions, EnvProgressListener, EnvSpec, PreparedEnv } from './env-manager.js';

/** Creates and reuses uv environments. */
export class UvEnvManager implements EnvManager {
  readonly name = 'uv';
  readonly tag = 'uv';
  private readonly options: EnvManagerOptions;

  constructor(options: EnvManagerOptions) {
    this.options = Object.freeze({ ...options });
  }

  prepare(spec: EnvSpec, onProgress?: EnvProgressListener, signal?: AbortSignal): Promise<PreparedEnv> {
    const uv = findExecutable('uv', this.options.env.PATH);
    if (uv === undefined) {
      return Promise.reject(
        new ProjectError(
          'uv is not installed (not found on PATH). Install it (https://docs.astral.sh/uv/), or run with --env-manager virtualenv or --env-manager local.',
        ),
      );
    }
    const env = { ...this.options.env } as NodeJS.ProcessEnv;
    const run = (argv: string[], onOutput: (text: string) => void, what: string, s?: AbortSignal) =>
      runChecked(argv, { env, onOutput, ...(s ? { signal: s } : {}) }, what);
    const tool: PythonEnvTool = {
      kind: 'uv',
      create: async (dir, python, _withPip, onOutput, s) => {
        await run([uv, 'venv', '--python', python.path, '--', dir], onOutput, 'uv venv', s);
      },
      install: async (dir, args, onOutput, s) => {
        await run(
          [uv, 'pip', 'install', '--python', join(dir, 'bin', 'python'), ...args],
          onOutput,
          'uv pip install',
          s,
        );
      },
    };
    return prepareCachedPythonEnv(tool, this.options, spec, onProgress, signal);
  }
}
