// Trace ingest and trace search, end to end over HTTP against the built `keel` server (a child
// process on a fresh store, default `durable` writes):
//   1. OTLP ingest: N traces of M spans made by the OpenTelemetry SDK, serialised to protobuf by
//      @opentelemetry/otlp-transformer (bodies built before the clock starts), POSTed to
//      /v1/traces by --senders concurrent senders, --batch spans per request (whole traces).
//      Reports spans/s (wall), the server's CPU (user/system, ms per 1,000 spans: the
//      load-independent figure) and this client's own CPU, so a client-bound run shows itself.
//   2. Trace infos: the StartTraceV3 call the MLflow client sends after the spans (tags,
//      metadata), so searches have tags to filter on. The first --http-infos traces go over HTTP
//      (calls/s reported); the rest are written through the store directly, to save time.
//   3. Search: p50/p95/p99 of POST /api/3.0/mlflow/traces/search over all N traces for several
//      filter shapes (newest first, by status, by time, by tag, by span name, second page),
//      queries one at a time, with the server's CPU per query.
// Usage (build the bundle first: `npm run build`):
//   node --conditions=keel-source --import tsx bench/traces-bench.ts [--traces 100000] [--spans 10]
//        [--batch 500] [--senders 4] [--queries 200] [--backend-store-uri <uri>] [--http-infos 5000]
//        [--phases ingest,infos,search] [--server-bin <keel.js of another build, for A/B>]
//        [--server-cpu-prof <dir for the server's --cpu-prof profile>]
// The machine's load average is printed before and after: other work on the host slows every
// wall-clock figure (not the CPU per 1,000 spans, much).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { openStores } from '@keel/platform';
import { context, trace } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';

const { values } = parseArgs({
  options: {
    traces: { type: 'string', default: '100000' },
    spans: { type: 'string', default: '10' },
    batch: { type: 'string', default: '500' },
    senders: { type: 'string', default: '4' },
    queries: { type: 'string', default: '200' },
    'backend-store-uri': { type: 'string' },
    'http-infos': { type: 'string', default: '5000' },
    'server-cpu-prof': { type: 'string' },
    phases: { type: 'string', default: 'ingest,infos,search' },
    'server-bin': { type: 'string' },
  },
});
const TRACES = Number(values.traces);
const SPANS = Number(values.spans);
const TRACES_PER_REQUEST = Math.max(1, Math.floor(Number(values.batch) / SPANS));
const SENDERS = Number(values.senders);
const QUERIES = Number(values.queries);
const PHASES = new Set(values.phases.split(','));
const root = resolve(import.meta.dirname, '..');
/** Trace times are fixed (one trace a second from 2025-01-01), so a kept store can be searched again. */
const T0 = Date.UTC(2025, 0, 1);

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
console.log(`load average before: ${load()} (${availableParallelism()} cores)`);

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
    server.on('error', fail);
  });
}

/** CPU seconds (user, system) a process has used, from /proc (clock ticks of 10 ms). */
function cpuTimes(pid: number): { user: number; system: number } {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100 };
}

/** CPU seconds (user + system) a process has used. */
function cpuSeconds(pid: number): number {
  const { user, system } = cpuTimes(pid);
  return user + system;
}

/** This (client) process's CPU seconds, user + system. */
function ownCpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

const dir = mkdtempSync(join(tmpdir(), 'keel-traces-bench-'));
const storeUri = values['backend-store-uri'] ?? `sqlite:///${join(dir, 'mlflow.db')}`;
const port = await freePort();
const url = `http://127.0.0.1:${port}`;
const server: ChildProcess = spawn(
  process.execPath,
  [
    ...(values['server-cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', resolve(values['server-cpu-prof'])] : []),
    values['server-bin'] ? resolve(values['server-bin']) : join(root, 'packages/platform/bin/keel.js'),
    'server',
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--backend-store-uri',
    storeUri,
    '--artifacts-destination',
    join(dir, 'artifacts'),
  ],
  { stdio: ['ignore', 'ignore', 'inherit'] },
);
const stop = () => {
  server.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
};
process.on('exit', stop);
// Interrupted (Ctrl-C, kill): stop the server too, then exit (the 'exit' handler has run by then).
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130));
for (let i = 0; i < 300; i++) {
  const up = await fetch(`${url}/health`).catch(() => undefined);
  if (up?.ok) break;
  await new Promise((r) => setTimeout(r, 100));
}

