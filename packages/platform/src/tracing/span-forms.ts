/**
 * The stored span dictionary (MLflow's `traces.json` form) in the other shapes clients read:
 * the trace data document the UI downloads, and OpenTelemetry's protobuf JSON form that
 * MLflow's `Trace` message carries in `batchGet` answers.
 */
import type { OtlpKeyValue, OtlpSpan } from '@keel/contract';
import { jsonString } from '../store/python-format.js';
import type { StoredSpan } from '../store/trace-store.js';

/** `traces.json` of a trace whose spans are in the store: `{"spans": [...]}`, times exact. */
export function traceDataDocument(spans: readonly StoredSpan[]): string {
  return pythonJsonText(`{"spans":[${spans.join(',')}]}`);
}

/** Nanosecond integers past 2^53 are read as strings, so no digit is lost. */
function parseExact(text: string): Record<string, unknown> {
  return JSON.parse(text.replace(/("(?:start_time_unix_nano|end_time_unix_nano|time_unix_nano)":\s*)(\d+)/g, '$1"$2"'));
}

function anyValue(value: unknown): Record<string, unknown> {
  if (typeof value === 'string') return { string_value: value };
  if (typeof value === 'boolean') return { bool_value: value };
  if (typeof value === 'number')
    return Number.isInteger(value) ? { int_value: String(value) } : { double_value: value };
  if (Array.isArray(value)) return { array_value: { values: value.map(anyValue) } };
  if (value !== null && typeof value === 'object') {
    return {
      kvlist_value: { values: Object.entries(value).map(([key, item]) => ({ key, value: anyValue(item) })) },
    };
  }
  return {};
}

function keyValues(map: unknown, encode: (value: unknown) => Record<string, unknown>): OtlpKeyValue[] {
  if (map === null || typeof map !== 'object') return [];
  return Object.entries(map).map(([key, value]) => ({ key, value: encode(value) }));
}

/**
 * One stored span as an OpenTelemetry span in protobuf JSON with protobuf field names. Span
 * attributes stay MLflow's JSON text (`string_value`), which MLflow clients decode.
 */
export function toOtlpSpan(stored: StoredSpan): OtlpSpan {
  const dict = parseExact(stored);
  const status = (dict.status ?? {}) as { code?: string; message?: string };
  const out: Record<string, unknown> = {
    trace_id: dict.trace_id,
    span_id: dict.span_id,
    name: dict.name,
    start_time_unix_nano: String(dict.start_time_unix_nano ?? '0'),
  };
  if (typeof dict.parent_span_id === 'string' && dict.parent_span_id !== '') out.parent_span_id = dict.parent_span_id;
  if (dict.end_time_unix_nano !== null && dict.end_time_unix_nano !== undefined) {
    out.end_time_unix_nano = String(dict.end_time_unix_nano);
  }
  out.attributes = keyValues(dict.attributes, (value) => ({ string_value: String(value) }));
  out.events = ((dict.events ?? []) as { name?: string; time_unix_nano?: unknown; attributes?: unknown }[]).map(
    (event) => ({
      time_unix_nano: String(event.time_unix_nano ?? '0'),
      name: event.name ?? '',
      attributes: keyValues(event.attributes, anyValue),
    }),
  );
  out.status = status.message
    ? { code: status.code ?? 'STATUS_CODE_UNSET', message: status.message }
    : { code: status.code ?? 'STATUS_CODE_UNSET' };
  return out as unknown as OtlpSpan;
}

const STRING_LITERAL = /"(?:[^"\\]|\\.)*"/y;
const OTHER_TOKEN = /[^\s",:[\]{}]+/y;

/**
 * JSON text re-written as Python's `json.dumps` writes it (`", "` and `": "` separators, ASCII
 * only), the form MLflow serves trace data in. Number literals are copied as written, so
 * nanosecond times keep every digit.
 */
export function pythonJsonText(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const char = text[i] as string;
    if (char === '"') {
      STRING_LITERAL.lastIndex = i;
      const match = STRING_LITERAL.exec(text);
      if (match === null) throw new Error('Unterminated string in JSON text');
      out += jsonString(JSON.parse(match[0]) as string);
      i += match[0].length;
    } else if (char === ',') {
      out += ', ';
      i++;
    } else if (char === ':') {
      out += ': ';
      i++;
    } else if (char === '[' || char === ']' || char === '{' || char === '}') {
      out += char;
      i++;
    } else if (/\s/.test(char)) {
      i++;
    } else {
      OTHER_TOKEN.lastIndex = i;
      const match = OTHER_TOKEN.exec(text) as RegExpExecArray;
      out += match[0];
      i += match[0].length;
    }
  }
  return out;
}
