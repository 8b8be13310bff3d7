/**
 * Filters and order_by of trace search (MLflow 3's `SearchTraceUtils`): attributes
 * (`trace.`/`attributes.` or bare: status, timestamp, execution time, request id), tags,
 * request metadata (`metadata.`/`request_metadata.`) and spans (`span.name`, `span.type`,
 * `span.status`). `name` is the `mlflow.traceName` tag and `run_id` the run that produced or
 * was linked to the trace. Messages follow MLflow's, Python sets and all.
 */
import { invalidParameter } from '@keel/contract';
import {
  type ListComparison,
  NUMERIC_OPERATORS,
  type NumericComparison,
  type NumericOperator,
  type OrderByItem,
  type StringComparison,
} from './ast.js';
import { parseClauses, parseOrderByItem, type RawClause, type RawIdentifier, type RawValue } from './clause-parser.js';
import {
  checkDuplicateFields,
  formatSet,
  invalidAttributeKey,
  isListOperator,
  isNumericOperator,
  listStrings,
  quotedString,
} from './values.js';

/** The tag that names a trace (`trace.name`). */
export const TRACE_NAME_TAG = 'mlflow.traceName';
/** The metadata key naming the run that produced a trace (`trace.run_id`, with linked runs). */
export const SOURCE_RUN_METADATA = 'mlflow.sourceRun';

export type TraceNumericAttribute = 'timestamp_ms' | 'execution_time_ms';
export type TraceStringAttribute = 'status' | 'request_id';
export type SpanKey = 'name' | 'type' | 'status';

/** Equality only: trace tags and metadata are not pattern-searched (values may be large). */
export type TraceEqualityOperator = '=' | '!=';
export type SpanOperator = '=' | '!=' | 'LIKE' | 'ILIKE';

/** A trace filter clause; `run` matches the source-run metadata or a link to the run. */
export type TraceClause =
  | NumericComparison<'attribute', TraceNumericAttribute>
  | (StringComparison<'attribute', TraceStringAttribute> & { readonly operator: TraceEqualityOperator })
  | ListComparison<'attribute', TraceStringAttribute>
  | (StringComparison<'tag' | 'metadata', string> & { readonly operator: TraceEqualityOperator })
  | ListComparison<'tag', string>
  | (StringComparison<'run', 'run_id'> & { readonly operator: TraceEqualityOperator })
  | ListComparison<'run', 'run_id'>
  | (StringComparison<'span', SpanKey> & { readonly operator: SpanOperator });

/** A trace ordering key: an attribute, or a tag or metadata value (`name`, `run_id`). */
export type TraceOrderBy =
  | OrderByItem<'attribute', TraceNumericAttribute | TraceStringAttribute | 'experiment_id'>
  | OrderByItem<'tag' | 'metadata', string>;

type Entity = 'attribute' | 'tag' | 'metadata' | 'span';

const ENTITY_PREFIXES: Readonly<Record<string, Entity>> = {
  attribute: 'attribute',
  attributes: 'attribute',
  trace: 'attribute',
  tag: 'tag',
  tags: 'tag',
  request_metadata: 'metadata',
  metadata: 'metadata',
  span: 'span',
};
const VALID_ENTITY_NAMES = Object.keys(ENTITY_PREFIXES);

const FILTER_ATTRIBUTES = [
  'request_id',
  'timestamp',
  'timestamp_ms',
  'execution_time',
  'execution_time_ms',
  'status',
  'name',
  'run_id',
];
const ORDER_ATTRIBUTES = [...FILTER_ATTRIBUTES, 'experiment_id'];
const NUMERIC_ATTRIBUTES = ['timestamp_ms', 'timestamp', 'execution_time_ms', 'execution_time'];
const LIST_ATTRIBUTES = ['name', 'status', 'request_id', 'run_id'];
const ATTRIBUTE_COMPARATORS = ['!=', '=', 'IN', 'NOT IN'];
const TAG_COMPARATORS = ['!=', '='];
const SPAN_KEYS: readonly SpanKey[] = ['name', 'type', 'status'];
const SPAN_COMPARATORS = ['!=', '=', 'LIKE', 'ILIKE'];
/** Longest `IN (...)` list: every value is a bound parameter. */
const MAX_LIST_VALUES = 1000;

