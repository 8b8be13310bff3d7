// Experiment and registered-model names that differ only in Unicode normalization are one name:
// they are compared in NFC, so two entries never display identically, and a lookup by either
// form finds the entity.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '@keel/platform/testing';
import { type Client, client, expectError, expectOk } from '../support/http.js';

const NFC = 'caf\u00e9 r\u00e9sum\u00e9';
const NFD = 'cafe\u0301 re\u0301sume\u0301';

describe('names are compared in NFC', () => {
  let keel: TestServer;
  let api: Client;
  before(async () => {
    keel = await startTestServer();
    api = client(keel);
  });
  after(() => keel.close());

  it('experiments: the other form collides and finds the same experiment', async () => {
    assert.notEqual(NFC, NFD);
    const { experiment_id: id } = expectOk(await api.post('experiments/create', { name: NFD }));
    expectError(await api.post('experiments/create', { name: NFC }), 400, 'RESOURCE_ALREADY_EXISTS');
    for (const form of [NFC, NFD]) {
      const { experiment } = expectOk(await api.get('experiments/get-by-name', { experiment_name: form }));
      assert.equal(experiment.experiment_id, id);
      assert.equal(experiment.name, NFC);
    }
    const other = expectOk(await api.post('experiments/create', { name: 'plain' })).experiment_id;
    expectError(
      await api.post('experiments/update', { experiment_id: other, new_name: NFC }),
      400,
      'RESOURCE_ALREADY_EXISTS',
    );
    expectOk(await api.post('experiments/update', { experiment_id: other, new_name: 'Zo\u0308e' }));
    const renamed = expectOk(await api.get('experiments/get-by-name', { experiment_name: 'Z\u00f6e' }));
    assert.equal(renamed.experiment.experiment_id, other);
  });

  it('registered models: the other form collides and every lookup finds the same model', async () => {
    expectOk(await api.post('registered-models/create', { name: NFC }));
    expectError(await api.post('registered-models/create', { name: NFD }), 400, 'RESOURCE_ALREADY_EXISTS');
    const got = expectOk(await api.get('registered-models/get', { name: NFD }));
    assert.equal(got.registered_model.name, NFC);
    const version = expectOk(await api.post('model-versions/create', { name: NFD, source: 's3://bucket/m' }));
    assert.equal(version.model_version.name, NFC);
    expectOk(await api.post('registered-models/alias', { name: NFD, alias: 'prod', version: '1' }));
    const byAlias = expectOk(await api.get('registered-models/alias', { name: NFC, alias: 'prod' }));
    assert.equal(byAlias.model_version.version, '1');
    expectOk(await api.post('registered-models/create', { name: 'other-model' }));
    expectError(
      await api.post('registered-models/rename', { name: 'other-model', new_name: NFD }),
      400,
      'RESOURCE_ALREADY_EXISTS',
    );
    const search = expectOk(await api.get('registered-models/search', { filter: `name = '${NFD}'` }));
    assert.deepEqual(
      search.registered_models.map((m: { name: string }) => m.name),
      [NFC],
    );
  });
});
