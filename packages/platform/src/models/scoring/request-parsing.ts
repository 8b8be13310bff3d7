/**
 * Turning an `/invocations` body into model input (models.md §8.1–§8.5): the JSON formats
 * `dataframe_split`, `dataframe_records`, `instances`, `inputs` (+ `params`), MLflow 3's unified
 * LLM requests, and CSV. Error texts are MLflow's scoring server's.
 */
import { badRequest, invalidParameter, MlflowError } from '@keel/contract';
import { parseCsvFrame } from '../data/csv.js';
import { DataFrame } from '../data/data-frame.js';
import { Tensor } from '../data/tensor.js';
import { pythonTypeOf } from '../data/values.js';
import {
  DATA_TYPES,
  hasInputNames,
  type ModelSignature,
  pyList,
  type Schema,
  type TensorSpec,
} from '../signature/schema.js';

/** A parsed request. `unified` requests are answered without the `{"predictions": ...}` wrapper. */
export interface ParsedRequest {
  readonly input: unknown;
  readonly params?: unknown;
  readonly unified: boolean;
}

const FORMATS = ['dataframe_split', 'instances', 'inputs', 'dataframe_records'] as const;
const REQUIRED_INPUT_FORMAT = `The input must be a JSON dictionary with exactly one of the input fields {${FORMATS.map((f) => `'${f}'`).join(', ')}}`;
const SCORING_PROTOCOL_CHANGE_INFO =
  "IMPORTANT: The MLflow Model scoring protocol has changed in MLflow version 2.0. If you are seeing this error, you are likely using an outdated scoring request format. To resolve the error, either update your request format or adjust your MLflow Model's requirements file to specify an older version of MLflow (for example, change the 'mlflow' requirement specifier to 'mlflow==1.30.0'). If you are making a request using the MLflow client (e.g. via `mlflow.pyfunc.spark_udf()`), upgrade your MLflow client to a version >= 2.0 in order to use the new request format. For more information about the updated MLflow Model scoring protocol in MLflow 2.0, see https://mlflow.org/docs/latest/models.html#deploy-mlflow-models.";

/** Exported for the 415 answers, which name the protocol change too. */
export { SCORING_PROTOCOL_CHANGE_INFO };

function invalidInput(message: string): MlflowError {
  return badRequest(`Invalid input. ${message}`);
}

/** Python's `<class 'int'>`. */
function pyClass(value: unknown): string {
  return `<class '${pythonTypeOf(value)}'>`;
}

function bounded(text: string, max = 1000): string {
  return text.length > max ? `${text.slice(0, max)}... (${text.length} characters)` : text;
}

/** Parses the JSON text of a request body into an object. */
export function decodeJsonBody(text: string): Record<string, unknown> {
  let decoded: unknown;
  try {
    decoded = JSON.parse(text);
  } catch (error) {
    throw invalidInput(
      `Ensure that input is a valid JSON formatted string. Error: '${(error as Error).message}'\nInput: \n${bounded(text)}\n`,
    );
  }
  if (Array.isArray(decoded)) throw invalidInput(`${REQUIRED_INPUT_FORMAT}. Received a list.`);
  if (typeof decoded !== 'object' || decoded === null) {
    throw invalidInput(`${REQUIRED_INPUT_FORMAT}. Received unexpected input type '${pyClass(decoded)}.`);
  }
  return decoded as Record<string, unknown>;
}

/** Whether a request is an LLM-style ("unified") request (§8.4). */
export function isUnifiedLlmInput(body: Readonly<Record<string, unknown>>): boolean {
  return 'messages' in body || 'prompt' in body || 'input' in body;
}

