/**
 * Embedded mode: the whole tracking server opened in-process on a local store, answering
 * requests through Fastify's `inject()` (no port). The client SDK loads this with a dynamic
 * `import('@keel/platform')` when its tracking URI is a local store (`sqlite:///x.db` or a
 * path), so a training script can track with no server running. Artifacts of new experiments
 * go to `<store directory>/mlartifacts`, a local path the client writes to directly.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createServer } from './compose.js';
import { resolveServerConfig } from './config/server-config.js';
import type { Durability } from './durability.js';
import type { Logger } from './server/deps.js';
import { resolveLocalStore } from './store/local-store-uri.js';

/** Options of `openEmbeddedTransport`. */
export interface EmbeddedTransportOptions {
  /** Directory relative paths and `sqlite:///relative.db` are resolved against (default: `process.cwd()`). */
  readonly cwd?: string;
  /** Where new experiments keep artifacts (default: `mlartifacts` next to the database). */
  readonly artifactRoot?: string;
  /** Where server-side problems are reported (default: stderr for warnings and errors). */
  readonly logger?: Logger;
  /** `durable` (default): acknowledged writes survive power loss; `relaxed`: a process crash only. */
  readonly durability?: Durability;
}

type Body = string | Uint8Array | ReadableStream<Uint8Array>;

/** A request, in the shape of the client SDK's `TransportRequest`. */
export interface EmbeddedRequest {
  readonly method: string;
  readonly path: string;
  readonly query?: readonly (readonly [string, string])[];
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Body | (() => Body);
}

/** A response, in the shape of the client SDK's `TransportResponse`. */
export interface EmbeddedResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
}

/** An in-process transport: structurally the client SDK's `Transport`. */
export interface EmbeddedTransport {
  readonly uri: string;
  /** The local directory new experiments' artifacts go to. */
  readonly artifactRoot: string;
  request(request: EmbeddedRequest): Promise<EmbeddedResponse>;
  /** Closes the store. */
  close(): Promise<void>;
}

const stderrLogger: Logger = {
  info: () => undefined,
  warn: (message) => process.stderr.write(`[keel] warning: ${message}\n`),
  error: (message, cause) =>
    process.stderr.write(
      `[keel] error: ${message}${cause instanceof Error ? `: ${cause.stack ?? cause.message}` : ''}\n`,
    ),
};

function flattenHeaders(headers: Record<string, string | string[] | number | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return out;
}

/** inject() takes strings, Buffers and Node streams; a bare Uint8Array would be sent as JSON. */
function toPayload(body: Body): string | Buffer | Readable {
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  return Readable.fromWeb(body as import('node:stream/web').ReadableStream<Uint8Array>);
}

/**
 * Opens a local store in-process and serves requests to it without a network port.
 *
 * @example
 * const transport = await openEmbeddedTransport('sqlite:///mlflow.db');
 * const res = await transport.request({ method: 'GET', path: '/api/2.0/mlflow/experiments/get', query: [['experiment_id', '0']] });
 * await transport.close();
 */
export async function openEmbeddedTransport(
  uri: string,
  options: EmbeddedTransportOptions = {},
): Promise<EmbeddedTransport> {
  const cwd = options.cwd ?? process.cwd();
  const { storeUri, directory } = resolveLocalStore(uri, cwd);
  mkdirSync(directory, { recursive: true });
  const artifactRoot = options.artifactRoot ?? join(directory, 'mlartifacts');
  const config = resolveServerConfig(
    {
      backendStoreUri: storeUri,
      defaultArtifactRoot: artifactRoot,
      artifactsDestination: artifactRoot,
      serveArtifacts: true,
      host: '127.0.0.1',
      port: 0,
      // In-process, reachable only by this program: its experiments may keep artifacts in any
      // local directory, as with MLflow's local stores (the client writes them directly).
      allowLocalArtifactLocations: true,
      ...(options.durability === undefined ? {} : { durability: options.durability }),
    },
    {},
    cwd,
  );
  const server = await createServer(config, options.logger ?? stderrLogger, cwd);
  return {
    uri,
    artifactRoot,
    async request(request) {
      const body = typeof request.body === 'function' ? request.body() : request.body;
      const search = new URLSearchParams();
      for (const [key, value] of request.query ?? []) search.append(key, value);
      const query = search.toString();
      const response = await server.app.inject({
        method: request.method as 'GET',
        url: query === '' ? request.path : `${request.path}?${query}`,
        headers: { ...request.headers },
        ...(body === undefined ? {} : { payload: toPayload(body) }),
      });
      return { status: response.statusCode, headers: flattenHeaders(response.headers), body: response.rawPayload };
    },
    close: () => server.close(),
  };
}
