/**
 * Model signatures (models.md §5): column-based and tensor-based input/output schemas and the
 * params schema, parsed from and written to the JSON strings an `MLmodel` file stores. The JSON
 * shapes and the `repr` texts used in error messages follow MLflow's `mlflow.types.schema`.
 */
import { invalidParameter, type MlflowError } from '@keel/contract';

/** MLflow's scalar data types (models.md §5.1). */
export const DATA_TYPES = ['boolean', 'integer', 'long', 'float', 'double', 'string', 'binary', 'datetime'] as const;
export type DataTypeName = (typeof DATA_TYPES)[number];

/** numpy dtype names a tensor spec may use (sized string types such as `<U10` are refused). */
export const TENSOR_DTYPES = [
  'bool',
  'int8',
  'int16',
  'int32',
  'int64',
  'uint8',
  'uint16',
  'uint32',
  'uint64',
  'float16',
  'float32',
  'float64',
  'str',
  'bytes',
  'object',
] as const;
export type TensorDType = (typeof TENSOR_DTYPES)[number];

/** The type of a column or of a nested value. */
export type ColumnType =
  | { readonly type: DataTypeName }
  | { readonly type: 'array'; readonly items: ColumnType }
  | { readonly type: 'object'; readonly properties: readonly Property[] }
  | { readonly type: 'map'; readonly values: ColumnType }
  | { readonly type: 'any' }
  | { readonly type: 'sparkml_vector' };

/** A named field of an `object` type. */
export interface Property {
  readonly name: string;
  readonly type: ColumnType;
  readonly required: boolean;
}

/** One column of a column-based schema. */
export interface ColSpec {
  readonly name?: string;
  readonly type: ColumnType;
  readonly required: boolean;
}

/** One tensor of a tensor-based schema; `-1` in `shape` marks a variable dimension. */
export interface TensorSpec {
  readonly name?: string;
  readonly dtype: TensorDType;
  readonly shape: readonly number[];
}

/** A schema is all columns or all tensors, never both, and never empty. */
export type Schema =
  | { readonly kind: 'columns'; readonly inputs: readonly ColSpec[] }
  | { readonly kind: 'tensors'; readonly inputs: readonly TensorSpec[] };

/** One inference parameter (models.md §5.3). `shape` is null for scalars and objects, `[-1]` for lists. */
export interface ParamSpec {
  readonly name: string;
  readonly type: ColumnType;
  readonly default: unknown;
  readonly shape: readonly number[] | null;
}

/** What a model takes and returns. */
export interface ModelSignature {
  readonly inputs?: Schema;
  readonly outputs?: Schema;
  readonly params?: readonly ParamSpec[];
}

/** The three JSON strings an `MLmodel` stores under `signature` (null when absent). */
export interface SignatureJson {
  readonly inputs: string | null;
  readonly outputs: string | null;
  readonly params: string | null;
}

