/**
 * MLflow's error codes and the HTTP status each one maps to.
 *
 * The table mirrors the reference server exactly, including its two surprises:
 * RESOURCE_ALREADY_EXISTS is 400 (not 409) and INVALID_STATE is 500.
 */
export const ERROR_STATUS = {
  INTERNAL_ERROR: 500,
  TEMPORARILY_UNAVAILABLE: 503,
  IO_ERROR: 500,
  BAD_REQUEST: 400,
  SERVICE_UNDER_MAINTENANCE: 500,
  WORKSPACE_TEMPORARILY_UNAVAILABLE: 500,
  DEADLINE_EXCEEDED: 504,
  CANCELLED: 499,
  RESOURCE_EXHAUSTED: 429,
  ABORTED: 409,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  UNAUTHENTICATED: 401,
  INVALID_PARAMETER_VALUE: 400,
  ENDPOINT_NOT_FOUND: 404,
  MALFORMED_REQUEST: 500,
  INVALID_STATE: 500,
  PERMISSION_DENIED: 403,
  FEATURE_DISABLED: 500,
  CUSTOMER_UNAUTHORIZED: 401,
  REQUEST_LIMIT_EXCEEDED: 429,
  RESOURCE_CONFLICT: 409,
  UNPARSEABLE_HTTP_ERROR: 500,
  NOT_IMPLEMENTED: 501,
  DATA_LOSS: 500,
  INVALID_STATE_TRANSITION: 500,
  COULD_NOT_ACQUIRE_LOCK: 500,
  RESOURCE_ALREADY_EXISTS: 400,
  RESOURCE_DOES_NOT_EXIST: 404,
} as const satisfies Record<string, number>;

/** The closed set of error codes Keel emits and understands. */
export type ErrorCode = keyof typeof ERROR_STATUS;

/** The JSON body of every deliberate API error. */
export interface ErrorBody {
  readonly error_code: string;
  readonly message: string;
}

/** Derives a code from an HTTP status, as MLflow clients do for non-JSON error bodies. */
export function errorCodeForStatus(status: number): ErrorCode {
  switch (status) {
    case 400:
      return 'BAD_REQUEST';
    case 401:
      return 'UNAUTHENTICATED';
    case 403:
      return 'PERMISSION_DENIED';
    case 404:
      return 'ENDPOINT_NOT_FOUND';
    case 409:
      return 'ALREADY_EXISTS';
    case 429:
      return 'RESOURCE_EXHAUSTED';
    case 501:
      return 'NOT_IMPLEMENTED';
    case 503:
      return 'TEMPORARILY_UNAVAILABLE';
    case 504:
      return 'DEADLINE_EXCEEDED';
    default:
      return 'INTERNAL_ERROR';
  }
}

function isErrorCode(value: string): value is ErrorCode {
  return Object.hasOwn(ERROR_STATUS, value);
}

/**
 * The one wire error: an MLflow error code, a message, and the HTTP status that goes with it.
 * Thrown by stores and handlers on the server and by the client SDK on failed calls.
 *
 * @example
 * try { await client.getRun({ run_id: id }); }
 * catch (e) { if (e instanceof MlflowError && e.code === 'RESOURCE_DOES_NOT_EXIST') ... }
 */
export class MlflowError extends Error {
  override readonly name = 'MlflowError';
  /** The code as sent on the wire; unknown codes from other servers are kept verbatim in `rawCode`. */
  readonly code: ErrorCode;
  readonly rawCode: string;
  readonly status: number;

