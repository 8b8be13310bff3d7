/**
 * Launching `keel run` again elsewhere (a Slurm batch job, a detached supervisor): the command
 * that starts this very CLI, and the arguments that run an existing run's job in place with the
 * local backend. Every value is one `--name=value` argument, so none can be read as an option.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProjectError } from '../errors.js';
import type { ProjectJob } from './project-backend.js';

/**
 * `[node, <path of bin/keel.js>]`: the package's own binary, found from this module's location
 * (the bundle and the sources both sit inside the @keel/platform package).
 */
export function keelCliCommand(): string[] {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === '@keel/platform') {
          return [process.execPath, join(dir, 'bin', 'keel.js')];
        }
      } catch {
        // Not a readable manifest: keep looking.
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new ProjectError('Cannot locate the keel command (bin/keel.js of @keel/platform).');
    dir = parent;
  }
}

/**
 * The `keel run` arguments that execute `job` (whose run exists) with the local backend.
 *
 * @example
 * spawn(keel[0], [...keel.slice(1), ...localRunArguments(job)]);
 */
export function localRunArguments(job: ProjectJob): string[] {
  return [
    'run',
    job.project.dir,
    `--run-id=${job.runId}`,
    `--entry-point=${job.entryPoint}`,
    ...(job.envManager === 'docker' ? [] : [`--env-manager=${job.envManager}`]),
    '--backend=local',
    `--tracking-uri=${job.trackingUri}`,
    `--storage-dir=${job.storageDir}`,
    ...[...job.userParameters].map(([name, value]) => `--param-list=${name}=${value}`),
    ...job.dockerArgs.map((arg) => `--docker-args=${arg}`),
    ...job.cleanupDirs.map((dir) => `--cleanup-dir=${dir}`),
  ];
}
