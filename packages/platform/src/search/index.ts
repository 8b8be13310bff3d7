/**
 * The search grammars (search-syntax.md §1–§5): filter and order_by parsers for runs,
 * experiments, registered models and model versions, producing typed clauses that stores
 * translate into parameterized queries. Every failure is INVALID_PARAMETER_VALUE with
 * MLflow's message.
 */

// Typed clauses and ordering keys.
export type {
  ListComparison,
  ListOperator,
  NumericComparison,
  NumericOperator,
  OrderByItem,
  StringComparison,
  StringOperator,
} from './ast.js';
// Experiments.
export {
  type ExperimentClause,
  type ExperimentOrderBy,
  type ExperimentOrderKey,
  type ExperimentTimeKey,
  parseExperimentFilter,
  parseExperimentOrderBy,
} from './experiment-grammar.js';
// Size bounds of a search, checked by the grammars and the stores.
export {
  checkFilterSize,
  checkOrderBySize,
  checkSearchScope,
  MAX_FILTER_CLAUSES,
  MAX_FILTER_LIST_VALUES,
  MAX_ORDER_BY_ITEMS,
  MAX_SEARCH_DATASETS,
  MAX_SEARCH_EXPERIMENT_IDS,
} from './filter-limits.js';
// LIKE/ILIKE patterns, rendered per database by the SQL layer.
export { LIKE_ESCAPE, type LikePiece, parseLikePattern, toEscapedLikePattern, toGlobPattern } from './like-pattern.js';
// Registry: registered models and model versions.
export {
  includesPrompts,
  type ModelVersionClause,
  type ModelVersionOrderBy,
  type ModelVersionOrderKey,
  type ModelVersionStringKey,
  parseModelVersionFilter,
  parseModelVersionOrderBy,
  parseRegisteredModelFilter,
  parseRegisteredModelOrderBy,
  type RegisteredModelClause,
  type RegisteredModelOrderBy,
} from './registry-grammar.js';
// Runs.
export {
  type DatasetKey,
  parseRunFilter,
  parseRunOrderBy,
  type RunAttribute,
  type RunClause,
  type RunNumericAttribute,
  type RunOrderBy,
  type RunStringAttribute,
} from './run-grammar.js';
