/**
 * Filters and order_by of run search (search-syntax.md §2–§3): metrics, params, tags,
 * attributes and datasets, with MLflow's prefixes, aliases and messages.
 */
import { invalidParameter } from '@keel/contract';
import {
  type ListComparison,
  NUMERIC_OPERATORS,
  type NumericComparison,
  type OrderByItem,
  STRING_OPERATORS,
  type StringComparison,
} from './ast.js';
import { parseClauses, parseOrderByItem, type RawClause, type RawIdentifier, type RawValue } from './clause-parser.js';
import { checkOrderBySize } from './filter-limits.js';
import {
  checkDuplicateFields,
  checkListShape,
  dropUppercase,
  formatList,
  invalidAttributeKey,
  invalidComparator,
  isListOperator,
  isNumericOperator,
  isStringOperator,
  listStrings,
  quotedString,
} from './values.js';

/** Run attributes compared as strings (`run_name` is the `mlflow.runName` tag). */
export type RunStringAttribute = 'run_id' | 'run_name' | 'user_id' | 'status' | 'artifact_uri';
/** Run attributes compared as numbers (epoch milliseconds; `end_time` may be missing). */
export type RunNumericAttribute = 'start_time' | 'end_time';
/** Every filterable and orderable run attribute, aliases resolved. */
export type RunAttribute = RunStringAttribute | RunNumericAttribute;
/** `datasets.context` is the input's `mlflow.data.context` tag. */
export type DatasetKey = 'name' | 'digest' | 'context';

/**
 * A run filter clause. Metrics compare against the run's latest value; `attribute run_name`
 * against the `mlflow.runName` tag; dataset clauses match when any dataset input matches.
 */
export type RunClause =
  | NumericComparison<'metric', string>
  | StringComparison<'param' | 'tag', string>
  | StringComparison<'attribute', RunStringAttribute>
  | ListComparison<'attribute', 'run_id'>
  | NumericComparison<'attribute', RunNumericAttribute>
  | StringComparison<'dataset', DatasetKey>
  | ListComparison<'dataset', DatasetKey>;

/** A run ordering key. */
export type RunOrderBy = OrderByItem<'metric' | 'param' | 'tag', string> | OrderByItem<'attribute', RunAttribute>;

type RunEntity = 'metric' | 'param' | 'tag' | 'attribute' | 'dataset';

const ENTITY_PREFIXES: Readonly<Record<string, RunEntity>> = {
  metric: 'metric',
  metrics: 'metric',
  param: 'param',
  params: 'param',
  parameter: 'param',
  parameters: 'param',
  tag: 'tag',
  tags: 'tag',
  attribute: 'attribute',
  attributes: 'attribute',
  attr: 'attribute',
  run: 'attribute',
  dataset: 'dataset',
  datasets: 'dataset',
};

const ATTRIBUTE_ALIASES: Readonly<Record<string, RunAttribute>> = {
  run_id: 'run_id',
  run_name: 'run_name',
  user_id: 'user_id',
  status: 'status',
  artifact_uri: 'artifact_uri',
  start_time: 'start_time',
  end_time: 'end_time',
  created: 'start_time',
  Created: 'start_time',
  'run name': 'run_name',
  'Run name': 'run_name',
  'Run Name': 'run_name',
};
const FILTER_ATTRIBUTES = Object.keys(ATTRIBUTE_ALIASES);
const ORDER_ATTRIBUTES = FILTER_ATTRIBUTES.filter((k) => !k.includes(' '));
const DATASET_KEYS: readonly DatasetKey[] = ['name', 'digest', 'context'];
const RUN_ID_OPERATORS = [...STRING_OPERATORS, 'IN', 'NOT IN'];

type Target =
  | { entity: 'metric' | 'param' | 'tag'; key: string; written: string }
  | { entity: 'attribute'; key: RunAttribute; written: string }
  | { entity: 'dataset'; key: DatasetKey; written: string };

function resolve(identifier: RawIdentifier, attributes: readonly string[]): Target {
  const entity = identifier.entity === undefined ? 'attribute' : ENTITY_PREFIXES[identifier.entity];
  if (entity === undefined) {
    throw invalidParameter(
      `Invalid entity type '${identifier.entity}'. Valid values are ` +
        formatList(['metric', 'parameter', 'tag', 'attribute', 'dataset']),
    );
  }
  const written = identifier.key;
  if (entity === 'attribute') {
    const key = attributes.includes(written) ? ATTRIBUTE_ALIASES[written] : undefined;
    if (key === undefined) throw invalidAttributeKey(written, attributes);
    return { entity, key, written };
  }
  if (entity === 'dataset') {
    const key = DATASET_KEYS.find((k) => k === written);
    if (key === undefined) {
      throw invalidParameter(
        `Invalid dataset key '${written}' specified. Valid keys are '{'name', 'digest', 'context'}'`,
      );
    }
    return { entity, key, written };
  }
  return { entity, key: written, written };
}

