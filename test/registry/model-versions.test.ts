// REST black-box tests of the model-version endpoints (registry-api.md §6).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '@keel/platform/testing';
import { type Client, client, expectError, expectOk } from '../support/http.js';

const NOT_FOUND_99 = 'Model Version (name=mv, version=99) not found';

describe('model versions over HTTP', () => {
  let keel: TestServer;
  let api: Client;
  let runId: string;
  before(async () => {
    keel = await startTestServer();
    api = client(keel);
    expectOk(await api.post('registered-models/create', { name: 'mv' }));
    const run = expectOk(await api.post('runs/create', { experiment_id: '0' }));
    runId = run.run.info.run_id;
  });
  after(() => keel.close());

  it('creates versions in MLflow’s shape and bumps the model', async () => {
    const before = expectOk(await api.get('registered-models/get', { name: 'mv' })).registered_model;
    const v1 = expectOk(
      await api.post('model-versions/create', {
        name: 'mv',
        source: `mlflow-artifacts:/0/${runId}/artifacts/model`,
        run_id: runId,
        tags: [{ key: 'validated', value: 'true' }],
        run_link: 'http://example.invalid/run',
        description: 'v1',
      }),
    ).model_version;
    assert.deepEqual(
      { ...v1, creation_timestamp: 0, last_updated_timestamp: 0 },
      {
        name: 'mv',
        version: '1',
        creation_timestamp: 0,
        last_updated_timestamp: 0,
        current_stage: 'None',
        description: 'v1',
        source: `mlflow-artifacts:/0/${runId}/artifacts/model`,
        run_id: runId,
        status: 'READY',
        tags: [{ key: 'validated', value: 'true' }],
        run_link: 'http://example.invalid/run',
      },
    );
    const v2 = expectOk(await api.post('model-versions/create', { name: 'mv', source: 's3://b/mv/2' })).model_version;
    assert.equal(v2.version, '2');
    assert.equal(v2.run_id, '');
    assert.equal(v2.description, '');
    const after = expectOk(await api.get('registered-models/get', { name: 'mv' })).registered_model;
    assert.ok(after.last_updated_timestamp >= before.last_updated_timestamp);
    expectError(
      await api.post('model-versions/create', { name: 'nope', source: 's3://b/x' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
      'Registered Model with name=nope not found',
    );
    expectError(
      await api.post('model-versions/create', { name: 'mv' }),
      400,
      'INVALID_PARAMETER_VALUE',
      /required parameter 'source'/,
    );
  });

  it('gets versions with aliases, and refuses bad or unknown versions', async () => {
    expectOk(await api.post('registered-models/alias', { name: 'mv', alias: 'champion', version: '1' }));
    const got = expectOk(await api.get('model-versions/get', { name: 'mv', version: '1' })).model_version;
    assert.deepEqual(got.aliases, ['champion']);
    const ajax = expectOk(await api.get('/ajax-api/2.0/mlflow/model-versions/get', { name: 'mv', version: 1 }));
    assert.deepEqual(ajax.model_version, got);
    expectError(
      await api.get('model-versions/get', { name: 'mv', version: 'x' }),
      400,
      'INVALID_PARAMETER_VALUE',
      "Parameter 'version' must be an integer, got 'x'.",
    );
    expectError(
      await api.get('model-versions/get', { name: 'mv' }),
      400,
      'INVALID_PARAMETER_VALUE',
      /required parameter 'version'/,
    );
    expectError(
      await api.get('model-versions/get', { name: 'mv', version: '99' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
      NOT_FOUND_99,
    );
    expectError(
      await api.get('model-versions/get', { name: 'nope', version: '1' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
      'Model Version (name=nope, version=1) not found',
    );
  });

  it('updates descriptions', async () => {
    const updated = expectOk(
      await api.patch('model-versions/update', { name: 'mv', version: '1', description: 'v1 updated' }),
    ).model_version;
    assert.equal(updated.description, 'v1 updated');
    expectError(
      await api.patch('model-versions/update', { name: 'mv', version: '99', description: 'x' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
      NOT_FOUND_99,
    );
  });

  it('transitions stages, archiving existing versions on request', async () => {
    const staged = expectOk(
      await api.post('model-versions/transition-stage', { name: 'mv', version: '1', stage: 'production' }),
    ).model_version;
    assert.equal(staged.current_stage, 'Production');
    const promoted = expectOk(
      await api.post('model-versions/transition-stage', {
        name: 'mv',
        version: '2',
        stage: 'Production',
        archive_existing_versions: true,
      }),
    ).model_version;
    assert.equal(promoted.current_stage, 'Production');
    const v1 = expectOk(await api.get('model-versions/get', { name: 'mv', version: '1' })).model_version;
    assert.equal(v1.current_stage, 'Archived');
    expectError(
      await api.post('model-versions/transition-stage', {
        name: 'mv',
        version: '1',
        stage: 'None',
        archive_existing_versions: true,
      }),
      400,
      'INVALID_PARAMETER_VALUE',
      "Model version transition cannot archive existing model versions because 'None' is not an Active stage. Valid stages are ['Staging', 'Production']",
    );
    expectError(
      await api.post('model-versions/transition-stage', { name: 'mv', version: '1', stage: 'Foo' }),
      400,
      'INVALID_PARAMETER_VALUE',
      'Invalid Model Version stage: Foo. Value must be one of None, Staging, Production, Archived.',
    );
    expectError(
      await api.post('model-versions/transition-stage', { name: 'mv', version: '1' }),
      400,
      'INVALID_PARAMETER_VALUE',
      /required parameter 'stage'/,
    );
    expectError(
      await api.post('model-versions/transition-stage', { name: 'mv', version: '99', stage: 'Staging' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
      NOT_FOUND_99,
    );
  });

  it('answers the download URI of each version', async () => {
    const uri = (version: string) => api.get('model-versions/get-download-uri', { name: 'mv', version });
    assert.deepEqual(expectOk(await uri('1')), { artifact_uri: `mlflow-artifacts:/0/${runId}/artifacts/model` });
    assert.deepEqual(expectOk(await uri('2')), { artifact_uri: 's3://b/mv/2' });
    expectError(await uri('99'), 404, 'RESOURCE_DOES_NOT_EXIST', NOT_FOUND_99);
  });

  it('sets and deletes version tags; deleting a missing tag succeeds', async () => {
    assert.deepEqual(
      expectOk(await api.post('model-versions/set-tag', { name: 'mv', version: '2', key: 'k', value: 'v' })),
      {},
    );
    const got = expectOk(await api.get('model-versions/get', { name: 'mv', version: '2' })).model_version;
    assert.deepEqual(got.tags, [{ key: 'k', value: 'v' }]);
    for (let i = 0; i < 2; i++) {
      assert.deepEqual(
        expectOk(await api.delete('model-versions/delete-tag', { name: 'mv', version: '2', key: 'k' })),
        {},
      );
    }
    expectError(
      await api.post('model-versions/set-tag', { name: 'mv', version: '99', key: 'k', value: 'v' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
      NOT_FOUND_99,
    );
    expectError(
      await api.post('model-versions/set-tag', { name: 'mv', version: 'x', key: 'k', value: 'v' }),
      400,
      'INVALID_PARAMETER_VALUE',
      "Parameter 'version' must be an integer, got 'x'.",
    );
    expectError(
      await api.post('model-versions/set-tag', { name: 'mv', version: '1', value: 'v' }),
      400,
      'INVALID_PARAMETER_VALUE',
      /required parameter 'key'/,
    );
    expectError(
      await api.delete('model-versions/delete-tag', { name: 'mv', version: '99', key: 'k' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    );
  });

  it('searches versions by filter with MLflow’s default order and limits', async () => {
    expectOk(await api.post('registered-models/create', { name: 'mvs' }));
    for (let i = 1; i <= 3; i++) {
      expectOk(await api.post('model-versions/create', { name: 'mvs', source: `s3://b/mvs/${i}`, run_id: runId }));
    }
    const versions = (reply: { model_versions?: { version: string }[] }) =>
      (reply.model_versions ?? []).map((v) => v.version);
    assert.deepEqual(versions(expectOk(await api.get('model-versions/search', { filter: "name = 'mvs'" }))), [
      '3',
      '2',
      '1',
    ]);
    const filtered = expectOk(
      await api.get('model-versions/search', {
        filter: `name = 'mvs' AND version_number >= 2 AND run_id IN ('${runId}')`,
        order_by: ['version_number ASC'],
        max_results: 1,
      }),
    );
    assert.deepEqual(versions(filtered), ['2']);
    const next = expectOk(
      await api.get('model-versions/search', {
        filter: `name = 'mvs' AND version_number >= 2 AND run_id IN ('${runId}')`,
        order_by: ['version_number ASC'],
        max_results: 1,
        page_token: filtered.next_page_token,
      }),
    );
    assert.deepEqual(next, { model_versions: next.model_versions });
    assert.deepEqual(versions(next), ['3']);
    expectError(
      await api.get('model-versions/search', { max_results: 0 }),
      400,
      'INVALID_PARAMETER_VALUE',
      'Invalid value for max_results. It must be a positive integer, but got 0',
    );
    expectError(await api.get('model-versions/search', { max_results: 200001 }), 400, 'INVALID_PARAMETER_VALUE');
    expectError(
      await api.get('model-versions/search', { filter: "foo = 'x'" }),
      400,
      'INVALID_PARAMETER_VALUE',
      /Invalid attribute key 'foo' specified/,
    );
    assert.equal((await api.post('model-versions/search', {})).status, 405);
  });

  it('soft-deletes a version; its number is never reused', async () => {
    expectOk(await api.post('registered-models/create', { name: 'mvd' }));
    for (let i = 1; i <= 2; i++)
      expectOk(await api.post('model-versions/create', { name: 'mvd', source: `s3://b/${i}` }));
    expectOk(await api.post('registered-models/alias', { name: 'mvd', alias: 'a', version: '2' }));
    assert.deepEqual(expectOk(await api.delete('model-versions/delete', { name: 'mvd', version: '2' })), {});
    const gone = 'Model Version (name=mvd, version=2) not found';
    expectError(
      await api.get('model-versions/get', { name: 'mvd', version: '2' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
      gone,
    );
    expectError(
      await api.delete('model-versions/delete', { name: 'mvd', version: '2' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
      gone,
    );
    expectError(
      await api.get('model-versions/get-download-uri', { name: 'mvd', version: '2' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    );
    const search = expectOk(await api.get('model-versions/search', { filter: "name = 'mvd'" }));
    assert.deepEqual(
      search.model_versions.map((v: { version: string }) => v.version),
      ['1'],
    );
    const next = expectOk(await api.post('model-versions/create', { name: 'mvd', source: 's3://b/3' })).model_version;
    assert.equal(next.version, '3');
  });
});
