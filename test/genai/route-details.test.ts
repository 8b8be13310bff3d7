// Details of existing routes that MLflow's clients and test suites match on: exact validation
// messages, type errors that echo the value as MLflow's handler prints it, and the status of
// path validation behind a path with doubled slashes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '@keel/platform/testing';
import { type Client, client, expectError, expectOk, rawRequest, send } from '../support/http.js';

const INVALID_PATH = { error_code: 'INVALID_PARAMETER_VALUE', message: 'Invalid path' };

describe('route details MLflow clients match on', () => {
  let keel: TestServer;
  let api: Client;
  let runId: string;
  let experimentId: string;

  before(async () => {
    keel = await startTestServer();
    api = client(keel);
    experimentId = expectOk(await api.post('experiments/create', { name: 'details' })).experiment_id;
    runId = expectOk(await api.post('runs/create', { experiment_id: experimentId })).run.info.run_id;
  });
  after(() => keel.close());

  it('validates artifact paths with 400 on every route, including behind doubled slashes', async () => {
    const q = `run_id=${runId}&path=..%2Fpath`;
    for (const path of [
      `/api/2.0/mlflow/artifacts/list?${q}`,
      `/get-artifact?${q}`,
      '/model-versions/get-artifact?name=model&version=1&path=..%2Fpath',
    ]) {
      const res = await fetch(keel.url + path);
      assert.equal(res.status, 400, path);
      assert.deepEqual(await res.json(), INVALID_PATH, path);
    }
    // Doubled slashes are merged with a redirect (as MLflow's router does), which clients follow.
    const redirected = await rawRequest(
      keel.url,
      'GET',
      '//model-versions/get-artifact?name=model&version=1&path=..%2Fpath',
    );
    assert.equal(redirected.status, 308);
    assert.equal(redirected.headers.location, '/model-versions/get-artifact?name=model&version=1&path=..%2Fpath');
    const followed = await fetch(`${keel.url}//model-versions/get-artifact?name=model&version=1&path=..%2Fpath`);
    assert.equal(followed.status, 400);
    assert.deepEqual(await followed.json(), INVALID_PATH);
    // The redirect never leaves the server: `//host/x` becomes the local path `/host/x`.
    const local = await rawRequest(keel.url, 'GET', '//evil.example/x');
    assert.equal(local.headers.location, '/evil.example/x');
    assert.equal((await fetch(`${keel.url}//no/such//route`)).status, 404);
  });

  it('answers the bulk metric route’s run-id limits in MLflow’s words', async () => {
    const many = Array.from({ length: 101 }, (_, i) => `run_id=r${String(i).padStart(31, '0')}`).join('&');
    const over = await fetch(`${keel.url}/ajax-api/2.0/mlflow/metrics/get-history-bulk?${many}&metric_key=loss`);
    assert.equal(over.status, 400);
    assert.deepEqual(await over.json(), {
      error_code: 'INVALID_PARAMETER_VALUE',
      message: 'GetMetricHistoryBulk request cannot specify more than 100 run_ids. Received 101 run_ids.',
    });
    expectError(
      await api.get('/ajax-api/2.0/mlflow/metrics/get-history-bulk', { metric_key: 'loss' }),
      400,
      'INVALID_PARAMETER_VALUE',
      'GetMetricHistoryBulk request must specify at least one run_id.',
    );
    expectError(
      await api.get('/ajax-api/2.0/mlflow/metrics/get-history-bulk', {
        run_id: runId,
        metric_key: 'loss',
        max_results: 'abc',
      }),
      400,
      'INVALID_PARAMETER_VALUE',
      /Invalid value "abc" for parameter 'max_results'/,
    );
  });

  it('checks search-datasets requests as MLflow does (400, not an empty answer)', async () => {
    const SDS = '/ajax-api/2.0/mlflow/experiments/search-datasets';
    expectError(
      await api.post(SDS, {}),
      400,
      'INVALID_PARAMETER_VALUE',
      'SearchDatasets request must specify at least one experiment_id.',
    );
    expectError(
      await api.post(SDS, { experiment_ids: Array.from({ length: 21 }, (_, i) => String(1000 + i)) }),
      400,
      'INVALID_PARAMETER_VALUE',
      'SearchDatasets request cannot specify more than 20 experiment_ids. Received 21 experiment_ids.',
    );
    assert.deepEqual(
      expectOk(
        await api.post(SDS, {
          experiment_ids: [experimentId, ...Array.from({ length: 19 }, (_, i) => String(1000 + i))],
        }),
      ),
      {},
    );
    expectError(await api.post(SDS, { experiment_ids: '0' }), 400, 'INVALID_PARAMETER_VALUE', /'experiment_ids'/);
  });

  it('echoes a wrongly typed value as MLflow prints it: keys sorted, compact, non-ASCII escaped', async () => {
    expectError(
      await api.post('runs/log-batch', { run_id: runId, tags: { z: 1, a: 'é', m: [true, null] } }),
      400,
      'INVALID_PARAMETER_VALUE',
      `Invalid value {"a":"\\u00e9","m":[true,null],"z":1} for parameter 'tags' supplied:  Hint: Value was of type 'dict'. See the API docs for more information about request parameters.`,
    );
    expectError(
      await api.post('experiments/create', { name: 'typed', artifact_location: 123 }),
      400,
      'INVALID_PARAMETER_VALUE',
      "Invalid value 123 for parameter 'artifact_location' supplied:  Hint: Value was of type 'int'. See the API docs for more information about request parameters.",
    );
    expectOk(await api.post('experiments/create', { name: 'null-location', artifact_location: null }));
  });

  it('echoes numbers as Python read the client’s JSON: 9.0 is a float, 1e400 infinity', async () => {
    // Sent as raw text: JSON.stringify would already have turned 9.0 into 9.
    const post = (path: string, body: string) =>
      send(keel.url, {
        method: 'POST',
        path: `/api/2.0/mlflow/${path}`,
        headers: { 'content-type': 'application/json' },
        body,
      });
    const echoed = async (path: string, body: string) => {
      const res = await post(path, body);
      assert.equal(res.status, 400, res.text);
      return res.json.message as string;
    };
    const hint = (type: string) =>
      `Hint: Value was of type '${type}'. See the API docs for more information about request parameters.`;
    assert.equal(
      await echoed('experiments/create', '{"name": "e", "artifact_location": 9.0}'),
      `Invalid value 9.0 for parameter 'artifact_location' supplied:  ${hint('float')}`,
    );
    const cases: [body: string, field: string, echo: string, type: string][] = [
      ['{"name": "e", "artifactLocation": 1.0e-7}', 'artifact_location', '1e-07', 'float'],
      ['{"name": "e", "artifact_location": 1.5e300}', 'artifact_location', '1.5e+300', 'float'],
      ['{"name": "e", "artifact_location": -1e400}', 'artifact_location', '-Infinity', 'float'],
      [
        '{"name": "e", "artifact_location": 123456789012345678901234567890}',
        'artifact_location',
        '123456789012345678901234567890',
        'int',
      ],
      ['{"name": "e", "tags": [{"key": "a", "value": 2.50}]}', 'tags[0].value', '2.5', 'float'],
      ['{"name": "e", "tags": {"b": 1.0, "a": [2E3]}}', 'tags', '{"a":[2000.0],"b":1.0}', 'dict'],
    ];
    for (const [body, field, echo, type] of cases) {
      assert.equal(
        await echoed('experiments/create', body),
        `Invalid value ${echo} for parameter '${field}' supplied:  ${hint(type)}`,
        body,
      );
    }
    assert.match(
      await echoed(
        'runs/log-batch',
        `{"run_id": "${runId}", "metrics": [{"key": "m", "value": 1, "timestamp": 5.50}]}`,
      ),
      /^Invalid value 5\.5 for parameter 'metrics\[0\]\.timestamp' supplied: .*'float'/,
    );
  });
});