function dataFrameFromSplit(value: unknown): DataFrame {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidInput(
      `Dataframe split format must be a dictionary. Got ${Array.isArray(value) ? 'list' : `type ${pyClass(value)}`}.`,
    );
  }
  const split = value as Record<string, unknown>;
  const keys = Object.keys(split);
  if (!keys.includes('data') || keys.some((k) => !['columns', 'data', 'index'].includes(k))) {
    throw invalidInput(
      `Dataframe split format must have 'data' field and optionally 'columns' and 'index' fields. Got {${keys.map((k) => `'${k}'`).join(', ')}}.'`,
    );
  }
  try {
    const data = split.data;
    if (!Array.isArray(data)) throw new Error('DataFrame constructor not properly called!');
    const columns = split.columns;
    if (columns !== undefined && columns !== null && !Array.isArray(columns))
      throw new Error("'columns' must be a list");
    const names = Array.isArray(columns) ? columns.map(String) : undefined;
    if (Array.isArray(split.index) && split.index.length !== data.length) {
      throw new Error(
        `Shape of passed values is (${data.length}, ${names?.length ?? 0}), indices imply (${split.index.length}, ${names?.length ?? 0})`,
      );
    }
    if (data.length === 0) return DataFrame.fromColumns(Object.fromEntries((names ?? []).map((n) => [n, []])));
    return DataFrame.fromRows(data, names);
  } catch (error) {
    throw invalidInput(
      `Provided dataframe_split field is not a valid dataframe representation in 'split' format. Error: '${(error as Error).message}'`,
    );
  }
}

function dataFrameFromRecords(value: unknown): DataFrame {
  if (!Array.isArray(value)) {
    const what = typeof value === 'object' && value !== null ? 'dictionary' : `type ${pyClass(value)}`;
    throw invalidInput(`Dataframe records format must be a list of records. Got ${what}.`);
  }
  try {
    if (value.every((r) => typeof r === 'object' && r !== null && !Array.isArray(r))) {
      return DataFrame.fromRecords(value as Record<string, unknown>[]);
    }
    return DataFrame.fromRows(value);
  } catch (error) {
    throw invalidInput(
      `Provided dataframe_records field is not a valid dataframe representation in 'records' format. Error: '${(error as Error).message}'`,
    );
  }
}

function isDict(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function tensorSpecOf(schema: Schema | undefined, name: string | undefined): TensorSpec | undefined {
  if (schema?.kind !== 'tensors') return undefined;
  if (name === undefined) return schema.inputs[0];
  return schema.inputs.find((t) => t.name === name);
}

/** `np.array(value, dtype)`, with numpy's failures as MLflow's invalid-input errors. */
function toTensor(value: unknown, spec: TensorSpec | undefined): Tensor | unknown {
  if (value === null || (typeof value !== 'object' && spec === undefined)) return value;
  try {
    return Tensor.fromNested(value, spec?.dtype);
  } catch (error) {
    if (error instanceof MlflowError) throw invalidInput(error.message);
    throw error;
  }
}

/**
 * MLflow's `_cast_schema_type`: the value of `inputs` (or non-record `instances`) shaped for the
 * schema. Column schemas keep plain values for the enforcement to convert; tensor schemas and
 * schema-less models get tensors, as numpy arrays would be.
 */
function castSchemaType(value: unknown, schema: Schema | undefined): unknown {
  let data = value;
  if (schema !== undefined) {
    const named = hasInputNames(schema);
    if (named && schema.inputs.length === 1 && Array.isArray(data) && !data.some(isDict)) {
      data = { [schema.inputs[0]?.name as string]: data };
    } else if (!named && !(Array.isArray(data) || !isDict(data))) {
      throw invalidInput(
        `Failed to parse input data. This model contains an un-named  model signature which expects a single n-dimensional array or a single value as input, however, an input of type ${pyClass(data)} was found.`,
      );
    }
    if (schema.kind === 'columns') return data;
  }
  if (isDict(data)) {
    return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, toTensor(v, tensorSpecOf(schema, k))]));
  }
  if (Array.isArray(data)) {
    if (data.length > 0 && data.every(isDict)) return data;
    return toTensor(data, tensorSpecOf(schema, undefined));
  }
  return data;
}

