/** `keel server` (alias `keel ui`): the tracking server with the model registry and the artifact proxy. */
import { resolve as resolvePath } from 'node:path';
import { KEEL_VERSION } from '@keel/contract';
import { type Command, Option } from 'commander';
import { isFetchBlockedPort } from '../../config/fetch-blocked-ports.js';
import { redactStoreUri, type ServerConfig, type ServerConfigInput } from '../../config/server-config.js';
import { DURABILITY_MODES } from '../../durability.js';
import type { Logger } from '../../server/deps.js';
import { isMlflowFileStore } from '../../store/local-store-uri.js';
import { positiveInt } from '../options.js';
import { CliError, type CliIo, usageError } from '../output.js';

interface ServerFlags {
  backendStoreUri?: string;
  registryStoreUri?: string;
  defaultArtifactRoot?: string;
  serveArtifacts?: boolean;
  artifactsDestination?: string;
  artifactsOnly?: boolean;
  host?: string;
  port?: string;
  staticPrefix?: string;
  allowedHosts?: string;
  corsAllowedOrigins?: string;
  disableSecurityMiddleware?: boolean;
  xFrameOptions?: string;
  allowLocalArtifactLocations?: boolean;
  workers?: number;
  dbPoolSize?: number;
  exposePrometheus?: string;
  appName?: string;
  gunicornOpts?: string;
  uvicornOpts?: string;
  waitressOpts?: string;
  durability?: string;
}

const list = (value: string | undefined) =>
  value === undefined
    ? undefined
    : value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);

/** Maps parsed flags onto the config input; environment variables fill the gaps in `resolveServerConfig`. */
function toConfigInput(flags: ServerFlags): ServerConfigInput {
  const input: Record<string, unknown> = {
    backendStoreUri: flags.backendStoreUri,
    registryStoreUri: flags.registryStoreUri,
    defaultArtifactRoot: flags.defaultArtifactRoot,
    serveArtifacts: flags.serveArtifacts,
    artifactsDestination: flags.artifactsDestination,
    artifactsOnly: flags.artifactsOnly,
    host: flags.host,
    port: flags.port === undefined ? undefined : Number(flags.port),
    staticPrefix: flags.staticPrefix,
    allowedHosts: list(flags.allowedHosts),
    corsAllowedOrigins: list(flags.corsAllowedOrigins),
    disableSecurityMiddleware: flags.disableSecurityMiddleware,
    xFrameOptions: flags.xFrameOptions,
    allowLocalArtifactLocations: flags.allowLocalArtifactLocations,
    workers: flags.workers,
    dbPoolSize: flags.dbPoolSize,
    exposePrometheus: flags.exposePrometheus,
    durability: flags.durability,
  };
  for (const key of Object.keys(input)) if (input[key] === undefined) delete input[key];
  return input as ServerConfigInput;
}

function consoleLogger(io: CliIo): Logger {
  return {
    info: (m) => io.err(m),
    warn: (m) => io.err(`warning: ${m}`),
    error: (m, cause) => io.err(`error: ${m}${cause instanceof Error ? `: ${cause.stack ?? cause.message}` : ''}`),
  };
}