function bad(message: string): MlflowError {
  return invalidParameter(`Invalid model signature: ${message}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseType(json: Record<string, unknown>, where: string): ColumnType {
  const type = json.type;
  if (typeof type !== 'string') throw bad(`${where} has no 'type'`);
  if ((DATA_TYPES as readonly string[]).includes(type)) return { type: type as DataTypeName };
  switch (type) {
    case 'array':
      if (!isObject(json.items)) throw bad(`${where}: an array type needs 'items'`);
      return { type, items: parseType(json.items, `${where}.items`) };
    case 'object': {
      if (!isObject(json.properties) || Object.keys(json.properties).length === 0) {
        throw bad(`${where}: an object type needs a non-empty 'properties' map`);
      }
      const properties = Object.entries(json.properties).map(([name, spec]) => {
        if (!isObject(spec)) throw bad(`${where}.properties.${name} must be a mapping`);
        return { name, type: parseType(spec, `${where}.properties.${name}`), required: spec.required !== false };
      });
      properties.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      return { type, properties };
    }
    case 'map':
      if (!isObject(json.values)) throw bad(`${where}: a map type needs 'values'`);
      return { type, values: parseType(json.values, `${where}.values`) };
    case 'any':
    case 'sparkml_vector':
      return { type };
    default:
      throw bad(
        `${where} has unknown type '${type}' (known: ${[...DATA_TYPES, 'array', 'object', 'map', 'any'].join(', ')})`,
      );
  }
}

function parseName(value: unknown, where: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw bad(`${where}: 'name' must be a string`);
  return value;
}

function parseTensorSpec(json: Record<string, unknown>, where: string): TensorSpec {
  const spec = json['tensor-spec'];
  if (!isObject(spec)) throw bad(`${where}: a tensor needs 'tensor-spec'`);
  const dtype = spec.dtype;
  if (typeof dtype !== 'string' || !(TENSOR_DTYPES as readonly string[]).includes(dtype)) {
    throw bad(`${where}: unsupported tensor dtype ${JSON.stringify(dtype)} (supported: ${TENSOR_DTYPES.join(', ')})`);
  }
  const shape = spec.shape;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && (d as number) >= -1)) {
    throw bad(`${where}: 'shape' must be a list of integers (-1 for a variable dimension)`);
  }
  const name = parseName(json.name, where);
  return { ...(name === undefined ? {} : { name }), dtype: dtype as TensorDType, shape: shape as number[] };
}

/** Parses a schema from its JSON value (a list of specs). */
export function schemaFromJson(json: unknown, what = 'schema'): Schema {
  if (!Array.isArray(json) || json.length === 0) throw bad(`the ${what} must be a non-empty list`);
  const isTensor = (spec: unknown) => isObject(spec) && spec.type === 'tensor';
  const tensors = json.filter(isTensor).length;
  if (tensors !== 0 && tensors !== json.length) throw bad(`the ${what} mixes column and tensor specs`);
  const named = json.filter((s) => isObject(s) && s.name !== undefined && s.name !== null).length;
  if (named !== 0 && named !== json.length) throw bad(`in the ${what} either every input is named or none is`);
  if (tensors > 0) {
    if (named === 0 && json.length > 1) throw bad(`the ${what} lists several unnamed tensors`);
    return { kind: 'tensors', inputs: json.map((s, i) => parseTensorSpec(s as Record<string, unknown>, `input ${i}`)) };
  }
  const inputs = json.map((s, i) => {
    if (!isObject(s)) throw bad(`input ${i} of the ${what} must be a mapping`);
    const name = parseName(s.name, `input ${i}`);
    const required = s.required !== false;
    if (name === undefined && !required) throw bad(`unnamed columns cannot be optional (input ${i})`);
    return { ...(name === undefined ? {} : { name }), type: parseType(s, `input ${name ?? i}`), required };
  });
  const names = inputs.map((s) => s.name).filter((n) => n !== undefined);
  if (new Set(names).size !== names.length) throw bad(`the ${what} names a column twice`);
  return { kind: 'columns', inputs };
}

/** Parses a params schema from its JSON value. */
export function paramsFromJson(json: unknown): ParamSpec[] {
  if (!Array.isArray(json)) throw bad('the params schema must be a list');
  return json.map((p, i) => {
    if (!isObject(p) || typeof p.name !== 'string') throw bad(`param ${i} needs a 'name'`);
    if (!('default' in p)) throw bad(`param '${p.name}' needs a 'default'`);
    const type = parseType(p, `param '${p.name}'`);
    if (type.type !== 'object' && !(DATA_TYPES as readonly string[]).includes(type.type)) {
      throw bad(`param '${p.name}' must have a scalar or object type, not '${type.type}'`);
    }
    const shape = p.shape ?? null;
    if (shape !== null && !(Array.isArray(shape) && shape.length === 1 && shape[0] === -1)) {
      throw bad(`param '${p.name}' has shape ${JSON.stringify(shape)}; only null and [-1] are supported`);
    }
    return { name: p.name, type, default: p.default, shape: shape as number[] | null };
  });
}

function parseJsonString(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw bad(`the ${what} is not valid JSON (${(error as Error).message})`);
  }
}

/**
 * Reads the `signature` block of an `MLmodel` (each part a JSON string or null).
 *
 * @example
 * const signature = signatureFromMlModel({ inputs: '[{"type": "double", "name": "x"}]', outputs: null, params: null });
 */
export function signatureFromMlModel(block: unknown): ModelSignature | undefined {
  if (block === undefined || block === null) return undefined;
  if (!isObject(block)) throw bad("'signature' must be a mapping");
  const part = (key: 'inputs' | 'outputs' | 'params') => {
    const value = block[key];
    if (value === undefined || value === null) return undefined;
    // MLflow writes JSON strings; tolerate the decoded form too.
    return typeof value === 'string' ? parseJsonString(value, key) : value;
  };
  const inputs = part('inputs');
  const outputs = part('outputs');
  const params = part('params');
  return {
    ...(inputs === undefined ? {} : { inputs: schemaFromJson(inputs, 'inputs') }),
    ...(outputs === undefined ? {} : { outputs: schemaFromJson(outputs, 'outputs') }),
    ...(params === undefined ? {} : { params: paramsFromJson(params) }),
  };
}

/** The JSON value of a column type, in MLflow's key order. */
export function columnTypeToJson(type: ColumnType): Record<string, unknown> {
  switch (type.type) {
    case 'array':
      return { type: 'array', items: columnTypeToJson(type.items) };
    case 'object':
      return {
        type: 'object',
        properties: Object.fromEntries(
          type.properties.map((p) => [p.name, { ...columnTypeToJson(p.type), required: p.required }]),
        ),
      };
    case 'map':
      return { type: 'map', values: columnTypeToJson(type.values) };
    default:
      return { type: type.type };
  }
}

/** The JSON value of a schema. */
export function schemaToJson(schema: Schema): Record<string, unknown>[] {
  if (schema.kind === 'tensors') {
    return schema.inputs.map((t) => ({
      ...(t.name === undefined ? {} : { name: t.name }),
      type: 'tensor',
      'tensor-spec': { dtype: t.dtype, shape: [...t.shape] },
    }));
  }
  return schema.inputs.map((c) => ({
    ...columnTypeToJson(c.type),
    ...(c.name === undefined ? {} : { name: c.name }),
    required: c.required,
  }));
}

/** The JSON value of a params schema. */
export function paramsToJson(params: readonly ParamSpec[]): Record<string, unknown>[] {
  return params.map((p) => ({
    name: p.name,
    ...columnTypeToJson(p.type),
    default: p.default instanceof Date ? p.default.toISOString() : p.default,
    shape: p.shape === null ? null : [...p.shape],
  }));
}

/** The `signature` block to write into an `MLmodel`. */
export function signatureToMlModel(signature: ModelSignature): SignatureJson {
  return {
    inputs: signature.inputs === undefined ? null : JSON.stringify(schemaToJson(signature.inputs)),
    outputs: signature.outputs === undefined ? null : JSON.stringify(schemaToJson(signature.outputs)),
    params: signature.params === undefined ? null : JSON.stringify(paramsToJson(signature.params)),
  };
}

/** Python's `repr` of a string (single quotes unless the text holds one). */
export function pyRepr(text: string): string {
  if (text.includes("'") && !text.includes('"')) return `"${text}"`;
  return `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

/** Python's repr of a list of strings: `['a', 'b']`. */
export function pyList(items: readonly string[]): string {
  return `[${items.map(pyRepr).join(', ')}]`;
}

/** Python's repr of a shape tuple: `(-1, 4)`, `(3,)`. */
export function shapeRepr(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

/** The text MLflow prints for a type: `double`, `Array(long)`, `{lat: double (required)}`, `Map(str -> string)`. */
export function typeRepr(type: ColumnType): string {
  switch (type.type) {
    case 'array':
      return `Array(${typeRepr(type.items)})`;
    case 'object':
      return `{${type.properties.map((p) => `${p.name}: ${typeRepr(p.type)} (${p.required ? 'required' : 'optional'})`).join(', ')}}`;
    case 'map':
      return `Map(str -> ${typeRepr(type.values)})`;
    case 'any':
      return 'Any';
    default:
      return type.type;
  }
}

/** MLflow's repr of a schema, as quoted in "Failed to enforce schema" messages. */
export function schemaRepr(schema: Schema): string {
  if (schema.kind === 'tensors') {
    return `[${schema.inputs
      .map(
        (t) => `${t.name === undefined ? '' : `${pyRepr(t.name)}: `}Tensor(${pyRepr(t.dtype)}, ${shapeRepr(t.shape)})`,
      )
      .join(', ')}]`;
  }
  return `[${schema.inputs
    .map(
      (c) =>
        `${c.name === undefined ? '' : `${pyRepr(c.name)}: `}${typeRepr(c.type)} (${c.required ? 'required' : 'optional'})`,
    )
    .join(', ')}]`;
}

/** Whether every input of a schema is named. */
export function hasInputNames(schema: Schema): boolean {
  return schema.inputs.length > 0 && schema.inputs.every((s) => s.name !== undefined);
}
