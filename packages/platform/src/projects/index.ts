/**
 * Projects: `MLproject` files, environment managers, project sources, backends (local, Slurm)
 * and the runner behind `keel run` and `runProject`. Published as `@keel/platform/projects`.
 */

// Backends.
export { type LocalBackendOptions, LocalProjectBackend } from './backend/local-project-backend.js';
export type {
  JobOutcome,
  JobOutput,
  JobState,
  ProjectBackend,
  ProjectJob,
  SubmittedRun,
} from './backend/project-backend.js';
export { createProjectBackends, type ProjectBackendFactory, projectBackendFrom } from './backend/project-backends.js';
export { parseSlurmConfig, type SlurmConfig } from './backend/slurm-config.js';
export { SlurmProjectBackend } from './backend/slurm-project-backend.js';
// MLproject files, parameters and commands.
export {
  commandArgv,
  commandText,
  entryPointCommand,
  findEntryPoint,
  type ProjectCommand,
  scriptCommand,
} from './command.js';
// Environment managers (also used by the Python model worker).
export { CondaEnvManager } from './env/conda-env-manager.js';
export { DockerEnvManager, type DockerOptions, dockerArgsFrom, dockerRunCommand } from './env/docker-env-manager.js';
export type {
  EnvManager,
  EnvManagerOptions,
  EnvProgress,
  EnvProgressListener,
  EnvSpec,
  PreparedEnv,
} from './env/env-manager.js';
export { defaultEnvRoot } from './env/env-manager.js';
export {
  createEnvManagers,
  ENV_MANAGER_NAMES,
  type EnvManagerName,
  envManagerFrom,
  envManagerNameFor,
} from './env/env-managers.js';
export { LocalEnvManager } from './env/local-env-manager.js';
export { NodeEnvManager } from './env/node-env-manager.js';
export { findPython, type PythonEnvDescription, type PythonInterpreter, pythonEnvOf } from './env/python-env.js';
export { UvEnvManager } from './env/uv-env-manager.js';
export { VirtualenvEnvManager } from './env/virtualenv-env-manager.js';
export { ProjectError, ProjectRunFailedError } from './errors.js';
// Running projects.
export { type LaunchOptions, launchProject, type ProjectRun, type ProjectRunResult } from './launch.js';
export {
  type DockerEnvironment,
  type EntryPoint,
  findMlprojectFile,
  loadProject,
  type ParameterSpec,
  type Project,
  type ProjectEnvironment,
  parseMlproject,
} from './mlproject.js';
export {
  type CheckedParameters,
  checkParameters,
  describeEntryPoint,
  loggedParameters,
  parseParameterList,
  type ResolvedParameters,
  resolveParameters,
  type UriDownloader,
} from './parameters.js';
export { waitForRunEnd } from './run-handles.js';
export { type RunProjectOptions, runProject } from './run-project.js';
export { joinShellArgs, quoteShellArg } from './shell-quote.js';
// Project sources.
export { type FetchedProject, type FetchOptions, fetchProject, type GitInfo } from './source/project-source.js';
export { absoluteTrackingUri, PROJECT_TAGS } from './tracking-run.js';
