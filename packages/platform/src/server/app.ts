/**
 * The tracking server's HTTP app: `createApp(deps)` registers every endpoint of the contract
 * tables that has a handler, the artifact proxy and UI helper routes, `/health`, `/version`
 * and the UI. Errors become MLflow's error JSON here, at the one boundary.
 */

import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  decodeMessage,
  type Endpoint,
  endpointPaths,
  MLFLOW_COMPAT_VERSION,
  MlflowError,
  pathParams,
} from '@keel/contract';
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type onRequestHookHandler,
} from 'fastify';
import { withClientSpelling } from './client-spelling.js';
import type { AppDeps } from './deps.js';
import type { HandlerContext, RouteBinding } from './handler.js';
import { lingerIfBodyUnread } from './lingering-close.js';
import { methodNotAllowedHooks } from './method-not-allowed.js';
import { installMetrics } from './metrics.js';
import { type RawBody, readRequestFields } from './request-input.js';
import { allRouteBindings, registerRawRoutes } from './routes.js';
import { installSecurity } from './security.js';

const JSON_TYPE = 'application/json';
const HTML_TYPE = 'text/html; charset=utf-8';
/** How URLs match routes; the 405 lookup (`method-not-allowed.ts`) matches the same way. */
const ROUTER_MATCHING = Object.freeze({ ignoreTrailingSlash: false, maxParamLength: 2048 });

/**
 * Sends a JSON object body, already serialised by us (no schema serializer on the hot path). As
 * bytes, so Fastify keeps MLflow's bare `application/json` instead of appending a charset.
 */
function sendJson(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply
    .code(status)
    .header('content-type', JSON_TYPE)
    .send(Buffer.from(JSON.stringify(body)));
}

/** Sends an MLflow error; anything that is not an `MlflowError` becomes INTERNAL_ERROR, logged with its cause. */
export function sendError(reply: FastifyReply, error: unknown, deps: Pick<AppDeps, 'logger'>): FastifyReply {
  if (error instanceof MlflowError) return sendJson(reply, error.status, error.toJSON());
  const fastifyError = error as Partial<FastifyError>;
  if (fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return sendJson(reply, 400, {
      error_code: 'INVALID_PARAMETER_VALUE',
      message: 'Request body is larger than the server accepts.',
    });
  }
  if (fastifyError.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    // Fastify refuses a malformed Content-Type before any route runs; it is a client mistake
    // like any other, so it gets the same error as a wrong one.
    const header = reply.request.headers['content-type'] ?? '';
    return sendJson(reply, 400, {
      error_code: 'INVALID_PARAMETER_VALUE',
      message: `Bad Request. Content-Type header ${JSON.stringify(header)} is not a valid media type.`,
    });
  }
  if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return sendJson(reply, 400, { error_code: 'BAD_REQUEST', message: fastifyError.message ?? 'Bad request' });
  }
  deps.logger.error(`${reply.request.method} ${reply.request.url} failed`, error);
  return sendJson(reply, 500, { error_code: 'INTERNAL_ERROR', message: 'An internal error occurred on the server.' });
}

/**
 * Answers a request Node's HTTP parser refused (a head over 16 KiB, broken framing) with
 * MLflow's error JSON, then closes the connection, whose state is unknown after a parse error.
 */
function answerUnparsableRequest(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, message] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'The request line and headers are larger than the server accepts (16 KiB).']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'The request was not received in time.']
        : [400, 'The request is not valid HTTP.'];
  const body = JSON.stringify({ error_code: 'BAD_REQUEST', message });
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * Where an endpoint is served: `--static-prefix` applies to the UI's `/ajax-api` twins, never to
 * the public `/api` routes (tracking-api.md §1.1).
 */
export function servedPaths(endpoint: Endpoint, staticPrefix: string): string[] {
  return endpointPaths(endpoint).map((path) => (path.startsWith('/ajax-api/') ? staticPrefix + path : path));
}

function toFastifyPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}

function disabledMessage(route: string): string {
  return (
    `Endpoint: ${route} disabled due to the mlflow server running in \`--artifacts-only\` mode. ` +
    'To enable tracking server functionality, run `mlflow server` without `--artifacts-only`'
  );
}

