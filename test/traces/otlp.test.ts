// OTLP ingest over HTTP: export requests produced by the OpenTelemetry JS SDK and serialised by
// @opentelemetry/otlp-transformer (protobuf and JSON, plain and gzip), read back as trace infos,
// spans (batchGet, get) and trace data, plus every refusal: garbage, empty, oversized, missing
// header, unknown experiment, wrong Content-Type.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { startTestServer, type TestServer } from '@keel/platform/testing';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { call, expectError as failed, expectOk as ok } from '../support/http.js';

const V3 = '/api/3.0/mlflow';

/** Records one trace with the real SDK: a root span, a child with an event, and an attribute map. */
async function recordTrace(
  name: string,
  options: { error?: boolean; childOnly?: boolean } = {},
): Promise<ReadableSpan[]> {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const tracer = provider.getTracer('keel-test', '1.0.0');
  const root = tracer.startSpan(name, { attributes: { 'mlflow.spanType': 'AGENT', question: 'What is 2+2?' } });
  const context = (await import('@opentelemetry/api')).trace.setSpan(
    (await import('@opentelemetry/api')).context.active(),
    root,
  );
  const child = tracer.startSpan('llm', { attributes: { 'mlflow.spanType': '"LLM"', tokens: 12 } }, context);
  child.addEvent('token', { index: 1 });
  child.end();
  if (options.error) root.setStatus({ code: 2, message: 'boom' });
  root.end();
  await provider.forceFlush();
  const spans = exporter.getFinishedSpans();
  return options.childOnly ? spans.filter((s) => s.name === 'llm') : spans;
}

/** Bytes as a fetch body (the DOM typings want an ArrayBuffer-backed view). */
function asBody(body: Uint8Array | string): BodyInit {
  return body as unknown as BodyInit;
}

function hexTraceId(spans: readonly ReadableSpan[]): string {
  return `tr-${spans[0]?.spanContext().traceId}`;
}

