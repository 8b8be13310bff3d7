/**
 * The shape of one endpoint description. The server registers its routes from these tables and
 * the client builds its calls from them, so no path or request shape is written twice.
 */
import type { MessageSpec } from '../message.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * Where an endpoint lives. `mlflow` routes exist under `/api/2.0/mlflow` and its
 * `/ajax-api/2.0/mlflow` twin; `ajax` routes only under the twin (UI helpers); `keel`
 * routes are Keel extensions under `/api/2.0/keel` (and its ajax twin); `mlflow3` routes are
 * MLflow 3's `/api/3.0/mlflow` (and `/ajax-api/3.0/mlflow`).
 */
export type EndpointBase = 'mlflow' | 'ajax' | 'keel' | 'mlflow3';

export const API_PREFIX = '/api/2.0/mlflow';
export const AJAX_PREFIX = '/ajax-api/2.0/mlflow';
export const KEEL_PREFIX = '/api/2.0/keel';
export const KEEL_AJAX_PREFIX = '/ajax-api/2.0/keel';
export const API3_PREFIX = '/api/3.0/mlflow';
export const AJAX3_PREFIX = '/ajax-api/3.0/mlflow';

export interface Endpoint<Req = unknown, Res = unknown, Name extends string = string> {
  /** Method name on the client (`createExperiment`); kept as a literal type so clients can map over tables. */
  readonly name: Name;
  /** Accepted methods; the first is the one clients use. */
  readonly methods: readonly HttpMethod[];
  /** Path below the base, with `{param}` segments filled from the request. */
  readonly path: string;
  readonly base: EndpointBase;
  readonly request: MessageSpec<Req>;
  /** Phantom member carrying the response type. */
  readonly __response?: Res;
}

export type RequestOf<E> = E extends Endpoint<infer Req, unknown> ? Req : never;
export type ResponseOf<E> = E extends Endpoint<unknown, infer Res> ? Res : never;

/** Declares an endpoint; `Res` is given explicitly, the request type comes from its descriptor. */
export function endpoint<Res>() {
  return <Req, const Name extends string>(
    name: Name,
    methods: HttpMethod | readonly HttpMethod[],
    path: string,
    request: MessageSpec<Req>,
    base: EndpointBase = 'mlflow',
  ): Endpoint<Req, Res, Name> => ({
    name,
    methods: typeof methods === 'string' ? [methods] : methods,
    path,
    base,
    request,
  });
}

/** The full paths an endpoint is served under (the public one first). */
export function endpointPaths(e: Endpoint): string[] {
  switch (e.base) {
    case 'mlflow':
      return [API_PREFIX + e.path, AJAX_PREFIX + e.path];
    case 'ajax':
      return [AJAX_PREFIX + e.path];
    case 'keel':
      return [KEEL_PREFIX + e.path, KEEL_AJAX_PREFIX + e.path];
    case 'mlflow3':
      return [API3_PREFIX + e.path, AJAX3_PREFIX + e.path];
  }
}

/** Names of `{param}` segments in an endpoint path. */
export function pathParams(path: string): string[] {
  return [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string);
}
