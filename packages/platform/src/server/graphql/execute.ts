/**
 * Runs one GraphQL operation the way MLflow's `/graphql` answers it: `{"data": ..., "errors":
 * [messages] | null}`, errors as plain strings. The document is parsed with a token bound,
 * checked against the query limits, validated, then executed; syntax errors come back in the
 * same shape (MLflow lets them escape as a 500 page). Messages of graphql-js are quoted like
 * graphql-core's ('name', not "name"), which MLflow's clients see.
 */
import { MlflowError } from '@keel/contract';
import { type DocumentNode, execute, GraphQLError, getOperationAST, parse, specifiedRules, validate } from 'graphql';
import type { Logger } from '../deps.js';
import { checkQueryLimits, MAX_TOKENS, type QueryCost, type QueryLimits } from './query-limits.js';
import { createRootValue, type EndpointCall } from './resolvers.js';
import { mlflowGraphqlSchema } from './schema.js';

/** One operation of a request (a batch holds several). */
export interface GraphqlOperation {
  readonly query?: unknown;
  readonly variables?: unknown;
  readonly operationName?: unknown;
}

export interface GraphqlResult {
  readonly data: unknown;
  readonly errors: string[] | null;
}

export interface ExecutionOptions {
  readonly call: EndpointCall;
  readonly limits: QueryLimits;
  readonly logger: Logger;
  /** Only queries may run (a GET request). */
  readonly queriesOnly?: boolean;
}

const failure = (message: string): GraphqlResult => ({ data: null, errors: [message] });

/** graphql-js quotes names with `"`; graphql-core (MLflow's) with `'`. */
function coreQuotes(message: string): string {
  return message.replaceAll('"', "'");
}

/** The message a client sees for one error: an MLflow error as is, an unexpected one hidden. */
function messageOf(error: GraphQLError, logger: Logger): string {
  const cause = error.originalError;
  if (cause === undefined || cause === null) return coreQuotes(error.message);
  if (cause instanceof MlflowError) return cause.message;
  if (cause instanceof GraphQLError) return coreQuotes(cause.message);
  logger.error('GraphQL resolver failed', cause);
  return 'An internal error occurred on the server.';
}

/** Deepest nesting of braces, brackets and parentheses the parser is given (it recurses on them). */
const MAX_NESTING = 64;

/**
 * The deepest nesting of `{`, `[` and `(` in a document, outside strings and comments: a cheap
 * scan that keeps a hostile document from driving the recursive parser out of stack.
 */
export function nestingDepth(query: string): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < query.length; i++) {
    const c = query[i];
    if (c === '#') {
      while (i < query.length && query[i] !== '\n' && query[i] !== '\r') i++;
    } else if (c === '"') {
      if (query.startsWith('"""', i)) {
        const end = query.indexOf('"""', i + 3);
        i = end < 0 ? query.length : end + 2;
      } else {
        for (i++; i < query.length && query[i] !== '"' && query[i] !== '\n'; i++) if (query[i] === '\\') i++;
      }
    } else if (c === '{' || c === '[' || c === '(') {
      deepest = Math.max(deepest, ++depth);
    } else if (c === '}' || c === ']' || c === ')') {
      depth = Math.max(0, depth - 1);
    }
  }
  return deepest;
}

function parseDocument(query: string): DocumentNode | GraphqlResult {
  if (nestingDepth(query) > MAX_NESTING) {
    return failure(`Query is nested more than ${MAX_NESTING} levels deep (braces, brackets or parentheses).`);
  }
  try {
    return parse(query, { maxTokens: MAX_TOKENS, noLocation: true });
  } catch (error) {
    if (error instanceof GraphQLError) return failure(coreQuotes(error.message));
    throw error;
  }
}

/**
 * Executes one operation. `spent` is what earlier operations of the same batch used of the
 * limits; the returned cost includes this one.
 */
export async function executeOperation(
  operation: GraphqlOperation,
  options: ExecutionOptions,
  spent: QueryCost,
): Promise<{ result: GraphqlResult; cost: QueryCost }> {
  const { query, variables, operationName } = operation;
  if (typeof query !== 'string' || query.trim() === '') {
    return { result: failure("Must provide a query string in 'query'."), cost: spent };
  }
  if (variables !== undefined && variables !== null && (typeof variables !== 'object' || Array.isArray(variables))) {
    return { result: failure("'variables' must be a JSON object."), cost: spent };
  }
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') {
    return { result: failure("'operationName' must be a string."), cost: spent };
  }
  const document = parseDocument(query);
  if (!('kind' in document)) return { result: document, cost: spent };
  const cost = checkQueryLimits(document, options.limits, spent);
  if ('error' in cost) return { result: failure(cost.error), cost: spent };
  const schema = mlflowGraphqlSchema();
  const invalid = validate(schema, document, specifiedRules, { maxErrors: 20 });
  if (invalid.length > 0) {
    return { result: { data: null, errors: invalid.map((e) => coreQuotes(e.message)) }, cost };
  }
  const name = typeof operationName === 'string' ? operationName : undefined;
  if (options.queriesOnly && getOperationAST(document, name)?.operation !== 'query') {
    return { result: failure('Only queries can be sent with GET; send mutations with POST.'), cost };
  }
  const rootValue = createRootValue(options.call);
  const executed = await execute({
    schema,
    document,
    rootValue,
    variableValues: (variables ?? undefined) as Record<string, unknown> | undefined,
    operationName: name,
  });
  const errors = executed.errors?.map((e) => messageOf(e, options.logger)) ?? null;
  return { result: { data: executed.data ?? null, errors }, cost };
}
