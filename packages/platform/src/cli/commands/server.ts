/** `keel server` (alias `keel ui`): the tracking server with the artifact proxy and the UI. */
import { KEEL_VERSION } from '@keel/contract';
import { type Command, Option } from 'commander';
import type { ServerConfigInput } from '../../config/server-config.js';
import { DURABILITY_MODES } from '../../durability.js';
import type { Logger } from '../../server/deps.js';
import type { CliIo } from '../output.js';

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
          ? 'Run the tracking server: MLflow REST API, model registry, artifact proxy and web UI'
          : 'Same as `keel server`',
      )
      .option(
        '--backend-store-uri <uri>',
        'metadata store (env MLFLOW_BACKEND_STORE_URI) [default: sqlite:///mlflow.db]',
      )
      .option(
        '--registry-store-uri <uri>',
        'registry store (env MLFLOW_REGISTRY_STORE_URI) [default: the backend store]',
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
      .addOption(
        new Option(
          '--durability <mode>',
          'durable: acknowledged writes survive power loss (fsync per commit group and per artifact); ' +
            'relaxed: they survive a server crash only, faster on slow disks (env KEEL_DURABILITY) [default: durable]',
        ).choices(DURABILITY_MODES),
      )
      .addHelpText(
        'after',
        '\nExamples:\n  keel server\n  keel server --port 8080 --backend-store-uri sqlite:////data/keel.db\n  MLFLOW_TRACKING_URI=http://127.0.0.1:5000 python train.py',
      )
      .action(async (flags: ServerFlags, command: Command) => {
        // `--serve-artifacts` and `--no-serve-artifacts` share one key; only an explicit flag counts.
        if (command.getOptionValueSource('serveArtifacts') === 'default') delete flags.serveArtifacts;
        // Loaded here, not at the top: the client-side commands never need the server.
        const [{ createServer }, { resolveServerConfig }] = await Promise.all([
          import('../../compose.js'),
          import('../../config/server-config.js'),
        ]);
        const config = resolveServerConfig(toConfigInput(flags), env, process.cwd());
        const started = performance.now();
        const server = await createServer(config, consoleLogger(io));
        const address = await server.app.listen({ host: config.host, port: config.port });
        // One write, so that whoever watches the output sees the whole banner at once.
        io.err(
          [
            `Keel ${KEEL_VERSION} tracking server listening on ${address} (ready in ${Math.round(performance.now() - started)} ms)`,
            `  backend store:  ${config.backendStoreUri}`,
            `  artifact root:  ${config.defaultArtifactRoot}`,
            ...(config.serveArtifacts ? [`  artifacts in:   ${config.artifactsDestination}`] : []),
            `  durability:     ${config.durability === 'durable' ? 'durable (acknowledged writes survive power loss)' : 'relaxed (acknowledged writes survive a server crash, not power loss)'}`,
            `  set MLFLOW_TRACKING_URI=${address} in your clients; Ctrl-C stops the server`,
          ].join('\n'),
        );
        await waitForShutdown(io);
        await server.close();
        io.err('Keel server stopped.');
      });
  }
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