function parseInstances(value: unknown, schema: Schema | undefined): unknown {
  if (Array.isArray(value) && value.length > 0 && isDict(value[0])) {
    const byName = new Map<string, unknown[]>();
    for (const item of value) {
      if (!isDict(item)) throw invalidInput('Every element of instances must be an object when the first one is.');
      for (const [key, v] of Object.entries(item)) {
        const column = byName.get(key);
        if (column === undefined) byName.set(key, [v]);
        else column.push(v);
      }
    }
    const columns = Object.fromEntries(byName);
    const lengths = new Set(Object.values(columns).map((c) => c.length));
    if (lengths.size > 1) throw invalidInput('The length of values for each input/column name are not the same');
    if (schema?.kind === 'columns') return columns;
    return Object.fromEntries(Object.entries(columns).map(([k, v]) => [k, toTensor(v, tensorSpecOf(schema, k))]));
  }
  return castSchemaType(value, schema);
}

/**
 * Parses an `application/json` request body.
 *
 * @example
 * parseJsonRequest('{"inputs": [[1, 2]]}', {}).input; // Tensor int64 [1, 2]
 */
export function parseJsonRequest(
  text: string,
  model: { readonly signature?: ModelSignature; readonly isSignatureFromTypeHint?: boolean },
): ParsedRequest {
  const body = decodeJsonBody(text);
  const schema = model.signature?.inputs;
  if (isUnifiedLlmInput(body)) {
    const paramNames = new Set((model.signature?.params ?? []).map((p) => p.name));
    const input: Record<string, unknown> = {};
    const params: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(body)) (paramNames.has(key) ? params : input)[key] = value;
    return { input, params, unified: true };
  }
  const present: (typeof FORMATS)[number][] = [];
  for (const format of FORMATS) if (Object.hasOwn(body, format)) present.push(format);
  const params = body.params;
  if (model.isSignatureFromTypeHint === true) {
    if (!present.includes('inputs')) {
      throw invalidParameter(
        `Request payload must be a dictionary with 'inputs' key when the model contains a valid type hint. Found keys in payload: dict_keys(${pyList(present)}).`,
      );
    }
    return { input: body.inputs, params, unified: false };
  }
  if (present.length !== 1) {
    throw badRequest(
      `${REQUIRED_INPUT_FORMAT}. Received dictionary with input fields: ${pyList(present)}. ${SCORING_PROTOCOL_CHANGE_INFO}`,
    );
  }
  const format = present[0] as (typeof FORMATS)[number];
  const value = body[format];
  switch (format) {
    case 'dataframe_split':
      return { input: dataFrameFromSplit(value), params, unified: false };
    case 'dataframe_records':
      return { input: dataFrameFromRecords(value), params, unified: false };
    case 'instances':
      return { input: parseInstances(value, schema), params, unified: false };
    default:
      return { input: castSchemaType(value, schema), params, unified: false };
  }
}

/** The declared scalar type of each CSV column a schema names (pandas' `read_csv(dtype=...)`). */
export function csvColumnTypes(schema: Schema | undefined, header?: readonly string[]): Map<string, string> {
  const types = new Map<string, string>();
  if (schema === undefined) return types;
  const scalar = (t: string) => (DATA_TYPES as readonly string[]).includes(t);
  if (schema.kind === 'columns') {
    if (hasInputNames(schema)) {
      for (const c of schema.inputs) if (scalar(c.type.type)) types.set(c.name as string, c.type.type);
    } else if (header !== undefined) {
      schema.inputs.forEach((c, i) => {
        if (i < header.length && scalar(c.type.type)) types.set(header[i] as string, c.type.type);
      });
    }
  }
  return types;
}

/** Parses a `text/csv` request body (no params). */
export function parseCsvRequest(text: string, signature?: ModelSignature): ParsedRequest {
  const firstLine = text.slice(0, text.indexOf('\n') < 0 ? text.length : text.indexOf('\n'));
  const header = firstLine.replace(/\r$/, '').split(',');
  return { input: parseCsvFrame(text, csvColumnTypes(signature?.inputs, header)), unified: false };
}
