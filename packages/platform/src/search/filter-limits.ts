/**
 * Size bounds of one search request. Every clause and list value becomes a bound parameter of
 * the SQL the stores build (some more than once), and databases cap both the parameters of a
 * statement (SQLite 32,766, PostgreSQL 65,535) and the depth of an expression: past those the
 * driver fails, which a client would see as a server error. Refusing oversized searches up front
 * gives a clear 400 instead, with room to spare under every database's limits.
 */
import { invalidParameter } from '@keel/contract';

/** Most `AND`-joined clauses in one filter. */
export const MAX_FILTER_CLAUSES = 200;
/** Most values across all `IN (...)` lists of one filter. */
export const MAX_FILTER_LIST_VALUES = 5000;
/** Most `order_by` items of one search. */
export const MAX_ORDER_BY_ITEMS = 50;
/** Most experiment IDs one run or logged-model search may name. */
export const MAX_SEARCH_EXPERIMENT_IDS = 10_000;

/** Most dataset restrictions of one logged-model search (each is repeated in every metric clause). */
export const MAX_SEARCH_DATASETS = 20;

/** Refuses a filter with more clauses or list values than a search accepts. */
export function checkFilterSize(clauses: number, listValues: number): void {
  if (clauses > MAX_FILTER_CLAUSES) {
    throw invalidParameter(
      `The filter has ${clauses} clauses; a search accepts at most ${MAX_FILTER_CLAUSES}. Split it into several searches.`,
    );
  }
  if (listValues > MAX_FILTER_LIST_VALUES) {
    throw invalidParameter(
      `The filter's IN lists hold ${listValues} values; a search accepts at most ${MAX_FILTER_LIST_VALUES}. Split it into several searches.`,
    );
  }
}

/** Refuses more `order_by` items than a search accepts. */
export function checkOrderBySize(items: number): void {
  if (items > MAX_ORDER_BY_ITEMS) {
    throw invalidParameter(`order_by has ${items} items; a search accepts at most ${MAX_ORDER_BY_ITEMS}.`);
  }
}

/** Refuses a search over more experiments (or, for logged models, datasets) than fit in one query. */
export function checkSearchScope(experimentIds: number, datasets = 0): void {
  if (experimentIds > MAX_SEARCH_EXPERIMENT_IDS) {
    throw invalidParameter(
      `experiment_ids names ${experimentIds} experiments; a search accepts at most ${MAX_SEARCH_EXPERIMENT_IDS}.`,
    );
  }
  if (datasets > MAX_SEARCH_DATASETS) {
    throw invalidParameter(`datasets names ${datasets} datasets; a search accepts at most ${MAX_SEARCH_DATASETS}.`);
  }
}
