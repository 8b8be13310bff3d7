/**
 * `--env-manager virtualenv`: a virtual environment made with the interpreter's own `venv`
 * module (Debian: the python3-venv package), requirements installed with its pip; cached by
 * content hash under `<env root>/virtualenv_envs/`. Works offline when nothing needs installing.
 */
import { join } from 'node:path';
import { runChecked } from '../process.js';
import { type PythonEnvTool, prepareCachedPythonEnv } from './cached-python-env.js';
import type { EnvManager, EnvManagerOptions, EnvProgressListener, EnvSpec, PreparedEnv } from './env-manager.js';

/** Creates and reuses virtualenvs. */
export class VirtualenvEnvManager implements EnvManager {
  readonly name = 'virtualenv';
  readonly tag = 'virtualenv';
  private readonly options: EnvManagerOptions;
  private readonly tool: PythonEnvTool;

  constructor(options: EnvManagerOptions) {
    this.options = Object.freeze({ ...options });
    const env = { ...options.env, PIP_NO_INPUT: '1', PIP_DISABLE_PIP_VERSION_CHECK: '1' } as NodeJS.ProcessEnv;
    this.tool = {
      kind: 'virtualenv',
      async create(dir, python, withPip, onOutput, signal) {
        try {
          // pip (ensurepip) takes seconds to set up; an environment with nothing to install does without it.
          await runChecked(
            [python.path, '-m', 'venv', ...(withPip ? [] : ['--without-pip']), '--', dir],
            { env, onOutput, ...(signal ? { signal } : {}) },
            `${python.path} -m venv`,
          );
        } catch (error) {
          const message = (error as Error).message;
          // Debian splits venv out of the interpreter package.
          const hint = /ensurepip|No module named venv/.test(message)
            ? ' On Debian/Ubuntu install the python3-venv package, or run with --env-manager local.'
            : '';
          throw Object.assign(error as Error, { message: `${message}${hint}` });
        }
      },
      async install(dir, args, onOutput, signal) {
        await runChecked(
          [join(dir, 'bin', 'python'), '-m', 'pip', 'install', ...args],
          { env, onOutput, ...(signal ? { signal } : {}) },
          'pip install',
        );
      },
    };
  }

  prepare(spec: EnvSpec, onProgress?: EnvProgressListener, signal?: AbortSignal): Promise<PreparedEnv> {
    return prepareCachedPythonEnv(this.tool, this.options, spec, onProgress, signal);
  }
}
