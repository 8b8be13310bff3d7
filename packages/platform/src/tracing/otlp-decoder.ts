/**
 * Decodes OTLP trace export requests (protobuf, or the OTLP/JSON encoding) into the spans the
 * trace store keeps. Protobuf is decoded by the protobufjs definitions compiled from the
 * opentelemetry-proto files (shipped by `@opentelemetry/otlp-proto-exporter-base`); JSON is
 * converted by the same definitions after OTLP/JSON's hex ids are turned into bytes.
 * The module is loaded with `import()` by the ingest route, so servers that never receive
 * spans never parse the definitions.
 */
import { createRequire } from 'node:module';
import type { SpanRecord } from '../store/trace-store.js';

/** A 64-bit integer as protobufjs decodes it (a `Long`), or a plain number/string. */
type Int64 = { toString(): string } | number | string;

interface AnyValue {
  stringValue?: string | null;
  boolValue?: boolean | null;
  intValue?: Int64 | null;
  doubleValue?: number | null;
  arrayValue?: { values?: AnyValue[] | null } | null;
  kvlistValue?: { values?: KeyValue[] | null } | null;
  bytesValue?: Uint8Array | null;
}
interface KeyValue {
  key?: string | null;
  value?: AnyValue | null;
}
interface OtlpSpan {
  traceId?: Uint8Array | null;
  spanId?: Uint8Array | null;
  parentSpanId?: Uint8Array | null;
  name?: string | null;
  startTimeUnixNano?: Int64 | null;
  endTimeUnixNano?: Int64 | null;
  attributes?: KeyValue[] | null;
  events?: { timeUnixNano?: Int64 | null; name?: string | null; attributes?: KeyValue[] | null }[] | null;
  status?: { code?: number | string | null; message?: string | null } | null;
}
interface ExportRequest {
  resourceSpans?: { scopeSpans?: { spans?: OtlpSpan[] | null }[] | null }[] | null;
}
interface RequestType {
  decode(buffer: Uint8Array): ExportRequest;
  fromObject(value: object): ExportRequest;
}

const require = createRequire(import.meta.url);
const root = require('@opentelemetry/otlp-proto-exporter-base/build/src/generated/root.js') as {
  opentelemetry: { proto: { collector: { trace: { v1: { ExportTraceServiceRequest: RequestType } } } } };
};
const ExportTraceServiceRequest = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

/** Why a body could not be read; the route answers 400 with MLflow's `{"detail": ...}`. */
export class OtlpFormatError extends Error {
  override readonly name = 'OtlpFormatError';
}

/** MLflow's span attribute holding the trace id (JSON-encoded, like every MLflow attribute). */
const REQUEST_ID_ATTRIBUTE = 'mlflow.traceRequestId';
const SPAN_TYPE_ATTRIBUTE = 'mlflow.spanType';
const STATUS_CODES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'] as const;

/** A view of `bytes` as a Buffer (protobufjs already hands out Buffers on Node: no copy then). */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function base64(bytes: Uint8Array): string {
  return asBuffer(bytes).toString('base64');
}

const TWO_TO_32 = 2 ** 32;

/** Decimal text of an unsigned 64-bit integer from its two 32-bit halves (exact past 2^53). */
function unsignedDecimal(high: number, low: number): string {
  if (high < 0x200000) return String(high * TWO_TO_32 + low);
  return ((BigInt(high) << 32n) | BigInt(low)).toString();
}

/** A protobufjs `Long`: a 64-bit integer as two 32-bit halves. */
interface LongBits {
  readonly low: number;
  readonly high: number;
  readonly unsigned: boolean;
}

function isLong(value: object): value is LongBits {
  return typeof (value as LongBits).low === 'number' && typeof (value as LongBits).high === 'number';
}

function nanos(value: Int64 | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  let text: string;
  // fixed64 times decode to unsigned Longs: their digits are exact without Long's slow toString.
  if (typeof value === 'object' && isLong(value) && (value.unsigned || value.high >= 0)) {
    text = unsignedDecimal(value.high >>> 0, value.low >>> 0);
  } else {
    text = value.toString();
    if (!/^\d+$/.test(text)) throw new OtlpFormatError(`Invalid OpenTelemetry span time: ${text}`);
    text = text.replace(/^0+(?=\d)/, '');
  }
  return text === '0' ? undefined : text;
}

/** The plain JSON value of an OTLP `AnyValue` (int64 as a number when exact, else text). */
function plainValue(value: AnyValue | null | undefined): unknown {
  if (value === null || value === undefined) return null;
  if (value.stringValue !== undefined && value.stringValue !== null) return value.stringValue;
  if (value.boolValue !== undefined && value.boolValue !== null) return value.boolValue;
  if (value.intValue !== undefined && value.intValue !== null) {
    const n = Number(value.intValue.toString());
    return Number.isSafeInteger(n) ? n : value.intValue.toString();
  }
  if (value.doubleValue !== undefined && value.doubleValue !== null) return value.doubleValue;
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(plainValue);
  if (value.kvlistValue) {
    const out: Record<string, unknown> = {};
    for (const kv of value.kvlistValue.values ?? []) out[kv.key ?? ''] = plainValue(kv.value);
    return out;
  }
  if (value.bytesValue) return base64(value.bytesValue);
  return null;
}

