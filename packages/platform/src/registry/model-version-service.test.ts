import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type KeyValue, type LoggedModel, MlflowError, notFound } from '@keel/contract';
import { ArtifactLocationPolicy } from '../artifacts/artifact-location-policy.js';
import { type OpenedStores, openStores } from '../compose.js';
import type { TrackingStore } from '../store/tracking-store.js';
import { createModelVersion, MODEL_VERSIONS_TAG } from './model-version-service.js';

/** Just the logged-model calls the service makes, over an in-memory map. */
function fakeTracking(models: Map<string, LoggedModel>): TrackingStore {
  const tracking: Partial<TrackingStore> = {
    async getLoggedModel(id) {
      const model = models.get(id);
      if (model === undefined) throw notFound(`Logged model with ID '${id}' not found.`);
      return model;
    },
    async setLoggedModelTags(id, tags: readonly KeyValue[]) {
      const model = models.get(id) as LoggedModel;
      const kept = (model.info.tags ?? []).filter((t) => !tags.some((n) => n.key === t.key));
      models.set(id, { ...model, info: { ...model.info, tags: [...kept, ...tags] } });
    },
  };
  return tracking as TrackingStore;
}

function loggedModel(id: string, runId: string, tags: KeyValue[] = []): LoggedModel {
  return {
    info: {
      model_id: id,
      experiment_id: '1',
      name: 'model',
      creation_timestamp_ms: 1,
      last_updated_timestamp_ms: 1,
      artifact_uri: `mlflow-artifacts:/1/models/${id}/artifacts`,
      status: 'LOGGED_MODEL_READY',
      source_run_id: runId,
      tags,
    },
    data: {},
  };
}

describe('createModelVersion (service)', () => {
  let dir: string;
  let stores: OpenedStores;
  let models: Map<string, LoggedModel>;
  let deps: Parameters<typeof createModelVersion>[0];
  const actor = { user: 'svc' };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'keel-mv-service-'));
    stores = await openStores(`sqlite:///${join(dir, 'mlflow.db')}`, { defaultArtifactRoot: dir, cwd: dir });
    models = new Map([
      ['m-1', loggedModel('m-1', 'run-1')],
      ['m-2', loggedModel('m-2', 'run-2', [{ key: MODEL_VERSIONS_TAG, value: '[{"name": "old", "version": "3"}]' }])],
    ]);
    const locations = new ArtifactLocationPolicy({ roots: [dir], allowLocalLocations: false, cwd: dir });
    deps = {
      registry: stores.registry,
      tracking: fakeTracking(models),
      sources: { cwd: dir },
      locations: { checkNewLocation: (location, purpose) => locations.checkNewLocation(location, purpose) },
    };
    await stores.registry.createRegisteredModel({ name: 'svc' }, actor);
  });
  after(async () => {
    await stores.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const tagOf = (id: string) => models.get(id)?.info.tags?.find((t) => t.key === MODEL_VERSIONS_TAG)?.value;

  it('points a models:/m-... version at the logged model and defaults its run', async () => {
    const v = await createModelVersion(deps, { name: 'svc', source: 'models:/m-1', model_id: 'm-1' }, actor);
    assert.equal(v.version, '1');
    assert.equal(v.run_id, 'run-1');
    assert.equal(v.source, 'models:/m-1');
    assert.equal(
      await stores.registry.getModelVersionDownloadUri('svc', '1'),
      'mlflow-artifacts:/1/models/m-1/artifacts',
    );
    assert.equal(tagOf('m-1'), '[{"name": "svc", "version": 1}]');
  });

  it('appends to the mlflow.modelVersions tag once, keeping client-written entries', async () => {
    await createModelVersion(deps, { name: 'svc', source: 's3://b/m2', model_id: 'm-2', run_id: 'given' }, actor);
    assert.equal(tagOf('m-2'), '[{"name": "old", "version": "3"}, {"name": "svc", "version": 2}]');
    const v = await stores.registry.getModelVersion('svc', '2');
    assert.equal(v.run_id, 'given');
  });

  it('creates nothing for an unknown logged model', async () => {
    await assert.rejects(
      createModelVersion(deps, { name: 'svc', source: 's3://b/x', model_id: 'm-nope' }, actor),
      (e: unknown) => e instanceof MlflowError && e.code === 'RESOURCE_DOES_NOT_EXIST',
    );
    await assert.rejects(
      createModelVersion(deps, { name: 'svc', source: 'models:/m-nope' }, actor),
      /Unable to fetch model from model URI source artifact location 'models:\/m-nope'/,
    );
    const next = await createModelVersion(deps, { name: 'svc', source: 's3://b/y' }, actor);
    assert.equal(next.version, '3');
  });
});
