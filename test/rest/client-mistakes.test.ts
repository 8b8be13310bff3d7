// No client mistake is a 500 (issue 7), one class per test, over a real listening server on a
// real SQLite file: deeply nested JSON, unpaired UTF-16 surrogates, artifact names longer than
// the file system allows, oversized searches, forged page tokens, a symbolic-link loop in the
// artifact storage, over-long run names, and requests Node's HTTP parser refuses. Each answer
// is a 4xx with MLflow's error JSON, and a refused request stores nothing.
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '@keel/platform/testing';
import { type HttpResponse, mlflowApi, send } from '../support/http.js';

const JSON_HEADERS = { 'content-type': 'application/json' };

function expectClientError(res: HttpResponse, code = 'INVALID_PARAMETER_VALUE', message?: RegExp): void {
  assert.equal(res.status, 400, `${res.status} ${res.text.slice(0, 300)}`);
  assert.equal(res.json?.error_code, code, res.text.slice(0, 300));
  if (message) assert.match(res.json.message, message);
}

const b64 = (text: string) => Buffer.from(text).toString('base64');

describe('client mistakes are 4xx answers, never 500s', () => {
  let keel: TestServer;
  let api: ReturnType<typeof mlflowApi>;
  let experimentId: string;
  let runId: string;

  before(async () => {
    keel = await startTestServer();
    api = mlflowApi(keel.url);
    experimentId = (await api.post('/experiments/create', { name: 'mistakes' })).json.experiment_id;
    runId = (await api.post('/runs/create', { experiment_id: experimentId })).json.run.info.run_id;
  });
  after(() => keel.close());

  it('refuses JSON nested deeper than 100 levels: in a body, a model_json and a page token', async () => {
    const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
    const body = await send(keel.url, {
      method: 'POST',
      path: '/api/2.0/mlflow/experiments/create',
      headers: JSON_HEADERS,
      body: `{"name": ${deep(100_000)}}`,
    });
    expectClientError(body, 'INVALID_PARAMETER_VALUE', /nested more than 100 levels/);
    const unknownField = await send(keel.url, {
      method: 'POST',
      path: '/api/2.0/mlflow/runs/log-batch',
      headers: JSON_HEADERS,
      body: `{"run_id": "${runId}", "extra": ${deep(5000)}}`,
    });
    expectClientError(unknownField);
    const modelJson = JSON.stringify({
      artifact_path: 'model',
      flavors: JSON.parse(deep(50)),
      utc_time_created: '2024-01-01',
      run_id: runId,
    }).replace(deep(50), deep(5000));
    expectClientError(await api.post('/runs/log-model', { run_id: runId, model_json: modelJson }));
    const token = b64(`{"experiment_ids": ${deep(5000)}, "offset": 0}`);
    expectClientError(await api.post('/logged-models/search', { experiment_ids: [experimentId], page_token: token }));
    // Ordinary nesting is untouched.
    const shallow = await send(keel.url, {
      method: 'POST',
      path: '/api/2.0/mlflow/experiments/create',
      headers: JSON_HEADERS,
      body: `{"name": "shallow", "extra": ${deep(90)}}`,
    });
    assert.equal(shallow.status, 200, shallow.text);
  });

  it('refuses strings with unpaired UTF-16 surrogates, storing nothing; proper pairs round-trip', async () => {
    const lone = await send(keel.url, {
      method: 'POST',
      path: '/api/2.0/mlflow/runs/set-tag',
      headers: JSON_HEADERS,
      body: `{"run_id": "${runId}", "key": "lone", "value": "a\\ud800b"}`,
    });
    expectClientError(lone, 'INVALID_PARAMETER_VALUE', /unpaired UTF-16 surrogate/);
    const reversed = await send(keel.url, {
      method: 'POST',
      path: '/api/2.0/mlflow/experiments/create',
      headers: JSON_HEADERS,
      body: '{"name": "x\\udc00\\ud800"}',
    });
    expectClientError(reversed, 'INVALID_PARAMETER_VALUE', /parameter 'name'/);
    const nested = await send(keel.url, {
      method: 'POST',
      path: '/api/2.0/mlflow/runs/log-batch',
      headers: JSON_HEADERS,
      body: `{"run_id": "${runId}", "params": [{"key": "p", "value": "\\udfff"}]}`,
    });
    expectClientError(nested, 'INVALID_PARAMETER_VALUE', /params\[0\]\.value/);
    const run = (await api.get('/runs/get', { run_id: runId })).json.run;
    assert.equal(
      run.data.tags.find((t: { key: string }) => t.key === 'lone'),
      undefined,
    );
    assert.equal(run.data.params, undefined);
    const emoji = '\ud83d\ude00 caf\u00e9';
    assert.equal((await api.post('/runs/set-tag', { run_id: runId, key: 'emoji', value: emoji })).status, 200);
    const back = (await api.get('/runs/get', { run_id: runId })).json.run.data.tags;
    assert.equal(back.find((t: { key: string }) => t.key === 'emoji').value, emoji);
  });

  it('answers 400 for artifact names longer than the file system allows, and for paths through a file', async () => {
    const long = 'n'.repeat(300);
    const proxy = `/api/2.0/mlflow-artifacts/artifacts/${experimentId}/${long}.txt`;
    const octets = { 'content-type': 'application/octet-stream' };
    // The run's artifact directory exists, so the long name reaches the file system.
    const upload = `/ajax-api/2.0/mlflow/upload-artifact?run_uuid=${runId}&path=ok.txt`;
    assert.equal((await send(keel.url, { method: 'POST', path: upload, headers: octets, body: 'ok' })).status, 200);
    expectClientError(
      await send(keel.url, { method: 'PUT', path: proxy, headers: octets, body: 'x' }),
      undefined,
      /too long/,
    );
    expectClientError(await send(keel.url, { path: proxy }), undefined, /too long/);
    expectClientError(await send(keel.url, { method: 'DELETE', path: proxy }));
    expectClientError(await send(keel.url, { path: `/api/2.0/mlflow-artifacts/artifacts?path=${long}` }));
    expectClientError(await api.get('/artifacts/list', { run_id: runId, path: long }));
    expectClientError(
      await send(keel.url, {
        method: 'POST',
        path: `/ajax-api/2.0/mlflow/upload-artifact?run_uuid=${runId}&path=${long}`,
        headers: octets,
        body: 'x',
      }),
    );
    expectClientError(await send(keel.url, { path: `/get-artifact?run_id=${runId}&path=${long}` }));
    // A path through a file names nothing: reading is a 404, deleting a no-op, writing a 400.
    const through = `/api/2.0/mlflow-artifacts/artifacts/${experimentId}/plain.txt`;
    assert.equal((await send(keel.url, { method: 'PUT', path: through, headers: octets, body: 'p' })).status, 200);
    assert.equal((await send(keel.url, { path: `${through}/x` })).status, 404);
    assert.equal((await send(keel.url, { method: 'DELETE', path: `${through}/x/y` })).status, 200);
    expectClientError(await send(keel.url, { method: 'PUT', path: `${through}/x`, headers: octets, body: 'x' }));
    assert.equal((await send(keel.url, { path: through })).text, 'p');
    // 255 bytes is still a legal name.
    const legal = `/api/2.0/mlflow-artifacts/artifacts/${'m'.repeat(255)}`;
    assert.equal((await send(keel.url, { method: 'PUT', path: legal, headers: octets, body: 'ok' })).status, 200);
    assert.equal((await send(keel.url, { path: legal })).text, 'ok');
  });

  it('bounds IN lists, clauses, order_by and experiment ids with a clear 400', async () => {
    const list = (n: number) => `(${Array.from({ length: n }, (_, i) => `'r${i}'`).join(',')})`;
    const search = (body: Record<string, unknown>) =>
      api.post('/runs/search', { experiment_ids: [experimentId], ...body });
    assert.equal((await search({ filter: `attributes.run_id IN ${list(5000)}` })).status, 200);
    expectClientError(await search({ filter: `attributes.run_id IN ${list(5001)}` }), undefined, /at most 5000/);
    expectClientError(
      await search({ filter: `attributes.run_id IN ${list(3000)} AND tags.t NOT IN ${list(3000)}` }),
      undefined,
      /hold 6000 values/,
    );
    const clauses = Array.from({ length: 201 }, (_, i) => `params.p${i} = 'v'`).join(' AND ');
    expectClientError(await search({ filter: clauses }), undefined, /201 clauses/);
    const orderBy = Array.from({ length: 1000 }, (_, i) => `metrics.m${i} DESC`);
    expectClientError(await search({ order_by: orderBy }), undefined, /order_by has 1000 items/);
    const ids = Array.from({ length: 10_001 }, (_, i) => String(i));
    expectClientError(await api.post('/runs/search', { experiment_ids: ids }), undefined, /10001 experiments/);
    expectClientError(await api.post('/logged-models/search', { experiment_ids: ids }));
    expectClientError(
      await api.post('/logged-models/search', {
        experiment_ids: [experimentId],
        filter: `name IN ${list(5001)}`,
      }),
    );
    expectClientError(
      await api.post('/logged-models/search', {
        experiment_ids: [experimentId],
        datasets: Array.from({ length: 21 }, (_, i) => ({ dataset_name: `d${i}` })),
      }),
    );
    expectClientError(await api.post('/experiments/search', { max_results: 10, order_by: orderBy.slice(0, 60) }));
  });

  it('refuses forged page tokens with absurd offsets on every paged route', async () => {
    const tokens = [1e300, 2 ** 60, -1, 1.5, '7'].map((offset) => b64(JSON.stringify({ offset })));
    const registryHistory = b64(JSON.stringify({ before_event_id: 1e300 }));
    for (const page_token of tokens) {
      expectClientError(await api.post('/runs/search', { experiment_ids: [experimentId], page_token }));
      expectClientError(await api.post('/experiments/search', { max_results: 10, page_token }));
      expectClientError(await api.get('/registered-models/search', { page_token }));
      expectClientError(await api.get('/model-versions/search', { page_token }));
      expectClientError(await api.get('/metrics/get-history', { run_id: runId, metric_key: 'm', page_token }));
    }
    const loggedModels = b64(
      JSON.stringify({ experiment_ids: [experimentId], filter_string: null, order_by: null, offset: 1e300 }),
    );
    expectClientError(
      await api.post('/logged-models/search', { experiment_ids: [experimentId], page_token: loggedModels }),
    );
    expectClientError(
      await send(keel.url, {
        path: `/api/2.0/keel/registry/history?page_token=${encodeURIComponent(registryHistory)}`,
      }),
    );
  });

  it('answers 400 for a symbolic-link loop inside the artifact storage; listing around it works', async () => {
    const root = keel.config.artifactsDestination;
    mkdirSync(join(root, 'looping'), { recursive: true });
    symlinkSync('loop', join(root, 'looping', 'loop'));
    symlinkSync('b', join(root, 'looping', 'a'));
    symlinkSync('a', join(root, 'looping', 'b'));
    const base = '/api/2.0/mlflow-artifacts/artifacts';
    const octets = { 'content-type': 'application/octet-stream' };
    for (const path of ['looping/loop/x', 'looping/a/x']) {
      expectClientError(await send(keel.url, { method: 'PUT', path: `${base}/${path}`, headers: octets, body: 'x' }));
      expectClientError(await send(keel.url, { path: `${base}/${path}` }));
      expectClientError(await send(keel.url, { path: `${base}?path=${path}` }));
      expectClientError(await send(keel.url, { method: 'DELETE', path: `${base}/${path}` }));
    }
    expectClientError(await send(keel.url, { path: `${base}/looping/loop` }));
    const listing = await send(keel.url, { path: `${base}?path=looping` });
    assert.equal(listing.status, 200, listing.text);
    assert.deepEqual(listing.json, {});
  });

  it('applies the 250-character run name limit to run_name and the mlflow.runName tag', async () => {
    const name = (n: number) => 'r'.repeat(n);
    const created = await api.post('/runs/create', { experiment_id: experimentId, run_name: name(250) });
    assert.equal(created.status, 200);
    assert.equal(created.json.run.info.run_name, name(250));
    const id = created.json.run.info.run_id;
    expectClientError(
      await api.post('/runs/create', { experiment_id: experimentId, run_name: name(251) }),
      undefined,
      /'run_name' exceeds the maximum length of 250 characters/,
    );
    expectClientError(
      await api.post('/runs/create', {
        experiment_id: experimentId,
        tags: [{ key: 'mlflow.runName', value: name(251) }],
      }),
    );
    expectClientError(await api.post('/runs/update', { run_id: id, run_name: name(251) }));
    expectClientError(await api.post('/runs/set-tag', { run_id: id, key: 'mlflow.runName', value: name(251) }));
    expectClientError(
      await api.post('/runs/log-batch', { run_id: id, tags: [{ key: 'mlflow.runName', value: name(300) }] }),
    );
    // Characters, not UTF-16 units: 250 emoji are a legal name.
    const emoji = '\ud83d\ude00'.repeat(250);
    assert.equal((await api.post('/runs/update', { run_id: id, run_name: emoji })).status, 200);
    assert.equal((await api.get('/runs/get', { run_id: id })).json.run.info.run_name, emoji);
    // A 251-character tag key on create is refused like on set-tag.
    expectClientError(
      await api.post('/runs/create', { experiment_id: experimentId, tags: [{ key: 'k'.repeat(251), value: 'v' }] }),
    );
  });

  it('stores any number of tags and params in one call (more rows than a statement can bind)', async () => {
    const many = (prefix: string) => Array.from({ length: 11_000 }, (_, i) => ({ key: `${prefix}${i}`, value: 'v' }));
    const experiment = await api.post('/experiments/create', { name: 'many-tags', tags: many('e') });
    assert.equal(experiment.status, 200, experiment.text.slice(0, 300));
    const tags = (await api.get('/experiments/get', { experiment_id: experiment.json.experiment_id })).json.experiment
      .tags;
    assert.equal(tags.length, 11_000);
    const run = await api.post('/runs/create', { experiment_id: experimentId, tags: many('r') });
    assert.equal(run.status, 200, run.text.slice(0, 300));
    assert.equal(run.json.run.data.tags.length, 11_001); // and mlflow.runName
    assert.equal((await api.post('/registered-models/create', { name: 'many', tags: many('m') })).status, 200);
    const version = await api.post('/model-versions/create', {
      name: 'many',
      source: run.json.run.info.artifact_uri,
      tags: many('v'),
    });
    assert.equal(version.status, 200, version.text.slice(0, 300));
    const model = await api.post('/logged-models', { experiment_id: experimentId, params: many('p'), tags: many('t') });
    assert.equal(model.status, 200, model.text.slice(0, 300));
    const id = model.json.model.info.model_id;
    assert.equal((await api.post(`/logged-models/${id}/params`, { params: many('p') })).status, 200);
    const stored = (await api.get(`/logged-models/${id}`)).json.model;
    assert.equal(stored.data.params.length, 11_000);
    assert.equal(stored.info.tags.length, 11_000);
  });

  it('truncates over-long values at a character boundary, never inside a surrogate pair', async () => {
    const value = '\ud83d\ude00'.repeat(6001);
    assert.equal((await api.post('/runs/log-parameter', { run_id: runId, key: 'long', value })).status, 200);
    const params = (await api.get('/runs/get', { run_id: runId })).json.run.data.params;
    assert.equal(params.find((p: { key: string }) => p.key === 'long').value, '\ud83d\ude00'.repeat(6000));
  });

  it("answers requests Node's HTTP parser refuses with MLflow's error JSON", async () => {
    const res = await send(keel.url, {
      path: '/api/2.0/mlflow/experiments/search',
      headers: { 'x-big': 'a'.repeat(20_000) },
    });
    assert.equal(res.status, 431);
    assert.equal(res.json?.error_code, 'BAD_REQUEST');
  });
});
