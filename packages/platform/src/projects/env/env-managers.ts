/**
 * The registry of environment managers (a `Map` built by the caller's composition root) and the
 * choice of one for a project (projects.md §3.2, plus `node` for TypeScript/JavaScript projects).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ProjectError } from '../errors.js';
import type { Project } from '../mlproject.js';
import { CondaEnvManager } from './conda-env-manager.js';
import { DockerEnvManager, type DockerOptions } from './docker-env-manager.js';
import type { EnvManager, EnvManagerOptions } from './env-manager.js';
import { LocalEnvManager } from './local-env-manager.js';
import { NodeEnvManager } from './node-env-manager.js';
import { UvEnvManager } from './uv-env-manager.js';
import { VirtualenvEnvManager } from './virtualenv-env-manager.js';

/** The values `--env-manager` accepts. */
export const ENV_MANAGER_NAMES = ['local', 'virtualenv', 'uv', 'conda', 'node'] as const;

/** One of `ENV_MANAGER_NAMES`. */
export type EnvManagerName = (typeof ENV_MANAGER_NAMES)[number];

/**
 * Every built-in manager by name (`docker` included, for `docker_env` projects).
 *
 * @example
 * const managers = createEnvManagers({ env: process.env, envRoot: '/home/alice/.mlflow/envs' });
 * const venv = managers.get('virtualenv');
 */
export function createEnvManagers(options: EnvManagerOptions, docker: DockerOptions = {}): Map<string, EnvManager> {
  const managers: EnvManager[] = [
    new LocalEnvManager(),
    new VirtualenvEnvManager(options),
    new UvEnvManager(options),
    new CondaEnvManager(options),
    new NodeEnvManager(options),
    new DockerEnvManager(options, docker),
  ];
  return new Map(managers.map((m) => [m.name, m]));
}

/** Throws the usage error for an unknown `--env-manager` value. */
export function checkEnvManagerName(name: string): asserts name is EnvManagerName {
  if (!(ENV_MANAGER_NAMES as readonly string[]).includes(name)) {
    throw new ProjectError(
      `Invalid value for \`env_manager\`: ${name}. Must be one of [${ENV_MANAGER_NAMES.map((n) => `'${n}'`).join(', ')}]`,
      true,
    );
  }
}

/**
 * The manager name a project runs with: the requested one, else what the project declares
 * (docker_env -> docker, conda -> conda, python_env -> virtualenv; nothing declared: node when
 * there is a package.json, else virtualenv).
 */
export function envManagerNameFor(project: Project, requested: string | undefined): string {
  if (project.environment.kind === 'docker') {
    if (requested !== undefined) {
      throw new ProjectError('This project declares docker_env and runs in its container: drop --env-manager.', true);
    }
    return 'docker';
  }
  if (requested !== undefined) {
    checkEnvManagerName(requested);
    return requested;
  }
  if (project.environment.kind === 'conda') return 'conda';
  if (project.environment.file === undefined && existsSync(join(project.dir, 'package.json'))) return 'node';
  return 'virtualenv';
}

/** The manager called `name`; unknown names throw an error listing the known ones. */
export function envManagerFrom(managers: ReadonlyMap<string, EnvManager>, name: string): EnvManager {
  const manager = managers.get(name);
  if (manager === undefined) {
    throw new ProjectError(`Unknown environment manager '${name}'; known: ${[...managers.keys()].join(', ')}.`, true);
  }
  return manager;
}
