/**
 * Converting one JSON (or CSV) value to a declared scalar type. Conversions are lossless
 * (models.md §5.4): an integer value fits a double, `1.0` fits a long, `"2.5"` (CSV text) fits a
 * double; `1.5` does not fit a long, and `true` is not a number. A double given for a float
 * column is rounded to float32, since JSON cannot say "float32".
 */

/** Why a value does not convert: its type is incompatible, or its text does not parse. */
export class ConversionError extends Error {
  override readonly name = 'ConversionError';
  constructor(
    readonly kind: 'incompatible' | 'invalid',
    /** numpy's name of the value's own type (`float64`, `bool`, `object`). */
    readonly from: string,
    message: string,
  ) {
    super(message);
  }
}

const FLOAT32_MAX = 3.4028234663852886e38;
const FLOAT_TEXT =
  /^\s*[+-]?(?:(?:\d[\d_]*)?(?:\.\d[\d_]*|\d)(?:[eE][+-]?\d+)?|\d[\d_]*\.?(?:[eE][+-]?\d+)?|nan|inf|infinity)\s*$/i;
const INT_TEXT = /^\s*[+-]?\d[\d_]*\s*$/;

/** Integer ranges of the sized integer types. */
const INT_RANGES: Readonly<Record<string, readonly [number, number, string]>> = {
  int8: [-128, 127, 'int8'],
  int16: [-32768, 32767, 'int16'],
  integer: [-2147483648, 2147483647, 'int32'],
  long: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 'int64'],
  uint8: [0, 255, 'uint8'],
  uint16: [0, 65535, 'uint16'],
  uint32: [0, 4294967295, 'uint32'],
  uint64: [0, Number.MAX_SAFE_INTEGER, 'uint64'],
};

/** numpy's name of a JS value's type, for messages. */
export function numpyTypeOf(value: unknown): string {
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int64' : 'float64';
  if (value instanceof Date) return 'datetime64[ns]';
  return 'object';
}

function parseFloatText(text: string, target: string): number {
  if (!FLOAT_TEXT.test(text)) {
    throw new ConversionError('invalid', 'object', `could not convert string to float: '${text}'`);
  }
  const t = text.trim().toLowerCase().replaceAll('_', '');
  if (t.endsWith('nan')) return Number.NaN;
  if (t.endsWith('inf') || t.endsWith('infinity')) return t.startsWith('-') ? -Infinity : Infinity;
  const n = Number(t);
  if (Number.isNaN(n))
    throw new ConversionError('invalid', 'object', `could not convert string to ${target}: '${text}'`);
  return n;
}

/** `Number(text)` where it agrees with Python's `float(text)`; undefined where it may not. */
function quickFloat(text: string): number | undefined {
  const n = Number(text);
  if (Number.isNaN(n) || text.length === 0) return undefined;
  const first = text.charCodeAt(0);
  // Number() also reads '', blanks, '0x1f', '0o7' and '0b1'; float() does not.
  if (
    first <= 32 ||
    (text.length > 1 && (text.charCodeAt(1) | 32) > 97 && (first === 48 || first === 43 || first === 45))
  ) {
    return undefined;
  }
  return n;
}

function toFloat(value: unknown, float32: boolean): number {
  const target = float32 ? 'float32' : 'float64';
  let n: number;
  if (typeof value === 'number') n = value;
  else if (value === null || value === undefined) return Number.NaN;
  else if (typeof value === 'string') n = quickFloat(value) ?? parseFloatText(value, target);
  else
    throw new ConversionError(
      'incompatible',
      numpyTypeOf(value),
      `Can not safely convert ${numpyTypeOf(value)} to ${target}.`,
    );
  if (!float32) return n;
  if (Number.isFinite(n) && Math.abs(n) > FLOAT32_MAX) {
    throw new ConversionError('invalid', 'float64', `value ${n} is out of the float32 range`);
  }
  return Math.fround(n);
}

function toInt(value: unknown, kind: string): number {
  const [min, max, numpy] = INT_RANGES[kind] as readonly [number, number, string];
  let n: number;
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) {
      throw new ConversionError('incompatible', 'float64', `Can not safely convert float64 to ${numpy}.`);
    }
    n = value;
  } else if (typeof value === 'string') {
    if (!INT_TEXT.test(value)) {
      throw new ConversionError('invalid', 'object', `invalid literal for int() with base 10: '${value}'`);
    }
    n = Number(value.trim().replaceAll('_', ''));
  } else if (value === null || value === undefined) {
    throw new ConversionError('incompatible', 'float64', `Can not safely convert float64 to ${numpy}.`);
  } else {
    throw new ConversionError(
      'incompatible',
      numpyTypeOf(value),
      `Can not safely convert ${numpyTypeOf(value)} to ${numpy}.`,
    );
  }
  if (n < min || n > max) {
    throw new ConversionError(
      'incompatible',
      'int64',
      `Can not safely convert int64 to ${numpy}: ${n} is out of range.`,
    );
  }
  return n;
}

