/**
 * Filters and order_by of experiment search (search-syntax.md §4): `name`, the two
 * timestamps and tags. Unlike runs, the plural `attributes.` prefix is refused.
 */
import { invalidParameter } from '@keel/contract';
import { canonicalName } from '../store/entity-names.js';
import { NUMERIC_OPERATORS, type NumericComparison, type OrderByItem, type StringComparison } from './ast.js';
import { parseClauses, parseOrderByItem } from './clause-parser.js';
import { checkOrderBySize } from './filter-limits.js';
import { attributeOrTag, invalidComparator, isNumericOperator, quotedString } from './values.js';

/** The numeric experiment attributes (epoch milliseconds). */
export type ExperimentTimeKey = 'creation_time' | 'last_update_time';
/** The attributes experiments can be ordered by. */
export type ExperimentOrderKey = 'name' | 'experiment_id' | ExperimentTimeKey;

/** An experiment filter clause. */
export type ExperimentClause =
  | StringComparison<'attribute', 'name'>
  | NumericComparison<'attribute', ExperimentTimeKey>
  | StringComparison<'tag', string>;

/** An experiment ordering key. */
export type ExperimentOrderBy = OrderByItem<'attribute', ExperimentOrderKey>;

const FILTER_KEYS = ['name', 'creation_time', 'last_update_time'] as const;
const ORDER_KEYS: readonly ExperimentOrderKey[] = ['experiment_id', 'name', 'last_update_time', 'creation_time'];
const TEXT_OPERATORS = new Set(['=', '!=', 'LIKE', 'ILIKE']);

/**
 * Parses an experiment filter.
 *
 * @example
 * parseExperimentFilter("name LIKE 'prod-%' AND tags.team = 'risk' AND creation_time > 1700000000000")
 */
export function parseExperimentFilter(filter: string | undefined): ExperimentClause[] {
  return parseClauses(filter, 'plain').map((clause): ExperimentClause => {
    const target = attributeOrTag(clause.identifier, FILTER_KEYS);
    const { operator, value } = clause;
    if (target.entity === 'attribute' && target.key !== 'name') {
      if (value.kind !== 'number') {
        throw invalidParameter(`Expected numeric value type for numeric attribute: ${target.key}. Found ${value.raw}`);
      }
      if (!isNumericOperator(operator)) throw invalidComparator(operator, NUMERIC_OPERATORS);
      return { type: 'numeric', entity: 'attribute', key: target.key, operator, value: value.value };
    }
    const text = quotedString(value);
    if (text === undefined) {
      if (target.entity === 'tag') {
        throw invalidParameter(`Expected a quoted string value for tag (e.g. 'my-value'). Got value ${value.raw}`);
      }
      if (value.kind === 'list') {
        throw invalidParameter("Only the 'run_id' attribute supports comparison with a list of quoted string values.");
      }
      throw invalidParameter(`Expected a quoted string value for attributes. Got value ${value.raw}`);
    }
    if (!TEXT_OPERATORS.has(operator)) {
      const what = target.entity === 'tag' ? 'tag' : 'string attribute';
      throw invalidParameter(`Invalid comparator for ${what}: ${operator}`);
    }
    const textOperator = operator as '=' | '!=' | 'LIKE' | 'ILIKE';
    if (target.entity === 'tag')
      return { type: 'string', entity: 'tag', key: target.key, operator: textOperator, value: text };
    // Names are stored in NFC, so the compared name (or pattern) is too.
    return { type: 'string', entity: 'attribute', key: 'name', operator: textOperator, value: canonicalName(text) };
  });
}

/**
 * Resolves an experiment order_by list to the full ordering: `creation_time DESC,
 * experiment_id ASC` when empty; otherwise the caller's keys followed by
 * `experiment_id DESC` when experiment_id is absent (MLflow's tie-breaker). A repeated key is
 * accepted, as MLflow does: the later one never decides anything.
 */
export function parseExperimentOrderBy(orderBy: readonly string[] | undefined): ExperimentOrderBy[] {
  checkOrderBySize(orderBy?.length ?? 0);
  if (orderBy === undefined || orderBy.length === 0) {
    return [
      { entity: 'attribute', key: 'creation_time', ascending: false },
      { entity: 'attribute', key: 'experiment_id', ascending: true },
    ];
  }
  const items: ExperimentOrderBy[] = orderBy.map((text) => {
    const { identifier, ascending } = parseOrderByItem(text);
    const target = attributeOrTag(identifier, ORDER_KEYS);
    if (target.entity !== 'attribute') throw invalidParameter('Invalid order_by entity: tag');
    return { entity: 'attribute', key: target.key, ascending };
  });
  if (!items.some((i) => i.key === 'experiment_id')) {
    items.push({ entity: 'attribute', key: 'experiment_id', ascending: false });
  }
  return items;
}