async function api(path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function benchExperiment(): Promise<string> {
  if (PHASES.has('ingest')) {
    return (await api('/api/2.0/mlflow/experiments/create', { name: 'traces-bench' })).experiment_id as string;
  }
  // Searching a store an earlier run filled (--backend-store-uri, --phases search).
  const res = await fetch(`${url}/api/2.0/mlflow/experiments/get-by-name?experiment_name=traces-bench`);
  if (!res.ok) throw new Error(`no traces-bench experiment in ${storeUri}: run the ingest phase first`);
  return ((await res.json()) as { experiment: { experiment_id: string } }).experiment.experiment_id;
}
const experimentId = await benchExperiment();

// --- bodies, built before any clock starts ---------------------------------------------------
interface TraceSummary {
  readonly id: string;
  readonly startMs: number;
  readonly durationMs: number;
  readonly error: boolean;
}
const summaries: TraceSummary[] = [];
const bodies: Uint8Array[] = [];
const generation = performance.now();
if (PHASES.has('ingest')) {
  for (let first = 0; first < TRACES; first += TRACES_PER_REQUEST) {
    const exporter = new InMemorySpanExporter();
    const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    const tracer = provider.getTracer('traces-bench', '1.0.0');
    for (let t = first; t < Math.min(TRACES, first + TRACES_PER_REQUEST); t++) {
      const start = T0 + t * 1000;
      const error = t % 10 === 0;
      const rootSpan = tracer.startSpan('agent', {
        startTime: start,
        attributes: { 'mlflow.spanType': '"AGENT"', 'mlflow.spanInputs': `{"question": "q${t}"}` },
      });
      const parent = trace.setSpan(context.active(), rootSpan);
      for (let s = 1; s < SPANS; s++) {
        const child = tracer.startSpan(
          s % 3 === 0 ? 'retrieve' : `llm-${s}`,
          {
            startTime: start + s * 10,
            attributes: {
              'mlflow.spanType': s % 3 === 0 ? '"RETRIEVER"' : '"LLM"',
              'mlflow.spanOutputs': `"a${t}-${s}"`,
            },
          },
          parent,
        );
        child.end(start + s * 10 + 5);
      }
      if (error) rootSpan.setStatus({ code: 2, message: 'failed' });
      rootSpan.end(start + SPANS * 10 + 20);
      summaries.push({
        id: `tr-${rootSpan.spanContext().traceId}`,
        startMs: start,
        durationMs: SPANS * 10 + 20,
        error,
      });
    }
    await provider.forceFlush();
    bodies.push(ProtobufTraceSerializer.serializeRequest(exporter.getFinishedSpans() as ReadableSpan[]) as Uint8Array);
  }
  const bytes = bodies.reduce((n, b) => n + b.byteLength, 0);
  console.log(
    `built ${bodies.length} OTLP requests (${TRACES} traces x ${SPANS} spans, ${(bytes / 1e6).toFixed(0)} MB) in ${((performance.now() - generation) / 1000).toFixed(1)} s`,
  );
}

/** Runs `work(i)` for i in [0, count) on `workers` concurrent loops; returns the wall seconds. */
async function concurrently(count: number, workers: number, work: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < count) await work(next++);
    }),
  );
  return (performance.now() - started) / 1000;
}

// --- 1. OTLP ingest ---------------------------------------------------------------------------
const pid = server.pid as number;
if (PHASES.has('ingest')) {
  const serverBefore = cpuTimes(pid);
  const clientBefore = ownCpuSeconds();
  const ingestSeconds = await concurrently(bodies.length, SENDERS, async (i) => {
    const res = await fetch(`${url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', 'x-mlflow-experiment-id': experimentId },
      body: bodies[i] as unknown as BodyInit,
    });
    if (!res.ok) throw new Error(`OTLP export ${i}: ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
  });
  const spanCount = TRACES * SPANS;
  const serverAfter = cpuTimes(pid);
  const serverUser = serverAfter.user - serverBefore.user;
  const serverSystem = serverAfter.system - serverBefore.system;
  const clientCpu = ownCpuSeconds() - clientBefore;
  const perThousand = (seconds: number) => ((seconds * 1000) / (spanCount / 1000)).toFixed(1);
  console.log(
    `OTLP ingest: ${spanCount} spans in ${ingestSeconds.toFixed(1)} s = ${Math.round(spanCount / ingestSeconds)} spans/s wall ` +
      `(${bodies.length} protobuf requests of ${TRACES_PER_REQUEST * SPANS} spans, ${SENDERS} concurrent senders)`,
  );
  console.log(
    `  server CPU ${(serverUser + serverSystem).toFixed(1)} s (user ${serverUser.toFixed(1)}, system ${serverSystem.toFixed(1)}) = ` +
      `${perThousand(serverUser + serverSystem)} ms per 1,000 spans = ${Math.round(spanCount / (serverUser + serverSystem))} spans per server CPU-second` +
      ` (load-independent: the spans/s one server process can reach on a free core, before disk waits)`,
  );
  console.log(
    `  server busy ${((100 * (serverUser + serverSystem)) / ingestSeconds).toFixed(0)}% of the wall time; ` +
      `client (this process) CPU ${clientCpu.toFixed(1)} s = ${perThousand(clientCpu)} ms per 1,000 spans` +
      (serverUser + serverSystem < 0.8 * ingestSeconds
        ? ' (the server waited: for the disk (fsync), for the senders, or for the CPU other processes held)'
        : ''),
  );
  bodies.length = 0;
}

if (!PHASES.has('infos') && !PHASES.has('search')) process.exit(0);
// --- 2. trace infos (the client's StartTraceV3 after its spans) ------------------------------
const infoRequest = (i: number) => {
  const s = summaries[i] as TraceSummary;
  return {
    trace_id: s.id,
    request_time: new Date(s.startMs).toISOString(),
    execution_duration: `${s.durationMs / 1000}s`,
    state: s.error ? 'ERROR' : 'OK',
    request_preview: `{"question": "q${i}"}`,
    trace_metadata: { 'mlflow.user': `user-${i % 7}`, 'mlflow.trace_schema.version': '3' },
    tags: { 'mlflow.traceName': 'agent', topic: `t${i % 100}` },
  } as const;
};
const httpInfos = Math.min(summaries.length, Number(values['http-infos']));
if (PHASES.has('infos')) {
  const cpuBefore = cpuSeconds(pid);
  const infoSeconds = await concurrently(httpInfos, 8, async (i) => {
    const info = infoRequest(i);
    await api('/api/3.0/mlflow/traces', {
      trace: {
        trace_info: {
          ...info,
          trace_location: { type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: experimentId } },
        },
      },
    });
  });
  console.log(
    `StartTraceV3 over HTTP: ${httpInfos} calls in ${infoSeconds.toFixed(1)} s = ${Math.round(httpInfos / infoSeconds)}/s ` +
      `(8 clients; server CPU ${(cpuSeconds(pid) - cpuBefore).toFixed(1)} s = ` +
      `${(((cpuSeconds(pid) - cpuBefore) * 1000) / Math.max(1, httpInfos)).toFixed(2)} ms per call)`,
  );
  // The rest only matter to the searches: they give every trace its tags.
  if (httpInfos < summaries.length && PHASES.has('search')) {
    const stores = await openStores(storeUri, { defaultArtifactRoot: join(dir, 'artifacts') });
    const seeded = await concurrently(summaries.length - httpInfos, 8, async (k) => {
      const i = httpInfos + k;
      const info = infoRequest(i);
      const s = summaries[i] as TraceSummary;
      await stores.traces.startTrace({
        ...info,
        experiment_id: experimentId,
        request_time_ms: s.startMs,
        execution_time_ms: s.durationMs,
      });
    });
    await stores.close();
    console.log(
      `(the other ${summaries.length - httpInfos} trace infos written through the store in ${seeded.toFixed(1)} s)`,
    );
  }
}

