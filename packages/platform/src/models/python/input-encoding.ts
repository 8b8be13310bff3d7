/**
 * Model inputs as the Python worker reads them: a DataFrame column by column with numpy dtypes
 * (so pandas rebuilds exactly the types the signature enforced), tensors as flat data with dtype
 * and shape, anything else as JSON. NaN travels as null, binary as base64, dates as ISO text.
 */
import { DataFrame } from '../data/data-frame.js';
import { isTensorMap, Tensor } from '../data/tensor.js';

function jsonValue(value: unknown): unknown {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Tensor) return value.toArray();
  return value;
}

function jsonArray(values: ArrayLike<unknown>): unknown[] {
  const out = new Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = jsonValue(values[i]);
  return out;
}

function columnDtype(dtype: string, values: ArrayLike<unknown>): string {
  if (dtype !== 'object') return dtype;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) continue;
    return v instanceof Uint8Array ? 'bytes' : 'object';
  }
  return 'object';
}

function encodeTensor(tensor: Tensor): Record<string, unknown> {
  const data = tensor.dtype === 'bool' ? Array.from(tensor.data, (v) => v === 1 || v === true) : jsonArray(tensor.data);
  return { type: 'tensor', dtype: tensor.dtype === 'str' ? 'object' : tensor.dtype, shape: [...tensor.shape], data };
}

/** The `input` field of a predict request. */
export function encodeInput(input: unknown): Record<string, unknown> {
  if (input instanceof DataFrame) {
    return {
      type: 'dataframe',
      columns: [...input.columns],
      rows: input.length,
      dtypes: input.columns.map((c) => columnDtype(input.dtype(c), input.column(c))),
      data: input.columns.map((c) => jsonArray(input.column(c))),
    };
  }
  if (input instanceof Tensor) return encodeTensor(input);
  if (isTensorMap(input)) {
    return {
      type: 'tensors',
      tensors: Object.fromEntries(Object.entries(input).map(([name, t]) => [name, encodeTensor(t)])),
    };
  }
  return { type: 'json', value: input ?? null };
}
