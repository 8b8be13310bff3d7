/**
 * An n-dimensional array, Keel's counterpart of a numpy `ndarray`: a dtype, a shape, and the
 * values flat in row-major order. Numeric dtypes keep their values in a typed array; 64-bit
 * integers are kept as JS numbers (exact up to 2^53, as JSON is), strings and objects in a plain
 * array. `toJSON()` gives the nested lists MLflow's `ndarray.tolist()` gives.
 */
import { invalidParameter, type MlflowError } from '@keel/contract';
import { shapeRepr, type TensorDType } from '../signature/schema.js';
import { ConversionError, castScalar } from './values.js';

/** Flat tensor storage. */
export type TensorData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | unknown[];

/** The element type a dtype converts values to (`castScalar`'s names). */
const SCALAR_OF_DTYPE: Readonly<Record<TensorDType, string>> = {
  bool: 'boolean',
  int8: 'int8',
  int16: 'int16',
  int32: 'integer',
  int64: 'long',
  uint8: 'uint8',
  uint16: 'uint16',
  uint32: 'uint32',
  uint64: 'uint64',
  float16: 'float',
  float32: 'float',
  float64: 'double',
  str: 'string',
  bytes: 'binary',
  object: 'any',
};

/** Allocates storage for `size` elements of `dtype`. */
export function allocateTensorData(dtype: TensorDType, size: number): TensorData {
  switch (dtype) {
    case 'float32':
    case 'float16':
      return new Float32Array(size);
    case 'float64':
    case 'int64':
    case 'uint64':
      return new Float64Array(size);
    case 'int8':
      return new Int8Array(size);
    case 'int16':
      return new Int16Array(size);
    case 'int32':
      return new Int32Array(size);
    case 'uint8':
    case 'bool':
      return new Uint8Array(size);
    case 'uint16':
      return new Uint16Array(size);
    case 'uint32':
      return new Uint32Array(size);
    default:
      return new Array(size);
  }
}

/**
 * A tensor.
 *
 * @example
 * const t = Tensor.fromNested([[1, 2], [3, 4]], 'float32'); // shape [2, 2]
 * t.toJSON(); // [[1, 2], [3, 4]]
 */
export class Tensor {
  constructor(
    readonly dtype: TensorDType,
    readonly shape: readonly number[],
    readonly data: TensorData,
  ) {}

  /** The number of elements. */
  get size(): number {
    return this.data.length;
  }

  /** Element `i` of the flat data, as a JS value (booleans for `bool`). */
  at(i: number): unknown {
    const v = this.data[i];
    return this.dtype === 'bool' ? v === 1 || v === true : v;
  }

  /** The values as nested lists (what `JSON.stringify` writes). */
  toArray(): unknown {
    if (this.shape.length === 0) return this.at(0);
    const data = this.data;
    const bool = this.dtype === 'bool';
    let index = 0;
    const last = this.shape.length - 1;
    const build = (dim: number): unknown[] => {
      const n = this.shape[dim] as number;
      const out = new Array(n);
      if (dim === last) {
        if (bool) for (let i = 0; i < n; i++) out[i] = data[index++] === 1 || data[index - 1] === true;
        else for (let i = 0; i < n; i++) out[i] = data[index++];
      } else {
        for (let i = 0; i < n; i++) out[i] = build(dim + 1);
      }
      return out;
    };
    return build(0);
  }

  toJSON(): unknown {
    return this.toArray();
  }

  /** The sub-tensors along the first dimension (rows), as nested lists or scalars. */
  rows(): unknown[] {
    const value = this.toArray();
    return Array.isArray(value) ? value : [value];
  }

