/**
 * The typed method set of `KeelClient`, generated from the contract's endpoint tables: one
 * method per endpoint, named after it, taking its request message and returning its response.
 */
import {
  datasetEndpoints,
  promptlabEndpoints,
  type RequestOf,
  type ResponseOf,
  registryEndpoints,
  scorerEndpoints,
  traceEndpoints,
  trackingEndpoints,
} from '@keel/contract';

/**
 * Per-call options of the low-level client.
 *
 * @example
 * await client.getRun({ run_id: id }, { signal: AbortSignal.timeout(5000) });
 */
export interface CallOptions {
  /** Cancels the call, including retry waits. */
  readonly signal?: AbortSignal;
  /** Extra headers for this call only. */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Every endpoint the client has a method for: the tracking, registry, tracing, evaluation-dataset
 * scorer and prompt lab tables.
 *
 * @example
 * console.log(CLIENT_ENDPOINTS.map((e) => e.name)); // ['createExperiment', ...]
 */
export const CLIENT_ENDPOINTS = Object.freeze([
  ...trackingEndpoints,
  ...registryEndpoints,
  ...traceEndpoints,
  ...datasetEndpoints,
  ...scorerEndpoints,
  ...promptlabEndpoints,
]);

/**
 * Any endpoint of the client tables.
 *
 * @example
 * const endpoint: ClientEndpoint = tracking.getRun;
 */
export type ClientEndpoint =
  | (typeof trackingEndpoints)[number]
  | (typeof registryEndpoints)[number]
  | (typeof traceEndpoints)[number]
  | (typeof datasetEndpoints)[number]
  | (typeof scorerEndpoints)[number]
  | (typeof promptlabEndpoints)[number];

/**
 * A method for endpoint `E`: the request may be omitted when none of its fields is required.
 *
 * @example
 * const getRun: EndpointMethod<typeof tracking.getRun> = (request) => client.getRun(request);
 */
export type EndpointMethod<E> =
  {} extends RequestOf<E>
    ? (request?: RequestOf<E>, options?: CallOptions) => Promise<ResponseOf<E>>
    : (request: RequestOf<E>, options?: CallOptions) => Promise<ResponseOf<E>>;

/**
 * One method per endpoint, keyed by the endpoint's name.
 *
 * @example
 * const { run } = await client.getRun({ run_id: id });
 */
export type EndpointMethods = { readonly [E in ClientEndpoint as E['name']]: EndpointMethod<E> };