export function registerServerCommand(program: Command, io: CliIo, env: NodeJS.ProcessEnv): void {
  for (const name of ['server', 'ui']) {
    program
      .command(name)
      .description(
        name === 'server'
          ? 'Run the tracking server: MLflow REST API, model registry and artifact proxy'
          : 'Same as `keel server`',
      )
      .option(
        '--backend-store-uri <uri>',
        'metadata store (env MLFLOW_BACKEND_STORE_URI) [default: sqlite:///mlflow.db]',
      )
      .option(
        '--registry-store-uri <uri>',
        'model registry store, a database of its own (env MLFLOW_REGISTRY_STORE_URI) [default: the backend store]',
      )
      .option(
        '--default-artifact-root <uri>',
        'artifact root of new experiments (env MLFLOW_DEFAULT_ARTIFACT_ROOT) [default: mlflow-artifacts:/ when serving artifacts]',
      )
      .option('--serve-artifacts', 'serve the mlflow-artifacts proxy (env MLFLOW_SERVE_ARTIFACTS) [default: on]')
      .option('--no-serve-artifacts', 'do not serve the artifact proxy')
      .option(
        '--artifacts-destination <uri>',
        'storage behind the proxy (env MLFLOW_ARTIFACTS_DESTINATION) [default: ./mlartifacts]',
      )
      .option('--artifacts-only', 'serve only the artifact proxy (env MLFLOW_ARTIFACTS_ONLY)')
      .option('-h, --host <host>', 'address to listen on (env MLFLOW_HOST) [default: 127.0.0.1]')
      .option('-p, --port <port>', 'port to listen on (env MLFLOW_PORT) [default: 5000]')
      .option('--static-prefix <prefix>', 'URL prefix for the UI, e.g. /mlflow (env MLFLOW_STATIC_PREFIX)')
      .option(
        '--allowed-hosts <list>',
        'extra allowed Host headers, comma-separated, * wildcards (env MLFLOW_SERVER_ALLOWED_HOSTS)',
      )
      .option(
        '--cors-allowed-origins <list>',
        'origins allowed to call the API from a browser (env MLFLOW_SERVER_CORS_ALLOWED_ORIGINS)',
      )
      .option(
        '--disable-security-middleware',
        'turn off Host, CORS and header protections (env MLFLOW_SERVER_DISABLE_SECURITY_MIDDLEWARE)',
      )
      .addOption(
        new Option('--x-frame-options <value>', 'X-Frame-Options header (env MLFLOW_SERVER_X_FRAME_OPTIONS)').choices([
          'SAMEORIGIN',
          'DENY',
          'NONE',
        ]),
      )
      .option(
        '--allow-local-artifact-locations',
        'accept experiment locations and model sources in local directories outside the artifact ' +
          'destination and default root, and serve their files; uploads still land only inside those ' +
          '(env KEEL_ALLOW_LOCAL_ARTIFACT_LOCATIONS) [default: off]',
      )
      // Scale-out: several processes on one port, and the PostgreSQL pool size of each.
      .option(
        '-w, --workers <n>',
        'server processes sharing the port (env MLFLOW_WORKERS) [default: 1]; above 1 needs a database file or PostgreSQL',
        positiveInt,
      )
      .option(
        '--db-pool-size <n>',
        'most connections each process opens to a PostgreSQL store (env MLFLOW_SQLALCHEMYSTORE_POOL_SIZE) [default: 10]',
        positiveInt,
      )
      .option(
        '--expose-prometheus <dir>',
        'serve Prometheus metrics at /metrics (env MLFLOW_EXPOSE_PROMETHEUS; metrics are kept in memory, DIR is accepted for MLflow compatibility)',
      )
      .option('--app-name <name>', "MLflow's alternative app (basic-auth): not available in Keel yet")
      .option('--gunicorn-opts <opts>', "MLflow's gunicorn options: accepted, do not apply (env MLFLOW_GUNICORN_OPTS)")
      .option('--uvicorn-opts <opts>', "MLflow's uvicorn options: accepted, do not apply (env MLFLOW_UVICORN_OPTS)")
      .option('--waitress-opts <opts>', "MLflow's waitress options: accepted, do not apply")
      .addOption(
        new Option(
          '--durability <mode>',
          'durable: acknowledged writes survive power loss (fsync per commit group and per artifact); ' +
            'relaxed: they survive a server crash only, faster on slow disks (env KEEL_DURABILITY) [default: durable]',
        ).choices(DURABILITY_MODES),
      )
      .addHelpText(
        'after',
        '\nExamples:\n  keel server\n  keel server --port 8080 --backend-store-uri sqlite:////data/keel.db\n  keel server --workers 4 --backend-store-uri postgresql://keel:secret@db:5432/keel\n  MLFLOW_TRACKING_URI=http://127.0.0.1:5000 python train.py',
      )
      .action(async (flags: ServerFlags, command: Command) => {
        const workers = await import('../server-workers.js');
        if (workers.isServerWorker()) {
          await workers.runServerWorker(consoleLogger(io));
          return;
        }
        // `--serve-artifacts` and `--no-serve-artifacts` share one key; only an explicit flag counts.
        if (command.getOptionValueSource('serveArtifacts') === 'default') delete flags.serveArtifacts;
        // Loaded here, not at the top: the client-side commands never need the server.
        const [{ createServer }, { resolveServerConfig }] = await Promise.all([
          import('../../compose.js'),
          import('../../config/server-config.js'),
        ]);
        const notes = mlflowServerNotes(flags, env);
        const config = resolveServerConfig(toConfigInput(flags), env, process.cwd());
        if (isFetchBlockedPort(config.port)) {
          notes.push(
            `browsers and fetch refuse port ${config.port} (one of the Fetch standard's blocked ports): the web UI and the TypeScript SDK cannot reach this server; choose another port, such as 5000`,
          );
        }
        if (config.workers > 1) {
          await serveWithWorkers(config, io, notes, workers.runServerWorkers);
          return;
        }
        const started = performance.now();
        const server = await createServer(config, consoleLogger(io));
        const address = await server.app.listen({ host: config.host, port: config.port });
        io.err(banner(config, address, '', started, notes));
        await waitForShutdown(io);
        await server.close();
        io.err('Keel server stopped.');
      });
  }
}