  /**
   * Builds a tensor from nested JSON lists, as `numpy.array(value, dtype)` does. Without a dtype
   * one is inferred (bool, int64, float64, str or object). Ragged lists are refused.
   */
  static fromNested(value: unknown, dtype?: TensorDType): Tensor {
    const shape = shapeOf(value);
    const flat: unknown[] = [];
    flatten(value, shape.length, flat);
    const type = dtype ?? inferDType(flat);
    const data = allocateTensorData(type, flat.length);
    const scalar = SCALAR_OF_DTYPE[type];
    for (let i = 0; i < flat.length; i++) {
      try {
        data[i] = toStored(castScalar(flat[i], scalar), type);
      } catch (error) {
        if (error instanceof ConversionError) {
          throw invalidParameter(`Failed to convert ${JSON.stringify(flat[i])} to ${type}: ${error.message}`);
        }
        throw error;
      }
    }
    return new Tensor(type, shape, data);
  }

  /** A tensor of another dtype with the same values (lossless conversions only). */
  astype(dtype: TensorDType): Tensor {
    if (dtype === this.dtype) return this;
    const data = allocateTensorData(dtype, this.size);
    const scalar = SCALAR_OF_DTYPE[dtype];
    for (let i = 0; i < this.size; i++) data[i] = toStored(castScalar(this.at(i), scalar), dtype);
    return new Tensor(dtype, this.shape, data);
  }

  /** The same values with another shape of the same size (`-1` once allowed). */
  reshape(shape: readonly number[]): Tensor {
    const known = shape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    const resolved = shape.map((d) => (d === -1 ? (known === 0 ? 0 : this.size / known) : d));
    if (!resolved.every((d) => Number.isInteger(d)) || resolved.reduce((a, b) => a * b, 1) !== this.size) {
      throw invalidParameter(`cannot reshape array of size ${this.size} into shape ${shapeRepr(shape)}`);
    }
    return new Tensor(this.dtype, resolved, this.data);
  }
}

function toStored(value: unknown, dtype: TensorDType): unknown {
  if (dtype === 'bool') return value ? 1 : 0;
  return value;
}

/** numpy's dtype inference for lists of JSON scalars. */
export function inferDType(values: readonly unknown[]): TensorDType {
  if (values.length === 0) return 'float64';
  let bools = 0;
  let ints = 0;
  let floats = 0;
  let strings = 0;
  for (const v of values) {
    if (typeof v === 'boolean') bools++;
    else if (typeof v === 'number') {
      if (Number.isInteger(v)) ints++;
      else floats++;
    } else if (typeof v === 'string') strings++;
  }
  const n = values.length;
  if (bools === n) return 'bool';
  if (ints === n) return 'int64';
  if (ints + floats === n) return 'float64';
  if (strings === n) return 'str';
  return 'object';
}

/** The shape of nested lists; ragged nesting is refused with numpy's message. */
export function shapeOf(value: unknown): number[] {
  const shape: number[] = [];
  let level: unknown = value;
  while (Array.isArray(level)) {
    shape.push(level.length);
    if (level.length === 0) break;
    level = level[0];
  }
  checkShape(value, shape, 0);
  return shape;
}

function checkShape(value: unknown, shape: readonly number[], dim: number): void {
  if (dim === shape.length) {
    if (Array.isArray(value)) throw ragged(shape, dim);
    return;
  }
  if (!Array.isArray(value) || value.length !== shape[dim]) throw ragged(shape, dim);
  for (const item of value) checkShape(item, shape, dim + 1);
}

function ragged(shape: readonly number[], dim: number): MlflowError {
  return invalidParameter(
    `setting an array element with a sequence. The requested array has an inhomogeneous shape after ${dim} dimensions. The detected shape was ${shapeRepr(shape.slice(0, dim))} + inhomogeneous part.`,
  );
}

function flatten(value: unknown, depth: number, out: unknown[]): void {
  if (depth === 0) {
    out.push(value);
    return;
  }
  for (const item of value as unknown[]) flatten(item, depth - 1, out);
}

/** Whether a value is a map of named tensors (`{name: Tensor}`), the form of a dict of numpy arrays. */
export function isTensorMap(value: unknown): value is Readonly<Record<string, Tensor>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Tensor) return false;
  const values = Object.values(value);
  return values.length > 0 && values.every((v) => v instanceof Tensor);
}