if (!PHASES.has('search')) process.exit(0);
// --- 3. search --------------------------------------------------------------------------------
const location = { type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: experimentId } };
const first = (await api('/api/3.0/mlflow/traces/search', { locations: [location], max_results: 100 })) as {
  next_page_token?: string;
  traces?: { request_time: string }[];
};
// The newest trace's time, read back (a store kept from an earlier run has its own times).
const newestMs = Date.parse(first.traces?.[0]?.request_time ?? new Date(T0 + TRACES * 1000).toISOString());
const shapes: [string, Record<string, unknown>][] = [
  ['newest first, 100 per page', { max_results: 100 }],
  ['second page (token)', { max_results: 100, page_token: first.next_page_token }],
  ["trace.status = 'ERROR'", { filter: "trace.status = 'ERROR'", max_results: 100 }],
  [
    'timestamp_ms > (last 1%)',
    { filter: `trace.timestamp_ms > ${newestMs - Math.ceil(TRACES * 0.01) * 1000}`, max_results: 100 },
  ],
  ["tags.topic = 't42'", { filter: "tags.topic = 't42'", max_results: 100 }],
  ["status = 'OK' and tag", { filter: "trace.status = 'OK' AND tags.topic = 't7'", max_results: 100 }],
  ["span.name = 'retrieve'", { filter: "span.name = 'retrieve'", max_results: 100 }],
  ['oldest first', { order_by: ['timestamp_ms ASC'], max_results: 100 }],
];
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
console.log(`\ntrace search over ${TRACES} traces (${QUERIES} queries each, ms over HTTP):`);
console.log('shape                               returned   p50    p95    p99  server CPU ms/query');
for (const [label, body] of shapes) {
  let returned = 0;
  for (let i = 0; i < 5; i++) await api('/api/3.0/mlflow/traces/search', { locations: [location], ...body });
  const times: number[] = [];
  const cpuStart = cpuSeconds(pid);
  for (let i = 0; i < QUERIES; i++) {
    const started = performance.now();
    const res = (await api('/api/3.0/mlflow/traces/search', { locations: [location], ...body })) as {
      traces?: unknown[];
    };
    times.push(performance.now() - started);
    returned = res.traces?.length ?? 0;
  }
  const cpuPerQuery = ((cpuSeconds(pid) - cpuStart) * 1000) / QUERIES;
  times.sort((a, b) => a - b);
  console.log(
    `${label.padEnd(36)}${String(returned).padStart(8)}${percentile(times, 50).toFixed(1).padStart(7)}${percentile(times, 95).toFixed(1).padStart(7)}${percentile(times, 99).toFixed(1).padStart(7)}${cpuPerQuery.toFixed(1).padStart(9)}`,
  );
}
console.log(`\nload average after: ${load()}`);
process.exit(0);
