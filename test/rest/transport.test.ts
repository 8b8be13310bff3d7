// MLflow's transport rules over a real listening server: content types, JSON parsing, GET
// encodings, error JSON, route errors, security middleware.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '@keel/platform/testing';
import { mlflowApi, send } from '../support/http.js';

describe('REST transport', () => {
  let keel: TestServer;
  let api: ReturnType<typeof mlflowApi>;

  before(async () => {
    keel = await startTestServer();
    api = mlflowApi(keel.url);
  });
  after(() => keel.close());

  it('serves /health and an MLflow-compatible /version', async () => {
    const health = await send(keel.url, { path: '/health' });
    assert.equal(health.status, 200);
    assert.equal(health.text, 'OK');
    const version = await send(keel.url, { path: '/version' });
    assert.match(version.text, /^\d+\.\d+\.\d+$/);
  });

  it('requires a JSON content type on POST', async () => {
    const path = '/api/2.0/mlflow/experiments/create';
    const missing = await send(keel.url, { method: 'POST', path, body: '{"name":"x"}' });
    assert.equal(missing.status, 400);
    assert.deepEqual(missing.json, {
      error_code: 'INVALID_PARAMETER_VALUE',
      message: 'Bad Request. Content-Type header is missing.',
    });
    const text = await send(keel.url, {
      method: 'POST',
      path,
      headers: { 'content-type': 'text/plain' },
      body: '{"name":"x"}',
    });
    assert.equal(text.json.message, "Bad Request. Content-Type must be one of ['application/json'].");
    const withCharset = await send(keel.url, {
      method: 'POST',
      path,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ name: 'charset-ok' }),
    });
    assert.equal(withCharset.status, 200);
  });

  it('answers 400 for malformed JSON, invalid UTF-8, non-object bodies and wrong types', async () => {
    const path = '/api/2.0/mlflow/experiments/create';
    const headers = { 'content-type': 'application/json' };
    const broken = await send(keel.url, { method: 'POST', path, headers, body: '{"name": ' });
    assert.equal(broken.status, 400);
    assert.equal(broken.json.error_code, 'INVALID_PARAMETER_VALUE');
    const badUtf8 = await send(keel.url, {
      method: 'POST',
      path,
      headers,
      body: Buffer.from([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
    });
    assert.equal(badUtf8.status, 400);
    assert.match(badUtf8.json.message, /UTF-8/);
    const array = await send(keel.url, { method: 'POST', path, headers, body: '[1,2]' });
    assert.equal(array.status, 400);
    const wrongType = await api.post('/experiments/create', { name: 123 });
    assert.equal(wrongType.status, 400);
    assert.match(wrongType.json.message, /Invalid value 123 for parameter 'name' supplied/);
    const empty = await send(keel.url, { method: 'POST', path, headers, body: '' });
    assert.equal(empty.json.message.startsWith("Missing value for required parameter 'name'"), true);
  });

  it('refuses an oversized body without a 500', async () => {
    const big = JSON.stringify({ name: 'x'.repeat(40 * 1024 * 1024) });
    const res = await send(keel.url, {
      method: 'POST',
      path: '/api/2.0/mlflow/experiments/create',
      headers: { 'content-type': 'application/json' },
      body: big,
    });
    assert.equal(res.status, 400);
    assert.equal(res.json.error_code, 'INVALID_PARAMETER_VALUE');
  });

  it('reads GET fields from the query string: repeated keys, run_uuid, booleans, enums by number', async () => {
    const exp = (await api.post('/experiments/create', { name: 'get-rules' })).json.experiment_id;
    const run = (await api.post('/runs/create', { experiment_id: exp })).json.run.info.run_id;
    const viaUuid = await api.get('/runs/get', { run_uuid: run });
    assert.equal(viaUuid.json.run.info.run_id, run);
    const search = await api.get('/experiments/get', { experiment_id: exp, ignored_key: 'x' });
    assert.equal(search.status, 200);
    const badBool = await api.get('/model-versions/search', { filter: "name='x'" });
    assert.notEqual(badBool.status, 500);
  });

  it('accepts an experiment id given as a JSON number', async () => {
    const exp = (await api.post('/experiments/create', { name: 'numeric-id' })).json.experiment_id;
    const run = await api.post('/runs/create', { experiment_id: Number(exp) });
    assert.equal(run.status, 200);
    assert.equal(run.json.run.info.experiment_id, exp);
  });

  it('serves every route on the /ajax-api twin', async () => {
    const res = await mlflowApi(keel.url, '/ajax-api/2.0/mlflow').get('/experiments/get', { experiment_id: '0' });
    assert.equal(res.status, 200);
    assert.equal(res.json.experiment.name, 'Default');
  });

  it('answers 404 for unknown routes and 405 for wrong methods', async () => {
    assert.equal((await send(keel.url, { path: '/api/2.0/mlflow/nope' })).status, 404);
    assert.equal((await send(keel.url, { method: 'DELETE', path: '/api/2.0/mlflow/experiments/get' })).status, 405);
    assert.equal((await send(keel.url, { path: '/api/2.0/mlflow/runs/search' })).status, 405);
  });

  it('answers 405 before reading the body, for HEAD too, and only on API paths', async () => {
    const wrong = await send(keel.url, {
      method: 'PUT',
      path: '/ajax-api/2.0/mlflow/runs/search?max_results=1',
      headers: { 'content-type': 'application/xml' },
      body: '<not-json/>',
    });
    assert.equal(wrong.status, 405);
    assert.match(String(wrong.headers['content-type']), /^text\/html/);
    assert.equal(wrong.headers['x-content-type-options'], 'nosniff');
    // A path served only with POST has no HEAD route either.
    assert.equal((await send(keel.url, { method: 'HEAD', path: '/api/2.0/mlflow/runs/create' })).status, 405);
    assert.equal((await send(keel.url, { method: 'HEAD', path: '/api/2.0/mlflow/experiments/get' })).status, 400);
    // Neither OPTIONS on an API path nor another method on a non-API route is a 405.
    assert.equal((await send(keel.url, { method: 'OPTIONS', path: '/api/2.0/mlflow/runs/create' })).status, 404);
    assert.equal((await send(keel.url, { method: 'POST', path: '/health' })).status, 404);
    assert.equal((await send(keel.url, { method: 'DELETE', path: '/api/2.0/mlflow/runs/create/' })).status, 404);
    // A Host the server refuses is refused before the method is looked at.
    const foreign = await send(keel.url, {
      method: 'GET',
      path: '/api/2.0/mlflow/runs/create',
      headers: { host: 'evil.example' },
    });
    assert.equal(foreign.status, 403);
  });

  it('emits int64 as numbers and omits empty lists', async () => {
    const exp = (await api.post('/experiments/create', { name: 'shapes' })).json.experiment_id;
    const created = await api.post('/runs/create', { experiment_id: exp, start_time: 1700000000000 });
    const raw = created.text;
    assert.match(raw, /"start_time":1700000000000/);
    assert.equal(created.json.run.data.metrics, undefined);
    assert.deepEqual(created.json.run.inputs, {});
  });

  it('never answers 500 for garbage input', async () => {
    const bodies = ['null', '"str"', '{"experiment_id": {}}', '{"run_id": [], "key": 1}', '{"metrics": "x"}'];
    for (const path of ['/runs/create', '/runs/log-batch', '/runs/log-metric', '/runs/update', '/experiments/update']) {
      for (const body of bodies) {
        const res = await send(keel.url, {
          method: 'POST',
          path: `/api/2.0/mlflow${path}`,
          headers: { 'content-type': 'application/json' },
          body,
        });
        assert.ok(res.status < 500, `${path} ${body} -> ${res.status} ${res.text}`);
        assert.equal(typeof res.json?.error_code, 'string', `${path} ${body}`);
      }
    }
  });

  describe('security middleware', () => {
    it('refuses Host headers outside the allow-list (DNS rebinding)', async () => {
      const ok = await send(keel.url, {
        path: '/api/2.0/mlflow/experiments/get?experiment_id=0',
        headers: { host: 'localhost:5000' },
      });
      assert.equal(ok.status, 200);
      const lan = await send(keel.url, {
        path: '/api/2.0/mlflow/experiments/get?experiment_id=0',
        headers: { host: '192.168.1.20:5000' },
      });
      assert.equal(lan.status, 200);
      const evil = await send(keel.url, {
        path: '/api/2.0/mlflow/experiments/get?experiment_id=0',
        headers: { host: 'evil.example.com' },
      });
      assert.equal(evil.status, 403);
      const tricky = await send(keel.url, { path: '/', headers: { host: '127.0.0.1.evil.com' } });
      assert.equal(tricky.status, 403);
      const health = await send(keel.url, { path: '/health', headers: { host: 'evil.example.com' } });
      assert.equal(health.status, 200);
    });

    it('blocks cross-origin writes but allows localhost origins, with CORS headers', async () => {
      const body = JSON.stringify({ name: 'cors' });
      const foreign = await send(keel.url, {
        method: 'POST',
        path: '/api/2.0/mlflow/experiments/create',
        headers: { 'content-type': 'application/json', origin: 'https://evil.example.com' },
        body,
      });
      assert.equal(foreign.status, 403);
      const local = await send(keel.url, {
        method: 'POST',
        path: '/api/2.0/mlflow/experiments/create',
        headers: { 'content-type': 'application/json', origin: 'http://localhost:3000' },
        body,
      });
      assert.equal(local.status, 200);
      assert.equal(local.headers['access-control-allow-origin'], 'http://localhost:3000');
      const preflight = await send(keel.url, {
        method: 'OPTIONS',
        path: '/api/2.0/mlflow/experiments/create',
        headers: { origin: 'http://127.0.0.1:8080', 'access-control-request-method': 'POST' },
      });
      assert.equal(preflight.status, 204);
      assert.match(String(preflight.headers['access-control-allow-methods']), /PATCH/);
    });

    it('sets nosniff and X-Frame-Options on every response', async () => {
      const res = await send(keel.url, { path: '/health' });
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      assert.equal(res.headers['x-frame-options'], 'SAMEORIGIN');
    });

    it('widens the allow-list with --allowed-hosts and CORS origins with --cors-allowed-origins', async () => {
      const open = await startTestServer({
        allowedHosts: ['*.internal.example'],
        corsAllowedOrigins: ['https://ui.example'],
      });
      try {
        const host = await send(open.url, {
          path: '/api/2.0/mlflow/experiments/get?experiment_id=0',
          headers: { host: 'ml.internal.example:5000' },
        });
        assert.equal(host.status, 200);
        const other = await send(open.url, {
          path: '/api/2.0/mlflow/experiments/get?experiment_id=0',
          headers: { host: 'x.example' },
        });
        assert.equal(other.status, 403);
        const write = await send(open.url, {
          method: 'POST',
          path: '/api/2.0/mlflow/experiments/create',
          headers: { 'content-type': 'application/json', origin: 'https://ui.example' },
          body: JSON.stringify({ name: 'allowed-origin' }),
        });
        assert.equal(write.status, 200);
      } finally {
        await open.close();
      }
    });
  });
});

