// The low-level client on the registry and logged-model families: PATCH and DELETE bodies,
// `{param}` path segments, aliases.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { KeelClient } from '@keel/client';
import { QUICK_RETRY, startTestServer, type TestServer } from './support.js';

describe('KeelClient on the registry and logged models', () => {
  let keel: TestServer;
  let client: KeelClient;
  before(async () => {
    keel = await startTestServer();
    client = new KeelClient({ trackingUri: keel.url, retry: QUICK_RETRY });
  });
  after(async () => {
    await keel.close();
  });

  test('registered models and versions: create, get, alias, search, update, delete', async () => {
    const { run } = await client.createRun({ experiment_id: '0' });
    await client.createRegisteredModel({ name: 'churn', tags: [{ key: 'team', value: 'ml' }], description: 'v1' });
    const created = (await client.getRegisteredModel({ name: 'churn' })).registered_model;
    assert.equal(created.description, 'v1');
    assert.deepEqual(created.tags, [{ key: 'team', value: 'ml' }]);
    await assert.rejects(client.createRegisteredModel({ name: 'churn' }), {
      code: 'RESOURCE_ALREADY_EXISTS',
      status: 400,
    });
    const { model_version } = await client.createModelVersion({
      name: 'churn',
      source: `${run.info.artifact_uri}/model`,
      run_id: run.info.run_id,
    });
    assert.equal(model_version.version, '1');
    await client.setRegisteredModelAlias({ name: 'churn', alias: 'champion', version: '1' });
    const byAlias = await client.getModelVersionByAlias({ name: 'churn', alias: 'champion' });
    assert.equal(byAlias.model_version.version, '1');
    const found = await client.searchRegisteredModels({ filter: "name = 'churn'" });
    assert.deepEqual(
      found.registered_models?.map((m) => m.name),
      ['churn'],
    );
    const updated = await client.updateRegisteredModel({ name: 'churn', description: 'v2' });
    assert.equal(updated.registered_model.description, 'v2');
    await client.deleteModelVersion({ name: 'churn', version: '1' });
    await assert.rejects(client.getModelVersion({ name: 'churn', version: '1' }), { code: 'RESOURCE_DOES_NOT_EXIST' });
    await client.deleteRegisteredModel({ name: 'churn' });
    await assert.rejects(client.getRegisteredModel({ name: 'churn' }), {
      code: 'RESOURCE_DOES_NOT_EXIST',
      status: 404,
    });
  });

  test('logged models: path parameters, PATCH finalize and tags, DELETE tag', async () => {
    const { model } = await client.createLoggedModel({
      experiment_id: '0',
      name: 'clf',
      params: [{ key: 'depth', value: '3' }],
    });
    const id = model.info.model_id;
    assert.equal(model.info.status, 'LOGGED_MODEL_PENDING');
    const ready = await client.finalizeLoggedModel({ model_id: id, status: 'LOGGED_MODEL_READY' });
    assert.equal(ready.model.info.status, 'LOGGED_MODEL_READY');
    await client.setLoggedModelTags({ model_id: id, tags: [{ key: 'a b', value: '1' }] });
    assert.deepEqual((await client.getLoggedModel({ model_id: id })).model.info.tags, [{ key: 'a b', value: '1' }]);
    await client.deleteLoggedModelTag({ model_id: id, tag_key: 'a b' });
    assert.equal((await client.getLoggedModel({ model_id: id })).model.info.tags, undefined);
    const search = await client.searchLoggedModels({ experiment_ids: ['0'], filter: "name = 'clf'" });
    assert.deepEqual(
      search.models?.map((m) => m.info.model_id),
      [id],
    );
    await client.deleteLoggedModel({ model_id: id });
    await assert.rejects(client.getLoggedModel({ model_id: id }), { code: 'RESOURCE_DOES_NOT_EXIST', status: 404 });
  });
});
