/**
 * The low-level client: one typed method per endpoint of the contract tables, all going through
 * one generic `call(endpoint, request)`. GET requests carry their fields in the query string
 * (lists as repeated keys); other methods send a JSON body; `{param}` path segments are filled
 * from the request. Failures are thrown as `MlflowError`.
 */
import {
  type Endpoint,
  endpointPaths,
  type HttpMethod,
  MlflowError,
  type ModelVersion,
  missingParameter,
  pathParams,
  type RequestOf,
  type ResponseOf,
} from '@keel/contract';
import { type ClientConfig, type ClientOptions, type EnvSource, isHttpUri, resolveClientConfig } from '../config.js';
import { type RegisterModelOptions, registerModel } from '../registry/register-model.js';
import { type FetchFunction, HttpTransport, type RetryNotice } from '../transport/http-transport.js';
import { readBodyText, type Transport } from '../transport/transport.js';
import { type CallOptions, CLIENT_ENDPOINTS, type EndpointMethods } from './endpoint-methods.js';
import { errorFromResponse } from './errors.js';

const paramCache = new WeakMap<Endpoint, string[]>();

function cachedPathParams(endpoint: Endpoint): string[] {
  let params = paramCache.get(endpoint);
  if (params === undefined) {
    params = pathParams(endpoint.path);
    paramCache.set(endpoint, params);
  }
  return params;
}

/** Query pairs of a GET request: lists become repeated keys, everything else its text form. */
function toQuery(fields: Record<string, unknown>): [string, string][] {
  const query: [string, string][] = [];
  const add = (key: string, value: unknown) => {
    if (value === undefined || value === null) return;
    query.push([key, typeof value === 'object' ? JSON.stringify(value) : String(value)]);
  };
  for (const [key, value] of Object.entries(fields)) {
    if (Array.isArray(value)) for (const item of value) add(key, item);
    else add(key, value);
  }
  return query;
}

/**
 * The HTTP transport for a resolved configuration (its URI must be `http(s)`).
 *
 * @example
 * const transport = createHttpTransport(resolveClientConfig({ trackingUri: 'http://127.0.0.1:5000' }));
 */
export function createHttpTransport(
  config: ClientConfig,
  fetch?: FetchFunction,
  onRetry?: (notice: RetryNotice) => void,
): HttpTransport {
  if (!isHttpUri(config.trackingUri)) {
    throw new MlflowError(
      'INVALID_PARAMETER_VALUE',
      `Tracking URI '${config.trackingUri}' is a local store; open it with createClient() or createTracker() from '@keel/client/node' (Node only), or use an http(s):// server URI.`,
    );
  }
  return new HttpTransport({
    baseUrl: config.trackingUri,
    headers: config.headers,
    timeoutMs: config.requestTimeoutMs,
    retry: config.retry,
    ...(fetch === undefined ? {} : { fetch }),
    ...(onRetry === undefined ? {} : { onRetry }),
  });
}

