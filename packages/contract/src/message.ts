/**
 * Message descriptors: a small, protobuf-like description of each request message, with the
 * decoding rules of MLflow's JSON transport (int64 as numbers or numeric strings, doubles with
 * "NaN"/"Infinity", enums by name or number, repeated GET keys for lists) and MLflow's exact
 * validation messages. One descriptor gives the server its decoder and the client its types.
 */
import { invalidParameter, invalidParameterValue, missingParameter } from './errors.js';

/** A double as it travels in JSON: a number, or one of protobuf's non-finite spellings. */
export type WireDouble = number | 'NaN' | 'Infinity' | '-Infinity';

type Kind = 'string' | 'int64' | 'int32' | 'double' | 'bool' | 'enum' | 'message' | 'list';

/** Describes one field. `T` is the decoded TypeScript type; `R` whether it is required. */
export interface FieldSpec<T = unknown, R extends boolean = boolean> {
  readonly kind: Kind;
  readonly required: R;
  /** For ids: a JSON number is accepted and converted to its decimal string. */
  readonly acceptsNumber?: boolean;
  /** Another field name that satisfies this field when this one is absent (`run_uuid` for `run_id`). */
  readonly alias?: string;
  /** Value used when the field is absent. */
  readonly default?: string;
  readonly enumValues?: readonly string[];
  readonly enumNumbers?: Readonly<Record<string, number>>;
  readonly message?: MessageSpec<unknown>;
  readonly item?: FieldSpec<unknown, boolean>;
  /** Phantom member carrying the decoded type; never set at run time. */
  readonly __type?: T;
}

export type Fields = Readonly<Record<string, FieldSpec<unknown, boolean>>>;

type FieldType<F> = F extends FieldSpec<infer T, boolean> ? T : never;
type RequiredKeys<S> = { [K in keyof S]: S[K] extends FieldSpec<unknown, true> ? K : never }[keyof S];
type OptionalKeys<S> = Exclude<keyof S, RequiredKeys<S>>;
type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The decoded shape of a message with fields `S`: required fields present, optional ones optional. */
export type Infer<S extends Fields> = Simplify<
  { readonly [K in RequiredKeys<S>]: FieldType<S[K]> } & { readonly [K in OptionalKeys<S>]?: FieldType<S[K]> }
>;

/** A named message: its fields in declaration order (validation follows that order). */
export interface MessageSpec<T> {
  readonly name: string;
  readonly fields: Fields;
  /** Phantom member carrying the decoded type. */
  readonly __type?: T;
}

/** The decoded TypeScript type of a message descriptor. */
export type MessageOf<M> = M extends MessageSpec<infer T> ? T : never;

interface RequiredOption {
  readonly required?: boolean;
}
interface ScalarOptions extends RequiredOption {
  readonly acceptsNumber?: boolean;
  readonly alias?: string;
  /** Value used when the field is absent (so the decoded field is always present). */
  readonly default?: string;
}

/**
 * Whether options mark a field required. Computed from the argument (not inferred from the
 * contextual return type, which would widen `true` to `boolean`).
 */
type Req<O> = O extends { readonly required: true } | { readonly default: string } ? true : false;

/** Field builders. Each returns a descriptor whose phantom type drives `Infer`. */
export const f = {
  string<const O extends ScalarOptions = {}>(options?: O): FieldSpec<string, Req<O>> {
    return { kind: 'string', required: isRequired<O>(options), ...stripRequired(options) };
  },
  int64<const O extends RequiredOption = {}>(options?: O): FieldSpec<number, Req<O>> {
    return { kind: 'int64', required: isRequired<O>(options) };
  },
  int32<const O extends RequiredOption = {}>(options?: O): FieldSpec<number, Req<O>> {
    return { kind: 'int32', required: isRequired<O>(options) };
  },
  double<const O extends RequiredOption = {}>(options?: O): FieldSpec<WireDouble, Req<O>> {
    return { kind: 'double', required: isRequired<O>(options) };
  },
  bool<const O extends RequiredOption = {}>(options?: O): FieldSpec<boolean, Req<O>> {
    return { kind: 'bool', required: isRequired<O>(options) };
  },
  /** An enum given by name (`"FINISHED"`) or number (`3`); decoded to its name. */
  enum<const V extends string, const O extends RequiredOption = {}>(
    numbers: Readonly<Record<V, number>>,
    options?: O,
  ): FieldSpec<V, Req<O>> {
    return {
      kind: 'enum',
      required: isRequired<O>(options),
      enumValues: Object.keys(numbers),
      enumNumbers: numbers,
    };
  },
  message<T, const O extends RequiredOption = {}>(spec: MessageSpec<T>, options?: O): FieldSpec<T, Req<O>> {
    return { kind: 'message', required: isRequired<O>(options), message: spec as MessageSpec<unknown> };
  },
  list<T, const O extends RequiredOption = {}>(
    item: FieldSpec<T, boolean>,
    options?: O,
  ): FieldSpec<readonly T[], Req<O>> {
    return { kind: 'list', required: isRequired<O>(options), item: item as FieldSpec<unknown, boolean> };
  },
};