function registerBinding(
  app: FastifyInstance,
  deps: AppDeps,
  binding: RouteBinding,
  onParametricRequest: onRequestHookHandler,
): Map<string, Set<string>> {
  const { endpoint, handler } = binding;
  const params = pathParams(endpoint.path);
  const seen = new Map<string, Set<string>>();
  for (const path of servedPaths(endpoint as Endpoint, deps.options.staticPrefix)) {
    const url = toFastifyPath(path);
    seen.set(url, new Set(endpoint.methods));
    app.route({
      method: [...endpoint.methods],
      url,
      ...(params.length > 0 ? { onRequest: onParametricRequest } : {}),
      handler: async (request, reply) => {
        if (deps.options.artifactsOnly) {
          return reply.code(503).type('text/plain; charset=utf-8').send(disabledMessage(path));
        }
        const { fields, source } = readRequestFields(request);
        const routeParams = request.params as Record<string, string>;
        for (const name of params) fields[name] = routeParams[name];
        let input: unknown;
        try {
          input = decodeMessage(endpoint.request, fields, source);
        } catch (error) {
          throw source === 'json' ? withClientSpelling(error, request.body as RawBody) : error;
        }
        const ctx: HandlerContext = { deps, request };
        return sendJson(reply, 200, await handler(input, ctx));
      },
    });
  }
  return seen;
}

/**
 * Builds the app. Nothing listens yet: call `app.listen(...)`, or `app.inject(...)` in tests.
 *
 * @example
 * const app = await createApp(deps);
 * await app.listen({ host: '127.0.0.1', port: 5000 });
 */
export async function createApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    bodyLimit: deps.options.maxJsonBodyBytes,
    // Artifact uploads can take long; never cut a transfer because of a timer.
    requestTimeout: 0,
    return503OnClosing: true,
    routerOptions: { ...ROUTER_MATCHING },
    // Errors raised before routing (a URL with broken percent-escapes, say) get MLflow's JSON too.
    frameworkErrors: (error, _request, reply) => {
      sendJson(reply, 400, { error_code: 'INVALID_PARAMETER_VALUE', message: `Invalid request: ${error.message}` });
    },
    clientErrorHandler: answerUnparsableRequest,
  });
  // An answer sent before the body was read (a refused or oversized request) must reach the client.
  // A callback hook, not an async one: it runs on every response, and a promise per response
  // is measurable on the hot path.
  app.addHook('onSend', (request, _reply, payload, done) => {
    lingerIfBodyUnread(request.raw);
    done(null, payload);
  });
  installSecurity(app, deps.options.security);
  // Filled as the JSON API routes are registered below; read only once requests arrive.
  const methodsByUrl = new Map<string, Set<string>>();
  const notAllowed = methodNotAllowedHooks(methodsByUrl, ROUTER_MATCHING);
  app.addHook('onRequest', notAllowed.unmatched);
  if (deps.metrics !== undefined) installMetrics(app, deps.metrics);

  app.setErrorHandler((error, _request, reply) => sendError(reply, error, deps));
  app.setNotFoundHandler((request, reply) => {
    // Like MLflow's router (Werkzeug merges slashes), `//model-versions/get-artifact` is
    // redirected to the path with single slashes instead of being unknown.
    const merged = mergedSlashesUrl(request.url);
    if (merged !== undefined) return reply.code(308).header('location', merged).send();
    return reply.code(404).type('text/html; charset=utf-8').send(notFoundPage(request));
  });

  // Labelled as MLflow's Flask labels a returned string; clients and probes read only the body.
  app.get('/health', async (_request, reply) => reply.type(HTML_TYPE).send('OK'));
  app.get('/version', async (_request, reply) => reply.type(HTML_TYPE).send(MLFLOW_COMPAT_VERSION));

  // JSON API routes: bodies are buffered (bounded by bodyLimit) whatever the Content-Type, so
  // the handler can give MLflow's own error for a wrong or missing one.
  await app.register(async (api) => {
    api.removeAllContentTypeParsers();
    api.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    for (const binding of allRouteBindings()) {
      for (const [url, methods] of registerBinding(api, deps, binding, notAllowed.parametric)) {
        const known = methodsByUrl.get(url) ?? new Set<string>();
        for (const m of methods) known.add(m);
        methodsByUrl.set(url, known);
      }
    }
  });

  await registerRawRoutes(app, deps);
  return app;
}

/** The URL with runs of slashes in its path merged, when that changes anything. */
export function mergedSlashesUrl(url: string): string | undefined {
  const queryAt = url.indexOf('?');
  const path = queryAt < 0 ? url : url.slice(0, queryAt);
  if (!path.includes('//')) return undefined;
  return path.replace(/\/{2,}/g, '/') + (queryAt < 0 ? '' : url.slice(queryAt));
}

function notFoundPage(request: FastifyRequest): string {
  const path = request.url.split('?', 1)[0] ?? '';
  return `<!doctype html>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>No route for ${escapeHtml(path)}.</p>\n`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