const ALIASES: Readonly<Record<string, TraceNumericAttribute>> = {
  timestamp: 'timestamp_ms',
  execution_time: 'execution_time_ms',
};

function entityOf(identifier: RawIdentifier): Entity {
  if (identifier.entity === undefined) return 'attribute';
  const entity = ENTITY_PREFIXES[identifier.entity];
  if (entity === undefined) {
    throw invalidParameter(
      `Invalid entity type '${identifier.entity}'. Valid values are ${formatSet(VALID_ENTITY_NAMES)}`,
    );
  }
  return entity;
}

/**
 * Parses a trace filter into typed clauses.
 *
 * @example
 * parseTraceFilter("trace.status = 'OK' AND tags.topic = 'math'")
 */
export function parseTraceFilter(filter: string | undefined): TraceClause[] {
  return parseClauses(filter, 'quoted').map(toTraceClause);
}

function toTraceClause(clause: RawClause): TraceClause {
  const { identifier, operator, value } = clause;
  const entity = entityOf(identifier);
  switch (entity) {
    case 'tag':
      return tagClause('tag', identifier.key, operator, value);
    case 'metadata':
      return tagClause('metadata', identifier.key, operator, value);
    case 'span':
      return spanClause(identifier.key, operator, value);
    case 'attribute':
      return attributeClause(identifier.key, operator, value);
  }
}

function tagClause(entity: 'tag' | 'metadata', key: string, operator: string, value: RawValue): TraceClause {
  if (!TAG_COMPARATORS.includes(operator)) {
    // MLflow's tag message lacks the closing quote; its metadata message has it.
    const suffix = entity === 'tag' ? '' : "'";
    throw invalidParameter(`Invalid comparator '${operator}' not one of '${formatSet(TAG_COMPARATORS)}${suffix}`);
  }
  const text = quotedString(value);
  if (text === undefined) {
    const name = entity === 'tag' ? 'tag' : 'request_metadata';
    throw invalidParameter(`Expected a quoted string value for ${name} (e.g. 'my-value'). Got value ${value.raw}`);
  }
  return { type: 'string', entity, key, operator: operator as TraceEqualityOperator, value: text };
}

function spanClause(key: string, operator: string, value: RawValue): TraceClause {
  const spanKey = SPAN_KEYS.find((k) => k === key);
  if (spanKey === undefined) {
    throw invalidParameter(`Invalid span key '${key}' specified. Valid keys are '${formatSet(SPAN_KEYS)}'`);
  }
  if (!SPAN_COMPARATORS.includes(operator)) {
    throw invalidParameter(`Invalid comparator '${operator}' not one of '${formatSet(SPAN_COMPARATORS)}'`);
  }
  const text = quotedString(value);
  if (text === undefined) {
    throw invalidParameter(`Expected a quoted string value for span (e.g. 'my-value'). Got value ${value.raw}`);
  }
  return { type: 'string', entity: 'span', key: spanKey, operator: operator as SpanOperator, value: text };
}

