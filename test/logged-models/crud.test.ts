import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '@keel/platform/testing';
import { call, expectError as failed, expectOk as ok } from '../support/http.js';

const UNKNOWN = 'm-ffffffffffffffffffffffffffffffff';
const NOT_FOUND = `Logged model with ID '${UNKNOWN}' not found.`;

describe('logged models over HTTP (G1-G4, G6-G8)', () => {
  let keel: TestServer;
  let url: string;
  let exp: string;

  before(async () => {
    keel = await startTestServer();
    url = keel.url;
    exp = ok(await call(url, 'POST', 'experiments/create', { name: 'lm-http' })).experiment_id;
  });
  after(() => keel.close());

  it('creates, gets (also via /ajax-api) and shows the MLflow shape', async () => {
    const { model } = ok(
      await call(url, 'POST', 'logged-models', {
        experiment_id: exp,
        name: 'golden-model',
        model_type: 'Classifier',
        params: [{ key: 'alpha', value: '0.5' }],
        tags: [{ key: 'mlflow.user', value: 'me' }],
      }),
    );
    const id = model.info.model_id;
    assert.match(id, /^m-[0-9a-f]{32}$/);
    assert.equal(model.info.status, 'LOGGED_MODEL_PENDING');
    assert.equal(model.info.artifact_uri, `mlflow-artifacts:/${exp}/models/${id}/artifacts`);
    assert.equal(model.info.source_run_id, '');
    assert.equal(typeof model.info.creation_timestamp_ms, 'number');
    assert.deepEqual(model.data, { params: [{ key: 'alpha', value: '0.5' }] });
    assert.deepEqual(ok(await call(url, 'GET', `logged-models/${id}`)).model, model);
    assert.deepEqual(ok(await call(url, 'GET', `/ajax-api/2.0/mlflow/logged-models/${id}`)).model, model);
  });

  it('generates a name for an absent or empty one and refuses forbidden characters', async () => {
    const generated = ok(await call(url, 'POST', 'logged-models', { experiment_id: exp, name: '' })).model;
    assert.match(generated.info.name, /^[a-z]+-[a-z]+-\d+$/);
    assert.deepEqual(generated.data, {});
    failed(
      await call(url, 'POST', 'logged-models', { experiment_id: exp, name: 'bad/name' }),
      400,
      'INVALID_PARAMETER_VALUE',
      `Invalid model name ('bad/name') provided. Model name must be a non-empty string and cannot contain the following characters: ('/', ':', '.', '%', '"', "'")`,
    );
    failed(
      await call(url, 'POST', 'logged-models', { experiment_id: exp, name: 'v1.2' }),
      400,
      'INVALID_PARAMETER_VALUE',
    );
  });

  it('answers experiment errors like MLflow', async () => {
    failed(
      await call(url, 'POST', 'logged-models', { name: 'x' }),
      400,
      'INVALID_PARAMETER_VALUE',
      "Missing value for required parameter 'experiment_id'. See the API docs for more information about request parameters.",
    );
    failed(
      await call(url, 'POST', 'logged-models', { experiment_id: '999999' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
      'No Experiment with id=999999 exists',
    );
    const gone = ok(await call(url, 'POST', 'experiments/create', { name: 'lm-http-gone' })).experiment_id;
    ok(await call(url, 'POST', 'experiments/delete', { experiment_id: gone }));
    failed(
      await call(url, 'POST', 'logged-models', { experiment_id: gone }),
      400,
      'INVALID_PARAMETER_VALUE',
      `The experiment ${gone} must be in the 'active' state. Current state is deleted.`,
    );
    const noType = await fetch(`${url}/api/2.0/mlflow/logged-models`, { method: 'POST', body: '{}' });
    assert.equal(noType.status, 400);
  });

  it('answers 404 with the MLflow message for unknown ids on every route', async () => {
    failed(await call(url, 'GET', `logged-models/${UNKNOWN}`), 404, 'RESOURCE_DOES_NOT_EXIST', NOT_FOUND);
    failed(
      await call(url, 'PATCH', `logged-models/${UNKNOWN}`, { model_id: UNKNOWN, status: 'LOGGED_MODEL_READY' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
      NOT_FOUND,
    );
    failed(await call(url, 'DELETE', `logged-models/${UNKNOWN}`), 404, 'RESOURCE_DOES_NOT_EXIST', NOT_FOUND);
    failed(
      await call(url, 'PATCH', `logged-models/${UNKNOWN}/tags`, { tags: [{ key: 'k', value: 'v' }] }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
      NOT_FOUND,
    );
    failed(await call(url, 'DELETE', `logged-models/${UNKNOWN}/tags/k`), 404, 'RESOURCE_DOES_NOT_EXIST', NOT_FOUND);
    failed(
      await call(url, 'POST', `logged-models/${UNKNOWN}/params`, { params: [{ key: 'k', value: 'v' }] }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
      NOT_FOUND,
    );
  });

  it('finalizes with a status name or number and bumps the update time', async () => {
    const { info } = ok(await call(url, 'POST', 'logged-models', { experiment_id: exp })).model;
    await new Promise((resolve) => setTimeout(resolve, 5));
    const ready = ok(
      await call(url, 'PATCH', `logged-models/${info.model_id}`, {
        model_id: info.model_id,
        status: 'LOGGED_MODEL_READY',
      }),
    ).model;
    assert.equal(ready.info.status, 'LOGGED_MODEL_READY');
    assert.ok(ready.info.last_updated_timestamp_ms > info.last_updated_timestamp_ms);
    const failedUpload = ok(await call(url, 'PATCH', `logged-models/${info.model_id}`, { status: 3 })).model;
    assert.equal(failedUpload.info.status, 'LOGGED_MODEL_UPLOAD_FAILED');
    failed(
      await call(url, 'PATCH', `logged-models/${info.model_id}`, { model_id: info.model_id }),
      400,
      'INVALID_PARAMETER_VALUE',
      "Missing value for required parameter 'status'. See the API docs for more information about request parameters.",
    );
    failed(
      await call(url, 'PATCH', `logged-models/${info.model_id}`, { status: 'DONE' }),
      400,
      'INVALID_PARAMETER_VALUE',
      /'status'/,
    );
  });

  it('sets, lists and deletes tags; a tag without a key is refused', async () => {
    const { info } = ok(
      await call(url, 'POST', 'logged-models', { experiment_id: exp, tags: [{ key: 'stage', value: 'dev' }] }),
    ).model;
    const path = `logged-models/${info.model_id}`;
    assert.deepEqual(
      ok(
        await call(url, 'PATCH', `${path}/tags`, {
          tags: [
            { key: 'stage', value: 'prod' },
            { key: 'owner', value: 'keel' },
          ],
        }),
      ),
      {},
    );
    assert.deepEqual(ok(await call(url, 'GET', path)).model.info.tags, [
      { key: 'owner', value: 'keel' },
      { key: 'stage', value: 'prod' },
    ]);
    // MLflow 3.5 stores a tag with an empty key here; Keel requires the key.
    failed(
      await call(url, 'PATCH', `${path}/tags`, { tags: [{ value: 'v' }] }),
      400,
      'INVALID_PARAMETER_VALUE',
      "Missing value for required parameter 'tags[0].key'. See the API docs for more information about request parameters.",
    );
    assert.deepEqual(ok(await call(url, 'DELETE', `${path}/tags/owner`)), {});
    failed(
      await call(url, 'DELETE', `${path}/tags/owner`),
      404,
      'RESOURCE_DOES_NOT_EXIST',
      `No tag with key 'owner' found for model with ID '${info.model_id}'.`,
    );
    ok(await call(url, 'DELETE', `${path}/tags/${encodeURIComponent('stage')}`));
    assert.equal(ok(await call(url, 'GET', path)).model.info.tags, undefined);
  });

  it('logs params in batches', async () => {
    const { info } = ok(
      await call(url, 'POST', 'logged-models', { experiment_id: exp, params: [{ key: 'a', value: '1' }] }),
    ).model;
    const path = `logged-models/${info.model_id}`;
    const batch = Array.from({ length: 100 }, (_, i) => ({ key: `p${i}`, value: String(i) }));
    assert.deepEqual(ok(await call(url, 'POST', `${path}/params`, { model_id: info.model_id, params: batch })), {});
    assert.equal(ok(await call(url, 'GET', path)).model.data.params.length, 101);
    failed(
      await call(url, 'POST', `${path}/params`, { params: [{ key: 'a', value: '2' }] }),
      400,
      'INVALID_PARAMETER_VALUE',
      /Changing param values is not allowed/,
    );
  });

  it('soft-deletes: get answers 404, a second delete succeeds', async () => {
    const { info } = ok(await call(url, 'POST', 'logged-models', { experiment_id: exp, name: 'doomed' })).model;
    const path = `logged-models/${info.model_id}`;
    assert.deepEqual(ok(await call(url, 'DELETE', path)), {});
    failed(
      await call(url, 'GET', path),
      404,
      'RESOURCE_DOES_NOT_EXIST',
      `Logged model with ID '${info.model_id}' not found.`,
    );
    assert.deepEqual(ok(await call(url, 'DELETE', path)), {});
    const found = ok(
      await call(url, 'POST', 'logged-models/search', { experiment_ids: [exp], filter: "name = 'doomed'" }),
    );
    assert.deepEqual(found, {});
  });
});
