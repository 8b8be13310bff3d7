// REST black-box tests of the registered-model endpoints (registry-api.md §4).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '@keel/platform/testing';
import { type Client, client, expectError, expectOk } from '../support/http.js';

const MISSING_NAME =
  "Missing value for required parameter 'name'. See the API docs for more information about request parameters.";

describe('registered models over HTTP', () => {
  let keel: TestServer;
  let api: Client;
  before(async () => {
    keel = await startTestServer();
    api = client(keel);
  });
  after(() => keel.close());

  it('creates, gets (both prefixes), and refuses duplicates and bad input', async () => {
    const created = expectOk(
      await api.post('registered-models/create', {
        name: 'rm-a',
        description: 'first',
        tags: [{ key: 'owner', value: 'keel' }],
      }),
    );
    assert.equal(created.registered_model.name, 'rm-a');
    assert.equal(typeof created.registered_model.creation_timestamp, 'number');
    const got = expectOk(await api.get('registered-models/get', { name: 'rm-a' }));
    assert.deepEqual(got, created);
    assert.deepEqual(expectOk(await api.get('/ajax-api/2.0/mlflow/registered-models/get', { name: 'rm-a' })), created);
    expectError(
      await api.post('registered-models/create', { name: 'rm-a' }),
      400,
      'RESOURCE_ALREADY_EXISTS',
      'Registered Model (name=rm-a) already exists.',
    );
    expectError(await api.post('registered-models/create', {}), 400, 'INVALID_PARAMETER_VALUE', MISSING_NAME);
    expectError(await api.post('registered-models/create', { name: '' }), 400, 'INVALID_PARAMETER_VALUE', MISSING_NAME);
    expectError(
      await api.post('registered-models/create', { name: 'rm-bad', tags: [{ key: 'bad=key', value: 'x' }] }),
      400,
      'INVALID_PARAMETER_VALUE',
      /Names may only contain alphanumerics/,
    );
    const noType = await fetch(`${keel.url}/api/2.0/mlflow/registered-models/create`, {
      method: 'POST',
      // Bytes, so that fetch adds no Content-Type of its own.
      body: new TextEncoder().encode('{"name":"x"}'),
    });
    assert.equal(noType.status, 400);
    assert.equal((await noType.json()).message, 'Bad Request. Content-Type header is missing.');
    expectError(await api.get('registered-models/get', {}), 400, 'INVALID_PARAMETER_VALUE', MISSING_NAME);
    expectError(
      await api.get('registered-models/get', { name: 'nope' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
      'Registered Model with name=nope not found',
    );
  });

  it('renames with versions, and refuses taken or unknown names', async () => {
    expectOk(await api.post('registered-models/create', { name: 'rm-r' }));
    expectOk(await api.post('model-versions/create', { name: 'rm-r', source: 's3://b/r/1' }));
    const renamed = expectOk(await api.post('registered-models/rename', { name: 'rm-r', new_name: 'rm-r2' }));
    assert.equal(renamed.registered_model.name, 'rm-r2');
    assert.equal(renamed.registered_model.latest_versions[0].name, 'rm-r2');
    expectOk(await api.get('model-versions/get', { name: 'rm-r2', version: '1' }));
    expectOk(await api.post('registered-models/create', { name: 'rm-r3' }));
    expectError(
      await api.post('registered-models/rename', { name: 'rm-r3', new_name: 'rm-r2' }),
      400,
      'RESOURCE_ALREADY_EXISTS',
      'Registered Model (name=rm-r2) already exists.',
    );
    expectError(
      await api.post('registered-models/rename', { name: 'nope', new_name: 'x' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    );
    expectError(
      await api.post('registered-models/rename', { name: 'rm-r3' }),
      400,
      'INVALID_PARAMETER_VALUE',
      /required parameter 'new_name'/,
    );
  });

  it('updates and clears the description', async () => {
    expectOk(await api.post('registered-models/create', { name: 'rm-u' }));
    const updated = expectOk(await api.patch('registered-models/update', { name: 'rm-u', description: 'hello' }));
    assert.equal(updated.registered_model.description, 'hello');
    const cleared = expectOk(await api.patch('registered-models/update', { name: 'rm-u' }));
    assert.equal('description' in cleared.registered_model, false);
    expectError(await api.patch('registered-models/update', { name: 'nope' }), 404, 'RESOURCE_DOES_NOT_EXIST');
  });

  it('sets and deletes tags; deleting a missing tag succeeds', async () => {
    expectOk(await api.post('registered-models/create', { name: 'rm-t' }));
    assert.deepEqual(expectOk(await api.post('registered-models/set-tag', { name: 'rm-t', key: 'k', value: 'v' })), {});
    const got = expectOk(await api.get('registered-models/get', { name: 'rm-t' }));
    assert.deepEqual(got.registered_model.tags, [{ key: 'k', value: 'v' }]);
    assert.deepEqual(expectOk(await api.delete('registered-models/delete-tag', { name: 'rm-t', key: 'k' })), {});
    assert.deepEqual(expectOk(await api.delete('registered-models/delete-tag', { name: 'rm-t', key: 'k' })), {});
    expectError(
      await api.post('registered-models/set-tag', { name: 'rm-t', value: 'v' }),
      400,
      'INVALID_PARAMETER_VALUE',
      /required parameter 'key'/,
    );
    expectError(
      await api.post('registered-models/set-tag', { name: 'nope', key: 'k', value: 'v' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    );
    expectError(
      await api.delete('registered-models/delete-tag', { name: 'nope', key: 'k' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    );
  });

  it('answers get-latest-versions by POST and GET with repeated stages', async () => {
    expectOk(await api.post('registered-models/create', { name: 'rm-l' }));
    for (let i = 1; i <= 3; i++)
      expectOk(await api.post('model-versions/create', { name: 'rm-l', source: `s3://b/${i}` }));
    expectOk(await api.post('model-versions/transition-stage', { name: 'rm-l', version: '1', stage: 'Staging' }));
    expectOk(await api.post('model-versions/transition-stage', { name: 'rm-l', version: '2', stage: 'Archived' }));
    const all = expectOk(await api.post('registered-models/get-latest-versions', { name: 'rm-l' }));
    assert.deepEqual(
      all.model_versions.map((v: { version: string }) => v.version),
      ['1', '2', '3'],
    );
    const some = expectOk(
      await api.get('registered-models/get-latest-versions', { name: 'rm-l', stages: ['staging', 'Archived'] }),
    );
    assert.deepEqual(
      some.model_versions.map((v: { version: string }) => v.version),
      ['1', '2'],
    );
    const none = expectOk(
      await api.post('registered-models/get-latest-versions', { name: 'rm-l', stages: ['Production'] }),
    );
    assert.deepEqual(none, {});
    expectError(
      await api.post('registered-models/get-latest-versions', { name: 'rm-l', stages: ['Foo'] }),
      400,
      'INVALID_PARAMETER_VALUE',
      'Invalid Model Version stage: Foo. Value must be one of None, Staging, Production, Archived.',
    );
    expectError(
      await api.post('registered-models/get-latest-versions', { name: 'nope' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    );
  });

  it('deletes a model and everything in it', async () => {
    expectOk(await api.post('registered-models/create', { name: 'rm-d' }));
    expectOk(await api.post('model-versions/create', { name: 'rm-d', source: 's3://b/d' }));
    assert.deepEqual(expectOk(await api.delete('registered-models/delete', { name: 'rm-d' })), {});
    expectError(await api.get('registered-models/get', { name: 'rm-d' }), 404, 'RESOURCE_DOES_NOT_EXIST');
    expectError(await api.get('model-versions/get', { name: 'rm-d', version: '1' }), 404, 'RESOURCE_DOES_NOT_EXIST');
    expectError(await api.delete('registered-models/delete', { name: 'rm-d' }), 404, 'RESOURCE_DOES_NOT_EXIST');
  });

  it('searches with filters, ordering and pages, GET only', async () => {
    for (const name of ['srch-b', 'srch-a', 'srch-C']) {
      expectOk(await api.post('registered-models/create', { name, tags: [{ key: 'grp', value: 'x' }] }));
    }
    const names = (reply: { registered_models?: { name: string }[] }) =>
      (reply.registered_models ?? []).map((m) => m.name);
    assert.deepEqual(names(expectOk(await api.get('registered-models/search', { filter: "name LIKE 'srch-%'" }))), [
      'srch-C',
      'srch-a',
      'srch-b',
    ]);
    assert.deepEqual(names(expectOk(await api.get('registered-models/search', { filter: "name ILIKE 'SRCH-c'" }))), [
      'srch-C',
    ]);
    const page1 = expectOk(
      await api.get('registered-models/search', {
        filter: "tags.grp = 'x'",
        order_by: ['name DESC'],
        max_results: 2,
      }),
    );
    assert.deepEqual(names(page1), ['srch-b', 'srch-a']);
    const page2 = expectOk(
      await api.get('registered-models/search', {
        filter: "tags.grp = 'x'",
        order_by: ['name DESC'],
        max_results: 2,
        page_token: page1.next_page_token,
      }),
    );
    assert.deepEqual(page2, { registered_models: [page2.registered_models[0]] });
    expectError(
      await api.get('registered-models/search', { max_results: 1001 }),
      400,
      'INVALID_PARAMETER_VALUE',
      `Invalid value "1001" for parameter 'max_results' supplied:  Hint: Value was of type 'str'. See the API docs for more information about request parameters.`,
    );
    expectError(
      await api.get('registered-models/search', { page_token: 'garbage' }),
      400,
      'INVALID_PARAMETER_VALUE',
      'Invalid page token, could not base64-decode',
    );
    expectError(
      await api.get('registered-models/search', { filter: "name = 'a' OR name = 'b'" }),
      400,
      'INVALID_PARAMETER_VALUE',
    );
    assert.equal((await api.post('registered-models/search', {})).status, 405);
  });
});
