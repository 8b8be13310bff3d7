import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ModelVersion } from '@keel/contract';
import { KeelClient } from '../client/keel-client.js';
import type { Transport, TransportRequest } from '../transport/transport.js';

type Answer = { status?: number; body: unknown };
type Route = (request: TransportRequest, body: Record<string, unknown>) => Answer;

/** A transport answering by path (below /api/2.0/mlflow), recording what was called. */
function fakeServer(routes: Record<string, Route>): { client: KeelClient; calls: string[] } {
  const calls: string[] = [];
  const transport: Transport = {
    uri: 'http://fake',
    async request(request) {
      const path = request.path.replace('/api/2.0/mlflow', '');
      calls.push(`${request.method} ${path}`);
      const body = typeof request.body === 'string' ? (JSON.parse(request.body) as Record<string, unknown>) : {};
      for (const [key, value] of request.query ?? []) body[key] = value;
      const route = routes[`${request.method} ${path}`];
      const answer = route?.(request, body) ?? {
        status: 404,
        body: { error_code: 'ENDPOINT_NOT_FOUND', message: `no ${path}` },
      };
      return { status: answer.status ?? 200, headers: {}, body: JSON.stringify(answer.body) };
    },
  };
  return { client: new KeelClient({ transport }), calls };
}

const version = (status: ModelVersion['status'], extra: Partial<ModelVersion> = {}): ModelVersion => ({
  name: 'churn',
  version: '4',
  creation_timestamp: 1,
  last_updated_timestamp: 1,
  current_stage: 'None',
  source: 's3://b/m',
  status,
  ...extra,
});

const exists: Route = () => ({
  status: 400,
  body: { error_code: 'RESOURCE_ALREADY_EXISTS', message: 'Registered Model (name=churn) already exists.' },
});

