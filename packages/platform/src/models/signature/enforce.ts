/**
 * Enforcing an input schema on a model input (models.md §5.4), following MLflow's
 * `_enforce_schema`: column schemas turn the input into a DataFrame, require every required
 * column ("Model is missing inputs [...]"), drop extra columns, reorder to the schema, and convert
 * each column to its declared type where that loses nothing; tensor schemas convert to the
 * declared dtype and check the shape. Failures are INVALID_PARAMETER_VALUE "Failed to enforce
 * schema of data '...' with schema '...'. Error: ..."; a value whose text does not parse is
 * BAD_REQUEST "Invalid input. Data is not compatible with model signature. ...", as MLflow's
 * request parsing answers.
 */
import { badRequest, invalidParameter, MlflowError } from '@keel/contract';
import { type Column, type ColumnValues, DataFrame } from '../data/data-frame.js';
import { isTensorMap, Tensor } from '../data/tensor.js';
import { ConversionError, castScalar, NUMPY_OF_TYPE, scalarStorage } from '../data/values.js';
import { enforceType, TypeEnforcementError } from './nested.js';
import {
  type ColSpec,
  type ColumnType,
  DATA_TYPES,
  type DataTypeName,
  hasInputNames,
  pyList,
  type Schema,
  schemaRepr,
  shapeRepr,
  type TensorSpec,
} from './schema.js';

/** A schema mismatch; `enforceInput` wraps its message into MLflow's "Failed to enforce schema" text. */
export class SchemaError extends Error {
  override readonly name = 'SchemaError';
}

const MISSING_VALUES_HINT =
  ' Hint: the type mismatch is likely caused by missing values. Integer columns in python can not represent missing values and are therefore encoded as floats. The best way to avoid this problem is to infer the model schema based on a realistic data sample (training dataset) that includes missing values. Alternatively, you can declare integer columns as doubles (float64) whenever these columns may have missing values. See `Handling Integers With Missing Values <https://www.mlflow.org/docs/latest/models.html#handling-integers-with-missing-values>`_ for more details.';

/** A short, bounded rendering of the input for error messages. */
export function previewInput(input: unknown): string {
  let text: string;
  try {
    if (input instanceof DataFrame) {
      const head = input.length > 3 ? DataFrame.fromRecords(input.records().slice(0, 3)) : input;
      text = JSON.stringify(head.records()) + (input.length > 3 ? ` ... (${input.length} rows)` : '');
    } else text = JSON.stringify(input) ?? String(input);
  } catch {
    text = String(input);
  }
  return text.length > 300 ? `${text.slice(0, 300)}...` : text;
}

function isDataType(type: ColumnType): type is { type: DataTypeName } {
  return (DATA_TYPES as readonly string[]).includes(type.type);
}

