// KeelClient.registerModel against a real Keel server: MLflow 3's registration flow (registry-api.md
// §8) from a run's artifact path, from the logged model a run produced, and from `models:/m-<id>`.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { KeelClient } from '@keel/client';
import { QUICK_RETRY, startTestServer, type TestServer } from './support.js';

describe('KeelClient.registerModel', () => {
  let keel: TestServer;
  let client: KeelClient;
  let experimentId: string;
  let root: string;
  before(async () => {
    // The local artifact root below is outside the server's storage, which the operator allows.
    keel = await startTestServer({ allowLocalArtifactLocations: true });
    client = new KeelClient({ trackingUri: keel.url, retry: QUICK_RETRY });
    // A local artifact root, so that the test can put a model into a run by writing files.
    root = mkdtempSync(join(tmpdir(), 'keel-register-'));
    ({ experiment_id: experimentId } = await client.createExperiment({ name: 'register', artifact_location: root }));
  });
  after(async () => {
    await client.close();
    await keel.close();
    rmSync(root, { recursive: true, force: true });
  });

  const modelVersionsTag = async (modelId: string) =>
    (await client.getLoggedModel({ model_id: modelId })).model.info.tags?.find((t) => t.key === 'mlflow.modelVersions')
      ?.value;

  test('creates the registered model on first use and numbers versions from a run path', async () => {
    const { run } = await client.createRun({ experiment_id: experimentId });
    mkdirSync(join(run.info.artifact_uri, 'model'), { recursive: true });
    writeFileSync(join(run.info.artifact_uri, 'model', 'MLmodel'), 'flavors: {}\n');
    const first = await client.registerModel(`runs:/${run.info.run_id}/model`, 'from-run', {
      tags: { stage: 'candidate' },
      description: 'first cut',
    });
    assert.equal(first.version, '1');
    assert.equal(first.status, 'READY');
    assert.equal(first.run_id, run.info.run_id);
    assert.equal(first.source, `${run.info.artifact_uri}/model`);
    assert.equal(first.description, 'first cut');
    assert.deepEqual(first.tags, [{ key: 'stage', value: 'candidate' }]);
    const second = await client.registerModel(`runs:/${run.info.run_id}/model`, 'from-run');
    assert.equal(second.version, '2');
    const download = await client.getModelVersionDownloadUri({ name: 'from-run', version: '2' });
    assert.equal(download.artifact_uri, `${run.info.artifact_uri}/model`);
  });

  test('a runs:/ path naming a logged model of the run registers that model and links it back', async () => {
    const { run } = await client.createRun({ experiment_id: experimentId });
    const { model } = await client.createLoggedModel({
      experiment_id: experimentId,
      name: 'classifier',
      source_run_id: run.info.run_id,
    });
    const version = await client.registerModel(`runs:/${run.info.run_id}/classifier`, 'from-logged');
    assert.equal(version.source, `models:/${model.info.model_id}`);
    assert.equal(version.run_id, run.info.run_id);
    const download = await client.getModelVersionDownloadUri({ name: 'from-logged', version: version.version });
    assert.equal(download.artifact_uri, model.info.artifact_uri);
    const links = JSON.parse((await modelVersionsTag(model.info.model_id)) ?? '[]');
    assert.deepEqual(
      links.map((l: { name: string; version: unknown }) => [l.name, String(l.version)]),
      [['from-logged', '1']],
    );

    const again = await client.registerModel(`models:/${model.info.model_id}`, 'from-logged');
    assert.equal(again.version, '2');
    const both = JSON.parse((await modelVersionsTag(model.info.model_id)) ?? '[]');
    assert.equal(both.length, 2, 'each registration listed once');
  });

  test('a run path with no MLmodel and no logged model of that name is RESOURCE_DOES_NOT_EXIST', async () => {
    const { run } = await client.createRun({ experiment_id: experimentId });
    await assert.rejects(client.registerModel(`runs:/${run.info.run_id}/nothing`, 'empty'), {
      code: 'RESOURCE_DOES_NOT_EXIST',
      message: /Unable to find a logged_model with artifact_path nothing/,
    });
  });

  test('an unknown run or logged model creates no version', async () => {
    await assert.rejects(client.registerModel(`runs:/${'0'.repeat(32)}/model`, 'never'), {
      code: 'RESOURCE_DOES_NOT_EXIST',
    });
    await assert.rejects(client.registerModel('models:/m-0123456789abcdef0123456789abcdef', 'never-2'), {
      code: 'RESOURCE_DOES_NOT_EXIST',
      status: 404,
      message: "Logged model with ID 'm-0123456789abcdef0123456789abcdef' not found.",
    });
    const versions = await client.searchModelVersions({ filter: "name = 'never-2'" });
    assert.deepEqual(versions.model_versions ?? [], []);
  });
});
