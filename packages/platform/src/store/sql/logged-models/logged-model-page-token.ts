/**
 * Page tokens of logged-model search in MLflow's reference format: base64 of the Python
 * `json.dumps` of `{"experiment_ids", "filter_string", "order_by", "offset"}`. A token only
 * resumes the search it came from; one reused with other experiments, filter or order is refused
 * with MLflow's messages.
 */
import { invalidParameter } from '@keel/contract';
import { exceedsJsonDepth, MAX_JSON_DEPTH } from '../../bounded-json.js';
import { type PythonValue, pythonJsonDumps, pythonRepr, pythonStr } from '../../python-format.js';

/** One `order_by` entry of a search request. */
export interface LoggedModelOrderBy {
  readonly field_name: string;
  readonly ascending?: boolean;
  readonly dataset_name?: string;
  readonly dataset_digest?: string;
}

/** The request fields a token is bound to. */
export interface LoggedModelSearchKey {
  readonly experiment_ids: readonly string[];
  readonly filter?: string;
  readonly order_by?: readonly LoggedModelOrderBy[];
}

interface TokenState {
  readonly experiment_ids: PythonValue;
  readonly filter_string: PythonValue;
  readonly order_by: PythonValue;
}

/** The request as MLflow's handler hands it to the store: protobuf defaults filled in, empties as None. */
function stateOf(key: LoggedModelSearchKey): TokenState {
  const orderBy = key.order_by ?? [];
  return {
    experiment_ids: [...key.experiment_ids],
    filter_string: key.filter ? key.filter : null,
    order_by:
      orderBy.length === 0
        ? null
        : orderBy.map((ob) => ({
            field_name: ob.field_name,
            ascending: ob.ascending ?? true,
            dataset_name: ob.dataset_name ?? '',
            dataset_digest: ob.dataset_digest ?? '',
          })),
  };
}

/** JSON with sorted object keys: Python compares dicts regardless of key order. */
function canonical(value: PythonValue): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const entries = Object.entries(value as { [key: string]: PythonValue }).sort(([a], [b]) => (a < b ? -1 : 1));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
}

/** Encodes the token that resumes `key` at `offset`. */
export function encodeLoggedModelPageToken(key: LoggedModelSearchKey, offset: number): string {
  const state = stateOf(key);
  const json = pythonJsonDumps({
    experiment_ids: state.experiment_ids,
    filter_string: state.filter_string,
    order_by: state.order_by,
    offset,
  });
  return Buffer.from(json, 'utf8').toString('base64');
}

function decodeJson(token: string): { [key: string]: PythonValue } {
  const fail = (reason: string) => invalidParameter(`Invalid page token: ${token}. ${reason}`);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(token) || token.length % 4 !== 0) throw fail('It is not valid base64.');
  let parsed: unknown;
  try {
    const text = Buffer.from(token, 'base64').toString('utf8');
    if (exceedsJsonDepth(text)) throw new Error(`It is nested more than ${MAX_JSON_DEPTH} levels deep.`);
    parsed = JSON.parse(text);
  } catch (error) {
    throw fail((error as Error).message);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw fail('Expected a JSON object.');
  return parsed as { [key: string]: PythonValue };
}

/**
 * Checks that `token` belongs to the search `key` and returns the offset it resumes at.
 * Garbage and tokens of another search -> INVALID_PARAMETER_VALUE.
 */
export function decodeLoggedModelPageToken(token: string, key: LoggedModelSearchKey): number {
  const json = decodeJson(token);
  const expected = stateOf(key);
  // Mirrors MLflow's decode: an absent or empty filter or order becomes None.
  const order = json.order_by;
  const found: TokenState = {
    experiment_ids: json.experiment_ids ?? null,
    filter_string: json.filter_string || null,
    order_by: Array.isArray(order) && order.length === 0 ? null : (order ?? null),
  };
  if (canonical(found.experiment_ids) !== canonical(expected.experiment_ids)) {
    throw invalidParameter(
      `Experiment IDs in the page token do not match the requested experiment IDs. Expected: ${pythonStr(expected.experiment_ids)}. Found: ${pythonStr(found.experiment_ids)}`,
    );
  }
  if (canonical(found.filter_string) !== canonical(expected.filter_string)) {
    throw invalidParameter(
      `Filter string in the page token does not match the requested filter string. Expected: ${pythonStr(expected.filter_string)}. Found: ${pythonStr(found.filter_string)}`,
    );
  }
  if (canonical(found.order_by) !== canonical(expected.order_by)) {
    throw invalidParameter(
      `Order by in the page token does not match the requested order by. Expected: ${pythonStr(expected.order_by)}. Found: ${pythonStr(found.order_by)}`,
    );
  }
  const offset = json.offset ?? 0;
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) {
    throw invalidParameter(`Invalid page token: ${token}. The offset ${pythonRepr(offset)} is not a valid offset.`);
  }
  return offset;
}
