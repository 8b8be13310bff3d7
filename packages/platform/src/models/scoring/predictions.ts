/**
 * Model output as JSON (models.md §8.3): a DataFrame as records, a tensor as nested lists, a map
 * of tensors as an object of nested lists, anything else as is, with typed arrays as lists,
 * bytes as base64, dates as ISO text. NaN and infinities become null, so the answer is always
 * valid JSON (MLflow writes a bare `NaN`, which strict JSON parsers refuse).
 */
import { DataFrame } from '../data/data-frame.js';
import { isTensorMap, Tensor } from '../data/tensor.js';

function replacer(this: unknown, _key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (ArrayBuffer.isView(value))
    return Array.from(value as unknown as ArrayLike<unknown>, (v) => (typeof v === 'bigint' ? Number(v) : v));
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Map) return Object.fromEntries(value);
  if (value instanceof Set) return [...value];
  return value;
}

/**
 * Whether a value is plain JSON data (checked throughout, which costs far less than the
 * replacer), so the common outputs (lists of numbers, of row objects) are written natively.
 */
function isPlain(value: unknown, depth = 0): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean' || typeof value === 'number')
    return true;
  if (depth > 3 || typeof value !== 'object') return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!isPlain(value[i], depth + 1)) return false;
    return true;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return false;
  for (const item of Object.values(value)) if (!isPlain(item, depth + 1)) return false;
  return true;
}

/** Whether every column holds plain JSON values (checked column by column, without building rows). */
function frameIsPlain(frame: DataFrame): boolean {
  for (const name of frame.columns) {
    const values = frame.column(name);
    if (ArrayBuffer.isView(values)) continue;
    for (let i = 0; i < values.length; i++) if (!isPlain(values[i], 1)) return false;
  }
  return true;
}

function numberJson(v: unknown): string {
  return Number.isFinite(v) ? String(v) : 'null';
}

/**
 * The JSON text of each record of a frame, written column by column into the row's text (no row
 * objects), or undefined when a column holds values that need the replacer.
 *
 * @example
 * const row = frameRecordJson(DataFrame.fromColumns({ a: [1, 2] })); // row?.(1) === '{"a":2}'
 */
export function frameRecordJson(frame: DataFrame): ((row: number) => string) | undefined {
  if (!frameIsPlain(frame)) return undefined;
  const keys = frame.columns.map((name, i) => `${i === 0 ? '{' : ','}${JSON.stringify(name)}:`);
  const columns = frame.columns.map((name) => frame.column(name));
  const typed = columns.map((c) => ArrayBuffer.isView(c));
  if (columns.length === 0) return () => '{}';
  return (r) => {
    let row = '';
    for (let c = 0; c < columns.length; c++) {
      const v = (columns[c] as ArrayLike<unknown>)[r];
      row += keys[c] + (typed[c] || typeof v === 'number' ? numberJson(v) : JSON.stringify(v));
    }
    return `${row}}`;
  };
}

/** A plain frame's records as JSON: the same output as `JSON.stringify(frame.records())`. */
function frameRecordsJson(frame: DataFrame, rowJson: (row: number) => string): string {
  const rows = new Array<string>(frame.length);
  for (let r = 0; r < frame.length; r++) rows[r] = rowJson(r);
  return `[${rows.join(',')}]`;
}

/** Numeric dtypes whose stored values are the JSON numbers (bool, str and object are not). */
const NUMERIC = new Set([
  'float16',
  'float32',
  'float64',
  'int8',
  'int16',
  'int32',
  'int64',
  'uint8',
  'uint16',
  'uint32',
  'uint64',
]);

/**
 * A tensor's nested lists as JSON, written from its flat data (no nested arrays built): the last
 * dimension's values go to `JSON.stringify` as one plain list, which writes numbers fastest.
 */
function tensorJson(tensor: Tensor): string {
  const { shape, data } = tensor;
  if (
    shape.length === 0 ||
    !NUMERIC.has(tensor.dtype) ||
    !(data instanceof Float32Array || data instanceof Float64Array || data instanceof Int32Array)
  ) {
    return predictionsJson(tensor.toArray());
  }
  const width = shape[shape.length - 1] as number;
  const level = (dim: number, start: number, size: number): string => {
    if (dim === shape.length - 1) {
      const row = new Array<number>(width);
      for (let i = 0; i < width; i++) row[i] = data[start + i] as number;
      return JSON.stringify(row);
    }
    const n = shape[dim] as number;
    const step = n === 0 ? 0 : size / n;
    let out = '[';
    for (let i = 0; i < n; i++) out += (i === 0 ? '' : ',') + level(dim + 1, start + i * step, step);
    return `${out}]`;
  };
  return level(0, 0, data.length);
}

/**
 * The JSON text of a prediction value.
 *
 * @example
 * predictionsJson(Tensor.fromNested([[1, 2]])); // '[[1,2]]'
 */
export function predictionsJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value instanceof DataFrame) {
    const rowJson = frameRecordJson(value);
    return rowJson === undefined ? JSON.stringify(value.records(), replacer) : frameRecordsJson(value, rowJson);
  }
  if (value instanceof Tensor) return tensorJson(value);
  if (isTensorMap(value)) {
    // The usual output of tensor models: each tensor's nested lists are plain data.
    let out = '';
    for (const name of Object.keys(value))
      out += `${out === '' ? '{' : ','}${JSON.stringify(name)}:${tensorJson(value[name] as Tensor)}`;
    return out === '' ? '{}' : `${out}}`;
  }
  if (isPlain(value)) return JSON.stringify(value);
  return JSON.stringify(value, replacer) ?? 'null';
}

/** The body of a successful answer: `{"predictions": ...}`, or the bare value for unified LLM requests. */
export function responseBody(value: unknown, unified: boolean): string {
  const json = predictionsJson(value);
  return unified ? json : `{"predictions":${json}}`;
}