function toBoolean(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  if (value === null || value === undefined) return null;
  if (value === 0 || value === 1) return value === 1;
  if (typeof value === 'string') {
    const t = value.trim().toLowerCase();
    if (t === 'true' || t === '1') return true;
    if (t === 'false' || t === '0') return false;
    throw new ConversionError('invalid', 'object', `could not convert string to bool: '${value}'`);
  }
  throw new ConversionError(
    'incompatible',
    numpyTypeOf(value),
    `Can not safely convert ${numpyTypeOf(value)} to bool.`,
  );
}

function toText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  throw new ConversionError('incompatible', 'object', `Can not safely convert ${kindOf(value)} to str.`);
}

const BASE64 = /^[A-Za-z0-9+/\s]*={0,2}\s*$/;

function toBinary(value: unknown): Uint8Array | null {
  if (value instanceof Uint8Array) return value;
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') {
    // MLflow base64-decodes binary columns (base64.decodebytes), which refuses bad padding.
    const compact = value.replace(/\s+/g, '');
    if (!BASE64.test(value) || compact.length % 4 !== 0) {
      throw new ConversionError(
        'invalid',
        'object',
        `Incorrect padding or invalid base64 text: '${value.slice(0, 40)}'`,
      );
    }
    return Buffer.from(compact, 'base64');
  }
  throw new ConversionError(
    'incompatible',
    numpyTypeOf(value),
    `Can not safely convert ${numpyTypeOf(value)} to bytes.`,
  );
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

function toDatetime(value: unknown): Date | null {
  if (value instanceof Date) return value;
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') {
    const text = value.trim();
    if (ISO_DATE.test(text)) {
      // Without a zone, pandas reads a timestamp as naive; keep it as UTC wall time.
      const normalized = text.replace(' ', 'T').replace(/(\.\d{3})\d+/, '$1');
      const hasZone = /Z$|[+-]\d{2}:?\d{2}$/.test(normalized) && normalized.includes('T');
      const date = new Date(hasZone || !normalized.includes('T') ? normalized : `${normalized}Z`);
      if (!Number.isNaN(date.getTime())) return date;
    }
    throw new ConversionError('invalid', 'object', `Unknown datetime string format, unable to parse: ${value}`);
  }
  throw new ConversionError(
    'incompatible',
    numpyTypeOf(value),
    `Can not safely convert ${numpyTypeOf(value)} to datetime64[ns].`,
  );
}

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return 'list';
  if (value === null) return 'NoneType';
  if (typeof value === 'object') return 'dict';
  return typeof value;
}

/**
 * Converts `value` to the scalar type `type`: an MLflow data type name (`double`, `long`,
 * `string`, ...), a sized integer (`int8`, `uint32`, ...) or `any`. Throws `ConversionError`.
 */
export function castScalar(value: unknown, type: string): unknown {
  switch (type) {
    case 'double':
      return toFloat(value, false);
    case 'float':
      return toFloat(value, true);
    case 'boolean':
      return toBoolean(value);
    case 'string':
      return toText(value);
    case 'binary':
      return toBinary(value);
    case 'datetime':
      return toDatetime(value);
    case 'any':
      return value;
    default:
      if (type in INT_RANGES) return toInt(value, type);
      throw new ConversionError('incompatible', numpyTypeOf(value), `Unknown type ${type}`);
  }
}

/** numpy's name of an MLflow data type (`double` -> `float64`). */
export const NUMPY_OF_TYPE: Readonly<Record<string, string>> = {
  boolean: 'bool',
  integer: 'int32',
  long: 'int64',
  float: 'float32',
  double: 'float64',
  string: 'object',
  binary: 'object',
  datetime: 'datetime64[ns]',
};

/** Python's `type(x).__name__` of a decoded JSON value. */
export function pythonTypeOf(value: unknown): string {
  if (value === null || value === undefined) return 'NoneType';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (typeof value === 'string') return 'str';
  if (value instanceof Uint8Array) return 'bytes';
  if (value instanceof Date) return 'datetime';
  if (Array.isArray(value)) return 'list';
  return 'dict';
}

/**
 * Storage for `n` values of a scalar data type: typed arrays for the numeric types that have
 * one (`double`, `float`, `integer`), a plain array for the rest.
 *
 * @example
 * scalarStorage('float', 3); // Float32Array(3)
 */
export function scalarStorage(type: string, n: number): unknown[] | Float64Array | Float32Array | Int32Array {
  if (type === 'double') return new Float64Array(n);
  if (type === 'float') return new Float32Array(n);
  if (type === 'integer') return new Int32Array(n);
  return new Array(n);
}
