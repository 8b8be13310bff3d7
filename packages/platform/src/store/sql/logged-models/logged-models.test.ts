import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MlflowError } from '@keel/contract';
import { createTestDatabase } from '../../../testing/test-databases.js';
import { openSqlDatabase } from '../open-database.js';
import type { TrackingSchema } from '../schema.js';
import type { SqlDatabase } from '../sql-database.js';
import { SqlTrackingStore } from '../tracking/sql-tracking-store.js';

/** A store on a temporary database (`KEEL_TEST_BACKEND`) whose clock advances 1 ms per reading. */
async function openStore(): Promise<{ store: SqlTrackingStore; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'keel-lm-'));
  const target = await createTestDatabase(dir);
  const database: SqlDatabase<TrackingSchema> = await openSqlDatabase(target.uri, dir);
  let clock = 1_700_000_000_000;
  const store = await SqlTrackingStore.open(database, {
    defaultArtifactRoot: 'mlflow-artifacts:/',
    truncateLongValues: true,
    artifactLocationMaxLength: 2048,
    cwd: dir,
    now: () => clock++,
  });
  return {
    store,
    async close() {
      await database.close();
      await target.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function rejects(promise: Promise<unknown>, code: string, message?: string | RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof MlflowError, String(error));
    assert.equal(error.code, code);
    if (typeof message === 'string') assert.equal(error.message, message);
    else if (message !== undefined) assert.match(error.message, message);
    return true;
  });
}

