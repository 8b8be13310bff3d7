/**
 * The behavioural contract of `TrackingStore`: every implementation (SQLite, PostgreSQL) runs
 * this suite against a real database. Search and logged-model behaviour have suites of their
 * own next to their modules.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TrackingStore } from './tracking-store.js';
import { describeBucketsContract } from './tracking-store-buckets.contract.js';
import { rejectsWith, type StoreUnderTest } from './tracking-store-contract-support.js';
import { describeLoggingContract } from './tracking-store-logging.contract.js';
import { describePurgeContract } from './tracking-store-purge.contract.js';

export function describeTrackingStore(name: string, open: () => Promise<StoreUnderTest>): void {
  describe(`TrackingStore contract: ${name}`, () => {
    let subject: StoreUnderTest;
    let store: TrackingStore;
    let seq = 0;
    const unique = (prefix: string) => `${prefix}-${Date.now()}-${seq++}`;
    const newRun = async (experimentId?: string) => {
      const exp = experimentId ?? (await store.createExperiment({ name: unique('exp') }));
      return store.createRun({ experiment_id: exp, start_time: 1000 });
    };

    before(async () => {
      subject = await open();
      store = subject.store;
    });
    after(async () => subject.close());

    describe('experiments', () => {
      it('has the Default experiment with id 0', async () => {
        const exp = await store.getExperiment('0');
        assert.equal(exp.name, 'Default');
        assert.equal(exp.lifecycle_stage, 'active');
        assert.match(exp.artifact_location, /\/0$/);
      });

      it('creates experiments with tags and a default artifact location', async () => {
        const name = unique('create');
        const id = await store.createExperiment({ name, tags: [{ key: 'team', value: 'ml' }] });
        assert.match(id, /^\d+$/);
        const exp = await store.getExperiment(id);
        assert.equal(exp.name, name);
        assert.ok(exp.artifact_location.endsWith(`/${id}`));
        assert.deepEqual(exp.tags, [{ key: 'team', value: 'ml' }]);
        assert.equal(exp.creation_time, exp.last_update_time);
        assert.deepEqual(await store.getExperimentByName(name), exp);
      });

      it('keeps names unique, deleted experiments included', async () => {
        const name = unique('dup');
        const id = await store.createExperiment({ name });
        await rejectsWith(store.createExperiment({ name }), 'RESOURCE_ALREADY_EXISTS', /already exists/);
        await store.deleteExperiment(id);
        await rejectsWith(store.createExperiment({ name }), 'RESOURCE_ALREADY_EXISTS');
      });

      it('validates artifact locations and tag keys', async () => {
        await rejectsWith(
          store.createExperiment({ name: unique('frag'), artifact_location: 's3://b/p#frag' }),
          'INVALID_PARAMETER_VALUE',
          "'artifact_location' URL can't include fragments or params.",
        );
        await rejectsWith(
          store.createExperiment({ name: unique('q'), artifact_location: 's3://b/p?x=%252e%252e' }),
          'INVALID_PARAMETER_VALUE',
          'Invalid query string',
        );
        await rejectsWith(
          store.createExperiment({ name: unique('tag'), tags: [{ key: 'a=b', value: 'x' }] }),
          'INVALID_PARAMETER_VALUE',
          /Names may only contain/,
        );
        assert.equal(
          (
            await store.getExperiment(
              await store.createExperiment({ name: unique('s3'), artifact_location: 's3://b/p' }),
            )
          ).artifact_location,
          's3://b/p',
        );
      });

      it('answers RESOURCE_DOES_NOT_EXIST for unknown ids and names', async () => {
        await rejectsWith(
          store.getExperiment('999999'),
          'RESOURCE_DOES_NOT_EXIST',
          'No Experiment with id=999999 exists',
        );
        await rejectsWith(store.getExperiment('abc'), 'RESOURCE_DOES_NOT_EXIST');
        await rejectsWith(
          store.getExperimentByName('no-such'),
          'RESOURCE_DOES_NOT_EXIST',
          "Could not find experiment with name 'no-such'",
        );
      });

      it('renames active experiments only, refusing taken names', async () => {
        const a = await store.createExperiment({ name: unique('a') });
        const bName = unique('b');
        await store.createExperiment({ name: bName });
        const newName = unique('renamed');
        await store.renameExperiment(a, newName);
        assert.equal((await store.getExperiment(a)).name, newName);
        await rejectsWith(store.renameExperiment(a, bName), 'RESOURCE_ALREADY_EXISTS');
        await store.deleteExperiment(a);
        await rejectsWith(
          store.renameExperiment(a, unique('x')),
          'INVALID_STATE',
          'Cannot rename a non-active experiment.',
        );
      });

      it('soft-deletes and restores experiments with all their runs', async () => {
        const exp = await store.createExperiment({ name: unique('del') });
        const run1 = await newRun(exp);
        const run2 = await newRun(exp);
        await store.deleteRun(run2.info.run_id);
        await store.deleteExperiment(exp);
        assert.equal((await store.getExperiment(exp)).lifecycle_stage, 'deleted');
        assert.equal((await store.getRun(run1.info.run_id)).info.lifecycle_stage, 'deleted');
        await rejectsWith(store.deleteExperiment(exp), 'RESOURCE_DOES_NOT_EXIST');
        await rejectsWith(
          store.createRun({ experiment_id: exp }),
          'INVALID_PARAMETER_VALUE',
          /must be in the 'active' state/,
        );
        await store.restoreExperiment(exp);
        assert.equal((await store.getRun(run1.info.run_id)).info.lifecycle_stage, 'active');
        assert.equal((await store.getRun(run2.info.run_id)).info.lifecycle_stage, 'active');
        await rejectsWith(store.restoreExperiment(exp), 'RESOURCE_DOES_NOT_EXIST');
      });

      it('refuses to delete the Default experiment', async () => {
        await rejectsWith(store.deleteExperiment('0'), 'INVALID_PARAMETER_VALUE', /default experiment/);
      });

      it('sets and deletes experiment tags on active experiments', async () => {
        const exp = await store.createExperiment({ name: unique('tags') });
        await store.setExperimentTag(exp, { key: 'k', value: 'v1' });
        await store.setExperimentTag(exp, { key: 'k', value: 'v2' });
        assert.deepEqual((await store.getExperiment(exp)).tags, [{ key: 'k', value: 'v2' }]);
        await rejectsWith(
          store.setExperimentTag(exp, { key: 'long', value: 'x'.repeat(5001) }),
          'INVALID_PARAMETER_VALUE',
          "'value' exceeds the maximum length of 5000 characters",
        );
        await store.deleteExperimentTag(exp, 'k');
        assert.equal((await store.getExperiment(exp)).tags, undefined);
        await rejectsWith(
          store.deleteExperimentTag(exp, 'k'),
          'RESOURCE_DOES_NOT_EXIST',
          `No tag with name: k in experiment with id ${exp}`,
        );
      });
    });

    describe('runs', () => {
      it('creates runs with a name tag, an artifact URI and RUNNING status', async () => {
        const exp = await store.createExperiment({ name: unique('runs') });
        const run = await store.createRun({
          experiment_id: exp,
          run_name: 'my-run',
          user_id: 'alice',
          start_time: 42,
          tags: [{ key: 'mlflow.user', value: 'alice' }],
        });
        const { info } = run;
        assert.match(info.run_id, /^[0-9a-f]{32}$/);
        assert.equal(info.run_uuid, info.run_id);
        assert.equal(info.run_name, 'my-run');
        assert.equal(info.status, 'RUNNING');
        assert.equal(info.start_time, 42);
        assert.equal(info.end_time, undefined);
        assert.equal(info.user_id, 'alice');
        const experiment = await store.getExperiment(exp);
        assert.equal(info.artifact_uri, `${experiment.artifact_location}/${info.run_id}/artifacts`);
        assert.deepEqual(
          [...(run.data.tags ?? [])].sort((a, b) => a.key.localeCompare(b.key)),
          [
            { key: 'mlflow.runName', value: 'my-run' },
            { key: 'mlflow.user', value: 'alice' },
          ],
        );
      });

      it('generates a readable name and refuses conflicting names', async () => {
        const run = await newRun();
        assert.match(run.info.run_name ?? '', /^[a-z]+-[a-z]+-\d+$/);
        await rejectsWith(
          store.createRun({ experiment_id: '0', run_name: 'a', tags: [{ key: 'mlflow.runName', value: 'b' }] }),
          'INVALID_PARAMETER_VALUE',
          /Both 'run_name' argument and 'mlflow.runName' tag are specified/,
        );
      });

      it('answers RESOURCE_DOES_NOT_EXIST for unknown runs and experiments', async () => {
        await rejectsWith(
          store.getRun('f'.repeat(32)),
          'RESOURCE_DOES_NOT_EXIST',
          `Run with id=${'f'.repeat(32)} not found`,
        );
        await rejectsWith(store.createRun({ experiment_id: '987654' }), 'RESOURCE_DOES_NOT_EXIST');
        await rejectsWith(store.deleteRun('nope'), 'RESOURCE_DOES_NOT_EXIST');
      });

      it('updates status, end time and name (tag kept in sync)', async () => {
        const run = await newRun();
        const id = run.info.run_id;
        const info = await store.updateRun(id, { status: 'FINISHED', end_time: 2000, run_name: 'renamed' });
        assert.equal(info.status, 'FINISHED');
        assert.equal(info.end_time, 2000);
        assert.equal(info.run_name, 'renamed');
        const fetched = await store.getRun(id);
        assert.equal(fetched.info.run_name, 'renamed');
        assert.equal(fetched.data.tags?.find((t) => t.key === 'mlflow.runName')?.value, 'renamed');
        await store.logBatch(id, { tags: [{ key: 'mlflow.runName', value: 'via-tag' }] });
        assert.equal((await store.getRun(id)).info.run_name, 'via-tag');
        assert.equal((await store.updateRun(id, { status: 'RUNNING' })).status, 'RUNNING');
      });

      it('deletes and restores runs idempotently; deleted runs refuse writes', async () => {
        const run = await newRun();
        const id = run.info.run_id;
        await store.deleteRun(id);
        await store.deleteRun(id);
        assert.equal((await store.getRun(id)).info.lifecycle_stage, 'deleted');
        await rejectsWith(
          store.logBatch(id, { params: [{ key: 'p', value: '1' }] }),
          'INVALID_PARAMETER_VALUE',
          `The run ${id} must be in the 'active' state. Current state is deleted.`,
        );
        await rejectsWith(store.updateRun(id, { status: 'FAILED' }), 'INVALID_PARAMETER_VALUE');
        await store.restoreRun(id);
        await store.logBatch(id, { params: [{ key: 'p', value: '1' }] });
      });
    });

    describeLoggingContract({ store: () => store, newRun, unique });
    describePurgeContract({ store: () => store, newRun, unique });
    describeBucketsContract({ store: () => store, newRun, unique });
  });
}