describe('server modes', () => {
  it('puts the UI and ajax routes under --static-prefix, not the public API', async () => {
    const keel = await startTestServer({ staticPrefix: '/mlflow' });
    try {
      assert.equal(
        (await send(keel.url, { path: '/mlflow/ajax-api/2.0/mlflow/experiments/get?experiment_id=0' })).status,
        200,
      );
      assert.equal(
        (await send(keel.url, { path: '/ajax-api/2.0/mlflow/experiments/get?experiment_id=0' })).status,
        404,
      );
      assert.equal((await send(keel.url, { path: '/api/2.0/mlflow/experiments/get?experiment_id=0' })).status, 200);
      assert.equal((await send(keel.url, { path: '/mlflow/' })).status, 200);
      assert.equal((await send(keel.url, { path: '/health' })).status, 200);
    } finally {
      await keel.close();
    }
  });

  it('answers 503 on tracking routes in --artifacts-only mode', async () => {
    const keel = await startTestServer({ artifactsOnly: true });
    try {
      const res = await send(keel.url, { path: '/api/2.0/mlflow/experiments/get?experiment_id=0' });
      assert.equal(res.status, 503);
      assert.match(res.text, /--artifacts-only/);
      assert.equal((await send(keel.url, { path: '/health' })).status, 200);
    } finally {
      await keel.close();
    }
  });
});

describe('malformed URLs', () => {
  it('answers MLflow error JSON for broken percent-escapes in the path', async () => {
    const keel = await startTestServer();
    try {
      const res = await send(keel.url, { path: '/api/2.0/mlflow-artifacts/artifacts/%c0%ae%c0%ae/x' });
      assert.equal(res.status, 400);
      assert.equal(res.json.error_code, 'INVALID_PARAMETER_VALUE');
    } finally {
      await keel.close();
    }
  });
});