function isRequired<O>(options: RequiredOption | undefined): Req<O> {
  return (options?.required === true) as Req<O>;
}

function stripRequired(options?: ScalarOptions): { acceptsNumber?: boolean; alias?: string; default?: string } {
  const out: { acceptsNumber?: boolean; alias?: string; default?: string } = {};
  if (options?.acceptsNumber) out.acceptsNumber = true;
  if (options?.alias) out.alias = options.alias;
  if (options?.default !== undefined) out.default = options.default;
  return out;
}

/** Declares a message. Field order is the order in which required fields are checked. */
export function message<const S extends Fields>(name: string, fields: S): MessageSpec<Infer<S>> {
  return { name, fields };
}

/** Where the raw values come from: a parsed JSON object or a query string (all values strings). */
export type DecodeSource = 'json' | 'query';

const INT64_TEXT = /^-?\d+$/;
const DOUBLE_TEXT = /^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?)$/;

function camelCase(name: string): string {
  return name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

function isMissing(value: unknown): boolean {
  return value === undefined || value === null;
}

/**
 * Decodes and validates a request message. Unknown keys are ignored; snake_case and
 * lowerCamelCase keys are both accepted; errors carry MLflow's messages and name nested
 * fields by path (`metrics[0].timestamp`).
 */
export function decodeMessage<T>(spec: MessageSpec<T>, raw: unknown, source: DecodeSource = 'json'): T {
  return decodeObject(spec, raw, source, '') as T;
}

interface CompiledField {
  readonly name: string;
  readonly camel: string;
  readonly field: FieldSpec;
}

/** Field lists with their camelCase aliases, computed once per message (decoding is a hot path). */
const compiledFields = new WeakMap<MessageSpec<unknown>, readonly CompiledField[]>();

function fieldsOf(spec: MessageSpec<unknown>): readonly CompiledField[] {
  let fields = compiledFields.get(spec);
  if (fields === undefined) {
    fields = Object.entries(spec.fields).map(([name, field]) => ({ name, camel: camelCase(name), field }));
    compiledFields.set(spec, fields);
  }
  return fields;
}

function decodeObject(spec: MessageSpec<unknown>, raw: unknown, source: DecodeSource, prefix: string): unknown {
  const input = (raw ?? {}) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const { name, camel, field } of fieldsOf(spec)) {
    let value = input[name];
    if (value === undefined && camel !== name) value = input[camel];
    if (isMissing(value) && field.alias !== undefined) value = input[field.alias];
    let decoded = isMissing(value) ? undefined : decodeField(field, value, source, prefix, name);
    if (field.required && isEmpty(decoded)) throw missingParameter(prefix + name);
    if (decoded === undefined) decoded = field.default;
    if (decoded !== undefined) out[name] = decoded;
  }
  return out;
}

function isEmpty(value: unknown): boolean {
  return value === undefined || value === '' || (Array.isArray(value) && value.length === 0);
}

/**
 * Decodes one value. The error path (`prefix` + `name`) is only built when an error is thrown:
 * string concatenation per field would dominate large batches.
 */
