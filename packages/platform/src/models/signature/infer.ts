/**
 * Inferring a signature from an input example (and params), as MLflow's `infer_signature` does
 * for the shapes a TypeScript user has: row objects or a DataFrame give a column schema (a column
 * with nulls is optional), nested numeric lists or a Tensor give a tensor schema with a variable
 * first dimension, a map of tensors gives named tensors.
 */
import { invalidParameter } from '@keel/contract';
import { DataFrame } from '../data/data-frame.js';
import { isTensorMap, shapeOf, Tensor } from '../data/tensor.js';
import type { ColSpec, ColumnType, ModelSignature, ParamSpec, Property, Schema, TensorSpec } from './schema.js';

function isRecord(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Uint8Array) &&
    !(value instanceof Date) &&
    !(value instanceof Tensor)
  );
}

/** The type of a set of values (nulls excluded); undefined when only nulls were seen. */
function inferValueType(values: readonly unknown[], where: string): ColumnType | undefined {
  const present = values.filter((v) => v !== null && v !== undefined);
  if (present.length === 0) return undefined;
  const kinds = new Set(
    present.map((v) => {
      if (typeof v === 'boolean') return 'boolean';
      if (typeof v === 'number') return Number.isInteger(v) ? 'long' : 'double';
      if (typeof v === 'string') return 'string';
      if (v instanceof Uint8Array) return 'binary';
      if (v instanceof Date) return 'datetime';
      if (Array.isArray(v)) return 'array';
      if (isRecord(v)) return 'object';
      return 'unknown';
    }),
  );
  if (kinds.has('long') && kinds.has('double')) kinds.delete('long');
  if (kinds.size !== 1) {
    throw invalidParameter(`Cannot infer a signature: ${where} mixes value types (${[...kinds].join(', ')}).`);
  }
  const kind = [...kinds][0] as string;
  if (kind === 'unknown')
    throw invalidParameter(`Cannot infer a signature: ${where} holds values of an unsupported type.`);
  if (kind === 'array') {
    const items = inferValueType((present as unknown[][]).flat(), `the items of ${where}`);
    return { type: 'array', items: items ?? { type: 'any' } };
  }
  if (kind === 'object') {
    const records = present as Record<string, unknown>[];
    const keys = [...new Set(records.flatMap((r) => Object.keys(r)))].sort();
    const properties: Property[] = keys.map((key) => {
      const column = records.map((r) => r[key]);
      return {
        name: key,
        type: inferValueType(column, `${where}.${key}`) ?? { type: 'any' },
        required: column.every((v) => v !== null && v !== undefined),
      };
    });
    return { type: 'object', properties };
  }
  return { type: kind } as ColumnType;
}

function frameSchema(frame: DataFrame): Schema {
  const inputs: ColSpec[] = frame.columns.map((name) => {
    const values = Array.from(frame.column(name));
    const type = inferValueType(values, `column '${name}'`);
    const required = type !== undefined && values.every((v) => v !== null && v !== undefined && !Number.isNaN(v));
    return { name, type: type ?? { type: 'any' }, required };
  });
  return { kind: 'columns', inputs };
}

function tensorSpec(tensor: Tensor, name?: string): TensorSpec {
  return {
    ...(name === undefined ? {} : { name }),
    dtype: tensor.dtype === 'str' ? 'object' : tensor.dtype,
    shape: tensor.shape.length === 0 ? [-1] : [-1, ...tensor.shape.slice(1)],
  };
}

function isNumericNested(value: unknown): boolean {
  if (!Array.isArray(value) || value.length === 0) return false;
  try {
    const depth = shapeOf(value).length;
    let level: unknown = value;
    for (let i = 0; i < depth; i++) level = (level as unknown[])[0];
    return typeof level === 'number' && depth >= 1 && Array.isArray(value[0]);
  } catch {
    return false;
  }
}

/**
 * The input schema of an example.
 *
 * @example
 * inferSchema([{ x: 1.5, label: 'a' }]); // columns x: double, label: string
 * inferSchema([[0.1, 0.2], [0.3, 0.4]]); // tensor float64 shape [-1, 2]
 */
export function inferSchema(example: unknown): Schema {
  if (example instanceof DataFrame) return frameSchema(example);
  if (example instanceof Tensor) return { kind: 'tensors', inputs: [tensorSpec(example)] };
  if (isTensorMap(example)) {
    return { kind: 'tensors', inputs: Object.entries(example).map(([name, t]) => tensorSpec(t, name)) };
  }
  if (isNumericNested(example)) return { kind: 'tensors', inputs: [tensorSpec(Tensor.fromNested(example))] };
  if (Array.isArray(example)) {
    if (example.length === 0) throw invalidParameter('Cannot infer a signature from an empty input example.');
    if (example.every(isRecord)) return frameSchema(DataFrame.fromRecords(example));
    const type = inferValueType(example, 'the input example');
    return { kind: 'columns', inputs: [{ type: type ?? { type: 'any' }, required: true }] };
  }
  if (isRecord(example)) {
    const values = Object.values(example);
    const columnar = values.length > 0 && values.every((v) => Array.isArray(v));
    const lengths = new Set(values.map((v) => (Array.isArray(v) ? v.length : 1)));
    if (columnar && lengths.size === 1) return frameSchema(DataFrame.fromColumns(example as Record<string, unknown[]>));
    return frameSchema(DataFrame.fromRecords([example]));
  }
  const type = inferValueType([example], 'the input example');
  if (type === undefined) throw invalidParameter('Cannot infer a signature from a null input example.');
  return { kind: 'columns', inputs: [{ type, required: true }] };
}

/**
 * A params schema whose defaults are the example's values.
 *
 * @example
 * inferParams({ temperature: 0.7, stop: ['\n'] });
 */
export function inferParams(params: Readonly<Record<string, unknown>>): ParamSpec[] {
  return Object.entries(params).map(([name, value]) => {
    if (Array.isArray(value)) {
      const items = inferValueType(value, `param '${name}'`);
      if (items === undefined || items.type === 'array') {
        throw invalidParameter(`Cannot infer the type of param '${name}': give a list of scalars.`);
      }
      return { name, type: items, default: value, shape: [-1] };
    }
    const type = inferValueType([value], `param '${name}'`);
    if (type === undefined || type.type === 'array' || type.type === 'map') {
      throw invalidParameter(`Cannot infer the type of param '${name}' from ${JSON.stringify(value)}.`);
    }
    return { name, type, default: value, shape: null };
  });
}

/** A signature from an input example, its params and (optionally) an output example. */
export function inferSignature(
  example: unknown,
  options: { readonly params?: Readonly<Record<string, unknown>>; readonly output?: unknown } = {},
): ModelSignature {
  return {
    inputs: inferSchema(example),
    ...(options.output === undefined ? {} : { outputs: inferSchema(options.output) }),
    ...(options.params === undefined || Object.keys(options.params).length === 0
      ? {}
      : { params: inferParams(options.params) }),
  };
}
