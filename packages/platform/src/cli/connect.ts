/**
 * How client-side commands reach Keel: `--tracking-uri`, else `MLFLOW_TRACKING_URI`, else a
 * server on `http://127.0.0.1:5000`. HTTP URIs go through the SDK (MLflow's retry rules and
 * credentials); local store URIs (`sqlite:///x.db`, a path) open the store in-process. The SDK
 * and the store are loaded with `import()` when a command runs, so `keel server` never pays
 * for them at start-up.
 */
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import type { KeelClient, RetryNotice, Transport } from '@keel/client';
import type { Command } from 'commander';
import { CliError, type CliIo } from './output.js';

/**
 * The tracking URI of client-side commands when neither `--tracking-uri` nor
 * `MLFLOW_TRACKING_URI` is set: a local `keel server` (the SDK's embedded default suits
 * scripts; a command line is more often pointed at a running server).
 */
export const DEFAULT_CLI_TRACKING_URI = 'http://127.0.0.1:5000';

/** What every client-side command runs with. */
export interface CliContext {
  readonly io: CliIo;
  readonly env: NodeJS.ProcessEnv;
}

/** The options every client-side command takes. */
export interface ClientFlags {
  readonly trackingUri?: string;
  readonly json?: boolean;
}

/** Adds `--tracking-uri` and `--json` to a command. */
export function addClientOptions(command: Command): Command {
  return command
    .option(
      '--tracking-uri <uri>',
      `tracking server URL, or a local store such as sqlite:///mlflow.db (env MLFLOW_TRACKING_URI) [default: ${DEFAULT_CLI_TRACKING_URI}]`,
    )
    .option('--json', 'print the MLflow wire entities as JSON instead of a table');
}

/** The tracking URI a command uses. */
export function trackingUriOf(flags: ClientFlags, env: NodeJS.ProcessEnv): string {
  return flags.trackingUri || env.MLFLOW_TRACKING_URI || DEFAULT_CLI_TRACKING_URI;
}

/** Who the registry's audit trail records and new runs name: the tracking user name, else the OS user. */
export function cliUserName(env: NodeJS.ProcessEnv): string | undefined {
  if (env.MLFLOW_TRACKING_USERNAME) return env.MLFLOW_TRACKING_USERNAME;
  try {
    return userInfo().username || env.USER || undefined;
  } catch {
    // Containers may run as a UID with no passwd entry.
    return env.USER || undefined;
  }
}

/**
 * A transport that opens the local store on first use (a Keel platform module, loaded lazily).
 * It adds `headers` itself: only the SDK's HTTP transport applies configured headers.
 */
function embeddedTransport(uri: string, headers: Readonly<Record<string, string>>): Transport {
  let opened: Promise<Transport> | undefined;
  return {
    uri,
    async request(request) {
      opened ??= import('../embedded.js').then((m) => m.openEmbeddedTransport(uri, { cwd: process.cwd() }));
      return (await opened).request({ ...request, headers: { ...headers, ...request.headers } });
    },
    async close() {
      const transport = await opened;
      opened = undefined;
      await transport?.close?.();
    },
  };
}

/** How a command uses its store. */
export interface ClientUse {
  /**
   * The command creates things (an experiment, a run, a model), so a local store URI naming a
   * file that does not exist yet may create it. Every other command refuses such a URI instead
   * of leaving an empty store (and its directory) behind.
   */
  readonly createsStore?: boolean;
}

/** Refuses a local store URI whose database does not exist, unless the command creates things. */
async function checkLocalStore(trackingUri: string, use: ClientUse): Promise<void> {
  if (use.createsStore) return;
  const { localStoreFile } = await import('../store/local-store-uri.js');
  const file = localStoreFile(trackingUri, process.cwd());
  if (file !== undefined && !existsSync(file)) {
    throw new CliError(
      `No Keel store at ${file} (tracking URI '${trackingUri}'): nothing has been tracked there yet. Check the URI, or name a server with --tracking-uri http://127.0.0.1:5000.`,
    );
  }
}

/**
 * Opens a client for the command's tracking URI. Retries of an unreachable server are announced
 * on stderr, so that waiting through the retry budget never looks like a hang.
 */
export async function openClient(flags: ClientFlags, context: CliContext, use: ClientUse = {}): Promise<KeelClient> {
  const { checkTrackingUri, createClient, isHttpUri } = await import('@keel/client/node');
  const trackingUri = checkTrackingUri(trackingUriOf(flags, context.env));
  const user = cliUserName(context.env);
  const headers: Record<string, string> = user === undefined ? {} : { 'x-keel-user': user };
  if (!isHttpUri(trackingUri)) {
    await checkLocalStore(trackingUri, use);
    return createClient({ trackingUri, env: context.env, headers, transport: embeddedTransport(trackingUri, headers) });
  }
  // Node's fetch parses HTTP with a WebAssembly module, which V8 re-compiles optimised in the
  // background and then waits for at exit: about 100 ms added to every command. A short-lived
  // command is better served by the baseline code alone. Set before the first fetch compiles it.
  setFlagsFromString('--liftoff-only');
  const onRetry = (notice: RetryNotice) =>
    context.io.err(
      `No answer from ${new URL(notice.url).origin} (${notice.reason}); retry ${notice.retry} of ${notice.maxRetries} in ${(notice.delayMs / 1000).toFixed(1)} s`,
    );
  return createClient({ trackingUri, env: context.env, headers, onRetry });
}

/** Runs `task` with a client and closes the client afterwards, whatever happens. */
export async function withClient<T>(
  flags: ClientFlags,
  context: CliContext,
  task: (client: KeelClient) => Promise<T>,
  use: ClientUse = {},
): Promise<T> {
  const client = await openClient(flags, context, use);
  try {
    return await task(client);
  } finally {
    await client.close();
  }
}
