/**
 * The part virtualenv and uv share: hash the environment description, reuse
 * `<env root>/<kind>_envs/keel-<sha1>` when it is complete, otherwise create it under a lock
 * (interpreter, build dependencies, then requirements) and mark it complete. A failed creation
 * leaves nothing behind that a later run could mistake for a finished environment.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ProjectError } from '../errors.js';
import { lastLines } from '../process.js';
import { contentHash, isEnvReady, markEnvReady, withEnvLock } from './env-cache.js';
import type { EnvManagerOptions, EnvProgressListener, EnvSpec, PreparedEnv } from './env-manager.js';
import { prependPath } from './env-manager.js';
import { findPython, type PythonInterpreter, pythonEnvOf } from './python-env.js';

/** The tool-specific steps. */
export interface PythonEnvTool {
  /** `virtualenv` or `uv`: names the cache folder and the messages. */
  readonly kind: string;
  /** Creates an empty environment at `dir`; `withPip` is false when nothing will be installed into it. */
  create(
    dir: string,
    python: PythonInterpreter,
    withPip: boolean,
    onOutput: (text: string) => void,
    signal?: AbortSignal,
  ): Promise<void>;
  /** Installs pip arguments into the environment at `dir`. */
  install(dir: string, args: readonly string[], onOutput: (text: string) => void, signal?: AbortSignal): Promise<void>;
}

/**
 * Prepares (or reuses) the Python environment `spec` declares with `tool`.
 */
export async function prepareCachedPythonEnv(
  tool: PythonEnvTool,
  options: EnvManagerOptions,
  spec: EnvSpec,
  onProgress: EnvProgressListener = () => undefined,
  signal?: AbortSignal,
): Promise<PreparedEnv> {
  const description = pythonEnvOf(spec.environment);
  const python = await findPython(description.python, options.env);
  const key = { tool: tool.kind, python: python.version, ...description };
  const dir = join(options.envRoot, `${tool.kind}_envs`, `keel-${contentHash(key)}`);
  const prepared: PreparedEnv = {
    commandPrefix: [],
    env: { PATH: prependPath(join(dir, 'bin'), options.env), VIRTUAL_ENV: dir },
    description: `${tool.kind} ${dir} (Python ${python.version})`,
  };
  if (isEnvReady(dir)) {
    onProgress({ kind: 'step', message: `Reusing ${tool.kind} environment ${dir} (Python ${python.version})` });
    return prepared;
  }
  const output = (text: string) => onProgress({ kind: 'output', text });
  await withEnvLock(
    `${dir}.lock`,
    () => onProgress({ kind: 'step', message: `Waiting for another run creating ${dir}` }),
    async () => {
      if (isEnvReady(dir)) return;
      await rm(dir, { recursive: true, force: true });
      try {
        onProgress({
          kind: 'step',
          message: `Creating ${tool.kind} environment ${dir} with Python ${python.version} (${python.path})`,
        });
        const installs = description.buildDependencies.length + description.dependencies.length > 0;
        await tool.create(dir, python, installs, output, signal);
        if (description.buildDependencies.length > 0) {
          onProgress({
            kind: 'step',
            message: `Installing build dependencies: ${description.buildDependencies.join(' ')}`,
          });
          await tool.install(dir, description.buildDependencies, output, signal);
        }
        if (description.dependencies.length > 0) {
          onProgress({ kind: 'step', message: `Installing dependencies: ${description.dependencies.join(' ')}` });
          await tool.install(dir, description.dependencies, output, signal);
        }
        await markEnvReady(dir, key);
      } catch (error) {
        await rm(dir, { recursive: true, force: true });
        if (error instanceof ProjectError) throw error;
        throw new ProjectError(`Could not create the ${tool.kind} environment: ${lastLines((error as Error).message)}`);
      }
    },
    signal,
  );
  onProgress({ kind: 'step', message: `Created ${prepared.description}` });
  return prepared;
}
