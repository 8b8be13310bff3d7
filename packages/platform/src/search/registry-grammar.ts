/**
 * Filters and order_by of the model registry searches (search-syntax.md §5): registered models
 * (`name`, tags) and model versions (`name`, `run_id`, `source_path`, `version_number`, tags).
 * The parsers validate with MLflow's messages and return typed clauses; the registry store
 * turns them into SQL (see `store/sql/search-predicates.ts` for LIKE/ILIKE).
 */
import { invalidParameter } from '@keel/contract';
import { canonicalName } from '../store/entity-names.js';
import type { ListComparison, NumericComparison, OrderByItem, StringComparison } from './ast.js';
import { NUMERIC_OPERATORS, STRING_OPERATORS } from './ast.js';
import { parseClauses, parseOrderByItem, type RawClause } from './clause-parser.js';
import { checkOrderBySize } from './filter-limits.js';
import {
  attributeOrTag,
  checkDuplicateFields,
  checkListShape,
  dropUppercase,
  formatSet,
  invalidComparator,
  isNumericOperator,
  isStringOperator,
  listStrings,
  quotedString,
} from './values.js';

/** A registered-model filter clause: on `name` or on a tag. */
export type RegisteredModelClause = StringComparison<'attribute', 'name'> | StringComparison<'tag', string>;

/** A registered-model ordering key; `timestamp` is resolved to `last_updated_timestamp`. */
export type RegisteredModelOrderBy = OrderByItem<'attribute', 'name' | 'last_updated_timestamp'>;

/** The string attributes of a model version; `source_path` is the version's `source`. */
export type ModelVersionStringKey = 'name' | 'run_id' | 'source_path';

/**
 * A model-version filter clause. `source_path` compares the version's `source`;
 * `version_number` the integer version.
 */
export type ModelVersionClause =
  | StringComparison<'attribute', ModelVersionStringKey>
  | ListComparison<'attribute', 'run_id', 'IN'>
  | NumericComparison<'attribute', 'version_number'>
  | StringComparison<'tag', string>;

/** The attributes model versions can be ordered by. */
export type ModelVersionOrderKey = 'name' | 'version_number' | 'creation_timestamp' | 'last_updated_timestamp';

/** A model-version ordering key. */
export type ModelVersionOrderBy = OrderByItem<'attribute', ModelVersionOrderKey>;

const MODEL_VERSION_FILTER_KEYS = ['name', 'run_id', 'source_path', 'version_number'] as const;
const MODEL_VERSION_ORDER_KEYS: readonly ModelVersionOrderKey[] = [
  'name',
  'version_number',
  'creation_timestamp',
  'last_updated_timestamp',
];
const RUN_ID_OPERATORS = [...STRING_OPERATORS, 'IN'];

/**
 * Parses a registered-model filter.
 *
 * @example
 * parseRegisteredModelFilter("name LIKE 'prod-%' AND tags.owner = 'risk'")
 * // [{ type: 'string', entity: 'attribute', key: 'name', operator: 'LIKE', value: 'prod-%' },
 * //  { type: 'string', entity: 'tag', key: 'owner', operator: '=', value: 'risk' }]
 */
export function parseRegisteredModelFilter(filter: string | undefined): RegisteredModelClause[] {
  return parseClauses(filter, 'plain').map((clause) => {
    const target = attributeOrTag(clause.identifier, ['name'] as const);
    const text = stringValue(clause, target.entity);
    if (!isStringOperator(clause.operator)) throw invalidComparator(clause.operator, STRING_OPERATORS);
    // Names are stored in NFC, so the compared name (or pattern) is too.
    const value = target.entity === 'attribute' ? canonicalName(text) : text;
    return { type: 'string', ...target, operator: clause.operator, value };
  });
}

/**
 * Resolves a registered-model order_by list to the full ordering: `name ASC` when empty, and
 * `name ASC` appended as tie-breaker when absent. `timestamp` means `last_updated_timestamp`;
 * naming one field twice is INVALID_PARAMETER_VALUE.
 */
export function parseRegisteredModelOrderBy(orderBy: readonly string[] | undefined): RegisteredModelOrderBy[] {
  checkOrderBySize(orderBy?.length ?? 0);
  const items: RegisteredModelOrderBy[] = (orderBy ?? []).map((text) => {
    const { identifier, ascending } = parseOrderByItem(text);
    // The reference store takes the identifier whole here: `attribute.name` is not a key.
    const name = identifier.entity === undefined ? identifier.key : identifier.raw;
    if (name === 'name') return { entity: 'attribute', key: 'name', ascending };
    if (name === 'timestamp' || name === 'last_updated_timestamp') {
      return { entity: 'attribute', key: 'last_updated_timestamp', ascending };
    }
    throw invalidParameter(
      `Invalid order by key '${name}' specified. Valid keys are '${formatSet(['name', 'timestamp'])}'`,
    );
  });
  checkDuplicateFields(
    items.map((i) => i.key),
    orderBy ?? [],
  );
  if (!items.some((i) => i.key === 'name')) items.push({ entity: 'attribute', key: 'name', ascending: true });
  return items;
}

