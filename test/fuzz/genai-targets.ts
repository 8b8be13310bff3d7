// Fuzz targets of the MLflow 3 byte routes: OTLP trace export (`POST /v1/traces`, protobuf or
// JSON, plain or compressed), GraphQL (`/graphql`, `/api/graphql`; single, batched, GET) and the
// trace-data download. Their JSON endpoints (traces, assessments, datasets, scorers) come from
// the contract tables like every other endpoint's.
import { gzipSync } from 'node:zlib';
import { TRACE_ROUTES } from '@keel/contract';
import fc from 'fast-check';
import type { Fixtures } from './arbitraries.js';
import { type Arb, hostileNumber, hostileText, weighted, wrongShape } from './hostile-values.js';
import type { FuzzTarget } from './targets.js';
import type { FuzzCase } from './transport.js';

const hex = (length: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${length}}$`));
const nanos = fc.bigInt({ min: 1_600_000_000_000_000_000n, max: 1_800_000_000_000_000_000n }).map(String);

/** An OTLP/JSON `AnyValue`, sometimes of the wrong shape. */
const anyValue: Arb = fc.oneof(
  fc.string({ maxLength: 20 }).map((stringValue) => ({ stringValue })),
  fc.integer().map((intValue) => ({ intValue: String(intValue) })),
  fc.boolean().map((boolValue) => ({ boolValue })),
  fc.double().map((doubleValue) => ({ doubleValue })),
  weighted(1, wrongShape),
);

function otlpSpan(mode: 'good' | 'mixed'): Arb {
  const good = mode === 'good';
  return fc.record(
    {
      traceId: good ? hex(32) : fc.oneof(hex(32), hostileText, hex(31)),
      spanId: good ? hex(16) : fc.oneof(hex(16), hostileText),
      parentSpanId: fc.oneof(fc.constant(''), hex(16)),
      name: good ? fc.string({ maxLength: 20 }) : hostileText,
      startTimeUnixNano: good ? nanos : fc.oneof(nanos, hostileNumber, hostileText),
      endTimeUnixNano: good ? nanos : fc.oneof(nanos, hostileNumber, hostileText),
      attributes: fc.array(fc.record({ key: good ? fc.string({ maxLength: 12 }) : hostileText, value: anyValue }), {
        maxLength: 3,
      }),
      status: fc.record({ code: fc.constantFrom(0, 1, 2, 7, 'STATUS_CODE_OK'), message: fc.string({ maxLength: 10 }) }),
    },
    { requiredKeys: good ? ['traceId', 'spanId', 'name', 'startTimeUnixNano', 'endTimeUnixNano'] : [] },
  );
}

/** An OTLP/JSON ExportTraceServiceRequest. */
const exportRequest: Arb = fc.oneof(
  fc.constantFrom('good' as const, 'mixed' as const).chain((mode) =>
    fc.array(otlpSpan(mode), { minLength: 1, maxLength: 4 }).map((spans) => ({
      resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: { name: 'fuzz' }, spans }] }],
    })),
  ),
  weighted(1, wrongShape),
);

function otlpTarget(fixtures: Fixtures): FuzzTarget {
  const body = fc.oneof(
    weighted(
      4,
      exportRequest.map((v) => ({ type: 'application/json', bytes: Buffer.from(JSON.stringify(v)) })),
    ),
    weighted(
      2,
      fc.uint8Array({ maxLength: 512 }).map((b) => ({ type: 'application/x-protobuf', bytes: Buffer.from(b) })),
    ),
    weighted(
      1,
      fc.tuple(exportRequest, fc.constantFrom('text/plain', 'application/x-protobuf', '')).map(([v, type]) => ({
        type,
        bytes: Buffer.from(JSON.stringify(v)),
      })),
    ),
  );
  const encoding = fc.constantFrom('', '', '', 'gzip', 'gzip-broken', 'deflate', 'br');
  const experiment = fc.oneof(
    weighted(
      6,
      fc.constant(null).map(() => fixtures.experimentId),
    ),
    fc.constant(null).map(() => fixtures.deletedExperimentId),
    fc.constantFrom('', '0', '-1', '99999999', 'abc'),
    fc.constant(undefined),
  );
  return {
    name: `POST ${TRACE_ROUTES.otlpTraces} (OTLP export)`,
    cases: fc.tuple(body, encoding, experiment).map(([b, enc, exp]): FuzzCase => {
      const headers: Record<string, string> = {};
      if (b.type !== '') headers['content-type'] = b.type;
      if (exp !== undefined) headers[TRACE_ROUTES.experimentIdHeader] = exp;
      let bytes = b.bytes;
      if (enc === 'gzip') bytes = gzipSync(bytes);
      if (enc !== '') headers['content-encoding'] = enc === 'gzip-broken' ? 'gzip' : enc;
      return { method: 'POST', url: TRACE_ROUTES.otlpTraces, headers, body: bytes, rawRoute: 'otlp', params: {} };
    }),
  };
}

/** GraphQL documents the UI sends, aimed at the fixtures, and hostile ones. */
function graphqlDocument(fixtures: Fixtures): Arb {
  const good = fc.constantFrom(
    () =>
      `{ mlflowGetExperiment(input: {experimentId: "${fixtures.experimentId}"}) { experiment { name tags { key value } } } }`,
    () =>
      `{ mlflowGetRun(input: {runId: "${fixtures.runId}"}) { run { info { runName status } data { metrics { key value } } inputs { datasetInputs { dataset { name } } } } } }`,
    () =>
      `{ mlflowSearchRuns(input: {experimentIds: ["${fixtures.experimentId}"], maxResults: 5}) { runs { info { runId } } nextPageToken } }`,
    () =>
      `{ mlflowGetMetricHistoryBulkInterval(input: {runIds: ["${fixtures.runId}"], metricKey: "m"}) { metrics { step value } } }`,
    () => `{ mlflowListArtifacts(input: {runId: "${fixtures.runId}"}) { files { path isDir fileSize } } }`,
    () =>
      `{ mlflowSearchDatasets(input: {experimentIds: ["${fixtures.experimentId}"]}) { datasetSummaries { name digest } } }`,
    () => `{ mlflowSearchModelVersions(input: {filter: "name = 'fuzz-model'"}) { modelVersions { version } } }`,
  );
  const hostile = fc.oneof(
    hostileText,
    fc.constantFrom(50, 500, 5000).map((n) => `{ ${'a { '.repeat(n)}b${' }'.repeat(n)} }`),
    fc.constantFrom(20, 2000).map((n) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: __typename`).join(' ')} }`),
    fc.constantFrom(
      '{ __schema { types { name fields { name type { name ofType { name ofType { name } } } } } } }',
      `query Q($i: MlflowGetRunInput!) { mlflowGetRun(input: $i) { run { info { runId } } } }`,
      'mutation { mlflowSearchRuns(input: {maxResults: -1}) { runs { info { runId } } } }',
      '{ mlflowGetRun(input: {runId: 5}) { run { info { runId } } } }',
      'subscription { x }',
      '{',
      '',
    ),
  );
  return fc.oneof(
    weighted(
      3,
      good.map((make) => make()),
    ),
    weighted(2, hostile),
  );
}

function graphqlTarget(fixtures: Fixtures): FuzzTarget {
  const operation = fc.record(
    {
      query: fc.oneof(weighted(6, graphqlDocument(fixtures)), weighted(1, wrongShape)),
      variables: fc.oneof(
        fc.constant(undefined),
        fc.constant(null).map(() => ({ i: { runId: fixtures.runId } })),
        wrongShape,
        fc.jsonValue({ maxDepth: 3 }),
      ),
      operationName: fc.oneof(fc.constant(undefined), hostileText),
    },
    { requiredKeys: ['query'] },
  );
  const payload = fc.oneof(
    weighted(4, operation),
    weighted(1, fc.array(operation, { maxLength: 12 })),
    weighted(1, wrongShape),
  );
  const path = fc.constantFrom('/graphql', '/api/graphql', '/ajax-api/graphql');
  const method = fc.constantFrom('POST', 'POST', 'POST', 'GET', 'PUT');
  const type = fc.constantFrom('application/json', 'application/json', 'text/plain', 'application/graphql');
  return {
    name: 'POST|GET /graphql (GraphQL)',
    cases: fc.tuple(payload, path, method, type).map(([p, url, m, t]): FuzzCase => {
      if (m === 'GET') {
        const query = new URLSearchParams();
        const op = (Array.isArray(p) ? p[0] : p) as Record<string, unknown> | undefined;
        for (const [k, v] of Object.entries(op ?? {})) {
          if (v !== undefined) query.set(k, typeof v === 'string' ? v : JSON.stringify(v));
        }
        return {
          method: m,
          url: `${url}?${query.toString().slice(0, 10_000)}`,
          headers: {},
          rawRoute: 'graphql',
          params: {},
        };
      }
      const body = Buffer.from(JSON.stringify(p) ?? '');
      return { method: m, url, headers: { 'content-type': t }, body, rawRoute: 'graphql', params: {} };
    }),
  };
}

function traceArtifactTarget(fixtures: Fixtures): FuzzTarget {
  const requestId = fc.oneof(
    weighted(
      4,
      fc.constant(null).map(() => fixtures.traceId),
    ),
    fc.constantFrom('tr-0123456789abcdef0123456789abcdef', '', '../../etc/passwd'),
    hostileText,
    fc.constant(undefined),
  );
  const prefix = fc.constantFrom('/ajax-api/2.0/mlflow', '/ajax-api/3.0/mlflow');
  return {
    name: `GET ${TRACE_ROUTES.traceArtifact} (trace data)`,
    cases: fc.tuple(prefix, requestId).map(([p, id]): FuzzCase => {
      const query = id === undefined ? '' : `?${new URLSearchParams({ request_id: id })}`;
      return {
        method: 'GET',
        url: `${p}${TRACE_ROUTES.traceArtifact}${query}`,
        headers: {},
        rawRoute: 'traceArtifact',
        params: {},
      };
    }),
  };
}

/** The byte routes of MLflow 3's tracing and GraphQL. */
export function genaiRawTargets(fixtures: Fixtures): FuzzTarget[] {
  return [otlpTarget(fixtures), graphqlTarget(fixtures), traceArtifactTarget(fixtures)];
}
