// Trace endpoints over HTTP on a real server: the v3 calls the MLflow 3 client sends, the legacy
// v2 calls, assessments, and the trace-data download, each with its error answers.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KeelClient } from '@keel/client';
import { startTestServer, type TestServer } from '@keel/platform/testing';
import { call, expectError as failed, expectOk as ok, rawRequest } from '../support/http.js';

const V3 = '/api/3.0/mlflow';
const T0 = 1_700_000_000_000;
const traceId = (n: number) => `tr-${'ab'.repeat(14)}${String(n).padStart(4, '0')}`;

function traceInfo(id: string, experimentId: string, extra: Record<string, unknown> = {}) {
  return {
    trace_id: id,
    trace_location: { type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: experimentId } },
    request_time: '2023-11-14T22:13:20.000Z',
    execution_duration: '0.250s',
    state: 'OK',
    trace_metadata: { 'mlflow.user': 'me' },
    tags: { 'mlflow.traceName': 'chain' },
    ...extra,
  };
}

describe('traces over HTTP', () => {
  let keel: TestServer;
  let url: string;
  let exp: string;

  before(async () => {
    keel = await startTestServer();
    url = keel.url;
    exp = ok(await call(url, 'POST', 'experiments/create', { name: 'traces-http' })).experiment_id;
  });
  after(() => keel.close());

  const start = (id: string, extra: Record<string, unknown> = {}) =>
    call(url, 'POST', `${V3}/traces`, { trace: { trace_info: traceInfo(id, exp, extra) } });

  it('starts (logs) a v3 trace and gets it back under both prefixes', async () => {
    const { trace } = ok(await start(traceId(1), { request_preview: '{"q": 1}' }));
    assert.deepEqual(trace.trace_info, {
      ...traceInfo(traceId(1), exp, { request_preview: '{"q": 1}' }),
      request_time: '2023-11-14T22:13:20Z',
      tags: {
        'mlflow.traceName': 'chain',
        'mlflow.artifactLocation': `mlflow-artifacts:/${exp}/traces/${traceId(1)}/artifacts`,
      },
    });
    assert.deepEqual(ok(await call(url, 'GET', `${V3}/traces/${traceId(1)}`)), { trace });
    assert.deepEqual(ok(await call(url, 'GET', `/ajax-api/3.0/mlflow/traces/${traceId(1)}`)), { trace });
    const v2 = ok(await call(url, 'GET', `traces/${traceId(1)}/info`)).trace_info;
    assert.equal(v2.request_id, traceId(1));
    assert.equal(v2.timestamp_ms, T0);
    assert.equal(v2.execution_time_ms, 250);
    assert.deepEqual(v2.request_metadata, [{ key: 'mlflow.user', value: 'me' }]);
  });

  it('answers start errors like MLflow', async () => {
    failed(
      await call(url, 'POST', `${V3}/traces`, {}),
      400,
      'INVALID_PARAMETER_VALUE',
      "Missing value for required parameter 'trace'. See the API docs for more information about request parameters.",
    );
    failed(
      await call(url, 'POST', `${V3}/traces`, { trace: { trace_info: { trace_id: traceId(9), state: 'OK' } } }),
      400,
      'BAD_REQUEST',
    );
    failed(
      await call(url, 'POST', `${V3}/traces`, { trace: { trace_info: traceInfo(traceId(9), '999999') } }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
      'No Experiment with id=999999 exists',
    );
    failed(await start(traceId(9), { state: 'DONE' }), 400, 'INVALID_PARAMETER_VALUE');
    failed(await start(traceId(9), { request_time: T0 }), 400, 'INVALID_PARAMETER_VALUE');
    failed(await start(traceId(9), { execution_duration: '1 second' }), 400, 'INVALID_PARAMETER_VALUE');
    failed(await start(traceId(9), { tags: { a: 1 } }), 400, 'INVALID_PARAMETER_VALUE');
    failed(
      await start(traceId(9), { tags: { ['k'.repeat(251)]: 'v' } }),
      400,
      'INVALID_PARAMETER_VALUE',
      "A key of 'tags' exceeds the maximum length of 250 characters",
    );
    failed(await start(traceId(9), { trace_metadata: { ['k'.repeat(251)]: 'v' } }), 400, 'INVALID_PARAMETER_VALUE');
    failed(await call(url, 'GET', `${V3}/traces/${traceId(9)}`), 404, 'RESOURCE_DOES_NOT_EXIST');
    const noType = await fetch(`${url}${V3}/traces`, { method: 'POST', body: '{}' });
    assert.equal(noType.status, 400);
  });

  it('sets and deletes tags through the v3 and v2 routes', async () => {
    ok(await start(traceId(2)));
    ok(await call(url, 'PATCH', `${V3}/traces/${traceId(2)}/tags`, { key: 'reviewed', value: 'yes' }));
    ok(await call(url, 'PATCH', `traces/${traceId(2)}/tags`, { key: 'owner', value: 'keel' }));
    let tags = ok(await call(url, 'GET', `${V3}/traces/${traceId(2)}`)).trace.trace_info.tags;
    assert.equal(tags.reviewed, 'yes');
    assert.equal(tags.owner, 'keel');
    ok(await call(url, 'DELETE', `${V3}/traces/${traceId(2)}/tags`, { key: 'reviewed' }));
    ok(await call(url, 'DELETE', `traces/${traceId(2)}/tags`, { key: 'owner' }));
    tags = ok(await call(url, 'GET', `${V3}/traces/${traceId(2)}`)).trace.trace_info.tags;
    assert.equal(tags.reviewed, undefined);
    assert.equal(tags.owner, undefined);
    failed(
      await call(url, 'DELETE', `traces/${traceId(2)}/tags`, { key: 'owner' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
      `No trace tag with key 'owner' for trace with ID '${traceId(2)}'`,
    );
    failed(
      await call(url, 'PATCH', `${V3}/traces/${traceId(2)}/tags`, { value: 'v' }),
      400,
      'INVALID_PARAMETER_VALUE',
      "Missing value for required parameter 'key'. See the API docs for more information about request parameters.",
    );
    failed(
      await call(url, 'PATCH', `${V3}/traces/${traceId(2)}/tags`, { key: 'k'.repeat(251), value: 'v' }),
      400,
      'INVALID_PARAMETER_VALUE',
      "'key' exceeds the maximum length of 250 characters",
    );
    failed(await call(url, 'PATCH', `${V3}/traces/${traceId(8)}/tags`, { key: 'k', value: 'v' }), 400, 'BAD_REQUEST');
  });

  it('searches with filters, order and pages, and refuses bad searches', async () => {
    const searchExp = ok(await call(url, 'POST', 'experiments/create', { name: 'traces-search' })).experiment_id;
    const location = { type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: searchExp } };
    for (let i = 0; i < 5; i++) {
      ok(
        await call(url, 'POST', `${V3}/traces`, {
          trace: {
            trace_info: traceInfo(traceId(100 + i), searchExp, {
              request_time: new Date(T0 + i * 1000).toISOString(),
              state: i === 1 ? 'ERROR' : 'OK',
              tags: { topic: i % 2 === 0 ? 'math' : 'geo' },
            }),
          },
        }),
      );
    }
    const ids = (body: { traces?: { trace_id: string }[] }) => (body.traces ?? []).map((t) => t.trace_id);
    const search = (body: Record<string, unknown>) =>
      call(url, 'POST', `${V3}/traces/search`, { locations: [location], ...body });
    assert.deepEqual(ids(ok(await search({}))), [104, 103, 102, 101, 100].map(traceId));
    assert.deepEqual(ids(ok(await search({ filter: "trace.status = 'ERROR'" }))), [traceId(101)]);
    assert.deepEqual(ids(ok(await search({ filter: "tags.topic = 'math'", order_by: ['timestamp_ms ASC'] }))), [
      traceId(100),
      traceId(102),
      traceId(104),
    ]);
    const page1 = ok(await search({ max_results: 2, order_by: ['timestamp_ms ASC'] }));
    assert.deepEqual(ids(page1), [traceId(100), traceId(101)]);
    const page2 = ok(
      await search({ max_results: 2, order_by: ['timestamp_ms ASC'], page_token: page1.next_page_token }),
    );
    assert.deepEqual(ids(page2), [traceId(102), traceId(103)]);
    assert.deepEqual(
      ids(ok(await call(url, 'POST', '/ajax-api/3.0/mlflow/traces/search', { locations: [location] }))).length,
      5,
    );
    const v2 = ok(await call(url, 'GET', 'traces', { experiment_ids: [searchExp], order_by: ['timestamp_ms ASC'] }));
    assert.deepEqual(
      v2.traces.map((t: { request_id: string }) => t.request_id),
      [100, 101, 102, 103, 104].map(traceId),
    );

    failed(
      await search({ max_results: 501 }),
      400,
      'INVALID_PARAMETER_VALUE',
      "Invalid value 501 for parameter 'max_results' supplied:  Hint: Value was of type 'int'. See the API docs for more information about request parameters.",
    );
    failed(
      await call(url, 'POST', `${V3}/traces/search`, {}),
      400,
      'INVALID_PARAMETER_VALUE',
      "Missing value for required parameter 'locations'. See the API docs for more information about request parameters.",
    );
    failed(
      await search({ filter: 'trace.status = ' }),
      400,
      'INVALID_PARAMETER_VALUE',
      "Invalid clause(s) in filter string: 'trace.status', '='",
    );
    failed(await search({ filter: "trace.foo = 'x'" }), 400, 'INVALID_PARAMETER_VALUE', /^Invalid attribute key 'foo'/);
    failed(await search({ filter: "bogus.x = 'y'" }), 400, 'INVALID_PARAMETER_VALUE', /^Invalid entity type 'bogus'/);
    failed(await search({ filter: 'trace.status = 1' }), 400, 'INVALID_PARAMETER_VALUE');
    failed(await search({ order_by: ['foo DESC'] }), 400, 'INVALID_PARAMETER_VALUE', /^Invalid attribute key 'foo'/);
    failed(await search({ page_token: 'not a token' }), 400, 'INVALID_PARAMETER_VALUE');
    const many = Array.from({ length: 1001 }, (_, i) => `'r${i}'`).join(', ');
    failed(await search({ filter: `trace.request_id IN (${many})` }), 400, 'INVALID_PARAMETER_VALUE', /at most 1000/);
    failed(
      await call(url, 'GET', 'traces', {}),
      400,
      'INVALID_PARAMETER_VALUE',
      "Missing value for required parameter 'experiment_ids'. See the API docs for more information about request parameters.",
    );
  });

  it('calculates the correlation of two trace filters, and refuses bad requests', async () => {
    const corrExp = ok(await call(url, 'POST', 'experiments/create', { name: 'traces-correlation' })).experiment_id;
    // Six traces: errors are exactly the 'geo' ones but one.
    const rows: [state: string, topic: string][] = [
      ['ERROR', 'geo'],
      ['ERROR', 'geo'],
      ['OK', 'geo'],
      ['OK', 'math'],
      ['OK', 'math'],
      ['OK', 'math'],
    ];
    for (const [i, [state, topic]] of rows.entries()) {
      ok(
        await call(url, 'POST', `${V3}/traces`, {
          trace: { trace_info: traceInfo(traceId(300 + i), corrExp, { state, tags: { topic } }) },
        }),
      );
    }
    const correlate = (body: Record<string, unknown>) =>
      call(url, 'POST', `${V3}/traces/calculate-filter-correlation`, { experiment_ids: [corrExp], ...body });
    const answer = ok(
      await correlate({ filter_string1: "trace.status = 'ERROR'", filter_string2: "tags.topic = 'geo'" }),
    );
    assert.deepEqual(
      [answer.filter1_count, answer.filter2_count, answer.joint_count, answer.total_count],
      [2, 3, 2, 6],
    );
    assert.ok(answer.npmi > 0 && answer.npmi < 1, String(answer.npmi));
    assert.ok(answer.npmi_smoothed > 0 && answer.npmi_smoothed < answer.npmi, String(answer.npmi_smoothed));
    // A filter and itself always go together; a base filter narrows every count.
    const same = ok(await correlate({ filter_string1: "tags.topic = 'math'", filter_string2: "tags.topic = 'math'" }));
    assert.equal(same.npmi, 1);
    const based = ok(
      await correlate({
        filter_string1: "trace.status = 'ERROR'",
        filter_string2: "tags.topic = 'geo'",
        base_filter: "tags.topic = 'geo'",
      }),
    );
    assert.deepEqual([based.filter1_count, based.filter2_count, based.joint_count, based.total_count], [2, 3, 2, 3]);
    // A filter that matches nothing has no correlation: NaN, as MLflow answers it.
    const none = ok(await correlate({ filter_string1: "tags.topic = 'art'", filter_string2: "tags.topic = 'geo'" }));
    assert.equal(none.npmi, 'NaN');
    assert.equal(none.filter1_count, 0);

    failed(
      await call(url, 'POST', `${V3}/traces/calculate-filter-correlation`, {
        filter_string1: 'a',
        filter_string2: 'b',
      }),
      400,
      'INVALID_PARAMETER_VALUE',
      /Missing value for required parameter 'experiment_ids'/,
    );
    failed(
      await correlate({ filter_string2: "tags.topic = 'geo'" }),
      400,
      'INVALID_PARAMETER_VALUE',
      /'filter_string1'/,
    );
    failed(
      await correlate({ filter_string1: 'trace.nonsense ~ 1', filter_string2: "tags.topic = 'geo'" }),
      400,
      'INVALID_PARAMETER_VALUE',
    );
  });

  it('deletes traces by id and by time, and links traces to runs', async () => {
    const delExp = ok(await call(url, 'POST', 'experiments/create', { name: 'traces-delete' })).experiment_id;
    const run = ok(await call(url, 'POST', 'runs/create', { experiment_id: delExp })).run.info.run_id;
    for (let i = 0; i < 3; i++) {
      ok(
        await call(url, 'POST', `${V3}/traces`, {
          trace: { trace_info: traceInfo(traceId(200 + i), delExp, { request_time: new Date(T0 + i).toISOString() }) },
        }),
      );
    }
    ok(await call(url, 'POST', 'traces/link-to-run', { run_id: run, trace_ids: [traceId(200), traceId(201)] }));
    const linked = ok(
      await call(url, 'POST', `${V3}/traces/search`, {
        locations: [{ type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: delExp } }],
        filter: `trace.run_id = '${run}'`,
      }),
    );
    assert.equal(linked.traces.length, 2);
    failed(
      await call(url, 'POST', 'traces/link-to-run', { trace_ids: [traceId(200)] }),
      400,
      'INVALID_PARAMETER_VALUE',
      "Missing value for required parameter 'run_id'. See the API docs for more information about request parameters.",
    );
    failed(
      await call(url, 'POST', 'traces/link-to-run', {
        run_id: run,
        trace_ids: Array.from({ length: 101 }, (_, i) => traceId(i)),
      }),
      400,
      'INVALID_PARAMETER_VALUE',
      'Cannot link more than 100 traces to a run in a single request. Provided 101 traces.',
    );
    // Under /api/3.0 the path is GET traces/{trace_id}: another method answers 405, as MLflow's does.
    assert.equal((await call(url, 'POST', `${V3}/traces/link-to-run`, { run_id: run })).status, 405);

    assert.deepEqual(
      ok(await call(url, 'POST', `${V3}/traces/delete-traces`, { experiment_id: delExp, request_ids: [traceId(200)] })),
      { traces_deleted: 1 },
    );
    assert.deepEqual(
      ok(
        await call(url, 'POST', 'traces/delete-traces', {
          experiment_id: delExp,
          max_timestamp_millis: T0 + 5,
          max_traces: 1,
        }),
      ),
      { traces_deleted: 1 },
    );
    failed(await call(url, 'GET', `${V3}/traces/${traceId(201)}`), 404, 'RESOURCE_DOES_NOT_EXIST');
    ok(await call(url, 'GET', `${V3}/traces/${traceId(202)}`));
    failed(
      await call(url, 'POST', `${V3}/traces/delete-traces`, { experiment_id: delExp }),
      400,
      'INVALID_PARAMETER_VALUE',
      'Either `max_timestamp_millis` or `trace_ids` must be specified.',
    );
    failed(
      await call(url, 'POST', `${V3}/traces/delete-traces`, { experiment_id: delExp, request_ids: traceId(202) }),
      400,
      'INVALID_PARAMETER_VALUE',
    );
    failed(
      await call(url, 'POST', `${V3}/traces/delete-traces`, { request_ids: [traceId(202)] }),
      400,
      'INVALID_PARAMETER_VALUE',
      "Missing value for required parameter 'experiment_id'. See the API docs for more information about request parameters.",
    );
  });

  it('runs the legacy v2 start and end calls', async () => {
    const started = ok(
      await call(url, 'POST', 'traces', {
        experiment_id: exp,
        timestamp_ms: T0,
        request_metadata: [{ key: 'mlflow.user', value: 'me' }],
        tags: [{ key: 'topic', value: 'legacy' }],
      }),
    ).trace_info;
    assert.match(started.request_id, /^[0-9a-f]{32}$/);
    assert.equal(started.status, 'IN_PROGRESS');
    assert.equal(started.execution_time_ms, 0);
    const ended = ok(
      await call(url, 'PATCH', `traces/${started.request_id}`, { timestamp_ms: T0 + 1500, status: 'OK' }),
    ).trace_info;
    assert.equal(ended.execution_time_ms, 1500);
    assert.equal(ended.status, 'OK');
    const v3 = ok(await call(url, 'GET', `${V3}/traces/${started.request_id}`)).trace.trace_info;
    assert.equal(v3.execution_duration, '1.500s');
    failed(
      await call(url, 'PATCH', `traces/${'f'.repeat(32)}`, { timestamp_ms: T0, status: 'OK' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
      `Trace with ID '${'f'.repeat(32)}' not found.`,
    );
    failed(
      await call(url, 'PATCH', `traces/${started.request_id}`, { status: 'DONE' }),
      400,
      'INVALID_PARAMETER_VALUE',
    );
    failed(await call(url, 'POST', 'traces', { experiment_id: exp, tags: { a: 'b' } }), 400, 'INVALID_PARAMETER_VALUE');
    failed(await call(url, 'POST', 'traces', { experiment_id: '999999' }), 404, 'RESOURCE_DOES_NOT_EXIST');
  });

  it('creates, reads, updates and deletes assessments', async () => {
    ok(await start(traceId(3)));
    const path = `${V3}/traces/${traceId(3)}/assessments`;
    const created = ok(
      await call(url, 'POST', path, {
        assessment: {
          assessment_name: 'relevance',
          trace_id: traceId(3),
          source: { source_type: 'HUMAN', source_id: 'me' },
          create_time: '2023-11-14T22:15:01.000Z',
          last_update_time: '2023-11-14T22:15:01.000Z',
          feedback: { value: true },
          rationale: 'on topic',
        },
      }),
    ).assessment;
    assert.deepEqual(created, {
      assessment_id: created.assessment_id,
      assessment_name: 'relevance',
      trace_id: traceId(3),
      source: { source_type: 'HUMAN', source_id: 'me' },
      create_time: '2023-11-14T22:15:01Z',
      last_update_time: '2023-11-14T22:15:01Z',
      feedback: { value: true },
      rationale: 'on topic',
      valid: true,
    });
    const expectation = ok(
      await call(url, 'POST', path, {
        assessment: {
          assessment_name: 'facts',
          expectation: { serialized_value: { serialization_format: 'JSON_FORMAT', value: '{"facts": ["4"]}' } },
        },
      }),
    ).assessment;
    assert.deepEqual(JSON.parse(expectation.expectation.serialized_value.value), { facts: ['4'] });
    assert.deepEqual(ok(await call(url, 'GET', `${path}/${created.assessment_id}`)).assessment, created);

    const updated = ok(
      await call(url, 'PATCH', `${path}/${created.assessment_id}`, {
        assessment: { feedback: { value: false }, rationale: 'off topic' },
        update_mask: 'feedback,rationale',
      }),
    ).assessment;
    assert.deepEqual(updated.feedback, { value: false });
    assert.equal(updated.rationale, 'off topic');
    assert.notEqual(updated.last_update_time, created.last_update_time);
    failed(
      await call(url, 'PATCH', `${path}/${expectation.assessment_id}`, {
        assessment: { feedback: { value: true } },
        update_mask: 'feedback',
      }),
      400,
      'INVALID_PARAMETER_VALUE',
      'Cannot update feedback value on an Expectation assessment.',
    );
    failed(
      await call(url, 'PATCH', `${path}/${created.assessment_id}`, { assessment: { rationale: 'x' } }),
      400,
      'INVALID_PARAMETER_VALUE',
      "Missing value for required parameter 'update_mask'. See the API docs for more information about request parameters.",
    );
    failed(
      await call(url, 'PATCH', `${path}/${created.assessment_id}`, { assessment: {}, update_mask: 'sourceType' }),
      400,
      'INVALID_PARAMETER_VALUE',
    );
    failed(
      await call(url, 'POST', path, { assessment: { assessment_name: 'empty' } }),
      400,
      'INVALID_PARAMETER_VALUE',
      'Unknown assessment type: None',
    );
    failed(
      await call(url, 'POST', path, { assessment: { expectation: { serialized_value: { value: '{not json' } } } }),
      400,
      'INVALID_PARAMETER_VALUE',
    );
    failed(
      await call(url, 'POST', `${V3}/traces/${traceId(9)}/assessments`, { assessment: { feedback: { value: 1 } } }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
      `Trace with ID '${traceId(9)}' not found.`,
    );
    const info = ok(await call(url, 'GET', `${V3}/traces/${traceId(3)}`)).trace.trace_info;
    assert.equal(info.assessments.length, 2);
    ok(await call(url, 'DELETE', `${path}/${created.assessment_id}`));
    failed(await call(url, 'GET', `${path}/${created.assessment_id}`), 404, 'RESOURCE_DOES_NOT_EXIST');
    failed(await call(url, 'DELETE', `${path}/${created.assessment_id}`), 404, 'RESOURCE_DOES_NOT_EXIST');
  });

  it('serves the uploaded trace data, re-serialised as MLflow does, and 404s without it', async () => {
    ok(await start(traceId(4)));
    const missing = await call(url, 'GET', '/ajax-api/2.0/mlflow/get-trace-artifact', { request_id: traceId(4) });
    failed(
      missing,
      404,
      'NOT_FOUND',
      `Trace data not found for path=mlflow-artifacts:/${exp}/traces/${traceId(4)}/artifacts/traces.json`,
    );
    const put = await fetch(
      `${url}/api/2.0/mlflow-artifacts/artifacts/${exp}/traces/${traceId(4)}/artifacts/traces.json`,
      {
        method: 'PUT',
        body: '{"spans":[{"name":"root","start_time_unix_nano":1700000000000000123,"attributes":{"x":"\\"é\\""}}]}',
      },
    );
    assert.equal(put.status, 200);
    for (const base of ['/ajax-api/2.0/mlflow', '/ajax-api/3.0/mlflow']) {
      const res = await rawRequest(url, 'GET', `${base}/get-trace-artifact?request_id=${traceId(4)}`);
      assert.equal(res.status, 200);
      assert.equal(res.headers['content-disposition'], 'attachment; filename=traces.json');
      assert.match(String(res.headers['content-type']), /^text\/plain/);
      assert.equal(
        res.text(),
        '{"spans": [{"name": "root", "start_time_unix_nano": 1700000000000000123, "attributes": {"x": "\\"\\u00e9\\""}}]}',
      );
    }
    failed(
      await call(url, 'GET', '/ajax-api/2.0/mlflow/get-trace-artifact', {}),
      400,
      'BAD_REQUEST',
      'Request must include the "request_id" query parameter.',
    );
    failed(
      await call(url, 'GET', '/ajax-api/2.0/mlflow/get-trace-artifact', { request_id: traceId(9) }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    );
  });

  it('never reads trace data outside the artifact roots, whatever the location tag says', async () => {
    ok(await start(traceId(5)));
    const outside = join(keel.dir, 'elsewhere', 'traces', traceId(5), 'artifacts');
    mkdirSync(outside, { recursive: true });
    writeFileSync(join(outside, 'traces.json'), '{"spans": ["secret"]}');
    for (const location of [outside, `file://${outside}`, '/etc', `mlflow-artifacts:/${exp}/../../..`]) {
      ok(
        await call(url, 'PATCH', `${V3}/traces/${traceId(5)}/tags`, {
          key: 'mlflow.artifactLocation',
          value: location,
        }),
      );
      const res = await call(url, 'GET', '/ajax-api/2.0/mlflow/get-trace-artifact', { request_id: traceId(5) });
      assert.ok(res.status >= 400 && res.status < 500, `${location}: ${res.status}`);
      assert.ok(!JSON.stringify(res.body).includes('secret'), location);
    }
  });

  it('gives the SDK typed methods for every trace endpoint', async () => {
    const client = new KeelClient({ trackingUri: url });
    const { trace } = await client.startTraceV3({
      trace: {
        trace_info: {
          trace_id: traceId(6),
          trace_location: { type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: exp } },
          request_time: '2023-11-14T22:13:20Z',
          state: 'OK',
        },
      },
    });
    assert.equal(trace.trace_info.trace_id, traceId(6));
    const { trace: got } = await client.getTraceInfoV3({ trace_id: traceId(6) });
    assert.equal(got.trace_info.state, 'OK');
    await client.setTraceTagV3({ trace_id: traceId(6), key: 'sdk', value: 'yes' });
    const { assessment } = await client.createAssessment({
      trace_id: traceId(6),
      assessment: { assessment_name: 'ok', feedback: { value: 1 } },
    });
    assert.deepEqual(assessment.feedback, { value: 1 });
    const found = await client.searchTracesV3({
      locations: [{ type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: exp } }],
      filter: "tags.sdk = 'yes'",
    });
    assert.deepEqual(
      found.traces?.map((t) => t.trace_id),
      [traceId(6)],
    );
  });
});
