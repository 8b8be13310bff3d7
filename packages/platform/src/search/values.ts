/**
 * Helpers the entity grammars share: reading a clause's value as a number, a quoted string or
 * a list, and MLflow's wording for each failure (its messages print Python sets and lists).
 */
import { invalidParameter } from '@keel/contract';
import {
  LIST_OPERATORS,
  type ListOperator,
  NUMERIC_OPERATORS,
  type NumericOperator,
  STRING_OPERATORS,
  type StringOperator,
} from './ast.js';
import type { RawIdentifier, RawValue } from './clause-parser.js';

/** Renders names as a Python set literal: `{'a', 'b'}`. */
export function formatSet(items: readonly string[]): string {
  return `{${items.map((i) => `'${i}'`).join(', ')}}`;
}

/** Renders names as a Python list literal: `['a', 'b']`. */
export function formatList(items: readonly string[]): string {
  return `[${items.map((i) => `'${i}'`).join(', ')}]`;
}

/** The MLflow message for a comparator an identifier does not accept. */
export function invalidComparator(operator: string, allowed: readonly string[]): Error {
  return invalidParameter(`Invalid comparator '${operator}' not one of '${formatSet(allowed)}'`);
}

/** Type guards for the operator kinds. */
export function isNumericOperator(operator: string): operator is NumericOperator {
  return (NUMERIC_OPERATORS as readonly string[]).includes(operator);
}

export function isStringOperator(operator: string): operator is StringOperator {
  return (STRING_OPERATORS as readonly string[]).includes(operator);
}

export function isListOperator(operator: string): operator is ListOperator {
  return (LIST_OPERATORS as readonly string[]).includes(operator);
}

/**
 * The string a quoted value holds. A bare or backticked word is refused with MLflow's
 * "not quoted" message; other kinds are left to the caller (undefined).
 */
export function quotedString(value: RawValue): string | undefined {
  if (value.kind === 'string') return value.value;
  if (value.kind === 'word') {
    throw invalidParameter(
      `Parameter value is either not quoted or unidentified quote types used for string value ${value.raw}. ` +
        'Use either single or double quotes.',
    );
  }
  return undefined;
}

/**
 * The strings of a parenthesised list of quoted values, with MLflow's messages for an empty
 * list, a non-string item and a malformed list.
 */
export function listStrings(value: Extract<RawValue, { kind: 'list' }>): string[] {
  if (value.items.length === 0) {
    throw invalidParameter(
      'While parsing a list in the query, expected a non-empty list of string values, but got empty list',
    );
  }
  if (!value.wellFormed) {
    throw invalidParameter(
      'While parsing a list in the query, expected a non-empty list of string values, but got ill-formed list.',
    );
  }
  const strings: string[] = [];
  for (const item of value.items) {
    if (item.kind !== 'string') {
      throw invalidParameter(
        'While parsing a list in the query, expected string value, punctuation, or whitespace, ' +
          `but got different type in list: ${value.raw}`,
      );
    }
    strings.push(item.value);
  }
  return strings;
}

/**
 * Run IDs are lowercase hex, so listed values with uppercase letters can never match; MLflow
 * drops them (its MySQL IN is case-insensitive), and so does Keel, for identical results.
 */
export function dropUppercase(values: readonly string[]): string[] {
  return values.filter((v) => v === v.toLowerCase());
}

/** Checks the operator suits the value's shape: lists need IN/NOT IN, and IN needs a list. */
export function checkListShape(operator: string, value: RawValue): void {
  const isList = value.kind === 'list';
  if (isList && !isListOperator(operator)) {
    throw invalidParameter(`Invalid comparator '${operator}' for a list of values; use IN or NOT IN.`);
  }
  if (!isList && isListOperator(operator)) {
    throw invalidParameter(`Expected a list of quoted string values for '${operator}'. Got value ${value.raw}`);
  }
}

const ATTRIBUTE_OR_TAG_ENTITIES = ['attribute', 'tag', 'tags'];

/**
 * Resolves an identifier of the experiment and registry grammars, which know only attributes
 * (no prefix or `attribute.`) and tags (`tag.`/`tags.`). Unknown prefixes and attribute names
 * are refused with MLflow's messages.
 */
export function attributeOrTag<K extends string>(
  identifier: RawIdentifier,
  validAttributes: readonly K[],
): { entity: 'attribute'; key: K } | { entity: 'tag'; key: string } {
  if (identifier.entity !== undefined && !ATTRIBUTE_OR_TAG_ENTITIES.includes(identifier.entity)) {
    throw invalidParameter(
      `Invalid entity type '${identifier.entity}'. Valid entity types are ('attribute', 'tag', 'tags')`,
    );
  }
  if (identifier.entity === 'tag' || identifier.entity === 'tags') return { entity: 'tag', key: identifier.key };
  const key = validAttributes.find((k) => k === identifier.key);
  if (key === undefined) throw invalidAttributeKey(identifier.key, validAttributes);
  return { entity: 'attribute', key };
}

/** MLflow's message for an attribute name an entity does not have. */
export function invalidAttributeKey(key: string, valid: readonly string[]): Error {
  return invalidParameter(`Invalid attribute key '${key}' specified. Valid keys are '${formatSet(valid)}'`);
}

/** Refuses an order_by list naming the same field twice (MLflow answers 500; Keel 400). */
export function checkDuplicateFields(fields: readonly string[], orderBy: readonly string[]): void {
  if (new Set(fields).size !== fields.length) {
    throw invalidParameter(`\`order_by\` contains duplicate fields: ${formatList(orderBy)}`);
  }
}
