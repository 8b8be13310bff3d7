/**
 * Bounds on what one GraphQL request may ask for, checked on the parsed document before anything
 * runs, with MLflow's limits and messages: selection depth at most 10, at most 1000 selections,
 * at most `maxRootFields` top-level fields and `maxAliases` aliases in any one selection set.
 * Fragments count where they are spread (a fragment spread in a loop is caught here, before
 * validation, so it cannot make the walk endless).
 */
import {
  type DocumentNode,
  type FragmentDefinitionNode,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

export const MAX_DEPTH = 10;
export const MAX_SELECTIONS = 1000;
/** Tokens the parser reads before giving up (a cheap bound on huge documents). */
export const MAX_TOKENS = 20_000;

export interface QueryLimits {
  readonly maxAliases: number;
  readonly maxRootFields: number;
}

/** What a document asks for, as counted against the limits. */
export interface QueryCost {
  readonly rootFields: number;
  readonly selections: number;
}

class LimitExceeded extends Error {}

/** Counts one operation's selections; throws `LimitExceeded` with MLflow's message. */
function scanOperation(
  operation: OperationDefinitionNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  limits: QueryLimits,
  selectionsSoFar: number,
): QueryCost {
  let rootFields = 0;
  let selections = selectionsSoFar;
  const walk = (set: SelectionSetNode, depth: number, visiting: ReadonlySet<string>): void => {
    if (depth > MAX_DEPTH) throw new LimitExceeded(`Query exceeds maximum depth of ${MAX_DEPTH}`);
    let aliases = 0;
    // Fields of inline fragments and spreads at this level belong to this selection set.
    const level: SelectionSetNode[] = [set];
    const children: SelectionSetNode[] = [];
    const seen = new Set(visiting);
    while (level.length > 0) {
      const current = level.pop() as SelectionSetNode;
      for (const selection of current.selections) {
        if (selection.kind === Kind.FIELD) {
          if (depth === 1) rootFields++;
          if (selection.alias) aliases++;
          if (++selections > MAX_SELECTIONS) {
            throw new LimitExceeded(`Query exceeds maximum total selections of ${MAX_SELECTIONS}`);
          }
          if (selection.selectionSet) children.push(selection.selectionSet);
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          level.push(selection.selectionSet);
        } else {
          const name = selection.name.value;
          const fragment = fragments.get(name);
          // Unknown fragments and cycles are reported by validation; here they add nothing.
          if (fragment === undefined || seen.has(name)) continue;
          seen.add(name);
          level.push(fragment.selectionSet);
        }
      }
    }
    if (aliases > limits.maxAliases) {
      throw new LimitExceeded(
        `GraphQL queries should have at most ${limits.maxAliases} aliases, got ${aliases} aliases. ` +
          'To increase the limit, set the MLFLOW_SERVER_GRAPHQL_MAX_ALIASES environment variable.',
      );
    }
    for (const child of children) walk(child, depth + 1, seen);
  };
  walk(operation.selectionSet, 1, new Set());
  return { rootFields, selections };
}

/**
 * Checks a parsed document against the limits; `spent` carries what earlier operations of the
 * same (batched) request used, so a batch is bounded like one query. Returns the new totals, or
 * the error message of the first limit exceeded.
 */
export function checkQueryLimits(
  document: DocumentNode,
  limits: QueryLimits,
  spent: QueryCost = { rootFields: 0, selections: 0 },
): QueryCost | { readonly error: string } {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  let rootFields = spent.rootFields;
  let selections = spent.selections;
  try {
    for (const definition of document.definitions) {
      if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
      const cost = scanOperation(definition, fragments, limits, selections);
      rootFields += cost.rootFields;
      selections = cost.selections;
    }
  } catch (error) {
    if (error instanceof LimitExceeded) return { error: error.message };
    throw error;
  }
  if (rootFields > limits.maxRootFields) {
    return {
      error:
        `GraphQL queries should have at most ${limits.maxRootFields} root fields, got ${rootFields} root fields. ` +
        'To increase the limit, set the MLFLOW_SERVER_GRAPHQL_MAX_ROOT_FIELDS environment variable.',
    };
  }
  return { rootFields, selections };
}