/**
 * Parses a model-version filter. `run_id IN (...)` drops values with uppercase letters (IDs
 * are lowercase hex), as MLflow does.
 *
 * @example
 * parseModelVersionFilter("name = 'iris' AND version_number >= 3")
 */
export function parseModelVersionFilter(filter: string | undefined): ModelVersionClause[] {
  return parseClauses(filter, 'plain').map((clause): ModelVersionClause => {
    const target = attributeOrTag(clause.identifier, MODEL_VERSION_FILTER_KEYS);
    const { operator, value } = clause;
    if (target.entity === 'tag') {
      const text = stringValue(clause, 'tag');
      if (!isStringOperator(operator)) throw invalidComparator(operator, STRING_OPERATORS);
      return { type: 'string', entity: 'tag', key: target.key, operator, value: text };
    }
    if (target.key === 'version_number') {
      if (value.kind !== 'number') {
        throw invalidParameter(`Expected numeric value type for numeric attribute: version_number. Found ${value.raw}`);
      }
      if (!isNumericOperator(operator)) throw invalidComparator(operator, NUMERIC_OPERATORS);
      return { type: 'numeric', entity: 'attribute', key: 'version_number', operator, value: value.value };
    }
    if (value.kind === 'list') {
      if (target.key !== 'run_id') throw onlyRunIdLists();
      if (operator !== 'IN') throw invalidComparator(operator, RUN_ID_OPERATORS);
      return { type: 'list', entity: 'attribute', key: 'run_id', operator, values: dropUppercase(listStrings(value)) };
    }
    if (value.kind === 'number') {
      throw invalidParameter("Only the 'version_number' attribute supports comparison with numeric values.");
    }
    const text = stringValue(clause, 'attribute');
    const allowed = target.key === 'run_id' ? RUN_ID_OPERATORS : STRING_OPERATORS;
    checkListShape(operator, value);
    if (!isStringOperator(operator)) throw invalidComparator(operator, allowed);
    const compared = target.key === 'name' ? canonicalName(text) : text;
    return { type: 'string', entity: 'attribute', key: target.key, operator, value: compared };
  });
}

/**
 * Resolves a model-version order_by list to the full ordering: by default
 * `last_updated_timestamp DESC, name ASC, version_number DESC`; otherwise the caller's keys
 * followed by `name ASC` and `version_number DESC` when absent.
 */
export function parseModelVersionOrderBy(orderBy: readonly string[] | undefined): ModelVersionOrderBy[] {
  checkOrderBySize(orderBy?.length ?? 0);
  const list = orderBy !== undefined && orderBy.length > 0 ? orderBy : undefined;
  const items: ModelVersionOrderBy[] = (list ?? []).map((text) => {
    const { identifier, ascending } = parseOrderByItem(text);
    const target = attributeOrTag(identifier, MODEL_VERSION_ORDER_KEYS);
    if (target.entity !== 'attribute') throw invalidParameter('Invalid order_by entity: tag');
    return { entity: 'attribute', key: target.key, ascending };
  });
  checkDuplicateFields(
    items.map((i) => i.key),
    list ?? [],
  );
  if (list === undefined) items.push({ entity: 'attribute', key: 'last_updated_timestamp', ascending: false });
  if (!items.some((i) => i.key === 'name')) items.push({ entity: 'attribute', key: 'name', ascending: true });
  if (!items.some((i) => i.key === 'version_number')) {
    items.push({ entity: 'attribute', key: 'version_number', ascending: false });
  }
  return items;
}

/**
 * Whether a registry filter asks for prompts (search-syntax.md §5.3): it holds
 * ``tags.`mlflow.prompt.is_prompt` = 'true'`` or `!= 'false'`. Registry searches leave prompt
 * entries out unless this is true.
 */
export function includesPrompts(clauses: readonly (RegisteredModelClause | ModelVersionClause)[]): boolean {
  return clauses.some(
    (c) =>
      c.entity === 'tag' &&
      c.key === 'mlflow.prompt.is_prompt' &&
      c.type === 'string' &&
      ((c.operator === '=' && c.value.toLowerCase() === 'true') ||
        (c.operator === '!=' && c.value.toLowerCase() === 'false')),
  );
}

function onlyRunIdLists(): Error {
  return invalidParameter("Only the 'run_id' attribute supports comparison with a list of quoted string values.");
}

/** The quoted string of a registry clause, with MLflow's messages for other value kinds. */
function stringValue(clause: RawClause, entity: 'attribute' | 'tag'): string {
  const { value } = clause;
  const text = quotedString(value);
  if (text !== undefined) return text;
  if (entity === 'tag') {
    throw invalidParameter(`Expected a quoted string value for tag (e.g. 'my-value'). Got value ${value.raw}`);
  }
  if (value.kind === 'list') throw onlyRunIdLists();
  throw invalidParameter(
    `Expected a quoted string value or a list of quoted string values for attributes. Got value ${value.raw}`,
  );
}
