/**
 * The behavioural contract of `RegistryStore`: every implementation (SQLite, PostgreSQL) runs
 * this suite against a real database. Searches and the audit trail, and versions and
 * aliases, have their parts in `registry-store-search.contract.ts` and
 * `registry-store-versions.contract.ts`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RegistryStore } from './registry-store.js';
import { TEST_ACTOR, uniqueNames } from './registry-store-contract-support.js';
import { describeRegistrySearchAndAudit } from './registry-store-search.contract.js';
import { describeModelVersionsAndAliases } from './registry-store-versions.contract.js';
import { rejectsWith } from './tracking-store-contract-support.js';

export interface RegistryStoreUnderTest {
  readonly store: RegistryStore;
  close(): Promise<void>;
}

export function describeRegistryStore(name: string, open: () => Promise<RegistryStoreUnderTest>): void {
  describe(`RegistryStore contract: ${name}`, () => {
    let subject: RegistryStoreUnderTest;
    let store: RegistryStore;
    const unique = uniqueNames('rm');
    const actor = TEST_ACTOR;
    const newModel = async () => (await store.createRegisteredModel({ name: unique() }, actor)).name;
    const newVersion = (model: string, source = 's3://bucket/model') =>
      store.createModelVersion({ name: model, source }, source, actor);

    before(async () => {
      subject = await open();
      store = subject.store;
    });
    after(async () => subject.close());

    describe('registered models', () => {
      it('creates a model with tags and description, and refuses a duplicate name', async () => {
        const name = unique();
        const tags = [
          { key: 'owner', value: 'a' },
          { key: 'owner', value: 'b' },
        ];
        const created = await store.createRegisteredModel({ name, tags, description: 'd' }, actor);
        assert.equal(created.name, name);
        assert.equal(created.description, 'd');
        assert.equal(created.creation_timestamp, created.last_updated_timestamp);
        // Repeated keys: the last value wins.
        assert.deepEqual(created.tags, [{ key: 'owner', value: 'b' }]);
        assert.equal(created.latest_versions, undefined);
        await rejectsWith(
          store.createRegisteredModel({ name }, actor),
          'RESOURCE_ALREADY_EXISTS',
          `Registered Model (name=${name}) already exists.`,
        );
      });

      it('validates tags and the name length', async () => {
        await rejectsWith(
          store.createRegisteredModel({ name: unique(), tags: [{ key: 'bad=key', value: 'x' }] }, actor),
          'INVALID_PARAMETER_VALUE',
          /Names may only contain alphanumerics/,
        );
        await rejectsWith(
          store.createRegisteredModel({ name: 'x'.repeat(257) }, actor),
          'INVALID_PARAMETER_VALUE',
          "'name' exceeds the maximum length of 256 characters",
        );
        await rejectsWith(
          store.createRegisteredModel({ name: unique(), tags: [{ key: 'k', value: 'v'.repeat(100_001) }] }, actor),
          'INVALID_PARAMETER_VALUE',
        );
      });

      it('answers RESOURCE_DOES_NOT_EXIST for unknown models on every operation', async () => {
        const msg = 'Registered Model with name=nope-model not found';
        await rejectsWith(store.getRegisteredModel('nope-model'), 'RESOURCE_DOES_NOT_EXIST', msg);
        await rejectsWith(store.renameRegisteredModel('nope-model', 'x', actor), 'RESOURCE_DOES_NOT_EXIST', msg);
        await rejectsWith(store.updateRegisteredModel('nope-model', 'x', actor), 'RESOURCE_DOES_NOT_EXIST', msg);
        await rejectsWith(store.deleteRegisteredModel('nope-model', actor), 'RESOURCE_DOES_NOT_EXIST', msg);
        await rejectsWith(store.getLatestVersions('nope-model'), 'RESOURCE_DOES_NOT_EXIST', msg);
        await rejectsWith(
          store.setRegisteredModelTag('nope-model', { key: 'k', value: 'v' }, actor),
          'RESOURCE_DOES_NOT_EXIST',
          msg,
        );
        await rejectsWith(store.deleteRegisteredModelTag('nope-model', 'k', actor), 'RESOURCE_DOES_NOT_EXIST', msg);
        await rejectsWith(newVersion('nope-model'), 'RESOURCE_DOES_NOT_EXIST', msg);
      });

      it('renames a model together with its versions, tags and aliases', async () => {
        const name = await newModel();
        await store.setRegisteredModelTag(name, { key: 'team', value: 'ml' }, actor);
        const v1 = await newVersion(name);
        await store.setModelVersionTag(name, '1', { key: 'k', value: 'v' }, actor);
        await store.setRegisteredModelAlias(name, 'champion', '1', actor);
        const renamed = await store.renameRegisteredModel(name, `${name}-new`, actor);
        assert.equal(renamed.name, `${name}-new`);
        assert.ok(renamed.last_updated_timestamp >= v1.last_updated_timestamp);
        assert.deepEqual(renamed.tags, [{ key: 'team', value: 'ml' }]);
        assert.deepEqual(renamed.aliases, [{ alias: 'champion', version: '1' }]);
        const moved = await store.getModelVersion(`${name}-new`, '1');
        assert.deepEqual(moved.tags, [{ key: 'k', value: 'v' }]);
        assert.deepEqual(moved.aliases, ['champion']);
        await rejectsWith(store.getRegisteredModel(name), 'RESOURCE_DOES_NOT_EXIST');
        // Numbering continues under the new name.
        assert.equal((await newVersion(`${name}-new`)).version, '2');
      });

      it('refuses to rename onto a taken name, and allows renaming to itself', async () => {
        const a = await newModel();
        const b = await newModel();
        await rejectsWith(
          store.renameRegisteredModel(a, b, actor),
          'RESOURCE_ALREADY_EXISTS',
          `Registered Model (name=${b}) already exists.`,
        );
        assert.equal((await store.renameRegisteredModel(a, a, actor)).name, a);
      });

      it('sets the description, and clears it when absent', async () => {
        const name = await newModel();
        const updated = await store.updateRegisteredModel(name, 'about', actor);
        assert.equal(updated.description, 'about');
        const cleared = await store.updateRegisteredModel(name, undefined, actor);
        assert.equal(cleared.description, undefined);
      });

      it('deletes a model with everything it holds; a new model of that name starts at version 1', async () => {
        const name = await newModel();
        await newVersion(name);
        await newVersion(name);
        await store.setRegisteredModelAlias(name, 'a', '2', actor);
        await store.deleteRegisteredModel(name, actor);
        await rejectsWith(store.getRegisteredModel(name), 'RESOURCE_DOES_NOT_EXIST');
        await rejectsWith(store.getModelVersion(name, '1'), 'RESOURCE_DOES_NOT_EXIST');
        await store.createRegisteredModel({ name }, actor);
        assert.equal((await newVersion(name)).version, '1');
        const again = await store.getRegisteredModel(name);
        assert.equal(again.aliases, undefined);
      });

      it('upserts tags; deleting a missing tag succeeds', async () => {
        const name = await newModel();
        await store.setRegisteredModelTag(name, { key: 'k', value: '1' }, actor);
        await store.setRegisteredModelTag(name, { key: 'k', value: '2' }, actor);
        assert.deepEqual((await store.getRegisteredModel(name)).tags, [{ key: 'k', value: '2' }]);
        await store.deleteRegisteredModelTag(name, 'k', actor);
        await store.deleteRegisteredModelTag(name, 'k', actor);
        assert.equal((await store.getRegisteredModel(name)).tags, undefined);
      });

      it('lists the newest live version of each stage as latest_versions', async () => {
        const name = await newModel();
        for (let i = 0; i < 5; i++) await newVersion(name);
        await store.transitionModelVersionStage(name, '1', 'Production', false, actor);
        await store.transitionModelVersionStage(name, '2', 'Staging', false, actor);
        await store.transitionModelVersionStage(name, '3', 'Staging', false, actor);
        await store.deleteModelVersion(name, '5', actor);
        const latest = (await store.getRegisteredModel(name)).latest_versions ?? [];
        assert.deepEqual(
          latest.map((v) => [v.version, v.current_stage]),
          [
            ['1', 'Production'],
            ['3', 'Staging'],
            ['4', 'None'],
          ],
        );
        // latest_versions carry no aliases (as MLflow); get-latest-versions does.
        await store.setRegisteredModelAlias(name, 'prod', '1', actor);
        assert.equal((await store.getRegisteredModel(name)).latest_versions?.[0]?.aliases, undefined);
        const prod = await store.getLatestVersions(name, ['production']);
        assert.deepEqual(
          prod.map((v) => [v.version, v.aliases]),
          [['1', ['prod']]],
        );
        assert.equal((await store.getLatestVersions(name)).length, 3);
        assert.equal((await store.getLatestVersions(name, ['Archived'])).length, 0);
        await rejectsWith(
          store.getLatestVersions(name, ['Foo']),
          'INVALID_PARAMETER_VALUE',
          'Invalid Model Version stage: Foo. Value must be one of None, Staging, Production, Archived.',
        );
      });
    });

    describeModelVersionsAndAliases(() => store, newModel, newVersion);
    describeRegistrySearchAndAudit(() => store);
  });
}
