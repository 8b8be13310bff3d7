/**
 * The client in Node: the environment is read once (plus `~/.mlflow/credentials`, where the
 * environment wins), `http(s)` URIs get the HTTP transport (with a TLS-capable fetch when TLS
 * settings ask for it), and local store URIs open the store in-process.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createHttpTransport, KeelClient } from '../client/keel-client.js';
import { type ClientOptions, type EnvSource, isHttpUri, resolveClientConfig } from '../config.js';
import type { Transport } from '../transport/transport.js';
import { LazyTransport, openLocalStore } from './embedded.js';
import { createStreamingFetch, createTlsFetch } from './tls-fetch.js';

/**
 * Client options in Node.
 *
 * @example
 * createClient({ trackingUri: 'sqlite:///runs.db' });
 */
export interface NodeClientOptions extends ClientOptions {
  /** Environment to read (default: a snapshot of `process.env` taken now). */
  readonly env?: EnvSource;
  /** Base of relative local store paths (default: `process.cwd()`). */
  readonly cwd?: string;
}

/**
 * Reads `[mlflow]` credentials from an INI file such as `~/.mlflow/credentials`.
 *
 * @example
 * const { username } = readCredentialsFile(`${os.homedir()}/.mlflow/credentials`);
 */
export function readCredentialsFile(path: string): { username?: string; password?: string } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return {};
  }
  const out: { username?: string; password?: string } = {};
  let section = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = (header[1] as string).trim();
      continue;
    }
    const eq = line.search(/[=:]/);
    if (section !== 'mlflow' || eq < 0) continue;
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    if (key === 'mlflow_tracking_username') out.username = value;
    if (key === 'mlflow_tracking_password') out.password = value;
  }
  return out;
}

/**
 * The environment with credentials from `~/.mlflow/credentials` filled in where it has none.
 *
 * @example
 * const env = environmentWithCredentials(process.env);
 */
export function environmentWithCredentials(env: EnvSource): EnvSource {
  const file = readCredentialsFile(join(env.HOME ?? homedir(), '.mlflow', 'credentials'));
  return {
    ...(file.username === undefined ? {} : { MLFLOW_TRACKING_USERNAME: file.username }),
    ...(file.password === undefined ? {} : { MLFLOW_TRACKING_PASSWORD: file.password }),
    ...env,
  };
}

/**
 * A client configured like MLflow's: explicit options, then `MLFLOW_*` variables, then
 * `~/.mlflow/credentials`. A local store URI (`sqlite:///x.db`, a path) is opened in-process
 * on the first call, through the optional `@keel/platform` package.
 *
 * @example
 * const client = createClient(); // MLFLOW_TRACKING_URI, or ./mlflow.db
 * const { experiment } = await client.getExperiment({ experiment_id: '0' });
 */
export function createClient(options: NodeClientOptions = {}): KeelClient {
  const env = environmentWithCredentials({ ...(options.env ?? process.env) });
  const config = resolveClientConfig(options, env);
  let transport: Transport | undefined = options.transport;
  if (transport === undefined && isHttpUri(config.trackingUri)) {
    const needsTls = config.insecureTls || config.serverCertPath !== undefined || config.clientCertPath !== undefined;
    const fetch =
      options.fetch ??
      (needsTls
        ? createTlsFetch({
            insecure: config.insecureTls,
            ...(config.serverCertPath === undefined ? {} : { serverCertPath: config.serverCertPath }),
            ...(config.clientCertPath === undefined ? {} : { clientCertPath: config.clientCertPath }),
          })
        : createStreamingFetch());
    transport = createHttpTransport(config, fetch, options.onRetry);
  }
  if (transport === undefined) {
    const uri = config.trackingUri;
    const cwd = options.cwd ?? process.cwd();
    transport = new LazyTransport(uri, () => openLocalStore(uri, cwd));
  }
  return new KeelClient({ ...options, transport }, env);
}
