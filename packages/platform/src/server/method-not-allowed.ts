/**
 * 405 answers for the JSON API: a path the API serves, asked with a method it does not serve,
 * answers 405 as MLflow's framework does, and anything else no route serves stays a 404.
 *
 * Registering a 405 route per path and missing method put about 770 extra entries in Fastify's
 * router, a large part of the server's start-up time. Instead, a request that matched no route
 * (or only a `:param` route, which a literal path may outrank) is looked up in a second router
 * holding each API path once with the methods it serves. That
 * router is find-my-way, the one Fastify routes with, configured as Fastify's is, so a path
 * matches here exactly when it would match a real route; it is built on the first request that
 * needs it, so start-up pays nothing for it.
 */
import type { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import FindMyWay from 'find-my-way';

/** Methods a JSON API path can be served with; others (OPTIONS) stay 404 as before. */
const API_METHODS: readonly string[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** Router options that decide which URLs a path matches, as `createApp` gives them to Fastify. */
export interface PathMatching {
  readonly ignoreTrailingSlash: boolean;
  readonly maxParamLength: number;
}

/** The JSON API's paths (Fastify syntax, `:param`) and the methods each is served with. */
export type ServedMethods = ReadonlyMap<string, ReadonlySet<string>>;

type MethodsRouter = ReturnType<typeof FindMyWay>;

function buildRouter(served: ServedMethods, matching: PathMatching): MethodsRouter {
  const router = FindMyWay({
    ignoreTrailingSlash: matching.ignoreTrailingSlash,
    ignoreDuplicateSlashes: false,
    maxParamLength: matching.maxParamLength,
    caseSensitive: true,
  });
  // One entry per path: the stored value says which methods the real routes serve.
  for (const [url, methods] of served) router.on('GET', url, () => undefined, methods);
  return router;
}

/** The `onRequest` hooks that answer 405; see `methodNotAllowedHooks`. */
export interface MethodNotAllowedHooks {
  /** For the whole app: requests no route matched. */
  readonly unmatched: onRequestHookHandler;
  /**
   * For API routes with `:param` segments: a URL such a route matches may be an API path of its
   * own served with other methods (GET `logged-models/search` against GET `logged-models/:id`),
   * and that path wins, as it did when it had a 405 route of its own for each missing method.
   */
  readonly parametric: onRequestHookHandler;
}

/**
 * Hooks answering 405 for a request whose path the API serves with other methods. They run after
 * the security hook (Host and origin checks come first) and before any body is read. HEAD
 * counts as GET: a path served without GET has no HEAD route either, and answered 405 to HEAD.
 */
export function methodNotAllowedHooks(served: ServedMethods, matching: PathMatching): MethodNotAllowedHooks {
  let router: MethodsRouter | undefined;
  function answer(request: FastifyRequest, reply: FastifyReply, done: () => void): void {
    const method = request.method === 'HEAD' ? 'GET' : request.method;
    if (!API_METHODS.includes(method)) {
      done();
      return;
    }
    router ??= buildRouter(served, matching);
    let methods: ReadonlySet<string> | undefined;
    try {
      methods = router.find('GET', request.url)?.store as ReadonlySet<string> | undefined;
    } catch {
      // A URL the router cannot decode was answered by the framework-error handler already.
      methods = undefined;
    }
    if (methods === undefined || methods.has(method)) {
      done();
      return;
    }
    reply.code(405).type('text/html; charset=utf-8').send('<h1>Method Not Allowed</h1>');
  }
  return {
    unmatched(request, reply, done) {
      if (request.is404) answer(request, reply, done);
      else done();
    },
    parametric: answer,
  };
}