/**
 * Parses a run filter into typed clauses. Keys may be quoted with backticks or double quotes;
 * `attributes.run_id IN (...)` drops values with uppercase letters.
 *
 * @example
 * parseRunFilter("metrics.rmse < 1 AND params.model = 'lr'")
 */
export function parseRunFilter(filter: string | undefined): RunClause[] {
  return parseClauses(filter, 'quoted').map(toRunClause);
}

function toRunClause(clause: RawClause): RunClause {
  const target = resolve(clause.identifier, FILTER_ATTRIBUTES);
  const { operator, value } = clause;
  switch (target.entity) {
    case 'metric': {
      if (value.kind !== 'number') {
        throw invalidParameter(`Expected numeric value type for metric. Found ${value.raw}`);
      }
      if (!isNumericOperator(operator)) throw invalidComparator(operator, NUMERIC_OPERATORS);
      return { type: 'numeric', entity: 'metric', key: target.key, operator, value: value.value };
    }
    case 'param':
    case 'tag': {
      const text = quotedString(value);
      if (text === undefined) {
        const name = target.entity === 'param' ? 'parameter' : 'tag';
        throw invalidParameter(`Expected a quoted string value for ${name} (e.g. 'my-value'). Got value ${value.raw}`);
      }
      if (!isStringOperator(operator)) throw invalidComparator(operator, STRING_OPERATORS);
      return { type: 'string', entity: target.entity, key: target.key, operator, value: text };
    }
    case 'attribute':
      return attributeClause(target.key, target.written, operator, value);
    case 'dataset': {
      if (value.kind === 'list') {
        if (!isListOperator(operator)) throw invalidComparator(operator, RUN_ID_OPERATORS);
        return { type: 'list', entity: 'dataset', key: target.key, operator, values: listStrings(value) };
      }
      const text = quotedString(value);
      if (text === undefined) {
        throw invalidParameter(`Expected a quoted string value for dataset attributes. Got value ${value.raw}`);
      }
      checkListShape(operator, value);
      if (!isStringOperator(operator)) throw invalidComparator(operator, RUN_ID_OPERATORS);
      return { type: 'string', entity: 'dataset', key: target.key, operator, value: text };
    }
  }
}

function attributeClause(key: RunAttribute, written: string, operator: string, value: RawValue): RunClause {
  if (key === 'start_time' || key === 'end_time') {
    if (value.kind !== 'number') {
      throw invalidParameter(`Expected numeric value type for numeric attribute: ${written}. Found ${value.raw}`);
    }
    if (!isNumericOperator(operator)) throw invalidComparator(operator, NUMERIC_OPERATORS);
    return { type: 'numeric', entity: 'attribute', key, operator, value: value.value };
  }
  if (value.kind === 'list') {
    if (key !== 'run_id') {
      throw invalidParameter("Only the 'run_id' attribute supports comparison with a list of quoted string values.");
    }
    if (!isListOperator(operator)) throw invalidComparator(operator, RUN_ID_OPERATORS);
    return { type: 'list', entity: 'attribute', key, operator, values: dropUppercase(listStrings(value)) };
  }
  const text = quotedString(value);
  if (text === undefined) {
    throw invalidParameter(`Expected a quoted string value for attributes. Got value ${value.raw}`);
  }
  checkListShape(operator, value);
  if (!isStringOperator(operator)) {
    throw invalidComparator(operator, key === 'run_id' ? RUN_ID_OPERATORS : STRING_OPERATORS);
  }
  return { type: 'string', entity: 'attribute', key, operator, value: text };
}

/**
 * Resolves a run order_by list to the full ordering: the caller's keys (aliases resolved),
 * then `start_time DESC` unless start_time was used, then `run_id ASC` unless run_id was used.
 * The same key twice is INVALID_PARAMETER_VALUE (MLflow answers INTERNAL_ERROR).
 */
export function parseRunOrderBy(orderBy: readonly string[] | undefined): RunOrderBy[] {
  checkOrderBySize(orderBy?.length ?? 0);
  const items: RunOrderBy[] = (orderBy ?? []).map((text) => {
    const { identifier, ascending } = parseOrderByItem(text);
    const target = resolve(identifier, ORDER_ATTRIBUTES);
    if (target.entity === 'dataset') throw invalidParameter(`Invalid order_by entity: dataset`);
    if (target.entity === 'attribute') return { entity: 'attribute', key: target.key, ascending };
    return { entity: target.entity, key: target.key, ascending };
  });
  checkDuplicateFields(
    items.map((i) => `${i.entity}\u0000${i.key}`),
    orderBy ?? [],
  );
  const has = (key: RunAttribute) => items.some((i) => i.entity === 'attribute' && i.key === key);
  if (!has('start_time')) items.push({ entity: 'attribute', key: 'start_time', ascending: false });
  if (!has('run_id')) items.push({ entity: 'attribute', key: 'run_id', ascending: true });
  return items;
}