/**
 * The start-up banner, written at once so that whoever watches the output sees all of it:
 * where the server listens, what it stores where, and a note per ignored MLflow option.
 */
function banner(config: ServerConfig, address: string, processes: string, started: number, notes: string[]): string {
  return [
    `Keel ${KEEL_VERSION} tracking server listening on ${address}${processes} (ready in ${Math.round(performance.now() - started)} ms)`,
    `  backend store:  ${redactStoreUri(config.backendStoreUri)}`,
    ...(config.registryStoreUri === config.backendStoreUri
      ? []
      : [`  registry store: ${redactStoreUri(config.registryStoreUri)}`]),
    `  artifact root:  ${config.defaultArtifactRoot}`,
    ...(config.serveArtifacts ? [`  artifacts in:   ${config.artifactsDestination}`] : []),
    ...(config.exposePrometheus === undefined ? [] : [`  metrics at:     ${address}/metrics`]),
    `  durability:     ${config.durability === 'durable' ? 'durable (acknowledged writes survive power loss)' : 'relaxed (acknowledged writes survive a server crash, not power loss)'}`,
    `  set MLFLOW_TRACKING_URI=${address} in your clients; Ctrl-C stops the server`,
    ...notes.map((note) => `  note: ${note}`),
  ].join('\n');
}

/** `--workers N`: the primary process, which forks the workers and prints the banner once. */
async function serveWithWorkers(
  config: ServerConfig,
  io: CliIo,
  notes: string[],
  run: typeof import('../server-workers.js').runServerWorkers,
): Promise<void> {
  const started = performance.now();
  await run(config, consoleLogger(io), {
    onListening: (address) =>
      io.err(banner(config, address, ` with ${config.workers} worker processes`, started, notes)),
    untilShutdown: waitForShutdown(io),
  });
  io.err('Keel server stopped.');
}

/**
 * MLflow server options that have no counterpart in Keel: accepted so that pasted `mlflow server`
 * command lines start, each with a one-line note; authentication refuses to start without it.
 */
function mlflowServerNotes(flags: ServerFlags, env: NodeJS.ProcessEnv): string[] {
  if (flags.appName !== undefined) {
    if (flags.appName === 'basic-auth')
      throw new CliError(
        '--app-name basic-auth: authentication is not available yet in Keel. Run without --app-name, behind an authenticating reverse proxy if the server must be protected.',
      );
    throw usageError(
      `--app-name '${flags.appName}' is not an app Keel knows (MLflow's is basic-auth, not available yet).`,
    );
  }
  const given = [
    ['--gunicorn-opts', flags.gunicornOpts ?? env.MLFLOW_GUNICORN_OPTS],
    ['--uvicorn-opts', flags.uvicornOpts ?? env.MLFLOW_UVICORN_OPTS],
    ['--waitress-opts', flags.waitressOpts],
  ].filter(([, value]) => value !== undefined && value !== '');
  if (given.length > 1) throw usageError('Give only one of --gunicorn-opts, --uvicorn-opts and --waitress-opts.');
  const notes: string[] = [];
  const defaultStore = flags.backendStoreUri === undefined && !env.MLFLOW_BACKEND_STORE_URI;
  if (defaultStore && isMlflowFileStore(resolvePath('mlruns')))
    notes.push(
      './mlruns holds an MLflow file store, which Keel does not read; metadata goes to sqlite:///mlflow.db (copy the file store into it with: keel import-mlflow --from ./mlruns)',
    );
  for (const [flag] of given)
    notes.push(
      `${flag} does not apply to Keel (it serves HTTP itself, in --workers N processes; no gunicorn, uvicorn or waitress); ignored`,
    );
  return notes;
}

/** Resolves on the first SIGINT or SIGTERM; in-flight requests then finish before the stores close. */
function waitForShutdown(io: CliIo): Promise<void> {
  return new Promise((resolve) => {
    const stop = (signal: string) => {
      io.err(`Received ${signal}, shutting down...`);
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve();
    };
    const onInt = () => stop('SIGINT');
    const onTerm = () => stop('SIGTERM');
    process.once('SIGINT', onInt);
    process.once('SIGTERM', onTerm);
  });
}