/**
 * An attribute value in MLflow's stored form: JSON text. MLflow clients send their attributes
 * already JSON-encoded, so a string that is valid JSON is kept; other strings and typed values
 * are encoded.
 */
function storedAttribute(value: AnyValue | null | undefined): string {
  const plain = plainValue(value);
  if (typeof plain === 'string') return looksLikeJson(plain) ? plain : JSON.stringify(plain);
  return JSON.stringify(plain);
}

/**
 * Whether `text` is a JSON string literal without escapes (`"AGENT"`, the common MLflow
 * attribute): decided by one scan, with no parse and no allocation.
 */
function isSimpleJsonString(text: string): boolean {
  const last = text.length - 1;
  if (last < 1 || text.charCodeAt(0) !== 0x22 || text.charCodeAt(last) !== 0x22) return false;
  for (let i = 1; i < last; i++) {
    const c = text.charCodeAt(i);
    // A quote or backslash inside, or a control character, needs the full parser.
    if (c === 0x22 || c === 0x5c || c < 0x20) return false;
  }
  return true;
}

/** Whether `text` is JSON; the first character rules most strings out without a parse (and its exception). */
function looksLikeJson(text: string): boolean {
  if (isSimpleJsonString(text)) return true;
  const first = text.charCodeAt(0);
  // '"', '{', '[', '-', a digit, or the start of true/false/null.
  const candidate =
    first === 0x22 ||
    first === 0x7b ||
    first === 0x5b ||
    first === 0x2d ||
    (first >= 0x30 && first <= 0x39) ||
    first === 0x74 ||
    first === 0x66 ||
    first === 0x6e;
  if (!candidate) return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function attributeMap(list: KeyValue[] | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of list ?? []) if (kv.key) out[kv.key] = storedAttribute(kv.value);
  return out;
}

function statusCode(code: number | string | null | undefined): (typeof STATUS_CODES)[number] {
  if (typeof code === 'string')
    return (STATUS_CODES as readonly string[]).includes(code) ? (code as never) : 'STATUS_CODE_UNSET';
  return STATUS_CODES[code ?? 0] ?? 'STATUS_CODE_UNSET';
}

function spanType(attributes: Record<string, string>): string | undefined {
  const stored = attributes[SPAN_TYPE_ATTRIBUTE];
  if (stored === undefined) return undefined;
  if (isSimpleJsonString(stored)) return stored.slice(1, -1);
  try {
    const value = JSON.parse(stored);
    return typeof value === 'string' ? value : stored;
  } catch {
    return stored;
  }
}

/** The forms of one trace id, computed once for the run of spans that share it. */
interface TraceIdForms {
  readonly bytes: Buffer;
  /** `tr-<hex>`, the MLflow trace id. */
  readonly mlflowId: string;
  /** The base64 id as a JSON string (the span dictionary's `trace_id`). */
  readonly base64Json: string;
  /** The MLflow trace id as a JSON-encoded attribute value. */
  readonly requestIdAttribute: string;
}

/** Spans of a trace travel together in an export: the last trace id's forms are reused. */
class TraceIds {
  private last: TraceIdForms | undefined;

