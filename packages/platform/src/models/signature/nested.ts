/**
 * Enforcing compound types (`array`, `object`, `map`, `any`) on single values, with MLflow's
 * messages (`_enforce_array`, `_enforce_object`, `_enforce_map`, `_enforce_datatype`).
 */
import { ConversionError, castScalar, pythonTypeOf } from '../data/values.js';
import type { ColumnType } from './schema.js';
import { typeRepr } from './schema.js';

/** A value that does not fit its declared type; the message is MLflow's. */
export class TypeEnforcementError extends Error {
  override readonly name = 'TypeEnforcementError';
}

function isScalar(value: unknown): boolean {
  return (
    value === null ||
    ['string', 'number', 'boolean', 'bigint'].includes(typeof value) ||
    value instanceof Uint8Array ||
    value instanceof Date
  );
}

function isNoneOrNaN(value: unknown): boolean {
  return value === null || value === undefined || (typeof value === 'number' && Number.isNaN(value));
}

function shortText(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return text.length > 200 ? `${text.slice(0, 200)}...` : text;
}

/** Python's repr of a set of strings: `{'a', 'b'}`. */
function pySet(items: readonly string[]): string {
  return `{${items.map((s) => `'${s}'`).join(', ')}}`;
}

/**
 * Converts `value` to `type`, or throws `TypeEnforcementError`. Optional values may be null;
 * `any` takes anything.
 */
export function enforceType(value: unknown, type: ColumnType, required = true): unknown {
  switch (type.type) {
    case 'any':
      return value;
    case 'sparkml_vector':
      return value;
    case 'array':
      return enforceArray(value, type.items, required);
    case 'object':
      return enforceObject(value, type, required);
    case 'map':
      return enforceMap(value, type.values, required);
    default:
      return enforceDatatype(value, type.type, required);
  }
}

function enforceDatatype(value: unknown, dtype: string, required: boolean): unknown {
  if (!required && isNoneOrNaN(value)) return null;
  if (!isScalar(value)) throw new TypeEnforcementError(`Expected data to be scalar, got ${pythonTypeOf(value)}`);
  try {
    return castScalar(value, dtype);
  } catch (error) {
    if (error instanceof ConversionError) {
      throw new TypeEnforcementError(
        `Failed to enforce schema of data \`${shortText(value)}\` with dtype \`${dtype}\``,
      );
    }
    throw error;
  }
}

function enforceArray(value: unknown, items: ColumnType, required: boolean): unknown {
  if (!required || items.type === 'any') {
    if (value === null || value === undefined || (Array.isArray(value) && value.length === 0)) return value;
  }
  if (!Array.isArray(value)) {
    throw new TypeEnforcementError(`Expected data to be list or numpy array, got ${pythonTypeOf(value)}`);
  }
  return value.map((item) => enforceType(item, items, required));
}

function enforceObject(value: unknown, type: Extract<ColumnType, { type: 'object' }>, required: boolean): unknown {
  const isDict = typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
  if (!required && (value === null || value === undefined || (isDict && Object.keys(value).length === 0))) return value;
  if (!isDict) {
    throw new TypeEnforcementError(
      `Failed to enforce schema of '${shortText(value)}' with type '${typeRepr(type)}'. Expected data to be dictionary, got ${pythonTypeOf(value)}`,
    );
  }
  const data = value as Record<string, unknown>;
  const properties = new Map(type.properties.map((p) => [p.name, p]));
  const missing = type.properties.filter((p) => p.required && !Object.hasOwn(data, p.name)).map((p) => p.name);
  if (missing.length > 0) throw new TypeEnforcementError(`Missing required properties: ${pySet(missing)}`);
  const invalid = Object.keys(data).filter((k) => !properties.has(k));
  if (invalid.length > 0) {
    throw new TypeEnforcementError(`Invalid properties not defined in the schema found: ${pySet(invalid)}`);
  }
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(data)) {
    const property = properties.get(key) as NonNullable<ReturnType<typeof properties.get>>;
    try {
      out[key] = enforceType(item, property.type, property.required);
    } catch (error) {
      if (!(error instanceof TypeEnforcementError)) throw error;
      throw new TypeEnforcementError(
        `Failed to enforce schema for key \`${key}\`. Expected type ${typeRepr(property.type)}, received type ${pythonTypeOf(item)}`,
      );
    }
  }
  return out;
}

function enforceMap(value: unknown, values: ColumnType, required: boolean): unknown {
  const isDict = typeof value === 'object' && value !== null && !Array.isArray(value);
  if (
    (!required || values.type === 'any') &&
    (value === null || value === undefined || (isDict && Object.keys(value).length === 0))
  ) {
    return value;
  }
  if (!isDict) throw new TypeEnforcementError(`Expected data to be a dict, got ${pythonTypeOf(value)}`);
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, enforceType(v, values, required)]),
  );
}