function isScalarValue(value: unknown): boolean {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

/** Turns any input a column schema may receive into a DataFrame (MLflow's pandas conversions). */
export function toDataFrame(input: unknown, schema: Schema): DataFrame {
  if (input instanceof DataFrame) return input;
  if (input instanceof Tensor) {
    if (input.shape.length > 2) throw new SchemaError(`Must pass 2-d input. shape=${shapeRepr(input.shape)}`);
    return DataFrame.fromRows(input.shape.length === 0 ? [input.toArray()] : input.rows());
  }
  if (isTensorMap(input)) {
    return DataFrame.fromColumns(
      Object.fromEntries(
        Object.entries(input).map(([name, t]) => [name, t.shape.length === 0 ? [t.toArray()] : t.rows()]),
      ),
    );
  }
  if (Array.isArray(input)) {
    if (input.length > 0 && input.every((r) => typeof r === 'object' && r !== null && !Array.isArray(r))) {
      return DataFrame.fromRecords(input as Record<string, unknown>[]);
    }
    return DataFrame.fromRows(input);
  }
  if (typeof input === 'object' && input !== null) {
    const dict = input as Record<string, unknown>;
    const compound =
      schema.kind === 'columns' && schema.inputs.some((c) => c.type.type === 'array' || c.type.type === 'object');
    const scalars = Object.values(dict).every(
      (v) => isScalarValue(v) || (Array.isArray(v) && v.every((item) => typeof item === 'string')),
    );
    if (compound || scalars) return DataFrame.fromRecords([dict]);
    const columns = Object.fromEntries(
      Object.entries(dict).map(([name, value]) => [name, Array.isArray(value) ? value : [value]]),
    );
    try {
      return DataFrame.fromColumns(columns);
    } catch (error) {
      throw new SchemaError(
        `This model contains a column-based signature, which suggests a DataFrame input. There was an error casting the input data to a DataFrame: ${(error as Error).message}`,
      );
    }
  }
  if (isScalarValue(input)) return DataFrame.fromRows([input]);
  throw new SchemaError(`Expected input to be DataFrame. Found: ${typeof input}`);
}

/** Whether a column of the right dtype also holds values of the right JS type (strings stay strings). */
function alreadyTyped(values: ColumnValues, type: DataTypeName): boolean {
  if (type === 'string' || type === 'binary') {
    const want = type === 'string' ? (v: unknown) => typeof v === 'string' : (v: unknown) => v instanceof Uint8Array;
    for (let i = 0; i < values.length; i++) if (values[i] !== null && !want(values[i])) return false;
    return true;
  }
  return type !== 'float' || values instanceof Float32Array;
}

/** Converts one column to a scalar data type, keeping typed storage for numbers. */
function castDataTypeColumn(name: string, column: Column, type: DataTypeName): Column {
  const numpy = NUMPY_OF_TYPE[type] as string;
  const values = column.values;
  if (column.dtype === numpy && alreadyTyped(values, type)) return column;
  const n = values.length;
  const out = scalarStorage(type, n);
  let i = 0;
  try {
    for (; i < n; i++) out[i] = castScalar(values[i], type) as never;
  } catch (error) {
    if (!(error instanceof ConversionError)) throw error;
    if (error.kind === 'invalid') {
      throw badRequest(
        `Invalid input. Data is not compatible with model signature. Failed to convert column ${name} to type '${numpy}'. Error: 'ValueError(${JSON.stringify(error.message)})'`,
      );
    }
    const nulls = Array.from(values).some((v) => v === null || v === undefined);
    const allInts = Array.from(values).every((v) => v === null || v === undefined || Number.isInteger(v));
    const from =
      nulls && allInts && error.from !== 'bool' ? 'float64' : column.dtype === 'object' ? error.from : column.dtype;
    const hint = nulls && allInts && (type === 'long' || type === 'integer') ? MISSING_VALUES_HINT : '';
    throw new SchemaError(
      `Incompatible input types for column ${name}. Can not safely convert ${from} to ${numpy}.${hint}`,
    );
  }
  return { dtype: numpy, values: out as ColumnValues };
}

function castColumn(name: string, column: Column, spec: ColSpec): Column {
  if (isDataType(spec.type)) return castDataTypeColumn(name, column, spec.type.type);
  if (spec.type.type === 'any') return column;
  const values = Array.from(column.values, (v) => enforceType(v, spec.type, spec.required));
  return { dtype: 'object', values };
}

function enforceColumns(
  input: unknown,
  schema: Extract<Schema, { kind: 'columns' }>,
  warn: (m: string) => void,
): DataFrame {
  const frame = toDataFrame(input, schema);
  if (hasInputNames(schema)) {
    const required = schema.inputs.filter((c) => c.required).map((c) => c.name as string);
    const known = new Set(schema.inputs.map((c) => c.name as string));
    const missing = required.filter((n) => !frame.has(n));
    const extra = frame.columns.filter((c) => !known.has(c));
    if (missing.length > 0) {
      const note = extra.length > 0 ? ` Note that there were extra inputs: ${pyList(extra)}` : '';
      throw new SchemaError(`Model is missing inputs ${pyList(missing)}.${note}`);
    }
    if (extra.length > 0) {
      warn(
        `Found extra inputs in the model input that are not defined in the model signature: \`${pyList(extra)}\`. These inputs will be ignored.`,
      );
    }
    const present = schema.inputs.filter((c) => frame.has(c.name as string));
    return new DataFrame(
      present.map((c) => c.name as string),
      present.map((c) => castColumn(c.name as string, frame.get(c.name as string), c)),
      frame.length,
    );
  }
  if (frame.columns.length < schema.inputs.length) {
    throw new SchemaError(
      `Model inference is missing inputs. The model signature declares ${schema.inputs.length} inputs  but the provided value only has ${frame.columns.length} inputs. Note: the inputs were not named in the signature so we can only verify their count.`,
    );
  }
  const names = frame.columns.slice(0, schema.inputs.length);
  return new DataFrame(
    names,
    names.map((n, i) => castColumn(n, frame.get(n), schema.inputs[i] as ColSpec)),
    frame.length,
  );
}

/** Checks a tensor against its spec: converted to the spec's dtype, shape checked (`-1` matches any size). */
export function enforceTensorSpec(value: Tensor, spec: TensorSpec): Tensor {
  const expected = spec.shape;
  // Ragged object arrays pass a spec of variable inner dimensions, as in MLflow.
  if (expected.length === 1 && expected[0] === -1 && spec.dtype === 'object') return value;
  if (expected.length !== value.shape.length || expected.some((d, i) => d !== -1 && d !== value.shape[i])) {
    throw new SchemaError(
      `Shape of input ${shapeRepr(value.shape)} does not match expected shape ${shapeRepr(expected)}.`,
    );
  }
  if (value.dtype === spec.dtype) return value;
  try {
    return value.astype(spec.dtype);
  } catch (error) {
    if (error instanceof ConversionError) {
      throw new SchemaError(`dtype of input ${value.dtype} does not match expected dtype ${spec.dtype}`);
    }
    throw error;
  }
}

function toTensor(value: unknown, spec: TensorSpec): Tensor {
  if (value instanceof Tensor) return value;
  try {
    return Tensor.fromNested(value, spec.dtype);
  } catch (error) {
    if (error instanceof MlflowError) throw new SchemaError(error.message);
    throw error;
  }
}

/** A DataFrame column fed to a tensor spec (`_reshape_and_cast_pandas_column_values`). */
function columnToTensor(name: string | undefined, column: Column, spec: TensorSpec): Tensor {
  const label = name === undefined ? 'the unnamed input' : `input ${name}`;
  if (spec.shape[0] !== -1 || spec.shape.slice(1).includes(-1)) {
    throw new SchemaError(
      `For pandas dataframe input, the first dimension of shape must be a variable dimension and other dimensions must be fixed, but in model signature the shape of ${label} is ${shapeRepr(spec.shape)}.`,
    );
  }
  const values = Array.from(column.values);
  if (values.length > 0 && !Array.isArray(values[0])) {
    if (spec.shape.length === 1 || (spec.shape.length === 2 && spec.shape[1] === 1)) {
      return enforceTensorSpec(toTensor(values, { ...spec, shape: [-1] }).reshape(spec.shape), spec);
    }
    throw new SchemaError(
      `The input pandas dataframe column '${name}' contains scalar values, which requires the shape to be (-1,) or (-1, 1), but got tensor spec shape of ${shapeRepr(spec.shape)}.`,
    );
  }
  try {
    return toTensor(values, spec).reshape(spec.shape);
  } catch {
    throw new SchemaError(
      `The value in the Input DataFrame column '${name}' could not be converted to the expected shape of: '${shapeRepr(spec.shape)}'. Ensure that each of the input list elements are of uniform length and that the data can be coerced to the tensor type '${spec.dtype}'`,
    );
  }
}

function enforceTensors(input: unknown, schema: Extract<Schema, { kind: 'tensors' }>): Tensor | Record<string, Tensor> {
  if (hasInputNames(schema)) {
    const names = schema.inputs.map((t) => t.name as string);
    const isFrame = input instanceof DataFrame;
    const dict =
      isFrame ||
      isTensorMap(input) ||
      (typeof input === 'object' && input !== null && !Array.isArray(input) && !(input instanceof Tensor));
    if (!dict) {
      throw new SchemaError(
        'This model contains a tensor-based model signature with input names, which suggests a dictionary input mapping input name to tensor, or a pandas DataFrame input containing columns mapping input name to flattened list value from tensor, but an input of a different type was found.',
      );
    }
    const has = (n: string) => (isFrame ? (input as DataFrame).has(n) : Object.hasOwn(input as object, n));
    const missing = names.filter((n) => !has(n));
    if (missing.length > 0) throw new SchemaError(`Model is missing inputs ${pyList(missing)}.`);
    const out: Record<string, Tensor> = {};
    for (const spec of schema.inputs) {
      const name = spec.name as string;
      out[name] = isFrame
        ? columnToTensor(name, (input as DataFrame).get(name), spec)
        : enforceTensorSpec(toTensor((input as Record<string, unknown>)[name], spec), spec);
    }
    return out;
  }
  const spec = schema.inputs[0] as TensorSpec;
  if (input instanceof DataFrame) {
    if (input.length === 0) throw new SchemaError('Input DataFrame is empty.');
    if (input.columns.length === 1) return columnToTensor(undefined, input.get(input.columns[0] as string), spec);
    if (spec.shape.length !== 2 || spec.shape[0] !== -1 || spec.shape[1] !== input.columns.length) {
      throw new SchemaError(
        `This model contains a model signature with an unnamed input. Since the input data is a pandas DataFrame containing multiple columns, the input shape must be of the structure (-1, number_of_dataframe_columns). Instead, the input DataFrame passed had ${input.columns.length} columns and an input shape of ${shapeRepr(spec.shape)} with all values within the DataFrame of scalar type. Please adjust the passed in DataFrame to match the expected structure`,
      );
    }
    return enforceTensorSpec(toTensor(input.rows(), spec), spec);
  }
  if (isTensorMap(input)) {
    throw new SchemaError(
      'This model contains a tensor-based model signature with no input names, which suggests a numpy array input or a pandas dataframe input with proper column values, but an input of type dict was found.',
    );
  }
  return enforceTensorSpec(toTensor(input, spec), spec);
}

/**
 * Enforces `schema` on `input` and returns the converted input (a DataFrame for column schemas,
 * a tensor or a map of tensors for tensor schemas). Without a schema the input passes unchanged.
 *
 * @example
 * const frame = enforceInput([{ x: 1 }], schemaFromJson([{ type: 'double', name: 'x' }]));
 */
export function enforceInput(
  input: unknown,
  schema: Schema | undefined,
  warn: (m: string) => void = () => {},
): unknown {
  if (schema === undefined) return input;
  try {
    return schema.kind === 'columns' ? enforceColumns(input, schema, warn) : enforceTensors(input, schema);
  } catch (error) {
    if (error instanceof SchemaError || error instanceof TypeEnforcementError) {
      throw invalidParameter(
        `Failed to enforce schema of data '${previewInput(input)}' with schema '${schemaRepr(schema)}'. Error: ${error.message}`,
      );
    }
    throw error;
  }
}
