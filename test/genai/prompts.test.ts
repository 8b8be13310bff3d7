// The prompt registry as MLflow 3.5's Python client drives it (register_prompt, load_prompt,
// aliases, search_prompts): prompts are registered models and versions tagged
// `mlflow.prompt.is_prompt`, with the template in the `mlflow.prompt.text` tag. A prompt's
// placeholder source is recorded and never read as a path.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '@keel/platform/testing';
import { type Client, client, expectError, expectOk } from '../support/http.js';

const IS_PROMPT = { key: 'mlflow.prompt.is_prompt', value: 'true' };
const promptTags = (template: string, type = 'text') => [
  IS_PROMPT,
  { key: '_mlflow_prompt_type', value: type },
  { key: 'mlflow.prompt.text', value: template },
];

describe('prompts over HTTP', () => {
  let keel: TestServer;
  let api: Client;

  before(async () => {
    keel = await startTestServer();
    api = client(keel);
  });
  after(() => keel.close());

  it('registers, loads, aliases and searches prompts as the Python client does', async () => {
    expectError(await api.get('registered-models/get', { name: 'greeting' }), 404, 'RESOURCE_DOES_NOT_EXIST');
    expectOk(await api.post('registered-models/create', { name: 'greeting', tags: [IS_PROMPT], description: 'hi' }));
    const v1 = expectOk(
      await api.post('model-versions/create', {
        name: 'greeting',
        source: 'dummy-source',
        tags: promptTags('Hello {{ name }}!'),
      }),
    ).model_version;
    assert.equal(v1.version, '1');
    assert.equal(v1.source, 'dummy-source');
    const chat = JSON.stringify([{ role: 'user', content: 'Hi {{ name }}' }]);
    expectOk(
      await api.post('model-versions/create', {
        name: 'greeting',
        source: 'dummy-source',
        tags: promptTags(chat, 'chat'),
      }),
    );

    const loaded = expectOk(await api.get('model-versions/get', { name: 'greeting', version: '1' })).model_version;
    assert.equal(loaded.tags.find((t: { key: string }) => t.key === 'mlflow.prompt.text').value, 'Hello {{ name }}!');
    expectOk(await api.post('registered-models/alias', { name: 'greeting', alias: 'production', version: '1' }));
    assert.equal(
      expectOk(await api.get('registered-models/alias', { name: 'greeting', alias: 'production' })).model_version
        .version,
      '1',
    );
    assert.equal(
      expectOk(await api.get('registered-models/alias', { name: 'greeting', alias: 'latest' })).model_version.version,
      '2',
    );

    expectOk(await api.post('registered-models/create', { name: 'regular-model' }));
    const prompts = expectOk(
      await api.get('registered-models/search', {
        filter: "tags.`mlflow.prompt.is_prompt` = 'true'",
        max_results: '100',
      }),
    ).registered_models;
    assert.deepEqual(
      prompts.map((m: { name: string }) => m.name),
      ['greeting'],
    );
    // Model searches that do not ask for prompts do not list them.
    const models = expectOk(await api.get('registered-models/search', {})).registered_models;
    assert.deepEqual(
      models.map((m: { name: string }) => m.name),
      ['regular-model'],
    );
    const versions = expectOk(await api.get('model-versions/search', { filter: "name = 'greeting'" }));
    assert.equal(versions.model_versions, undefined);

    expectOk(await api.delete('registered-models/alias', { name: 'greeting', alias: 'production' }));
    expectOk(await api.delete('model-versions/delete', { name: 'greeting', version: '2' }));
    const final = expectOk(await api.get('registered-models/get', { name: 'greeting' })).registered_model;
    assert.deepEqual(
      final.latest_versions.map((v: { version: string }) => v.version),
      ['1'],
    );
    assert.equal(final.aliases, undefined);
  });

  it('words name clashes as MLflow does: prompt or model, and a prompt never takes a model’s name', async () => {
    expectOk(await api.post('registered-models/create', { name: 'clash-prompt', tags: [IS_PROMPT] }));
    expectOk(await api.post('registered-models/create', { name: 'clash-model' }));
    expectError(
      await api.post('registered-models/create', { name: 'clash-prompt', tags: [IS_PROMPT] }),
      400,
      'RESOURCE_ALREADY_EXISTS',
      'Prompt (name=clash-prompt) already exists.',
    );
    expectError(
      await api.post('registered-models/create', { name: 'clash-model' }),
      400,
      'RESOURCE_ALREADY_EXISTS',
      'Registered Model (name=clash-model) already exists.',
    );
    expectError(
      await api.post('registered-models/create', { name: 'clash-model', tags: [IS_PROMPT] }),
      400,
      'RESOURCE_ALREADY_EXISTS',
      "Tried to create a prompt with name 'clash-model', but the name is already taken by a registered model. MLflow does not allow creating a model and a prompt with the same name.",
    );
    expectError(
      await api.post('registered-models/create', { name: 'clash-prompt' }),
      400,
      'RESOURCE_ALREADY_EXISTS',
      /Tried to create a registered model with name 'clash-prompt', but the name is already taken by a prompt/,
    );
  });

  it('never reads a prompt’s source as a path, even when such a directory exists', async () => {
    // A directory named like the placeholder, next to the server's working directory.
    mkdirSync(join(keel.dir, 'dummy-source'), { recursive: true });
    writeFileSync(join(keel.dir, 'dummy-source', 'secret.txt'), 'do not serve me');
    expectOk(await api.post('registered-models/create', { name: 'sourced', tags: [IS_PROMPT] }));
    expectOk(
      await api.post('model-versions/create', { name: 'sourced', source: 'dummy-source', tags: promptTags('x') }),
    );
    const res = await fetch(`${keel.url}/model-versions/get-artifact?name=sourced&version=1&path=secret.txt`);
    const text = await res.text();
    assert.notEqual(res.status, 200);
    assert.ok(!text.includes('do not serve me'));
    // A version that is not a prompt may not use the placeholder at all.
    expectOk(await api.post('registered-models/create', { name: 'plain' }));
    expectError(
      await api.post('model-versions/create', { name: 'plain', source: 'dummy-source' }),
      400,
      'INVALID_PARAMETER_VALUE',
      /To use a local path as a model version source/,
    );
  });
});
