/**
 * The registry of project backends: a `Map` from `--backend` name to a factory taking the
 * `--backend-config` object, built by the caller. A Kubernetes Job backend would be one more
 * entry (and one more file).
 */
import { ProjectError } from '../errors.js';
import { type LocalBackendOptions, LocalProjectBackend } from './local-project-backend.js';
import type { ProjectBackend } from './project-backend.js';
import { SlurmProjectBackend } from './slurm-project-backend.js';

/** Makes a backend from its `--backend-config`. */
export type ProjectBackendFactory = (config: unknown) => ProjectBackend;

/**
 * The built-in backends: `local` and `slurm`.
 *
 * @example
 * const backends = createProjectBackends({ managers, buildCommand });
 * const slurm = projectBackendFrom(backends, 'slurm', { partition: 'debug' });
 */
export function createProjectBackends(local: LocalBackendOptions): Map<string, ProjectBackendFactory> {
  return new Map<string, ProjectBackendFactory>([
    [
      'local',
      (config) => {
        if (config !== undefined && config !== null && Object.keys(config as object).length > 0) {
          throw new ProjectError('The local backend takes no --backend-config.', true);
        }
        return new LocalProjectBackend(local);
      },
    ],
    ['slurm', (config) => new SlurmProjectBackend(config)],
  ]);
}

/** The backend called `name`, configured; unknown names throw an error listing the known ones. */
export function projectBackendFrom(
  backends: ReadonlyMap<string, ProjectBackendFactory>,
  name: string,
  config: unknown,
): ProjectBackend {
  const factory = backends.get(name);
  if (factory === undefined) {
    throw new ProjectError(`Unknown backend '${name}'. Known backends: ${[...backends.keys()].join(', ')}.`, true);
  }
  return factory(config);
}
