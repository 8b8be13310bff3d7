// REST black-box tests of the alias endpoints (registry-api.md §5).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '@keel/platform/testing';
import { type Client, client, expectError, expectOk } from '../support/http.js';

describe('aliases over HTTP', () => {
  let keel: TestServer;
  let api: Client;
  before(async () => {
    keel = await startTestServer();
    api = client(keel);
    expectOk(await api.post('registered-models/create', { name: 'al' }));
    for (let i = 1; i <= 3; i++)
      expectOk(await api.post('model-versions/create', { name: 'al', source: `s3://b/${i}` }));
    expectOk(await api.post('model-versions/transition-stage', { name: 'al', version: '1', stage: 'Staging' }));
    expectOk(await api.post('model-versions/transition-stage', { name: 'al', version: '3', stage: 'Production' }));
  });
  after(() => keel.close());

  const setAlias = (alias: string, version: string, name = 'al') =>
    api.post('registered-models/alias', { name, alias, version });

  it('sets, moves, resolves and deletes aliases', async () => {
    assert.deepEqual(expectOk(await setAlias('champion', '1')), {});
    expectOk(await setAlias('stable', '1'));
    const byAlias = expectOk(await api.get('registered-models/alias', { name: 'al', alias: 'champion' }));
    assert.equal(byAlias.model_version.version, '1');
    assert.deepEqual(byAlias.model_version.aliases, ['champion', 'stable']);
    expectOk(await setAlias('champion', '3'));
    const model = expectOk(await api.get('registered-models/get', { name: 'al' })).registered_model;
    assert.deepEqual(model.aliases, [
      { alias: 'champion', version: '3' },
      { alias: 'stable', version: '1' },
    ]);
    assert.deepEqual(expectOk(await api.delete('registered-models/alias', { name: 'al', alias: 'stable' })), {});
    assert.deepEqual(expectOk(await api.delete('registered-models/alias', { name: 'al', alias: 'stable' })), {});
    expectError(
      await api.get('registered-models/alias', { name: 'al', alias: 'stable' }),
      400,
      'INVALID_PARAMETER_VALUE',
      'Registered model alias stable not found.',
    );
  });

  it("answers the highest version for 'latest'", async () => {
    const latest = expectOk(await api.get('registered-models/alias', { name: 'al', alias: 'latest' }));
    assert.equal(latest.model_version.version, '3');
  });

  it('refuses reserved, malformed and dangling aliases', async () => {
    expectError(
      await setAlias('latest', '1'),
      400,
      'INVALID_PARAMETER_VALUE',
      "'latest' alias name (case insensitive) is reserved.",
    );
    expectError(await setAlias('v3', '1'), 400, 'INVALID_PARAMETER_VALUE', "Version alias name 'v3' is reserved.");
    expectError(
      await setAlias('bad alias!', '1'),
      400,
      'INVALID_PARAMETER_VALUE',
      "Invalid alias name: 'bad alias!'. Names may only contain alphanumerics, underscores (_), and dashes (-).",
    );
    expectError(
      await setAlias('ghost', '99'),
      404,
      'RESOURCE_DOES_NOT_EXIST',
      'Model Version (name=al, version=99) not found',
    );
    expectError(
      await setAlias('a', '1', 'nope'),
      404,
      'RESOURCE_DOES_NOT_EXIST',
      'Model Version (name=nope, version=1) not found',
    );
    expectError(
      await api.post('registered-models/alias', { name: 'al', version: '1' }),
      400,
      'INVALID_PARAMETER_VALUE',
      /required parameter 'alias'/,
    );
    expectError(await api.get('registered-models/alias', { name: 'nope', alias: 'a' }), 404, 'RESOURCE_DOES_NOT_EXIST');
    expectError(
      await api.delete('registered-models/alias', { name: 'nope', alias: 'a' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    );
  });

  it('drops the aliases of a deleted version', async () => {
    expectOk(await setAlias('doomed', '2'));
    expectOk(await api.delete('model-versions/delete', { name: 'al', version: '2' }));
    expectError(
      await api.get('registered-models/alias', { name: 'al', alias: 'doomed' }),
      400,
      'INVALID_PARAMETER_VALUE',
    );
  });
});