function decodeField(field: FieldSpec, value: unknown, source: DecodeSource, prefix: string, name: string): unknown {
  if (source === 'query' && field.kind !== 'list' && Array.isArray(value)) value = value[0];
  switch (field.kind) {
    case 'string':
      if (typeof value === 'string') {
        if (LONE_SURROGATE.test(value)) throw unpairedSurrogate(prefix + name, value);
        return value;
      }
      if (field.acceptsNumber && typeof value === 'number' && Number.isInteger(value)) return String(value);
      throw invalidParameterValue(prefix + name, value);
    case 'int64':
    case 'int32':
      if (typeof value === 'number' && Number.isSafeInteger(value) && field.kind === 'int64') return value;
      return decodeInteger(value, prefix + name, field.kind);
    case 'double':
      if (typeof value === 'number') return value;
      return decodeDouble(value, prefix + name);
    case 'bool':
      return decodeBool(value, source, prefix + name);
    case 'enum':
      return decodeEnum(field, value, prefix + name);
    case 'message':
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw invalidParameterValue(prefix + name, value);
      }
      // biome-ignore lint/style/noNonNullAssertion: message fields always carry their spec
      return decodeObject(field.message!, value, source, `${prefix}${name}.`);
    case 'list': {
      let items: unknown[];
      if (Array.isArray(value)) items = value;
      else if (source === 'query') items = [value];
      else throw invalidParameterValue(prefix + name, value);
      // biome-ignore lint/style/noNonNullAssertion: list fields always carry their item spec
      const item = field.item!;
      const out = new Array<unknown>(items.length);
      for (let i = 0; i < items.length; i++) {
        const element = items[i];
        if (isMissing(element)) throw invalidParameterValue(prefix + name, value);
        out[i] = decodeField(item, element, source, prefix, `${name}[${i}]`);
      }
      return out;
    }
  }
}

/**
 * A UTF-16 surrogate not paired with its partner (`"\ud800"` in JSON). In `u` mode a proper pair
 * reads as one astral code point, so only unpaired halves match. Such a string has no UTF-8
 * form: stored, it would read back differently (or not at all).
 */
const LONE_SURROGATE = /\p{Cs}/u;

function unpairedSurrogate(path: string, value: string): Error {
  const at = value.search(LONE_SURROGATE);
  const unit = value.charCodeAt(at).toString(16);
  return invalidParameter(
    `Invalid value for parameter '${path}' supplied: it contains an unpaired UTF-16 surrogate (\\u${unit} at position ${at}), which is not valid Unicode text.`,
  );
}

function decodeInteger(value: unknown, path: string, kind: 'int64' | 'int32'): number {
  let n: number | undefined;
  if (typeof value === 'number' && Number.isInteger(value)) n = value;
  else if (typeof value === 'string' && INT64_TEXT.test(value.trim())) n = Number(value.trim());
  if (n === undefined || !Number.isSafeInteger(n)) throw invalidParameterValue(path, value);
  if (kind === 'int32' && (n > 2147483647 || n < -2147483648)) throw invalidParameterValue(path, value);
  return n;
}

function decodeDouble(value: unknown, path: string): WireDouble {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    const text = value.trim();
    if (text === 'NaN' || text === 'Infinity' || text === '-Infinity') return text;
    if (DOUBLE_TEXT.test(text)) return Number(text);
  }
  // Booleans are refused on purpose (MLflow 3.5 silently stores `true` as 1).
  throw invalidParameterValue(path, value);
}

function decodeBool(value: unknown, source: DecodeSource, path: string): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && source === 'query') {
    const lower = value.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
    throw invalidParameter(`Invalid boolean value: ${value}, must be 'true' or 'false'.`);
  }
  throw invalidParameterValue(path, value);
}

function decodeEnum(field: FieldSpec, value: unknown, path: string): string {
  // biome-ignore lint/style/noNonNullAssertion: enum fields always carry their tables
  const numbers = field.enumNumbers!;
  if (typeof value === 'string') {
    if (Object.hasOwn(numbers, value)) return value;
    if (INT64_TEXT.test(value)) value = Number(value);
  }
  if (typeof value === 'number') {
    for (const [name, n] of Object.entries(numbers)) if (n === value) return name;
  }
  // MLflow 3.5 silently ignores an unknown enum name; Keel refuses it with the usual type message.
  throw invalidParameterValue(path, value);
}

/** Converts a wire double to a JS number (`"NaN"` -> NaN, `"Infinity"` -> Infinity). */
export function toNumber(value: WireDouble): number {
  if (typeof value === 'number') return value;
  if (value === 'NaN') return Number.NaN;
  return value === 'Infinity' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
}

/** Converts a JS number to its wire form (non-finite values become protobuf's strings). */
export function toWireDouble(value: number): WireDouble {
  if (Number.isFinite(value)) return value;
  if (Number.isNaN(value)) return 'NaN';
  return value > 0 ? 'Infinity' : '-Infinity';
}