describe('registerModel', () => {
  test('tolerates an existing model, creates the version and polls until READY', async () => {
    const polled: string[] = [];
    let gets = 0;
    const { client, calls } = fakeServer({
      'POST /registered-models/create': exists,
      'POST /model-versions/create': (_r, body) => {
        assert.deepEqual(body, {
          name: 'churn',
          source: 's3://b/m',
          run_id: 'r1',
          tags: [{ key: 'team', value: 'ml' }],
          description: 'weekly',
        });
        return { body: { model_version: version('PENDING_REGISTRATION') } };
      },
      'GET /model-versions/get': () => {
        gets++;
        return { body: { model_version: version(gets < 2 ? 'PENDING_REGISTRATION' : 'READY') } };
      },
    });
    const ready = await client.registerModel('s3://b/m', 'churn', {
      runId: 'r1',
      tags: { team: 'ml' },
      description: 'weekly',
      pollIntervalMs: 1,
      onPoll: (v) => polled.push(v.status),
    });
    assert.equal(ready.status, 'READY');
    assert.deepEqual(polled, ['PENDING_REGISTRATION', 'PENDING_REGISTRATION', 'READY']);
    assert.deepEqual(calls, [
      'POST /registered-models/create',
      'POST /model-versions/create',
      'GET /model-versions/get',
      'GET /model-versions/get',
    ]);
  });

  test('FAILED_REGISTRATION is an error naming the version; a version still pending times out', async () => {
    const failing = fakeServer({
      'POST /registered-models/create': () => ({ body: { registered_model: { name: 'churn' } } }),
      'POST /model-versions/create': () => ({
        body: { model_version: version('FAILED_REGISTRATION', { status_message: 'copy failed' }) },
      }),
    });
    await assert.rejects(failing.client.registerModel('s3://b/m', 'churn'), {
      code: 'INVALID_STATE',
      message: 'Registration of model version churn 4 failed: copy failed',
    });
    const stuck = fakeServer({
      'POST /registered-models/create': exists,
      'POST /model-versions/create': () => ({ body: { model_version: version('PENDING_REGISTRATION') } }),
      'GET /model-versions/get': () => ({ body: { model_version: version('PENDING_REGISTRATION') } }),
    });
    await assert.rejects(stuck.client.registerModel('s3://b/m', 'churn', { waitTimeoutMs: 30, pollIntervalMs: 5 }), {
      code: 'DEADLINE_EXCEEDED',
    });
    const noWait = await stuck.client.registerModel('s3://b/m', 'churn', { waitTimeoutMs: 0 });
    assert.equal(noWait.status, 'PENDING_REGISTRATION');
  });

  test('other errors creating the model abort the registration', async () => {
    const { client, calls } = fakeServer({
      'POST /registered-models/create': () => ({
        status: 403,
        body: { error_code: 'PERMISSION_DENIED', message: 'no' },
      }),
    });
    await assert.rejects(client.registerModel('s3://b/m', 'churn'), { code: 'PERMISSION_DENIED' });
    assert.deepEqual(calls, ['POST /registered-models/create']);
  });

  const run = {
    info: { run_id: 'r1', experiment_id: '7', artifact_uri: 'mlflow-artifacts:/7/r1/artifacts' },
    data: {},
    outputs: {
      model_outputs: [
        { model_id: 'm-old', step: 1 },
        { model_id: 'm-best', step: 5 },
      ],
    },
  };
  const loggedModel = (id: string, created: number) => ({
    info: {
      model_id: id,
      name: 'model',
      source_run_id: 'r1',
      experiment_id: '7',
      creation_timestamp_ms: created,
      artifact_uri: `mlflow-artifacts:/7/models/${id}/artifacts`,
    },
  });

  test('runs:/ with an MLmodel in the run registers the run path', async () => {
    let source = '';
    const { client } = fakeServer({
      'POST /registered-models/create': exists,
      'GET /runs/get': () => ({ body: { run } }),
      'GET /artifacts/list': (_r, body) => {
        assert.equal(body.path, 'model');
        return { body: { files: [{ path: 'model/MLmodel', is_dir: false, file_size: 10 }] } };
      },
      'POST /model-versions/create': (_r, body) => {
        source = String(body.source);
        assert.equal(body.run_id, 'r1');
        assert.equal(body.model_id, undefined);
        return { body: { model_version: version('READY') } };
      },
    });
    await client.registerModel('runs:/r1/model/', 'churn');
    assert.equal(source, 'mlflow-artifacts:/7/r1/artifacts/model');
  });

  test('runs:/ without an MLmodel finds the logged model the run produced, and records the version on it', async () => {
    let created: Record<string, unknown> = {};
    let tagged: unknown;
    const { client } = fakeServer({
      'POST /registered-models/create': exists,
      'GET /runs/get': () => ({ body: { run } }),
      'GET /artifacts/list': () => ({ body: { files: [] } }),
      'POST /logged-models/search': (_r, body) => {
        assert.deepEqual(body.experiment_ids, ['7']);
        assert.equal(body.filter, "name = 'model'");
        return {
          body: {
            models: [
              loggedModel('m-old', 1),
              loggedModel('m-best', 2),
              { ...loggedModel('m-other', 3), info: { ...loggedModel('m-other', 3).info, source_run_id: 'r2' } },
            ],
          },
        };
      },
      'POST /model-versions/create': (_r, body) => {
        created = body;
        return { body: { model_version: version('READY', { model_id: 'm-best' }) } };
      },
      'GET /logged-models/m-best': () => ({
        body: {
          model: {
            info: {
              model_id: 'm-best',
              tags: [{ key: 'mlflow.modelVersions', value: '[{"name": "other", "version": 1}]' }],
            },
          },
        },
      }),
      'PATCH /logged-models/m-best/tags': (_r, body) => {
        tagged = body.tags;
        return { body: {} };
      },
    });
    await client.registerModel('runs:/r1/model', 'churn');
    assert.equal(created.source, 'models:/m-best');
    assert.equal(created.model_id, 'm-best');
    assert.equal(created.run_id, 'r1');
    assert.deepEqual(tagged, [
      { key: 'mlflow.modelVersions', value: '[{"name":"other","version":1},{"name":"churn","version":"4"}]' },
    ]);
  });

  test('models:/m-<id> sources carry their model ID; an entry already on the tag is not added twice', async () => {
    let patched = false;
    const { client } = fakeServer({
      'POST /registered-models/create': exists,
      'POST /model-versions/create': (_r, body) => {
        assert.equal(body.model_id, 'm-1');
        return { body: { model_version: version('READY') } };
      },
      'GET /logged-models/m-1': () => ({
        body: {
          model: {
            info: {
              model_id: 'm-1',
              tags: [{ key: 'mlflow.modelVersions', value: '[{"name": "churn", "version": 4}]' }],
            },
          },
        },
      }),
      'PATCH /logged-models/m-1/tags': () => {
        patched = true;
        return { body: {} };
      },
    });
    await client.registerModel('models:/m-1', 'churn');
    assert.equal(patched, false);
  });

  test('runs:/ naming nothing at all is RESOURCE_DOES_NOT_EXIST', async () => {
    const { client } = fakeServer({
      'POST /registered-models/create': exists,
      'GET /runs/get': () => ({ body: { run } }),
      'GET /artifacts/list': () => ({ body: { files: [] } }),
      'POST /logged-models/search': () => ({ body: { models: [] } }),
    });
    await assert.rejects(client.registerModel('runs:/r1/nothing', 'churn'), {
      code: 'RESOURCE_DOES_NOT_EXIST',
      message: /logged_model with artifact_path nothing under run r1/,
    });
  });

  test('a server without the artifact listing gets the run path unless the run logged a model of that name', async () => {
    let source = '';
    const { client } = fakeServer({
      'POST /registered-models/create': exists,
      'GET /runs/get': () => ({ body: { run } }),
      'POST /logged-models/search': () => ({ body: { models: [] } }),
      'POST /model-versions/create': (_r, body) => {
        source = String(body.source);
        return { body: { model_version: version('READY') } };
      },
    });
    await client.registerModel('runs:/r1/model', 'churn');
    assert.equal(source, 'mlflow-artifacts:/7/r1/artifacts/model');
  });
});
