/**
 * `docker_env` projects (projects.md §3.3): the command runs in `docker run --rm` of the
 * project's image, with the project mounted at `/mlflow/projects/code`, the declared volumes
 * and variables, and the run's variables. Values travel in the docker client's environment
 * (`-e NAME`, never `-e NAME=value` in the argument list). Without an engine it fails at once.
 */
import { ProjectError } from '../errors.js';
import type { DockerEnvironment } from '../mlproject.js';
import { lastLines, runProcess } from '../process.js';
import type { EnvManager, EnvManagerOptions, EnvProgressListener, EnvSpec, PreparedEnv } from './env-manager.js';

/** Where the project is mounted inside the container. */
export const CONTAINER_PROJECT_DIR = '/mlflow/projects/code';

/** Per-run settings of Docker projects. */
export interface DockerOptions {
  /** Extra `docker run` flags (from `-A name=value`). */
  readonly args?: readonly string[];
  /** Extra `-v` mounts (`/host:/container`), e.g. a local tracking store. */
  readonly mounts?: readonly string[];
}

/** The `docker run` flags for `-A` options: `name=value` -> `--name=value` (`-n value` for one letter), `name` -> `--name`. */
export function dockerArgsFrom(list: readonly string[]): string[] {
  return list.flatMap((item) => {
    const eq = item.indexOf('=');
    const name = eq < 0 ? item : item.slice(0, eq);
    if (!/^[A-Za-z0-9][A-Za-z0-9-]*$/.test(name)) {
      throw new ProjectError(`Invalid -A option '${item}': use -A name=value or -A name.`, true);
    }
    const flag = name.length === 1 ? `-${name}` : `--${name}`;
    if (eq < 0) return [flag];
    const value = item.slice(eq + 1);
    return name.length === 1 ? [flag, value] : [`${flag}=${value}`];
  });
}

/** What `dockerRunCommand` builds. */
export interface DockerRunCommand {
  readonly argv: readonly string[];
  /** Variables the docker client must have so `-e NAME` passes them on. */
  readonly env: Readonly<Record<string, string>>;
}

/**
 * The `docker run` words before the command. `hostEnv` supplies bare `environment` names;
 * `passEnv` names are forwarded from the caller's environment.
 *
 * @example
 * dockerRunCommand({ image: 'python:3.11', volumes: [], environment: [['MODE', 'fast']] }, '/p', ['MLFLOW_RUN_ID'], {}, {});
 */
export function dockerRunCommand(
  docker: DockerEnvironment,
  projectDir: string,
  passEnv: readonly string[],
  hostEnv: Readonly<Record<string, string | undefined>>,
  options: DockerOptions,
): DockerRunCommand {
  if (!/^[A-Za-z0-9][A-Za-z0-9._/:@-]*$/.test(docker.image)) {
    throw new ProjectError(`Invalid docker image name '${docker.image}'.`);
  }
  const argv = ['docker', 'run', '--rm', ...(options.args ?? [])];
  argv.push('-v', `${projectDir}:${CONTAINER_PROJECT_DIR}`, '-w', CONTAINER_PROJECT_DIR);
  for (const volume of [...(options.mounts ?? []), ...docker.volumes]) argv.push('-v', volume);
  const env: Record<string, string> = {};
  const forward = (name: string, value: string | undefined, origin: string) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new ProjectError(`Invalid variable name '${name}' in ${origin}.`);
    if (value === undefined) {
      throw new ProjectError(`docker_env.environment names ${name}, which is not set in this environment.`);
    }
    env[name] = value;
    argv.push('-e', name);
  };
  for (const name of passEnv) {
    const value = hostEnv[name];
    if (value !== undefined) forward(name, value, 'the run variables');
  }
  for (const entry of docker.environment) {
    if (typeof entry === 'string') forward(entry, hostEnv[entry], 'docker_env.environment');
    else forward(entry[0], entry[1], 'docker_env.environment');
  }
  argv.push(docker.image);
  return { argv, env };
}

/** Runs `docker_env` projects in their container. */
export class DockerEnvManager implements EnvManager {
  readonly name = 'docker';
  readonly tag = 'docker';
  private readonly options: EnvManagerOptions;
  private readonly docker: DockerOptions;

  constructor(options: EnvManagerOptions, docker: DockerOptions = {}) {
    this.options = Object.freeze({ ...options });
    this.docker = Object.freeze({ ...docker });
  }

  async prepare(
    spec: EnvSpec,
    onProgress: EnvProgressListener = () => undefined,
    signal?: AbortSignal,
  ): Promise<PreparedEnv> {
    if (spec.environment.kind !== 'docker') {
      throw new ProjectError('The docker environment needs a docker_env section in MLproject.');
    }
    const docker = spec.environment.docker;
    const command = dockerRunCommand(docker, spec.dir, spec.passEnv ?? [], this.options.env, this.docker);
    const env = { ...this.options.env } as NodeJS.ProcessEnv;
    const run = (argv: string[]) => runProcess(argv, { env, timeoutMs: 30_000, ...(signal ? { signal } : {}) });
    onProgress({ kind: 'step', message: 'Checking the Docker engine' });
    const version = await run(['docker', 'version', '--format', '{{.Server.Version}}']).catch((error: Error) => ({
      code: 1,
      stdout: '',
      stderr: error.message,
    }));
    if (version.code !== 0) {
      throw new ProjectError(
        `No Docker engine answered (docker version: ${lastLines(version.stderr || version.stdout, 1) || 'no output'}). Start Docker (or point DOCKER_HOST at an engine) to run this docker_env project.`,
      );
    }
    let inspect = await run(['docker', 'image', 'inspect', '--format', '{{.Id}}', '--', docker.image]);
    if (inspect.code !== 0) {
      onProgress({ kind: 'step', message: `Pulling ${docker.image}` });
      const pull = await runProcess(['docker', 'pull', '--', docker.image], {
        env,
        onOutput: (text) => onProgress({ kind: 'output', text }),
        ...(signal ? { signal } : {}),
      });
      if (pull.code !== 0) {
        throw new ProjectError(`docker pull ${docker.image} failed: ${lastLines(pull.stderr || pull.stdout, 3)}`);
      }
      inspect = await run(['docker', 'image', 'inspect', '--format', '{{.Id}}', '--', docker.image]);
    }
    return {
      commandPrefix: command.argv,
      env: command.env,
      shell: 'sh',
      tags: { 'mlflow.docker.image.uri': docker.image, 'mlflow.docker.image.id': inspect.stdout.trim() },
      description: `docker image ${docker.image}`,
    };
  }
}
