/**
 * How a handler is bound to an endpoint of the contract. A handler gets the decoded request
 * and the app's dependencies and returns the response object; it parses nothing itself.
 */
import type { Endpoint, RequestOf, ResponseOf } from '@keel/contract';
import type { FastifyRequest } from 'fastify';
import type { AppDeps } from './deps.js';

export interface HandlerContext {
  readonly deps: AppDeps;
  /** The underlying request, for the few handlers that need headers (e.g. the caller's identity). */
  readonly request: FastifyRequest;
}

export type Handler<E extends Endpoint> = (input: RequestOf<E>, ctx: HandlerContext) => Promise<ResponseOf<E>>;

/** An endpoint with its handler. */
export interface RouteBinding {
  readonly endpoint: Endpoint;
  readonly handler: (input: unknown, ctx: HandlerContext) => Promise<unknown>;
  /** Tracking and registry routes answer 503 in artifacts-only mode. */
  readonly service: 'tracking' | 'registry';
}

/** Binds a handler to an endpoint, checking request and response types against the contract. */
export function bind<E extends Endpoint>(
  endpoint: E,
  handler: Handler<E>,
  service: RouteBinding['service'] = 'tracking',
): RouteBinding {
  return { endpoint, handler: handler as RouteBinding['handler'], service };
}

/** Puts a page of store results into MLflow's response shape (`key` omitted when empty). */
export function pageResponse<K extends string, T>(
  key: K,
  page: { readonly items: readonly T[]; readonly next_page_token?: string },
): { [P in K]?: T[] } & { next_page_token?: string } {
  const out: Record<string, unknown> = {};
  if (page.items.length > 0) out[key] = page.items;
  if (page.next_page_token) out.next_page_token = page.next_page_token;
  return out as { [P in K]?: T[] } & { next_page_token?: string };
}
