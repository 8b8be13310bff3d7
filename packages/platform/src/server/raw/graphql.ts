/**
 * `POST /graphql` (and `GET`, and `/api/graphql`): the GraphQL API MLflow's UI queries. A body
 * is one operation `{query, variables, operationName}` or a JSON array of them (a batch,
 * answered with an array of results; the batch shares one set of query limits). Fields run the
 * REST endpoints' own handlers. The GraphQL engine is loaded on the first request, so servers
 * that never see one do not pay for it.
 */
import { decodeMessage, type Endpoint, invalidParameter, type ResponseOf } from '@keel/contract';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../deps.js';
import type { GraphqlOperation, GraphqlResult } from '../graphql/execute.js';
import type { QueryCost, QueryLimits } from '../graphql/query-limits.js';
import type { HandlerContext, RouteBinding } from '../handler.js';
import { parseJsonBody } from '../request-input.js';
import { artifactsOnlyMessage, queryParam, sendDisabled, sendJsonObject } from './raw-body.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** MLflow's defaults (`MLFLOW_SERVER_GRAPHQL_MAX_ALIASES`, `..._MAX_ROOT_FIELDS`). */
const DEFAULT_LIMITS: QueryLimits = { maxAliases: 10, maxRootFields: 10 };

/** The operations of a POST body: an object, or a non-empty array of objects. */
function operationsOf(request: FastifyRequest): { operations: GraphqlOperation[]; batched: boolean } {
  const type = request.headers['content-type']?.split(';', 1)[0]?.trim().toLowerCase();
  if (type === undefined) throw invalidParameter('Bad Request. Content-Type header is missing.');
  if (type !== 'application/json')
    throw invalidParameter("Bad Request. Content-Type must be one of ['application/json'].");
  const body = request.body as Buffer | undefined;
  let text = '';
  try {
    text = body === undefined ? '' : utf8.decode(body);
  } catch {
    throw invalidParameter('Request body is not valid UTF-8.');
  }
  if (text.trimStart().startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw invalidParameter(`Malformed JSON in request body: ${(error as Error).message}`);
    }
    const list = parsed as unknown[];
    if (list.length === 0) throw invalidParameter('A batched GraphQL request needs at least one operation.');
    if (list.some((item) => item === null || typeof item !== 'object' || Array.isArray(item))) {
      throw invalidParameter('Each operation of a batched GraphQL request must be a JSON object.');
    }
    return { operations: list as GraphqlOperation[], batched: true };
  }
  return { operations: [parseJsonBody(body) as GraphqlOperation], batched: false };
}

/** The one operation of a GET request, from the query string (`variables` is JSON). */
function operationOfQuery(request: FastifyRequest): GraphqlOperation {
  const variables = queryParam(request, 'variables');
  let parsedVariables: unknown;
  if (variables !== undefined && variables !== '') {
    try {
      parsedVariables = JSON.parse(variables);
    } catch {
      throw invalidParameter("The 'variables' query parameter must be a JSON object.");
    }
  }
  return {
    query: queryParam(request, 'query'),
    variables: parsedVariables,
    operationName: queryParam(request, 'operationName'),
  };
}

/** GraphQL's camelCase input keys in snake_case, as the request decoder's aliases are named. */
function snakeKeys(input: unknown): Record<string, unknown> {
  if (input === null || typeof input !== 'object') return {};
  return Object.fromEntries(
    Object.entries(input as Record<string, unknown>).map(([k, v]) => [
      k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`),
      v,
    ]),
  );
}

/** Calls an endpoint's REST handler, decoding the input exactly as the REST route does. */
function endpointCaller(bindings: readonly RouteBinding[], ctx: HandlerContext) {
  const byEndpoint = new Map<Endpoint, RouteBinding>(bindings.map((b) => [b.endpoint, b]));
  return async <E extends Endpoint>(endpoint: E, input: unknown): Promise<ResponseOf<E>> => {
    const binding = byEndpoint.get(endpoint);
    if (binding === undefined) throw new Error(`No handler is bound to ${endpoint.name}`);
    return (await binding.handler(decodeMessage(endpoint.request, snakeKeys(input), 'json'), ctx)) as ResponseOf<E>;
  };
}

/** Registers the GraphQL routes, which call the given REST bindings. */
export async function registerGraphqlRoutes(
  app: FastifyInstance,
  deps: AppDeps,
  bindings: readonly RouteBinding[],
): Promise<void> {
  const limits = deps.options.graphql ?? DEFAULT_LIMITS;
  const handle = async (request: FastifyRequest, reply: FastifyReply) => {
    if (deps.options.artifactsOnly) return sendDisabled(reply, artifactsOnlyMessage('/graphql'));
    const isGet = request.method === 'GET';
    const { operations, batched } = isGet
      ? { operations: [operationOfQuery(request)], batched: false }
      : operationsOf(request);
    if (operations.length > limits.maxRootFields) {
      throw invalidParameter(
        `A batched GraphQL request may hold at most ${limits.maxRootFields} operations, got ${operations.length}.`,
      );
    }
    const { executeOperation } = await import('../graphql/execute.js');
    const call = endpointCaller(bindings, { deps, request });
    const results: GraphqlResult[] = [];
    let spent: QueryCost = { rootFields: 0, selections: 0 };
    for (const operation of operations) {
      const { result, cost } = await executeOperation(
        operation,
        { call, limits, logger: deps.logger, queriesOnly: isGet },
        spent,
      );
      spent = cost;
      results.push(result);
    }
    return sendJsonObject(reply, batched ? results : (results[0] as GraphqlResult));
  };

  const paths = [...new Set([`${deps.options.staticPrefix}/graphql`, '/api/graphql'])];
  await app.register(async (graphql) => {
    graphql.removeAllContentTypeParsers();
    graphql.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    for (const url of paths) {
      graphql.route({ method: ['GET', 'POST'], url, handler: handle });
      graphql.route({
        method: ['PUT', 'PATCH', 'DELETE'],
        url,
        handler: async (_request, reply) =>
          reply.code(405).type('text/html; charset=utf-8').send('<h1>Method Not Allowed</h1>'),
      });
    }
  });
}
