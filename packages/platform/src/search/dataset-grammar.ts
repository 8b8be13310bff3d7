/**
 * Filters and order_by of evaluation-dataset search: the attributes `name`, `created_by`,
 * `last_updated_by` (strings) and `created_time`, `last_update_time` (epoch milliseconds), and
 * tags (`tags.<key>`). MLflow words an unknown attribute differently here than for experiments
 * ("Valid keys are: {...}").
 */
import { invalidParameter } from '@keel/contract';
import { NUMERIC_OPERATORS, type NumericComparison, type OrderByItem, type StringComparison } from './ast.js';
import { parseClauses, parseOrderByItem, type RawIdentifier } from './clause-parser.js';
import { formatSet, invalidComparator, isNumericOperator, quotedString } from './values.js';

export type DatasetStringKey = 'name' | 'created_by' | 'last_updated_by';
export type DatasetTimeKey = 'created_time' | 'last_update_time';
export type DatasetOrderKey = DatasetStringKey | DatasetTimeKey | 'dataset_id';

/** An evaluation-dataset filter clause. */
export type DatasetClause =
  | StringComparison<'attribute', DatasetStringKey>
  | NumericComparison<'attribute', DatasetTimeKey>
  | StringComparison<'tag', string>;

export type DatasetOrderBy = OrderByItem<'attribute', DatasetOrderKey>;

const STRING_KEYS: readonly DatasetStringKey[] = ['name', 'created_by', 'last_updated_by'];
const TIME_KEYS: readonly DatasetTimeKey[] = ['created_time', 'last_update_time'];
const FILTER_KEYS = [...STRING_KEYS, ...TIME_KEYS].sort();
const ORDER_KEYS: readonly DatasetOrderKey[] = [...STRING_KEYS, ...TIME_KEYS, 'dataset_id'];
const TEXT_OPERATORS = new Set(['=', '!=', 'LIKE', 'ILIKE']);

type Target = { entity: 'attribute'; key: DatasetStringKey | DatasetTimeKey } | { entity: 'tag'; key: string };

function resolve(identifier: RawIdentifier): Target {
  const entity = identifier.entity;
  if (entity === 'tag' || entity === 'tags') return { entity: 'tag', key: identifier.key };
  if (entity !== undefined && entity !== 'attribute' && entity !== 'attributes') {
    throw invalidParameter(
      `Invalid entity type '${entity}'. Valid entity types are ('attribute', 'attributes', 'tag', 'tags')`,
    );
  }
  const key = FILTER_KEYS.find((k) => k === identifier.key);
  if (key === undefined) {
    throw invalidParameter(
      `Invalid attribute key '${identifier.key}' specified. Valid keys are: ${formatSet(FILTER_KEYS)}`,
    );
  }
  return { entity: 'attribute', key };
}

/**
 * Parses a dataset filter.
 *
 * @example
 * parseDatasetFilter("name LIKE 'qa-%' AND tags.stage = 'prod' AND created_time > 1700000000000")
 */
export function parseDatasetFilter(filter: string | undefined): DatasetClause[] {
  return parseClauses(filter, 'plain').map((clause): DatasetClause => {
    const target = resolve(clause.identifier);
    const { operator, value } = clause;
    if (target.entity === 'attribute' && (TIME_KEYS as readonly string[]).includes(target.key)) {
      if (value.kind !== 'number') {
        throw invalidParameter(`Expected numeric value type for numeric attribute: ${target.key}. Found ${value.raw}`);
      }
      if (!isNumericOperator(operator)) throw invalidComparator(operator, NUMERIC_OPERATORS);
      return { type: 'numeric', entity: 'attribute', key: target.key as DatasetTimeKey, operator, value: value.value };
    }
    const text = quotedString(value);
    if (text === undefined) {
      throw invalidParameter(
        `Expected a quoted string value for ${target.entity === 'tag' ? 'tag' : 'attributes'}. Got value ${value.raw}`,
      );
    }
    if (!TEXT_OPERATORS.has(operator)) {
      throw invalidParameter(
        `Invalid comparator for ${target.entity === 'tag' ? 'tag' : 'string attribute'}: ${operator}`,
      );
    }
    const textOperator = operator as '=' | '!=' | 'LIKE' | 'ILIKE';
    if (target.entity === 'tag')
      return { type: 'string', entity: 'tag', key: target.key, operator: textOperator, value: text };
    return {
      type: 'string',
      entity: 'attribute',
      key: target.key as DatasetStringKey,
      operator: textOperator,
      value: text,
    };
  });
}

/**
 * Resolves an order_by list: `created_time DESC` (newest first) when empty; `dataset_id`
 * breaks ties so pages never overlap.
 */
export function parseDatasetOrderBy(orderBy: readonly string[] | undefined): DatasetOrderBy[] {
  const items: DatasetOrderBy[] =
    orderBy === undefined || orderBy.length === 0
      ? [{ entity: 'attribute', key: 'created_time', ascending: false }]
      : orderBy.map((text) => {
          const { identifier, ascending } = parseOrderByItem(text);
          if (
            identifier.entity !== undefined &&
            identifier.entity !== 'attribute' &&
            identifier.entity !== 'attributes'
          ) {
            throw invalidParameter(`Invalid order_by entity: ${identifier.entity}`);
          }
          const key = ORDER_KEYS.find((k) => k === identifier.key);
          if (key === undefined) {
            throw invalidParameter(
              `Invalid order_by key '${identifier.key}' specified. Valid keys are: ${formatSet([...ORDER_KEYS].sort())}`,
            );
          }
          return { entity: 'attribute', key, ascending };
        });
  if (!items.some((i) => i.key === 'dataset_id'))
    items.push({ entity: 'attribute', key: 'dataset_id', ascending: true });
  return items;
}
