/**
 * Logged-model search (tracking-api.md G5, search-syntax.md §8) translated to parameterized SQL
 * that runs unchanged on SQLite and PostgreSQL. Only column names from fixed tables reach the SQL
 * text; every user value is a bound parameter.
 */
import { invalidParameter, LOGGED_MODEL_STATUS, type LoggedModel } from '@keel/contract';
import { type Expression, type RawBuilder, type SqlBool, sql } from 'kysely';
import { checkOrderBySize, checkSearchScope, parseLikePattern } from '../../../search/index.js';
import type { Page, SearchLoggedModelsInput } from '../../tracking-store.js';
import { sqlDialect } from '../dialect.js';
import type { SqlDialectName } from '../sql-database.js';
import type { SqlStoreContext } from '../tracking/context.js';
import { parseExperimentId } from '../tracking/rows.js';
import {
  type ListComparison,
  LOGGED_MODEL_ATTRIBUTES,
  type LoggedModelComparison,
  type NumericComparison,
  parseLoggedModelFilter,
  type TextComparison,
} from './logged-model-filter.js';
import { loadLoggedModels } from './logged-model-loader.js';
import { decodeLoggedModelPageToken, encodeLoggedModelPageToken } from './logged-model-page-token.js';

/** MLflow's store uses 100 when the request leaves `max_results` at 0 (the declared default is 50). */
const DEFAULT_MAX_RESULTS = 100;

/** Canonical attribute name -> column of `logged_models`. */
const ATTRIBUTE_COLUMNS: Readonly<Record<string, string>> = {
  name: 'name',
  model_id: 'model_id',
  model_type: 'model_type',
  status: 'status',
  source_run_id: 'source_run_id',
  creation_timestamp: 'creation_timestamp_ms',
  last_updated_timestamp: 'last_updated_timestamp_ms',
};

type Predicate = RawBuilder<SqlBool>;
type DatasetFilter = NonNullable<SearchLoggedModelsInput['datasets']>[number];

/** Rewrites a LIKE pattern (`%`, `_`, `\` escapes) as a case-sensitive SQLite GLOB pattern. */
export function likeToGlob(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    let char = pattern[i] as string;
    if (char === '\\' && i + 1 < pattern.length) {
      char = pattern[++i] as string;
      out += char === '*' || char === '?' || char === '[' ? `[${char}]` : char;
    } else if (char === '%') out += '*';
    else if (char === '_') out += '?';
    else if (char === '*' || char === '?' || char === '[') out += `[${char}]`;
    else out += char;
  }
  return out;
}

/** Whether `text` matches a LIKE pattern; `caseSensitive` false gives ILIKE. */
function likeMatches(text: string, pattern: string, caseSensitive: boolean): boolean {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i] as string;
    if (char === '\\' && i + 1 < pattern.length) source += escapeRegExp(pattern[++i] as string);
    else if (char === '%') source += '[\\s\\S]*';
    else if (char === '_') source += '[\\s\\S]';
    else source += escapeRegExp(char);
  }
  return new RegExp(`^${source}$`, caseSensitive ? 'u' : 'iu').test(text);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/** `column <op> value` for string clauses, with LIKE case-sensitive and ILIKE not, on both dialects. */
function compareText(
  column: Expression<unknown>,
  clause: TextComparison | ListComparison,
  dialect: SqlDialectName,
): Predicate {
  if (clause.kind === 'list') {
    const list = sql.join(clause.values);
    return clause.op === 'IN' ? sql<SqlBool>`${column} in (${list})` : sql<SqlBool>`${column} not in (${list})`;
  }
  const value = clause.value;
  switch (clause.op) {
    case '=':
      return sql<SqlBool>`${column} = ${value}`;
    case '!=':
      return sql<SqlBool>`${column} <> ${value}`;
    case 'LIKE':
      return sqlDialect(dialect).like(column, parseLikePattern(value));
    case 'ILIKE':
      return sqlDialect(dialect).ilike(column, parseLikePattern(value));
  }
}