describe('SqlTrackingStore logged models', () => {
  let store: SqlTrackingStore;
  let close: () => Promise<void>;
  let experimentId: string;

  before(async () => {
    ({ store, close } = await openStore());
    experimentId = await store.createExperiment({ name: 'lm-store' });
  });
  after(() => close());

  it('creates a PENDING model under the experiment artifact location', async () => {
    const model = await store.createLoggedModel({
      experiment_id: experimentId,
      name: 'clf',
      model_type: 'Classifier',
      source_run_id: 'r1',
      params: [{ key: 'alpha', value: '0.5' }],
      tags: [{ key: 'stage', value: 'dev' }],
    });
    const id = model.info.model_id;
    assert.match(id, /^m-[0-9a-f]{32}$/);
    assert.deepEqual(model, {
      info: {
        model_id: id,
        experiment_id: experimentId,
        name: 'clf',
        creation_timestamp_ms: model.info.creation_timestamp_ms,
        last_updated_timestamp_ms: model.info.creation_timestamp_ms,
        artifact_uri: `mlflow-artifacts:/${experimentId}/models/${id}/artifacts`,
        status: 'LOGGED_MODEL_PENDING',
        model_type: 'Classifier',
        source_run_id: 'r1',
        tags: [{ key: 'stage', value: 'dev' }],
      },
      data: { params: [{ key: 'alpha', value: '0.5' }] },
    });
    assert.deepEqual(await store.getLoggedModel(id), model);
  });

  it('generates a name when it is absent or empty and sends "" for unset strings', async () => {
    for (const name of [undefined, '']) {
      const model = await store.createLoggedModel({
        experiment_id: experimentId,
        ...(name === undefined ? {} : { name }),
      });
      assert.match(model.info.name, /^[a-z]+-[a-z]+-\d+$/);
      assert.equal(model.info.model_type, '');
      assert.equal(model.info.source_run_id, '');
      assert.deepEqual(model.data, {});
      assert.equal(model.info.tags, undefined);
    }
  });

  it("refuses names with / : . % \" ' using MLflow's message", async () => {
    await rejects(
      store.createLoggedModel({ experiment_id: experimentId, name: 'bad/name' }),
      'INVALID_PARAMETER_VALUE',
      `Invalid model name ('bad/name') provided. Model name must be a non-empty string and cannot contain the following characters: ('/', ':', '.', '%', '"', "'")`,
    );
    for (const name of ['a:b', 'v1.0', '50%', 'say "hi"', "it's"]) {
      await rejects(store.createLoggedModel({ experiment_id: experimentId, name }), 'INVALID_PARAMETER_VALUE');
    }
  });

  it('requires an existing, active experiment', async () => {
    await rejects(
      store.createLoggedModel({ experiment_id: '424242' }),
      'RESOURCE_DOES_NOT_EXIST',
      'No Experiment with id=424242 exists',
    );
    const gone = await store.createExperiment({ name: 'lm-store-gone' });
    await store.deleteExperiment(gone);
    await rejects(
      store.createLoggedModel({ experiment_id: gone }),
      'INVALID_PARAMETER_VALUE',
      `The experiment ${gone} must be in the 'active' state. Current state is deleted.`,
    );
  });

  it('validates params and tags', async () => {
    await rejects(
      store.createLoggedModel({ experiment_id: experimentId, params: [{ key: 'a=b', value: '1' }] }),
      'INVALID_PARAMETER_VALUE',
      /Invalid value "a=b" for parameter 'params\[0\]\.key'/,
    );
    await rejects(
      store.createLoggedModel({
        experiment_id: experimentId,
        params: [
          { key: 'a', value: '1' },
          { key: 'a', value: '2' },
        ],
      }),
      'INVALID_PARAMETER_VALUE',
      /Duplicate parameter keys have been submitted: \['a'\]/,
    );
    await rejects(
      store.createLoggedModel({ experiment_id: experimentId, tags: [{ key: '/abs', value: 'x' }] }),
      'INVALID_PARAMETER_VALUE',
      /parameter 'tags\[0\]\.key'/,
    );
  });

  it('finalizes by status and bumps last_updated_timestamp_ms', async () => {
    const created = await store.createLoggedModel({ experiment_id: experimentId });
    const ready = await store.finalizeLoggedModel(created.info.model_id, 'LOGGED_MODEL_READY');
    assert.equal(ready.info.status, 'LOGGED_MODEL_READY');
    assert.ok(ready.info.last_updated_timestamp_ms > created.info.last_updated_timestamp_ms);
    assert.equal(ready.info.creation_timestamp_ms, created.info.creation_timestamp_ms);
    const failed = await store.finalizeLoggedModel(created.info.model_id, 'LOGGED_MODEL_UPLOAD_FAILED');
    assert.equal((await store.getLoggedModel(created.info.model_id)).info.status, failed.info.status);
  });

  it('soft-deletes: hidden afterwards, a second delete succeeds, unknown ids are 404', async () => {
    const { info } = await store.createLoggedModel({ experiment_id: experimentId, name: 'doomed' });
    await store.deleteLoggedModel(info.model_id);
    await store.deleteLoggedModel(info.model_id);
    const notFound = `Logged model with ID '${info.model_id}' not found.`;
    await rejects(store.getLoggedModel(info.model_id), 'RESOURCE_DOES_NOT_EXIST', notFound);
    await rejects(store.finalizeLoggedModel(info.model_id, 'LOGGED_MODEL_READY'), 'RESOURCE_DOES_NOT_EXIST', notFound);
    await rejects(store.setLoggedModelTags(info.model_id, [{ key: 'k', value: 'v' }]), 'RESOURCE_DOES_NOT_EXIST');
    await rejects(store.logLoggedModelParams(info.model_id, [{ key: 'k', value: 'v' }]), 'RESOURCE_DOES_NOT_EXIST');
    const page = await store.searchLoggedModels({ experiment_ids: [experimentId], filter: "name = 'doomed'" });
    assert.deepEqual(page.items, []);
    await rejects(
      store.deleteLoggedModel('m-ffffffffffffffffffffffffffffffff'),
      'RESOURCE_DOES_NOT_EXIST',
      "Logged model with ID 'm-ffffffffffffffffffffffffffffffff' not found.",
    );
  });

  it('upserts tags and deletes them, with MLflow messages for absent ones', async () => {
    const { info } = await store.createLoggedModel({ experiment_id: experimentId, tags: [{ key: 'a', value: '1' }] });
    await store.setLoggedModelTags(info.model_id, [
      { key: 'a', value: '2' },
      { key: 'b', value: '3' },
    ]);
    assert.deepEqual((await store.getLoggedModel(info.model_id)).info.tags, [
      { key: 'a', value: '2' },
      { key: 'b', value: '3' },
    ]);
    await store.deleteLoggedModelTag(info.model_id, 'a');
    await rejects(
      store.deleteLoggedModelTag(info.model_id, 'a'),
      'RESOURCE_DOES_NOT_EXIST',
      `No tag with key 'a' found for model with ID '${info.model_id}'.`,
    );
    await rejects(
      store.deleteLoggedModelTag('m-0', 'a'),
      'RESOURCE_DOES_NOT_EXIST',
      "Logged model with ID 'm-0' not found.",
    );
  });

  it('logs params write-once: the same value again is fine, a new value is refused', async () => {
    const { info } = await store.createLoggedModel({ experiment_id: experimentId, params: [{ key: 'a', value: '1' }] });
    await store.logLoggedModelParams(info.model_id, [
      { key: 'a', value: '1' },
      { key: 'b', value: '2' },
    ]);
    assert.deepEqual((await store.getLoggedModel(info.model_id)).data.params, [
      { key: 'a', value: '1' },
      { key: 'b', value: '2' },
    ]);
    await rejects(
      store.logLoggedModelParams(info.model_id, [{ key: 'a', value: '9' }]),
      'INVALID_PARAMETER_VALUE',
      `Changing param values is not allowed. Param with key='a' was already logged with value='1' for logged model ID='${info.model_id}'. Attempted logging new value '9'.`,
    );
  });

  it('shows metrics logged with model_id, with dataset fields only when given', async () => {
    const run = await store.createRun({ experiment_id: experimentId });
    const runId = run.info.run_id;
    const { info } = await store.createLoggedModel({ experiment_id: experimentId, source_run_id: runId });
    await store.logBatch(runId, {
      metrics: [
        {
          key: 'acc',
          value: 0.9,
          timestamp: 5,
          step: 1,
          model_id: info.model_id,
          dataset_name: 'eval',
          dataset_digest: 'd1',
        },
        { key: 'loss', value: 'NaN', timestamp: 5, step: 1, model_id: info.model_id },
      ],
    });
    assert.deepEqual((await store.getLoggedModel(info.model_id)).data.metrics, [
      {
        key: 'acc',
        value: 0.9,
        timestamp: 5,
        step: 1,
        dataset_name: 'eval',
        dataset_digest: 'd1',
        model_id: info.model_id,
        run_id: runId,
      },
      { key: 'loss', value: 'NaN', timestamp: 5, step: 1, model_id: info.model_id, run_id: runId },
    ]);
  });
});