describe('OTLP trace ingest (POST /v1/traces)', () => {
  let keel: TestServer;
  let url: string;
  let exp: string;

  before(async () => {
    keel = await startTestServer();
    url = keel.url;
    exp = ok(await call(url, 'POST', 'experiments/create', { name: 'otlp' })).experiment_id;
  });
  after(() => keel.close());

  const post = (body: Uint8Array | string, headers: Record<string, string>) =>
    fetch(`${url}/v1/traces`, {
      method: 'POST',
      body: asBody(body),
      headers: { 'x-mlflow-experiment-id': exp, ...headers },
    });

  it('stores protobuf exports as spans of their traces and answers an empty protobuf response', async () => {
    const spans = await recordTrace('agent');
    const res = await post(ProtobufTraceSerializer.serializeRequest(spans) as Uint8Array, {
      'content-type': 'application/x-protobuf',
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/x-protobuf');
    assert.equal((await res.arrayBuffer()).byteLength, 0);

    const id = hexTraceId(spans);
    const info = ok(await call(url, 'GET', `${V3}/traces/${id}`)).trace.trace_info;
    assert.equal(info.state, 'OK');
    assert.deepEqual(info.trace_location.mlflow_experiment, { experiment_id: exp });
    assert.match(info.execution_duration, /^\d+(\.\d{3})?s$/);

    const { traces } = ok(await call(url, 'GET', `${V3}/traces/batchGet`, { trace_ids: [id, 'tr-unknown'] }));
    assert.equal(traces.length, 1);
    const stored = traces[0].spans as {
      name: string;
      parent_span_id?: string;
      attributes: { key: string; value: { string_value: string } }[];
      events: unknown[];
      start_time_unix_nano: string;
    }[];
    assert.deepEqual(stored.map((s) => s.name).sort(), ['agent', 'llm']);
    const root = stored.find((s) => s.name === 'agent');
    const child = stored.find((s) => s.name === 'llm');
    assert.equal(root?.parent_span_id, undefined);
    assert.ok(child?.parent_span_id);
    const attribute = (span: typeof root, key: string) =>
      span?.attributes.find((a) => a.key === key)?.value.string_value;
    // Plain strings become JSON text; values already JSON-encoded (as MLflow clients send them) are kept.
    assert.equal(attribute(root, 'mlflow.spanType'), '"AGENT"');
    assert.equal(attribute(child, 'mlflow.spanType'), '"LLM"');
    assert.equal(attribute(child, 'tokens'), '12');
    assert.equal(attribute(root, 'mlflow.traceRequestId'), JSON.stringify(id));
    assert.equal(child?.events.length, 1);
    assert.match(String(root?.start_time_unix_nano), /^\d{19}$/);
    const single = ok(await call(url, 'GET', `${V3}/traces/get`, { trace_id: id })).trace;
    assert.equal(single.spans.length, 2);

    // The UI's trace data comes from the span table when no traces.json was uploaded.
    const data = await fetch(`${url}/ajax-api/2.0/mlflow/get-trace-artifact?request_id=${id}`);
    assert.equal(data.status, 200);
    const document = JSON.parse(await data.text()) as { spans: { name: string; attributes: Record<string, string> }[] };
    assert.deepEqual(document.spans.map((s) => s.name).sort(), ['agent', 'llm']);
    assert.equal(
      document.spans.find((s) => s.name === 'agent')?.attributes['mlflow.traceRequestId'],
      JSON.stringify(id),
    );

    const bySpan = ok(
      await call(url, 'POST', `${V3}/traces/search`, {
        locations: [{ type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: exp } }],
        filter: "span.name = 'llm'",
      }),
    );
    assert.ok(bySpan.traces.some((t: { trace_id: string }) => t.trace_id === id));
  });

  it('accepts OTLP/JSON and gzip bodies, and batches holding several traces', async () => {
    const first = await recordTrace('json-trace', { error: true });
    const json = await post(JsonTraceSerializer.serializeRequest(first) as Uint8Array, {
      'content-type': 'application/json',
    });
    assert.equal(json.status, 200);
    assert.equal(await json.text(), '{}');
    assert.equal(ok(await call(url, 'GET', `${V3}/traces/${hexTraceId(first)}`)).trace.trace_info.state, 'ERROR');

    const a = await recordTrace('gz-a');
    const b = await recordTrace('gz-b', { childOnly: true });
    const body = gzipSync(ProtobufTraceSerializer.serializeRequest([...a, ...b]) as Uint8Array);
    const gz = await post(body, { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' });
    assert.equal(gz.status, 200);
    assert.equal(ok(await call(url, 'GET', `${V3}/traces/${hexTraceId(a)}`)).trace.trace_info.state, 'OK');
    // Only a child span so far: the trace is still in progress.
    assert.equal(ok(await call(url, 'GET', `${V3}/traces/${hexTraceId(b)}`)).trace.trace_info.state, 'IN_PROGRESS');
  });

  it('refuses what is not an export request with MLflow-shaped 400s, storing nothing', async () => {
    const detail = async (res: Response, status: number) => {
      assert.equal(res.status, status);
      return ((await res.json()) as { detail: unknown }).detail;
    };
    const proto = { 'content-type': 'application/x-protobuf' };
    assert.equal(await detail(await post('not a protobuf', proto), 400), 'Invalid OpenTelemetry protobuf format');
    assert.equal(
      await detail(await post(new Uint8Array(), proto), 400),
      'Invalid OpenTelemetry protobuf format - no spans found',
    );
    assert.match(
      String(await detail(await post('{"resourceSpans": 3}', { 'content-type': 'application/json' }), 400)),
      /JSON format/,
    );
    assert.match(String(await detail(await post('{', { 'content-type': 'application/json' }), 400)), /JSON format/);
    assert.match(String(await detail(await post('x', { 'content-type': 'text/plain' }), 400)), /^Invalid Content-Type/);
    assert.match(
      String(await detail(await post('x', { ...proto, 'content-encoding': 'br' }), 400)),
      /Unsupported Content-Encoding/,
    );
    assert.match(String(await detail(await post('x', { ...proto, 'content-encoding': 'gzip' }), 400)), /gzip/);
    // A zip bomb: small on the wire, over the limit once inflated.
    const bomb = gzipSync(Buffer.alloc(40 * 1024 * 1024));
    assert.match(String(await detail(await post(bomb, { ...proto, 'content-encoding': 'gzip' }), 413)), /larger than/);
    const huge = Buffer.alloc(33 * 1024 * 1024, 0x0a);
    assert.equal(await detail(await post(huge, proto), 413), `Request body is larger than ${32 * 1024 * 1024} bytes.`);

    const spans = await recordTrace('unknown-experiment');
    const bytes = ProtobufTraceSerializer.serializeRequest(spans) as Uint8Array;
    const noHeader = await fetch(`${url}/v1/traces`, { method: 'POST', body: asBody(bytes), headers: proto });
    assert.deepEqual(await detail(noHeader, 422), [
      { loc: ['header', 'x-mlflow-experiment-id'], msg: 'field required', type: 'value_error.missing' },
    ]);
    const unknown = await fetch(`${url}/v1/traces`, {
      method: 'POST',
      body: asBody(bytes),
      headers: { ...proto, 'x-mlflow-experiment-id': '999999' },
    });
    assert.equal(await detail(unknown, 422), 'Cannot store OpenTelemetry spans: No Experiment with id=999999 exists');
    failed(await call(url, 'GET', `${V3}/traces/${hexTraceId(spans)}`), 404, 'RESOURCE_DOES_NOT_EXIST');
  });

  it('is refused in artifacts-only mode', async () => {
    const proxy = await startTestServer({ artifactsOnly: true });
    try {
      const res = await fetch(`${proxy.url}/v1/traces`, {
        method: 'POST',
        body: 'x',
        headers: { 'content-type': 'application/x-protobuf' },
      });
      assert.equal(res.status, 503);
    } finally {
      await proxy.close();
    }
  });
});