function compareNumber(column: Expression<unknown>, { op, value }: NumericComparison): Predicate {
  switch (op) {
    case '=':
      return sql<SqlBool>`${column} = ${value}`;
    case '!=':
      return sql<SqlBool>`${column} <> ${value}`;
    case '<':
      return sql<SqlBool>`${column} < ${value}`;
    case '<=':
      return sql<SqlBool>`${column} <= ${value}`;
    case '>':
      return sql<SqlBool>`${column} > ${value}`;
    default:
      return sql<SqlBool>`${column} >= ${value}`;
  }
}

const NEVER: Predicate = sql<SqlBool>`1 = 0`;

/**
 * Status is stored as its enum number, but filters name it (`status = 'LOGGED_MODEL_READY'`).
 * MLflow 3.5 compares the name with the number and so never matches; Keel evaluates the clause
 * against each status name (a bare number such as '2' also matches, as in MLflow) and filters on
 * the resulting set of numbers.
 */
function statusPredicate(clause: TextComparison | ListComparison): Predicate {
  const matching = Object.entries(LOGGED_MODEL_STATUS)
    .filter(([name, n]) => {
      const names = [name, String(n)];
      if (clause.kind === 'list') return names.some((s) => clause.values.includes(s)) === (clause.op === 'IN');
      if (clause.op === '=') return names.includes(clause.value);
      if (clause.op === '!=') return !names.includes(clause.value);
      return likeMatches(name, clause.value, clause.op === 'LIKE');
    })
    .map(([, n]) => n);
  return matching.length === 0 ? NEVER : sql<SqlBool>`lm.status in (${sql.join(matching)})`;
}

function datasetPredicate(datasets: readonly DatasetFilter[]): Predicate | undefined {
  if (datasets.length === 0) return undefined;
  const alternatives = datasets.map((d) =>
    d.dataset_digest
      ? sql<SqlBool>`(m.dataset_name = ${d.dataset_name} and m.dataset_digest = ${d.dataset_digest})`
      : sql<SqlBool>`m.dataset_name = ${d.dataset_name}`,
  );
  return sql<SqlBool>`(${sql.join(alternatives, sql` or `)})`;
}

function comparisonPredicate(
  clause: LoggedModelComparison,
  datasets: Predicate | undefined,
  dialect: SqlDialectName,
): Predicate {
  if (clause.entity === 'metrics') {
    // The parser only builds numeric clauses for metrics; the check narrows the type.
    if (clause.kind !== 'number') return NEVER;
    // Matches when ANY point of the metric (on the requested datasets) satisfies the clause.
    const restriction = datasets === undefined ? sql`` : sql` and ${datasets}`;
    return sql<SqlBool>`exists (select 1 from logged_model_metrics m where m.model_id = lm.model_id and m.key = ${clause.key} and m.is_nan = 0 and ${compareNumber(sql.ref('m.value'), clause)}${restriction})`;
  }
  if (clause.entity === 'attributes') {
    const column = sql.ref(`lm.${ATTRIBUTE_COLUMNS[clause.key] as string}`);
    if (clause.kind === 'number') return compareNumber(column, clause);
    return clause.key === 'status' ? statusPredicate(clause) : compareText(column, clause, dialect);
  }
  if (clause.kind === 'number') return NEVER;
  const table = sql.table(clause.entity === 'params' ? 'logged_model_params' : 'logged_model_tags');
  // A key the model lacks never matches, whatever the operator (also for != and NOT IN).
  return sql<SqlBool>`exists (select 1 from ${table} kv where kv.model_id = lm.model_id and kv.key = ${clause.key} and ${compareText(sql.ref('kv.value'), clause, dialect)})`;
}

interface OrderTerm {
  readonly expression: Expression<unknown>;
  readonly descending: boolean;
}