  of(traceId: Uint8Array): TraceIdForms {
    const bytes = asBuffer(traceId);
    const last = this.last;
    if (last?.bytes.equals(bytes)) return last;
    const mlflowId = `tr-${bytes.toString('hex')}`;
    const forms = {
      bytes,
      mlflowId,
      base64Json: `"${bytes.toString('base64')}"`,
      requestIdAttribute: JSON.stringify(mlflowId),
    };
    this.last = forms;
    return forms;
  }
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function eventJson(event: NonNullable<OtlpSpan['events']>[number]): string {
  const attributes: Record<string, unknown> = {};
  for (const kv of event.attributes ?? []) if (kv.key) attributes[kv.key] = plainValue(kv.value);
  return `{"name":${JSON.stringify(event.name ?? '')},"time_unix_nano":${nanos(event.timeUnixNano) ?? '0'},"attributes":${JSON.stringify(attributes)}}`;
}

/**
 * One OTLP span as the store keeps it: MLflow's span dictionary (the `traces.json` form, ids in
 * base64, attribute values as JSON text) plus the columns searches use. The dictionary is
 * written once, here, as the text the store keeps and the API returns.
 */
function toSpanRecord(span: OtlpSpan, traceIds: TraceIds): SpanRecord {
  const traceId = span.traceId;
  const spanId = span.spanId;
  if (traceId?.length !== 16) throw new OtlpFormatError('Invalid OpenTelemetry span: trace_id must be 16 bytes');
  if (spanId?.length !== 8) throw new OtlpFormatError('Invalid OpenTelemetry span: span_id must be 8 bytes');
  const parent = span.parentSpanId && span.parentSpanId.length > 0 ? asBuffer(span.parentSpanId) : undefined;
  if (parent !== undefined && parent.length !== 8) {
    throw new OtlpFormatError('Invalid OpenTelemetry span: parent_span_id must be 8 bytes');
  }
  const trace = traceIds.of(traceId);
  const spanBytes = asBuffer(spanId);
  const start = nanos(span.startTimeUnixNano) ?? '0';
  const end = nanos(span.endTimeUnixNano);
  const attributes = attributeMap(span.attributes);
  attributes[REQUEST_ID_ATTRIBUTE] ??= trace.requestIdAttribute;
  const code = statusCode(span.status?.code);
  const events = span.events && span.events.length > 0 ? span.events.map(eventJson).join(',') : '';
  const name = span.name ?? '';
  const message = span.status?.message;
  // Written by hand: the nanosecond times are integers past 2^53, which JSON.stringify cannot hold.
  const content =
    `{"trace_id":${trace.base64Json},"span_id":"${spanBytes.toString('base64')}",` +
    `"parent_span_id":${parent === undefined ? 'null' : `"${parent.toString('base64')}"`},` +
    `"name":${JSON.stringify(name)},"start_time_unix_nano":${start},` +
    `"end_time_unix_nano":${end ?? 'null'},"events":[${events}],` +
    `"status":{"code":"${code}","message":${message ? JSON.stringify(message) : '""'}},` +
    `"attributes":${JSON.stringify(attributes)}}`;
  const record: Mutable<SpanRecord> = {
    trace_id: trace.mlflowId,
    span_id: spanBytes.toString('hex'),
    name,
    status: code === 'STATUS_CODE_OK' ? 'OK' : code === 'STATUS_CODE_ERROR' ? 'ERROR' : 'UNSET',
    start_time_unix_nano: start,
    content,
  };
  if (parent !== undefined) record.parent_span_id = parent.toString('hex');
  const type = spanType(attributes);
  if (type !== undefined) record.type = type;
  if (end !== undefined) record.end_time_unix_nano = end;
  return record;
}

function spansOf(request: ExportRequest): SpanRecord[] {
  const out: SpanRecord[] = [];
  const traceIds = new TraceIds();
  for (const resource of request.resourceSpans ?? []) {
    for (const scope of resource.scopeSpans ?? []) {
      for (const span of scope.spans ?? []) out.push(toSpanRecord(span, traceIds));
    }
  }
  return out;
}

/** What an export request held: its resource-span groups and the spans in them. */
export interface DecodedExport {
  readonly resourceSpanCount: number;
  readonly spans: readonly SpanRecord[];
}

/** Decodes a binary (`application/x-protobuf`) export request. */
export function decodeProtobufExport(body: Uint8Array): DecodedExport {
  let request: ExportRequest;
  try {
    request = ExportTraceServiceRequest.decode(body);
  } catch {
    throw new OtlpFormatError('Invalid OpenTelemetry protobuf format');
  }
  return { resourceSpanCount: request.resourceSpans?.length ?? 0, spans: spansOf(request) };
}

const ID_FIELDS = ['traceId', 'spanId', 'parentSpanId'] as const;

/** OTLP/JSON writes ids as hex; the protobuf definitions take bytes. */
function idsToBytes(value: unknown, path: string): void {
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) idsToBytes(item, `${path}[${i}]`);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const record = value as Record<string, unknown>;
  for (const field of ID_FIELDS) {
    const id = record[field];
    if (typeof id === 'string') {
      if (id !== '' && !/^([0-9a-fA-F]{2})+$/.test(id)) {
        throw new OtlpFormatError(`Invalid OpenTelemetry JSON format: ${path}.${field} is not a hex string`);
      }
      record[field] = Buffer.from(id, 'hex');
    }
  }
  for (const [key, item] of Object.entries(record)) {
    if (!(ID_FIELDS as readonly string[]).includes(key)) idsToBytes(item, `${path}.${key}`);
  }
}

/** Decodes an OTLP/JSON (`application/json`) export request. */
export function decodeJsonExport(text: string): DecodedExport {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new OtlpFormatError('Invalid OpenTelemetry JSON format');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new OtlpFormatError('Invalid OpenTelemetry JSON format: the body must be a JSON object');
  }
  idsToBytes(parsed, '$');
  let request: ExportRequest;
  try {
    // fromObject, not verify: OTLP/JSON writes 64-bit integers as strings, which verify refuses.
    request = ExportTraceServiceRequest.fromObject(parsed);
  } catch (error) {
    throw new OtlpFormatError(`Invalid OpenTelemetry JSON format: ${(error as Error).message}`);
  }
  return { resourceSpanCount: request.resourceSpans?.length ?? 0, spans: spansOf(request) };
}
