/**
 * `fetch` functions built on `node:http(s)`, for what Node's built-in fetch cannot do without
 * the `undici` package (which Node 20 bundles but does not expose): TLS settings (skipping
 * verification with `MLFLOW_TRACKING_INSECURE_TLS`, a CA bundle, a client certificate), and
 * streamed uploads with backpressure. Node 20's fetch reads a streamed request body as fast as
 * the disk gives it, whatever the network takes, so a 1 GiB upload held ~1 GiB in memory; piped
 * into an `http.request`, the file is read only as fast as the socket drains. They return
 * standard `Response` objects.
 */
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { invalidParameter } from '@keel/contract';
import type { FetchFunction } from '../transport/http-transport.js';

/**
 * TLS settings of the tracking server connection.
 *
 * @example
 * const fetch = createTlsFetch({ insecure: true });
 */
export interface TlsOptions {
  readonly insecure?: boolean;
  readonly serverCertPath?: string;
  readonly clientCertPath?: string;
}

/**
 * A fetch function honouring `options`; redirects are not followed (a 3xx is returned as is).
 *
 * @example
 * new KeelClient({ trackingUri: 'https://keel.internal', fetch: createTlsFetch({ serverCertPath: '/etc/ca.pem' }) });
 */
export function createTlsFetch(options: TlsOptions): FetchFunction {
  const pem =
    options.clientCertPath === undefined
      ? undefined
      : readPem(options.clientCertPath, 'client certificate (MLFLOW_TRACKING_CLIENT_CERT_PATH)');
  const ca =
    options.serverCertPath === undefined
      ? undefined
      : readPem(options.serverCertPath, 'server CA bundle (MLFLOW_TRACKING_SERVER_CERT_PATH)');
  const agent = new Agent({
    keepAlive: true,
    rejectUnauthorized: options.insecure !== true,
    ...(ca === undefined ? {} : { ca }),
    // MLflow's client certificate file holds the certificate and its key in one PEM.
    ...(pem === undefined ? {} : { cert: pem, key: pem }),
  });
  return nodeHttpFetch(agent);
}

/**
 * Node's global fetch for ordinary requests, and `node:http(s)` for streamed request bodies,
 * which are then read only as fast as the connection sends them.
 *
 * @example
 * new KeelClient({ trackingUri: 'http://127.0.0.1:5000', fetch: createStreamingFetch() });
 */
export function createStreamingFetch(): FetchFunction {
  const streaming = nodeHttpFetch(undefined);
  return (url, init) => (init.body instanceof ReadableStream ? streaming(url, init) : globalThis.fetch(url, init));
}

/** A fetch over `node:http(s)`; `agent` carries TLS settings for `https:` URLs. */
function nodeHttpFetch(agent: Agent | undefined): FetchFunction {
  return (url, init) =>
    new Promise<Response>((resolve, reject) => {
      const target = new URL(url);
      const secure = target.protocol === 'https:';
      const send = secure ? httpsRequest : httpRequest;
      const request = send(
        target,
        {
          method: init.method ?? 'GET',
          headers: init.headers as Record<string, string>,
          ...(secure && agent !== undefined ? { agent } : {}),
          ...(init.signal ? { signal: init.signal } : {}),
        },
        (response) => {
          const headers = new Headers();
          for (const [name, value] of Object.entries(response.headers)) {
            if (Array.isArray(value)) for (const v of value) headers.append(name, v);
            else if (value !== undefined) headers.set(name, value);
          }
          const status = response.statusCode ?? 500;
          const empty = status === 204 || status === 304 || init.method === 'HEAD';
          if (empty) response.resume();
          const body = empty ? null : (Readable.toWeb(response) as unknown as ReadableStream<Uint8Array>);
          resolve(new Response(body, { status, headers }));
        },
      );
      // Shaped like fetch's failures, so the transport classifies them the same way.
      request.on('error', (error) => reject(new TypeError('fetch failed', { cause: error })));
      const body = init.body;
      if (body === undefined || body === null) request.end();
      else if (typeof body === 'string' || body instanceof Uint8Array) request.end(body);
      else if (body instanceof ReadableStream) {
        pipeline(Readable.fromWeb(body as unknown as NodeReadableStream<Uint8Array>), request).catch((error: unknown) =>
          request.destroy(error as Error),
        );
      } else reject(new TypeError('Unsupported request body type'));
    });
}

/** Reads a PEM file named by a setting, with an error that says which setting and file. */
function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw invalidParameter(`Cannot read the ${what} at '${path}': ${(error as Error).message}`);
  }
}
