/**
 * `keel run`: runs an MLproject entry point as a tracked run (MLflow's `mlflow run`), locally or
 * on Slurm, and exits with the command's status. The projects module is loaded when the command
 * runs, so other commands never pay for it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { type CliContext, openClient, trackingUriOf } from '../connect.js';
import { collect, examples } from '../options.js';
import { CliError, usageError } from '../output.js';

interface RunFlags {
  entryPoint: string;
  version?: string;
  paramList?: string[];
  dockerArgs?: string[];
  experimentName?: string;
  experimentId?: string;
  backend: string;
  backendConfig?: string;
  envManager?: string;
  storageDir?: string;
  runId?: string;
  runName?: string;
  detach?: boolean;
  reuseFinished?: boolean;
  trackingUri?: string;
  cleanupDir?: string[];
}

/** `--backend-config`: inline JSON, or the path of a `.json` file. */
function readBackendConfig(value: string | undefined, cwd: string): unknown {
  if (value === undefined) return undefined;
  let text = value;
  if (value.trim().toLowerCase().endsWith('.json') && !value.trim().startsWith('{')) {
    const file = resolve(cwd, value.trim());
    if (!existsSync(file)) throw usageError(`--backend-config file ${file} does not exist.`);
    text = readFileSync(file, 'utf8');
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    return parsed;
  } catch {
    throw usageError(
      '--backend-config must be a JSON object (for example \'{"partition": "debug"}\') or the path of a .json file.',
    );
  }
}

/**
 * `mlflow run` spells the git ref `--version`, which commander would give to keel's own
 * `--version` wherever it appears: after `run`, it is rewritten to the sub-command's `-v`.
 *
 * @example
 * runVersionArgs(['node', 'keel', 'run', '.', '--version', 'v1']); // [..., 'run', '.', '-v', 'v1']
 */
export function runVersionArgs(argv: readonly string[]): string[] {
  const at = argv.slice(2).findIndex((arg) => !arg.startsWith('-'));
  if (at < 0 || argv[at + 2] !== 'run') return [...argv];
  const out = argv.slice(0, at + 3);
  const rest = argv.slice(at + 3);
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] as string;
    if (arg === '--') {
      out.push(...rest.slice(i));
      break;
    }
    if (arg === '--version') out.push('-v');
    else if (arg.startsWith('--version=')) out.push('-v', arg.slice('--version='.length));
    else out.push(arg);
    // An option's value is never rewritten (`-P note=--version`).
    if (
      /^-[A-Za-z]$|^--[a-z-]+$/.test(arg) &&
      arg !== '--detach' &&
      arg !== '--reuse-finished' &&
      arg !== '--version' &&
      i + 1 < rest.length
    ) {
      out.push(rest[++i] as string);
    }
  }
  return out;
}

/** Exit status for a run stopped by one of our signals, as shells report it. */
const SIGNAL_EXIT: Readonly<Record<string, number>> = { SIGINT: 130, SIGTERM: 143 };

