/** The `RegistryStore` contract for model versions and aliases (see `registry-store.contract.ts`). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RegistryStore } from './registry-store.js';
import { TEST_ACTOR } from './registry-store-contract-support.js';
import { rejectsWith } from './tracking-store-contract-support.js';

/** Model versions and aliases, on a store shared with the rest of the suite. */
export function describeModelVersionsAndAliases(
  storeOf: () => RegistryStore,
  newModel: () => Promise<string>,
  newVersion: (model: string, source?: string) => ReturnType<RegistryStore['createModelVersion']>,
): void {
  const actor = TEST_ACTOR;
  describe('model versions', () => {
    it('numbers versions from 1 and never reuses a number', async () => {
      const store = storeOf();
      const name = await newModel();
      const before = await store.getRegisteredModel(name);
      const v1 = await newVersion(name);
      assert.equal(v1.version, '1');
      assert.equal(v1.current_stage, 'None');
      assert.equal(v1.status, 'READY');
      assert.equal(v1.description, '');
      assert.equal(v1.run_id, '');
      assert.equal(v1.run_link, '');
      assert.ok((await store.getRegisteredModel(name)).last_updated_timestamp >= before.last_updated_timestamp);
      await newVersion(name);
      await store.deleteModelVersion(name, '2', actor);
      assert.equal((await newVersion(name)).version, '3');
    });

    it('gives 50 concurrent creates the numbers 1..50, without gaps or duplicates', async () => {
      const name = await newModel();
      const created = await Promise.all(Array.from({ length: 50 }, () => newVersion(name)));
      const numbers = created.map((v) => Number(v.version)).sort((a, b) => a - b);
      assert.deepEqual(
        numbers,
        Array.from({ length: 50 }, (_, i) => i + 1),
      );
    });

    it('stores the request fields, tags and storage location', async () => {
      const store = storeOf();
      const name = await newModel();
      const version = await store.createModelVersion(
        {
          name,
          source: 'models:/m-abc',
          run_id: 'r1',
          run_link: 'http://x/r1',
          description: 'first',
          model_id: 'm-abc',
          tags: [{ key: 'validated', value: 'true' }],
        },
        's3://bucket/m-abc/artifacts',
        actor,
      );
      assert.equal(version.source, 'models:/m-abc');
      assert.equal(version.run_id, 'r1');
      assert.equal(version.run_link, 'http://x/r1');
      assert.equal(version.description, 'first');
      assert.deepEqual(version.tags, [{ key: 'validated', value: 'true' }]);
      assert.equal(await store.getModelVersionDownloadUri(name, '1'), 's3://bucket/m-abc/artifacts');
      const fetched = await store.getModelVersion(name, '1');
      assert.deepEqual(fetched, { ...version });
      await rejectsWith(
        store.createModelVersion({ name, source: 's3://b/x', tags: [{ key: '/bad', value: 'x' }] }, 's3://b/x', actor),
        'INVALID_PARAMETER_VALUE',
      );
      // A refused create allocates nothing.
      assert.equal((await newVersion(name)).version, '2');
    });

    it('refuses bad and unknown version numbers with MLflow messages', async () => {
      const store = storeOf();
      const name = await newModel();
      await rejectsWith(
        store.getModelVersion(name, 'x'),
        'INVALID_PARAMETER_VALUE',
        "Parameter 'version' must be an integer, got 'x'.",
      );
      const missing = `Model Version (name=${name}, version=7) not found`;
      await rejectsWith(store.getModelVersion(name, '7'), 'RESOURCE_DOES_NOT_EXIST', missing);
      await rejectsWith(store.updateModelVersion(name, '7', 'd', actor), 'RESOURCE_DOES_NOT_EXIST', missing);
      await rejectsWith(store.deleteModelVersion(name, '7', actor), 'RESOURCE_DOES_NOT_EXIST', missing);
      await rejectsWith(store.getModelVersionDownloadUri(name, '7'), 'RESOURCE_DOES_NOT_EXIST', missing);
      await rejectsWith(
        store.transitionModelVersionStage(name, '7', 'Staging', false, actor),
        'RESOURCE_DOES_NOT_EXIST',
        missing,
      );
      await rejectsWith(
        store.setModelVersionTag(name, '7', { key: 'k', value: 'v' }, actor),
        'RESOURCE_DOES_NOT_EXIST',
        missing,
      );
      await rejectsWith(store.deleteModelVersionTag(name, '7', 'k', actor), 'RESOURCE_DOES_NOT_EXIST', missing);
    });

    it('updates the description only when given, moving the timestamp', async () => {
      const store = storeOf();
      const name = await newModel();
      await store.createModelVersion({ name, source: 's3://b/m', description: 'a' }, 's3://b/m', actor);
      const updated = await store.updateModelVersion(name, '1', 'b', actor);
      assert.equal(updated.description, 'b');
      const untouched = await store.updateModelVersion(name, '1', undefined, actor);
      assert.equal(untouched.description, 'b');
      assert.ok(untouched.last_updated_timestamp >= updated.creation_timestamp);
    });

    it('soft-deletes: the version vanishes, its aliases go, its number stays taken', async () => {
      const store = storeOf();
      const name = await newModel();
      await newVersion(name);
      await newVersion(name);
      await store.setRegisteredModelAlias(name, 'champion', '2', actor);
      await store.deleteModelVersion(name, '2', actor);
      await rejectsWith(store.getModelVersion(name, '2'), 'RESOURCE_DOES_NOT_EXIST');
      await rejectsWith(store.deleteModelVersion(name, '2', actor), 'RESOURCE_DOES_NOT_EXIST');
      await rejectsWith(store.getModelVersionByAlias(name, 'champion'), 'INVALID_PARAMETER_VALUE');
      const model = await store.getRegisteredModel(name);
      assert.equal(model.aliases, undefined);
      assert.deepEqual(
        model.latest_versions?.map((v) => v.version),
        ['1'],
      );
      const found = await store.searchModelVersions({ filter: `name = '${name}'` });
      assert.deepEqual(
        found.items.map((v) => v.version),
        ['1'],
      );
    });

    it('transitions stages, archiving the others on request', async () => {
      const store = storeOf();
      const name = await newModel();
      for (let i = 0; i < 3; i++) await newVersion(name);
      const staged = await store.transitionModelVersionStage(name, '1', 'staging', false, actor);
      assert.equal(staged.current_stage, 'Staging');
      await store.transitionModelVersionStage(name, '2', 'Production', false, actor);
      const promoted = await store.transitionModelVersionStage(name, '3', 'PRODUCTION', true, actor);
      assert.equal(promoted.current_stage, 'Production');
      const v2 = await store.getModelVersion(name, '2');
      assert.equal(v2.current_stage, 'Archived');
      assert.equal(v2.last_updated_timestamp, promoted.last_updated_timestamp);
      assert.equal((await store.getModelVersion(name, '1')).current_stage, 'Staging');
      assert.equal((await store.getRegisteredModel(name)).last_updated_timestamp, promoted.last_updated_timestamp);
      await rejectsWith(
        store.transitionModelVersionStage(name, '1', 'Foo', false, actor),
        'INVALID_PARAMETER_VALUE',
        'Invalid Model Version stage: Foo. Value must be one of None, Staging, Production, Archived.',
      );
      for (const stage of ['None', 'Archived']) {
        await rejectsWith(
          store.transitionModelVersionStage(name, '1', stage, true, actor),
          'INVALID_PARAMETER_VALUE',
          `Model version transition cannot archive existing model versions because '${stage}' is not an Active stage. Valid stages are ['Staging', 'Production']`,
        );
      }
    });

    it('upserts and deletes version tags; deleting a missing tag succeeds', async () => {
      const store = storeOf();
      const name = await newModel();
      await newVersion(name);
      await store.setModelVersionTag(name, '1', { key: 'k', value: '1' }, actor);
      await store.setModelVersionTag(name, '1', { key: 'k', value: '2' }, actor);
      assert.deepEqual((await store.getModelVersion(name, '1')).tags, [{ key: 'k', value: '2' }]);
      await store.deleteModelVersionTag(name, '1', 'k', actor);
      await store.deleteModelVersionTag(name, '1', 'k', actor);
      assert.equal((await store.getModelVersion(name, '1')).tags, undefined);
    });
  });

  describe('aliases', () => {
    it('points an alias at one version, moves it, and resolves it', async () => {
      const store = storeOf();
      const name = await newModel();
      await newVersion(name);
      await newVersion(name);
      await store.setRegisteredModelAlias(name, 'champion', '1', actor);
      await store.setRegisteredModelAlias(name, 'stable', '1', actor);
      assert.deepEqual((await store.getModelVersion(name, '1')).aliases, ['champion', 'stable']);
      await store.setRegisteredModelAlias(name, 'champion', '2', actor);
      const byAlias = await store.getModelVersionByAlias(name, 'champion');
      assert.equal(byAlias.version, '2');
      assert.deepEqual(byAlias.aliases, ['champion']);
      assert.deepEqual((await store.getModelVersion(name, '1')).aliases, ['stable']);
      await store.deleteRegisteredModelAlias(name, 'champion', actor);
      await store.deleteRegisteredModelAlias(name, 'champion', actor);
      await rejectsWith(
        store.getModelVersionByAlias(name, 'champion'),
        'INVALID_PARAMETER_VALUE',
        'Registered model alias champion not found.',
      );
    });

    it("resolves 'latest' (any case) to the highest live version, whatever the stages", async () => {
      const store = storeOf();
      const name = await newModel();
      for (let i = 0; i < 3; i++) await newVersion(name);
      await store.transitionModelVersionStage(name, '1', 'Staging', false, actor);
      await store.transitionModelVersionStage(name, '3', 'Production', false, actor);
      assert.equal((await store.getModelVersionByAlias(name, 'latest')).version, '3');
      await store.deleteModelVersion(name, '3', actor);
      assert.equal((await store.getModelVersionByAlias(name, 'LATEST')).version, '2');
    });

    it('refuses reserved and malformed alias names', async () => {
      const store = storeOf();
      const name = await newModel();
      await newVersion(name);
      const refused: Array<[string, string]> = [
        ['latest', "'latest' alias name (case insensitive) is reserved."],
        ['Latest', "'latest' alias name (case insensitive) is reserved."],
        ['v3', "Version alias name 'v3' is reserved."],
        ['V10', "Version alias name 'V10' is reserved."],
        [
          'bad alias!',
          "Invalid alias name: 'bad alias!'. Names may only contain alphanumerics, underscores (_), and dashes (-).",
        ],
        ['', 'Registered model alias name cannot be empty.'],
      ];
      for (const [alias, message] of refused) {
        await rejectsWith(store.setRegisteredModelAlias(name, alias, '1', actor), 'INVALID_PARAMETER_VALUE', message);
      }
      await rejectsWith(store.setRegisteredModelAlias(name, 'a'.repeat(256), '1', actor), 'INVALID_PARAMETER_VALUE');
      await store.setRegisteredModelAlias(name, 'v3-candidate', '1', actor);
      await store.setRegisteredModelAlias(name, 'modèle_2', '1', actor);
    });

    it('needs the version to exist (an unknown model reads as an unknown version)', async () => {
      const store = storeOf();
      const name = await newModel();
      await rejectsWith(
        store.setRegisteredModelAlias(name, 'a', '9', actor),
        'RESOURCE_DOES_NOT_EXIST',
        `Model Version (name=${name}, version=9) not found`,
      );
      await rejectsWith(
        store.setRegisteredModelAlias('nope-model', 'a', '1', actor),
        'RESOURCE_DOES_NOT_EXIST',
        'Model Version (name=nope-model, version=1) not found',
      );
      await rejectsWith(store.getModelVersionByAlias('nope-model', 'a'), 'RESOURCE_DOES_NOT_EXIST');
    });
  });
}