  constructor(code: ErrorCode | string, message: string, options?: { status?: number; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.rawCode = code;
    this.code = isErrorCode(code) ? code : 'INTERNAL_ERROR';
    this.status = options?.status ?? ERROR_STATUS[this.code];
  }

  /** The JSON body MLflow clients expect. */
  toJSON(): ErrorBody {
    return { error_code: this.rawCode, message: this.message };
  }
}

/** INVALID_PARAMETER_VALUE (400): the main validation error. */
export const invalidParameter = (message: string): MlflowError => new MlflowError('INVALID_PARAMETER_VALUE', message);
/** RESOURCE_DOES_NOT_EXIST (404). */
export const notFound = (message: string): MlflowError => new MlflowError('RESOURCE_DOES_NOT_EXIST', message);
/** RESOURCE_ALREADY_EXISTS (400, as MLflow answers). */
export const alreadyExists = (message: string): MlflowError => new MlflowError('RESOURCE_ALREADY_EXISTS', message);
/** BAD_REQUEST (400). */
export const badRequest = (message: string): MlflowError => new MlflowError('BAD_REQUEST', message);
/** INVALID_STATE (500, as MLflow answers). */
export const invalidState = (message: string): MlflowError => new MlflowError('INVALID_STATE', message);
/** INTERNAL_ERROR (500). */
export const internalError = (message: string): MlflowError => new MlflowError('INTERNAL_ERROR', message);
/** TEMPORARILY_UNAVAILABLE (503). */
export const temporarilyUnavailable = (message: string): MlflowError =>
  new MlflowError('TEMPORARILY_UNAVAILABLE', message);
/** NOT_IMPLEMENTED (501). */
export const notImplemented = (message: string): MlflowError => new MlflowError('NOT_IMPLEMENTED', message);

const API_DOCS_HINT = 'See the API docs for more information about request parameters.';

/** MLflow's message for a missing required field (`name` may be a nested path like `metrics[0].key`). */
export function missingParameter(name: string): MlflowError {
  return invalidParameter(`Missing value for required parameter '${name}'. ${API_DOCS_HINT}`);
}

/** Python's `type(x).__name__` for a decoded JSON value, used in MLflow's type-error hint. */
export function pythonTypeName(value: unknown): string {
  if (value === null || value === undefined) return 'NoneType';
  if (typeof value === 'string') return 'str';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (value instanceof JsonNumberText) return value.isFloat ? 'float' : 'int';
  if (Array.isArray(value)) return 'list';
  return 'dict';
}

/**
 * A value as MLflow echoes it in validation messages: Python's `json.dumps(value,
 * sort_keys=True, separators=(",", ":"))`, so object keys are sorted and non-ASCII characters
 * escaped, whatever order and spelling the client sent.
 */
export function echoValue(value: unknown, depth = 0): string {
  // Past any depth a real client sends, the rest is elided rather than recursed into.
  if (depth > MAX_ECHO_DEPTH) return '...';
  if (Array.isArray(value)) return `[${value.map((v) => echoValue(v, depth + 1)).join(',')}]`;
  if (value instanceof JsonNumberText) return value.asPython();
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${asciiJson(k)}:${echoValue(v, depth + 1)}`).join(',')}}`;
  }
  if (typeof value === 'string') return asciiJson(value);
  return JSON.stringify(value) ?? 'null';
}

const MAX_ECHO_DEPTH = 100;

function asciiJson(text: string): string {
  return JSON.stringify(text).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * A JSON number as the client spelled it. Python reads `9.0` as a float and `1e400` as
 * infinity, where `JSON.parse` gives 9 and Infinity; MLflow's messages echo Python's reading
 * (`Invalid value 9.0 ... of type 'float'`), so the text is kept to print it the same way.
 *
 * @example
 * new JsonNumberText('1.0e-7').asPython(); // '1e-07'
 */
export class JsonNumberText {
  constructor(readonly text: string) {}

  /** Whether Python's `json.loads` reads it as a float (a fraction or an exponent) rather than an int. */
  get isFloat(): boolean {
    return /[.eE]/.test(this.text);
  }

  /** The value as Python's `json.dumps` prints what `json.loads` read. */
  asPython(): string {
    if (!this.isFloat) return this.text === '-0' ? '0' : this.text;
    return pythonFloatRepr(Number(this.text));
  }
}

/** Python's `json.dumps` of a float: `repr()` (`1.0`, `1e-07`, `1.5e+300`), and `Infinity`/`NaN`. */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  // toExponential() without an argument gives the shortest digits that round-trip, as repr() does.
  const [mantissa = '', exponentText = '0'] = x.toExponential().split('e');
  const exponent = Number(exponentText);
  const sign = mantissa.startsWith('-') ? '-' : '';
  const digits = mantissa.replace('-', '').replace('.', '');
  if (exponent < -4 || exponent >= 16) {
    const body = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${body}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  if (digits.length <= exponent + 1) return `${sign}${digits}${'0'.repeat(exponent + 1 - digits.length)}.0`;
  return `${sign}${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
}

/**
 * A type error naming the field, the value and a detail. The server may reprint it with the value
 * as the client spelled it (`withValue`), since decoding JSON loses `9.0` vs `9`.
 */
export class InvalidValueError extends MlflowError {
  constructor(
    readonly field: string,
    readonly value: unknown,
    readonly detail = '',
  ) {
    super(
      'INVALID_PARAMETER_VALUE',
      `Invalid value ${echoValue(value)} for parameter '${field}' supplied: ${detail} Hint: Value was of type '${pythonTypeName(value)}'. ${API_DOCS_HINT}`,
    );
  }

  /** The same error about `value` (the client's spelling of the same value). */
  withValue(value: unknown): InvalidValueError {
    return new InvalidValueError(this.field, value, this.detail);
  }
}

/** MLflow's message for a field whose value has the wrong type or is out of range. */
export function invalidParameterValue(name: string, value: unknown, detail = ''): MlflowError {
  return new InvalidValueError(name, value, detail);
}
