/**
 * Inference params against the model's params schema (models.md §5.3), as MLflow's
 * `_enforce_params_schema`: unknown params are dropped with a warning, missing ones take their
 * default, values are type-checked (INVALID_PARAMETER_VALUE "Invalid parameters found: ...").
 * Without a params schema supplied params are ignored with a warning.
 */
import { invalidParameter } from '@keel/contract';
import { pythonTypeOf } from '../data/values.js';
import { enforceType, TypeEnforcementError } from './nested.js';
import type { ParamSpec } from './schema.js';

/** Params as they reach a model. */
export type Params = Readonly<Record<string, unknown>>;

/** Python's `type(x)` repr: `<class 'str'>`. */
function pyClass(value: unknown): string {
  return `<class '${pythonTypeOf(value)}'>`;
}

function valueText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return JSON.stringify(value) ?? String(value);
}

/** Which declared types accept which value types without loss (MLflow's `_ALLOWED_CONVERSIONS_FOR_PARAMS`). */
function enforceParamScalar(value: unknown, dtype: string): unknown {
  if (value === null || value === undefined) return null;
  const scalar =
    ['string', 'number', 'boolean'].includes(typeof value) || value instanceof Uint8Array || value instanceof Date;
  if (!scalar)
    throw new TypeEnforcementError(`Value must be a scalar for type \`${dtype}\`, got \`${valueText(value)}\``);
  const isInt = typeof value === 'number' && Number.isInteger(value);
  switch (dtype) {
    case 'boolean':
      if (typeof value === 'boolean') return value;
      break;
    case 'integer':
      if (isInt && (value as number) >= -(2 ** 31) && (value as number) < 2 ** 31) return value;
      break;
    case 'long':
      if (isInt) return value;
      break;
    case 'float':
      if (typeof value === 'number') return Math.fround(value);
      break;
    case 'double':
      if (typeof value === 'number') return value;
      break;
    case 'string':
      if (typeof value === 'string') return value;
      break;
    case 'binary':
      if (value instanceof Uint8Array) return value;
      if (typeof value === 'string') return Buffer.from(value, 'base64');
      break;
    case 'datetime': {
      const date = value instanceof Date ? value : new Date(String(value));
      if (typeof value !== 'number' && !Number.isNaN(date.getTime())) return date;
      throw new TypeEnforcementError(
        `Failed to convert value \`${valueText(value)}\` from type \`${pyClass(value)}\` to \`${dtype}\``,
      );
    }
  }
  throw new TypeEnforcementError(
    `Can not safely convert \`${pyClass(value)}\` to \`${dtype}\` for value \`${valueText(value)}\``,
  );
}

function enforceParam(value: unknown, spec: ParamSpec): unknown {
  const typeName = spec.type.type;
  if (spec.shape === null) {
    return typeName === 'object' ? enforceType(value, spec.type) : enforceParamScalar(value, typeName);
  }
  if (!Array.isArray(value)) {
    throw new TypeEnforcementError(
      `Value must be a 1D array with shape (-1,) for param '${spec.name}': ${typeName} (default: ${valueText(spec.default)}) (shape: (-1,)), received ${pythonTypeOf(value)}`,
    );
  }
  return value.map((item) =>
    typeName === 'object' ? enforceType(item, spec.type) : enforceParamScalar(item, typeName),
  );
}

/**
 * The params a model receives. `warn` hears about ignored params.
 *
 * @example
 * enforceParams({ temperature: 1 }, [{ name: 'temperature', type: { type: 'double' }, default: 0.7, shape: null }]);
 * // { temperature: 1 }
 */
export function enforceParams(
  params: unknown,
  schema: readonly ParamSpec[] | undefined,
  warn: (message: string) => void = () => {},
): Params | undefined {
  const empty =
    params === undefined || params === null || (typeof params === 'object' && Object.keys(params).length === 0);
  if (schema === undefined) {
    if (!empty) {
      warn(
        `\`params\` can only be specified at inference time if the model signature defines a params schema. This model does not define a params schema. Ignoring provided params: ${JSON.stringify(params)}`,
      );
    }
    return undefined;
  }
  if (params !== undefined && params !== null && (typeof params !== 'object' || Array.isArray(params))) {
    throw invalidParameter(`Parameters must be a dictionary. Got type '${pythonTypeOf(params)}'.`);
  }
  const given = (params ?? {}) as Record<string, unknown>;
  const allowed = new Set(schema.map((p) => p.name));
  const ignored = Object.keys(given).filter((k) => !allowed.has(k));
  if (ignored.length > 0) {
    warn(
      `Unrecognized params ${JSON.stringify(ignored)} are ignored for inference. Supported params are: ${JSON.stringify([...allowed])}. To enable them, please add corresponding schema in ModelSignature.`,
    );
  }
  const out: Record<string, unknown> = {};
  const invalid: string[] = [];
  for (const spec of schema) {
    if (!Object.hasOwn(given, spec.name)) {
      out[spec.name] = spec.default;
      continue;
    }
    try {
      out[spec.name] = enforceParam(given[spec.name], spec);
    } catch (error) {
      if (!(error instanceof TypeEnforcementError)) throw error;
      invalid.push(`('${spec.name}', '${error.message}')`);
    }
  }
  if (invalid.length > 0) throw invalidParameter(`Invalid parameters found: {${invalid.join(', ')}}`);
  return out;
}