/** ORDER BY terms: requested fields, then creation time descending (unless requested) and model id. */
function orderTerms(orderBy: NonNullable<SearchLoggedModelsInput['order_by']>): OrderTerm[] {
  checkOrderBySize(orderBy.length);
  const terms: OrderTerm[] = [];
  let hasCreation = false;
  for (const ob of orderBy) {
    const descending = ob.ascending === false;
    const field = ob.field_name;
    const dot = field.indexOf('.');
    if (dot < 0) {
      const canonical = LOGGED_MODEL_ATTRIBUTES.get(field);
      if (canonical === undefined) throw invalidParameter(`Invalid order by field name: ${field}`);
      if (canonical === 'creation_timestamp') hasCreation = true;
      terms.push({ expression: sql.ref(`lm.${ATTRIBUTE_COLUMNS[canonical] as string}`), descending });
      continue;
    }
    if (field.slice(0, dot) !== 'metrics') {
      throw invalidParameter(`Invalid order by field name: ${field}. Only metrics are supported.`);
    }
    if (ob.dataset_digest && !ob.dataset_name) {
      throw invalidParameter(
        `Invalid order by entry for ${field}: 'dataset_digest' can only be given together with 'dataset_name'.`,
      );
    }
    const key = field.slice(dot + 1).replace(/^`(.*)`$/, '$1');
    const dataset = [
      ...(ob.dataset_name ? [sql`m.dataset_name = ${ob.dataset_name}`] : []),
      ...(ob.dataset_digest ? [sql`m.dataset_digest = ${ob.dataset_digest}`] : []),
    ];
    const restriction = dataset.length === 0 ? sql`` : sql` and ${sql.join(dataset, sql` and `)}`;
    // The model's latest point of the metric: greatest timestamp, then step (MLflow's rule here).
    const latest = (column: 'value' | 'is_nan') =>
      sql`(select ${sql.ref(`m.${column}`)} from logged_model_metrics m where m.model_id = lm.model_id and m.key = ${key}${restriction} order by m.timestamp desc, m.step desc, m.value desc limit 1)`;
    // Real values first, then NaN, then models without the metric, whatever the direction.
    terms.push({ expression: sql`coalesce(${latest('is_nan')}, 2)`, descending: false });
    terms.push({ expression: latest('value'), descending });
  }
  if (!hasCreation) terms.push({ expression: sql.ref('lm.creation_timestamp_ms'), descending: true });
  terms.push({ expression: sql.ref('lm.model_id'), descending: false });
  return terms;
}

/** Runs a search request: filter, dataset restriction, order, and one page with MLflow's token. */
export async function runLoggedModelSearch(
  ctx: SqlStoreContext,
  input: SearchLoggedModelsInput,
): Promise<Page<LoggedModel>> {
  checkSearchScope(input.experiment_ids.length, input.datasets?.length ?? 0);
  const comparisons = parseLoggedModelFilter(input.filter);
  const orderBy = input.order_by ?? [];
  const terms = orderTerms(orderBy);
  const offset = input.page_token ? decodeLoggedModelPageToken(input.page_token, input) : 0;
  const maxResults = input.max_results || DEFAULT_MAX_RESULTS;
  if (maxResults < 0) {
    throw invalidParameter(`Invalid value ${maxResults} for parameter 'max_results' supplied. It must be positive.`);
  }
  const experimentIds = input.experiment_ids.map(parseExperimentId).filter((id): id is number => id !== undefined);
  if (experimentIds.length === 0) return { items: [] };

  const datasets = datasetPredicate(input.datasets ?? []);
  const dialect = ctx.database.dialect;
  return ctx.database.read(async (db) => {
    let query = db
      .selectFrom('logged_models as lm')
      .selectAll('lm')
      .where('lm.lifecycle_stage', '=', 'active')
      .where('lm.experiment_id', 'in', experimentIds);
    for (const comparison of comparisons) query = query.where(comparisonPredicate(comparison, datasets, dialect));
    // Datasets without a metric clause keep the models having any metric on one of them.
    if (datasets !== undefined && !comparisons.some((c) => c.entity === 'metrics')) {
      query = query.where(
        sql<SqlBool>`exists (select 1 from logged_model_metrics m where m.model_id = lm.model_id and ${datasets})`,
      );
    }
    for (const term of terms) query = query.orderBy(term.expression, term.descending ? 'desc' : 'asc');
    const rows = await query
      .limit(maxResults + 1)
      .offset(offset)
      .execute();
    const items = await loadLoggedModels(db, rows.slice(0, maxResults));
    if (rows.length <= maxResults) return { items };
    return { items, next_page_token: encodeLoggedModelPageToken(input, offset + maxResults) };
  });
}