/**
 * A typed client for Keel and any MLflow-compatible tracking server. Every endpoint of the
 * tracking and registry tables is a method named after it.
 *
 * @example
 * const client = new KeelClient({ trackingUri: 'http://127.0.0.1:5000' });
 * const { experiment_id } = await client.createExperiment({ name: 'demo' });
 * const { run } = await client.createRun({ experiment_id, run_name: 'first' });
 * await client.logBatch({ run_id: run.info.run_id, metrics: [{ key: 'loss', value: 0.5, timestamp: Date.now(), step: 0 }] });
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the endpoint methods are installed on the prototype below the class.
export class KeelClient {
  readonly config: ClientConfig;
  readonly transport: Transport;

  /**
   * @param options explicit settings; they win over `env`.
   * @param env environment variables to read (pass `process.env` in Node; browsers pass nothing).
   */
  constructor(options: ClientOptions = {}, env: EnvSource = {}) {
    this.config = resolveClientConfig(options, env);
    this.transport = options.transport ?? createHttpTransport(this.config, options.fetch, options.onRetry);
  }

  /**
   * Calls one endpoint of the contract tables.
   *
   * @example
   * import { tracking } from '@keel/contract';
   * const { run } = await client.call(tracking.getRun, { run_id: id });
   */
  async call<E extends Endpoint>(
    endpoint: E,
    request: RequestOf<E>,
    options: CallOptions = {},
  ): Promise<ResponseOf<E>> {
    const method = endpoint.methods[0] ?? 'GET';
    const fields: Record<string, unknown> = { ...(request as Record<string, unknown>) };
    let path = endpointPaths(endpoint)[0] as string;
    for (const name of cachedPathParams(endpoint)) {
      const value = fields[name];
      if (value === undefined || value === null || value === '') throw missingParameter(name);
      path = path.replace(`{${name}}`, encodeURIComponent(String(value)));
      delete fields[name];
    }
    if (method === 'GET') return this.send(method, path, { query: toQuery(fields) }, options);
    return this.send(method, path, { body: JSON.stringify(fields) }, options);
  }

  /**
   * Calls an endpoint whose JSON body the caller has already encoded (the fluent API encodes its
   * large log batches itself, which is several times faster than `JSON.stringify`). Only for
   * endpoints without path parameters that take a body.
   *
   * @example
   * await client.callEncoded(tracking.logBatch, '{"run_id":"abc","metrics":[]}');
   */
  async callEncoded<E extends Endpoint>(endpoint: E, body: string, options: CallOptions = {}): Promise<ResponseOf<E>> {
    const method = endpoint.methods[0] ?? 'POST';
    if (method === 'GET' || cachedPathParams(endpoint).length > 0) {
      throw new MlflowError('INVALID_PARAMETER_VALUE', `${endpoint.name} cannot be called with a pre-encoded body.`);
    }
    return this.send(method, endpointPaths(endpoint)[0] as string, { body }, options) as Promise<ResponseOf<E>>;
  }

  private async send(
    method: HttpMethod,
    path: string,
    payload: { query: [string, string][] } | { body: string },
    options: CallOptions,
  ): Promise<never> {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if ('body' in payload) headers['content-type'] = 'application/json';
    const response = await this.transport.request({
      method,
      path,
      headers,
      ...payload,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    const text = await readBodyText(response.body);
    if (response.status !== 200) {
      throw errorFromResponse(response.status, text, `API request to ${this.transport.uri}${path}`);
    }
    return parseObject(text, path) as never;
  }

  /**
   * Iterates over every item of a paginated search, following `next_page_token`.
   *
   * @example
   * for await (const run of client.paginate(tracking.searchRuns, { experiment_ids: ['1'] }, 'runs')) console.log(run.info.run_id);
   */
  async *paginate<E extends Endpoint, K extends keyof ResponseOf<E>>(
    endpoint: E,
    request: RequestOf<E>,
    key: K,
    options: CallOptions = {},
  ): AsyncGenerator<NonNullable<ResponseOf<E>[K]> extends readonly (infer T)[] ? T : never> {
    let pageToken: string | undefined;
    do {
      const pageRequest = { ...(request as object), page_token: pageToken } as RequestOf<E>;
      const page = (await this.call(endpoint, pageRequest, options)) as Record<string, unknown>;
      for (const item of (page[key as string] as unknown[] | undefined) ?? []) {
        yield item as NonNullable<ResponseOf<E>[K]> extends readonly (infer T)[] ? T : never;
      }
      pageToken =
        typeof page.next_page_token === 'string' && page.next_page_token !== '' ? page.next_page_token : undefined;
    } while (pageToken !== undefined);
  }

  /**
   * Registers a model as MLflow's `register_model` does: creates registered model `name` when
   * missing, resolves a `runs:/` source to the run's model directory or the logged model the run
   * produced, creates the version and waits until it is READY (see `RegisterModelOptions`).
   *
   * @example
   * const version = await client.registerModel(`runs:/${runId}/model`, 'churn', { description: 'weekly retrain' });
   * console.log(version.version, version.status); // "1" "READY"
   */
  registerModel(source: string, name: string, options?: RegisterModelOptions): Promise<ModelVersion> {
    return registerModel(this, source, name, options);
  }

  /**
   * The server's `/version` answer (the MLflow protocol version it implements).
   *
   * @example
   * console.log(await client.serverVersion()); // "3.6.0"
   */
  async serverVersion(): Promise<string> {
    const response = await this.transport.request({ method: 'GET', path: '/version' });
    const text = await readBodyText(response.body);
    if (response.status !== 200)
      throw errorFromResponse(response.status, text, `API request to ${this.transport.uri}/version`);
    return text.trim();
  }

  /**
   * Releases the transport (sockets, or the embedded store's database).
   *
   * @example
   * await client.close();
   */
  async close(): Promise<void> {
    await this.transport.close?.();
  }
}

/**
 * The generated methods: each endpoint name of the contract tables is a method forwarding to `call`.
 *
 * @example
 * const { experiments } = await client.searchExperiments({ max_results: 10 });
 */
export interface KeelClient extends EndpointMethods {}

for (const endpoint of CLIENT_ENDPOINTS) {
  Object.defineProperty(KeelClient.prototype, endpoint.name, {
    value(this: KeelClient, request?: unknown, options?: CallOptions) {
      return this.call(endpoint as Endpoint, (request ?? {}) as never, options);
    },
    writable: true,
    configurable: true,
  });
}

function parseObject(text: string, path: string): object {
  // MLflow servers may answer `{}` as an empty body; both mean "nothing to return".
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new MlflowError('INTERNAL_ERROR', `Response of ${path} is not JSON: ${text.slice(0, 200)}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new MlflowError('INTERNAL_ERROR', `Response of ${path} is not a JSON object.`);
  }
  return value;
}