function attributeClause(written: string, operator: string, value: RawValue): TraceClause {
  if (!FILTER_ATTRIBUTES.includes(written)) throw invalidAttributeKey(written, FILTER_ATTRIBUTES);
  if (value.kind === 'number') {
    if (!NUMERIC_ATTRIBUTES.includes(written)) {
      throw invalidParameter(
        `Only the '${formatSet(NUMERIC_ATTRIBUTES)}' attributes support comparison with numeric values.`,
      );
    }
    if (!isNumericOperator(operator)) {
      throw invalidParameter(`Invalid comparator '${operator}' not one of '${formatSet(NUMERIC_OPERATORS)}'`);
    }
    const key = ALIASES[written] ?? (written as TraceNumericAttribute);
    return { type: 'numeric', entity: 'attribute', key, operator: operator as NumericOperator, value: value.value };
  }
  if (NUMERIC_ATTRIBUTES.includes(written)) {
    throw invalidParameter(`Expected numeric value type for numeric attribute: ${written}. Found ${value.raw}`);
  }
  if (value.kind === 'list') {
    if (!LIST_ATTRIBUTES.includes(written)) {
      throw invalidParameter(
        `Only attributes in ${formatSet(LIST_ATTRIBUTES)} supports comparison with a list of quoted string values.`,
      );
    }
    if (!isListOperator(operator)) {
      throw invalidParameter(`Invalid comparator '${operator}' not one of '${formatSet(ATTRIBUTE_COMPARATORS)}'`);
    }
    const values = listStrings(value);
    if (values.length > MAX_LIST_VALUES) {
      throw invalidParameter(
        `A list in a trace filter may hold at most ${MAX_LIST_VALUES} values; got ${values.length}.`,
      );
    }
    if (written === 'name') return { type: 'list', entity: 'tag', key: TRACE_NAME_TAG, operator, values };
    if (written === 'run_id') return { type: 'list', entity: 'run', key: 'run_id', operator, values };
    return { type: 'list', entity: 'attribute', key: written as TraceStringAttribute, operator, values };
  }
  if (operator !== '=' && operator !== '!=') {
    throw invalidParameter(`Invalid comparator '${operator}' not one of '${formatSet(ATTRIBUTE_COMPARATORS)}'`);
  }
  const text = quotedString(value);
  if (text === undefined) {
    throw invalidParameter(
      `Expected a quoted string value or a list of quoted string values for attributes. Got value ${value.raw}`,
    );
  }
  if (written === 'name') return { type: 'string', entity: 'tag', key: TRACE_NAME_TAG, operator, value: text };
  if (written === 'run_id') return { type: 'string', entity: 'run', key: 'run_id', operator, value: text };
  return { type: 'string', entity: 'attribute', key: written as TraceStringAttribute, operator, value: text };
}

/**
 * Resolves a trace order_by list: the caller's keys, then `timestamp_ms DESC` unless given,
 * then `request_id ASC` unless given (MLflow's tie-breakers).
 */
export function parseTraceOrderBy(orderBy: readonly string[] | undefined): TraceOrderBy[] {
  const items: TraceOrderBy[] = (orderBy ?? []).map((text) => {
    const { identifier, ascending } = parseOrderByItem(text);
    const entity = entityOf(identifier);
    if (entity === 'tag' || entity === 'metadata') return { entity, key: identifier.key, ascending };
    if (entity === 'span') throw invalidParameter(`Invalid order_by entity \`span\` with key \`${identifier.key}\``);
    const written = identifier.key;
    if (!ORDER_ATTRIBUTES.includes(written)) throw invalidAttributeKey(written, ORDER_ATTRIBUTES);
    if (written === 'name') return { entity: 'tag', key: TRACE_NAME_TAG, ascending };
    if (written === 'run_id') return { entity: 'metadata', key: SOURCE_RUN_METADATA, ascending };
    const key = ALIASES[written] ?? (written as TraceNumericAttribute | TraceStringAttribute | 'experiment_id');
    return { entity: 'attribute', key, ascending };
  });
  checkDuplicateFields(
    items.map((i) => `${i.entity}\u0000${i.key}`),
    orderBy ?? [],
  );
  const has = (key: string) => items.some((i) => i.entity === 'attribute' && i.key === key);
  if (!has('timestamp_ms')) items.push({ entity: 'attribute', key: 'timestamp_ms', ascending: false });
  if (!has('request_id')) items.push({ entity: 'attribute', key: 'request_id', ascending: true });
  return items;
}