/** Registers `keel run`. */
export function registerRunCommand(program: Command, context: CliContext): void {
  const { io, env } = context;
  program
    .command('run')
    .description(
      'Run an MLproject entry point as a tracked run: fetch the project, check parameters, create the run, prepare the environment and run the command (exits with its status)',
    )
    .argument(
      '[uri]',
      'project: a directory, a git URL (https://, file://, ssh), or a .zip; add #sub/dir for a subdirectory',
      '.',
    )
    .option('-e, --entry-point <name>', 'entry point, or a .py/.sh/.R script of the project', 'main')
    .option('-v, --version <ref>', 'git commit, branch or tag to run (git projects)')
    .option(
      '-P, --param-list <name=value>',
      'parameter (repeatable); undeclared ones are passed as --name value',
      collect,
    )
    .option('-A, --docker-args <name[=value]>', 'extra docker run option for docker_env projects (repeatable)', collect)
    .option('--experiment-name <name>', 'experiment to run in, created if missing (env MLFLOW_EXPERIMENT_NAME)')
    .option('--experiment-id <id>', 'experiment ID to run in (env MLFLOW_EXPERIMENT_ID)')
    .option('--run-name <name>', 'name of the new run')
    .option('-b, --backend <name>', 'where to run: local or slurm', 'local')
    .option(
      '-c, --backend-config <json|file.json>',
      'backend settings; Slurm: partition, time, nodes, ntasks, cpus_per_task, mem, gpus, gres, account, qos, constraint, sbatch_options, output_dir, poll_interval',
    )
    .addOption(
      new Option(
        '--env-manager <name>',
        'environment: local, virtualenv, uv, conda or node [default: what the project declares]',
      ),
    )
    .option(
      '--storage-dir <dir>',
      'where remote path parameters are downloaded (env MLFLOW_TMP_DIR) [default: the temp directory]',
    )
    .option(
      '--run-id <id>',
      'run in this existing run instead of creating one (used by the Slurm backend and --detach)',
    )
    .option('--detach', 'start the run, print its ID and return; follow it with keel runs wait <id>')
    .option(
      '--reuse-finished',
      'reuse a FINISHED run with the same entry point, parameters and git commit instead of running',
    )
    .option(
      '--tracking-uri <uri>',
      'tracking server URL, or a local store such as sqlite:///mlflow.db (env MLFLOW_TRACKING_URI) [default: http://127.0.0.1:5000]',
    )
    .addOption(new Option('--cleanup-dir <dir>').hideHelp().argParser(collect))
    .addHelpText(
      'after',
      `
The command sees MLFLOW_RUN_ID, MLFLOW_TRACKING_URI and MLFLOW_EXPERIMENT_ID, so MLflow clients
(Python's mlflow, Keel's SDK, plain REST) log into the run. Its output is shown and saved as the
run artifact logs/keel-run.log. Ctrl-C stops the whole process group and marks the run KILLED.
Run from inside a running step, the new run becomes its child (mlflow.parentRunId).
${examples(
  'keel run . -e prepare -P input=data/raw.csv -P output=data/clean.csv',
  'keel run https://github.com/org/repo#examples/train -v v1.2 --env-manager virtualenv',
  'keel run . -e train.py --env-manager local -P epochs=3',
  'keel run . -b slurm -c \'{"partition": "debug", "time": "00:30:00", "cpus_per_task": 4}\' --detach',
)}`,
    )
    .action(async (uri: string, flags: RunFlags) => {
      const cwd = process.cwd();
      const projects = await import('../../projects/index.js');
      const { ProjectError, absoluteTrackingUri, launchProject, parseParameterList } = projects;
      const fail = (error: unknown): never => {
        if (error instanceof ProjectError) throw new CliError(error.message, error.isUsageError ? 2 : 1);
        throw error;
      };
      let parameters: Map<string, string>;
      try {
        parameters = parseParameterList(flags.paramList ?? []);
      } catch (error) {
        return fail(error);
      }
      if (flags.experimentId !== undefined && flags.experimentName !== undefined) {
        throw usageError('Give --experiment-id or --experiment-name, not both.');
      }
      const backendConfig = readBackendConfig(flags.backendConfig, cwd);
      const trackingUri = absoluteTrackingUri(trackingUriOf(flags, env), cwd);
      const client = await openClient({ trackingUri }, context);
      const write = (text: string, stream: 'stdout' | 'stderr') =>
        stream === 'stdout' ? (io.outRaw ?? io.out)(text) : (io.errRaw ?? io.err)(text);
      const parentRunId = flags.runId === undefined ? env.MLFLOW_RUN_ID || undefined : undefined;
      let signalled: NodeJS.Signals | undefined;
      const handlers: [NodeJS.Signals, () => void][] = [];
      try {
        const run = await launchProject({
          uri,
          entryPoint: flags.entryPoint,
          parameters,
          ...pickDefined({
            version: flags.version,
            experimentId: flags.experimentId,
            experimentName: flags.experimentName,
            runName: flags.runName,
            runId: flags.runId,
            envManager: flags.envManager,
            storageDir: flags.storageDir ?? (env.MLFLOW_TMP_DIR || undefined),
            parentRunId,
            cleanupDirs: flags.cleanupDir,
          }),
          backend: flags.backend,
          backendConfig,
          dockerArgs: flags.dockerArgs ?? [],
          reuseFinished: flags.reuseFinished === true,
          detach: flags.detach === true,
          cwd,
          env,
          client,
          trackingUri,
          output: { write, progress: (message) => io.err(`[keel] ${message}`) },
        }).catch(fail);
        if (flags.detach === true) {
          await run.started().catch(fail);
          io.out(run.runId);
          io.err(`[keel] Run ${run.runId} started; wait for it with: keel runs wait ${run.runId}`);
          return;
        }
        for (const signal of ['SIGINT', 'SIGTERM'] as const) {
          const handler = () => {
            if (signalled !== undefined) return;
            signalled = signal;
            io.err(`[keel] ${signal}: stopping run ${run.runId}...`);
            void run.cancel();
          };
          process.on(signal, handler);
          handlers.push([signal, handler]);
        }
        const result = await run.wait();
        const code =
          signalled !== undefined && result.status === 'KILLED' ? (SIGNAL_EXIT[signalled] ?? 1) : result.exitCode;
        if (code !== 0) throw new CliError('', code);
      } finally {
        for (const [signal, handler] of handlers) process.off(signal, handler);
        await client.close();
      }
    });
}

function pickDefined<T extends Record<string, unknown>>(values: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}
