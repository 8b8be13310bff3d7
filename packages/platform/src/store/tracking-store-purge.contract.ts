/**
 * The permanent-removal part of the `TrackingStore` contract suite (called from
 * `describeTrackingStore`): finding deleted items, purging them, and the artifact queue.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Run } from '@keel/contract';
import type { TrackingStore } from './tracking-store.js';
import { rejectsWith } from './tracking-store-contract-support.js';

export interface PurgeContractContext {
  readonly store: () => TrackingStore;
  readonly newRun: (experimentId?: string) => Promise<Run>;
  readonly unique: (prefix: string) => string;
}

/** A run with a param, a tag, a metric history and a dataset input. */
async function fullRun(store: TrackingStore, newRun: PurgeContractContext['newRun'], experimentId?: string) {
  const run = await newRun(experimentId);
  const id = run.info.run_id;
  await store.logBatch(id, {
    params: [{ key: 'lr', value: '0.1' }],
    tags: [{ key: 'team', value: 'vision' }],
    metrics: [1, 2, 3].map((step) => ({ key: 'loss', value: 1 / step, timestamp: 1000 + step, step })),
  });
  await store.logInputs(id, [
    {
      dataset: { name: 'train', digest: 'd1', source_type: 'local', source: '/data' },
      tags: [{ key: 'ctx', value: 'x' }],
    },
  ]);
  return run;
}

export function describePurgeContract({ store: current, newRun, unique }: PurgeContractContext): void {
  describe('permanent removal', () => {
    it('finds deleted runs only, narrowed by experiment, run and deletion time', async () => {
      const store = current();
      const experiment = await store.createExperiment({ name: unique('gc-find') });
      const [a, b, kept] = [await newRun(experiment), await newRun(experiment), await newRun(experiment)];
      const before = Date.now();
      await store.deleteRun(a.info.run_id);
      await store.deleteRun(b.info.run_id);
      const found = await store.findDeletedRuns({ experimentIds: [experiment] });
      assert.deepEqual(found.map((r) => r.run_id).sort(), [a.info.run_id, b.info.run_id].sort());
      const first = found.find((r) => r.run_id === a.info.run_id);
      assert.equal(first?.experiment_id, experiment);
      assert.equal(first?.artifact_uri, a.info.artifact_uri);
      assert.ok((first?.deleted_time ?? 0) >= before);
      assert.deepEqual(
        (await store.findDeletedRuns({ runIds: [a.info.run_id, kept.info.run_id, 'nope'] })).map((r) => r.run_id),
        [a.info.run_id],
      );
      assert.deepEqual(
        await store.findDeletedRuns({ experimentIds: [experiment], deletedBefore: before - 60_000 }),
        [],
      );
      assert.deepEqual(await store.findDeletedRuns({ experimentIds: ['not-an-id'] }), []);
      assert.deepEqual(await store.findDeletedRuns({ runIds: [] }), []);
    });

    it('purges deleted runs with everything logged to them, and queues their artifacts', async () => {
      const store = current();
      const experiment = await store.createExperiment({ name: unique('gc-runs') });
      const gone = await fullRun(store, newRun, experiment);
      const restored = await fullRun(store, newRun, experiment);
      const active = await fullRun(store, newRun, experiment);
      await store.deleteRun(gone.info.run_id);
      await store.deleteRun(restored.info.run_id);
      await store.restoreRun(restored.info.run_id);

      const result = await store.purgeRuns([gone.info.run_id, restored.info.run_id, active.info.run_id, 'missing']);
      assert.deepEqual(result.removed, [gone.info.run_id]);
      assert.deepEqual(
        result.artifacts.map((a) => [a.artifact_uri, a.owner]),
        [[gone.info.artifact_uri, `run ${gone.info.run_id}`]],
      );
      await rejectsWith(store.getRun(gone.info.run_id), 'RESOURCE_DOES_NOT_EXIST');
      await rejectsWith(store.getMetricHistory(gone.info.run_id, 'loss'), 'RESOURCE_DOES_NOT_EXIST');
      const page = await store.searchRuns({ experiment_ids: [experiment], run_view_type: 'ALL' });
      assert.deepEqual(page.items.map((r) => r.info.run_id).sort(), [active.info.run_id, restored.info.run_id].sort());
      // The survivors keep all their data.
      const survivor = await store.getRun(restored.info.run_id);
      assert.equal(survivor.data.params?.[0]?.value, '0.1');
      assert.equal((await store.getMetricHistory(restored.info.run_id, 'loss')).items.length, 3);
      assert.equal(survivor.inputs?.dataset_inputs?.length, 1);
    });

    it('leaves runs deleted after the cutoff, and purging twice removes nothing more', async () => {
      const store = current();
      const run = await newRun();
      await store.deleteRun(run.info.run_id);
      const early = await store.purgeRuns([run.info.run_id], Date.now() - 60_000);
      assert.deepEqual(early, { removed: [], artifacts: [] });
      assert.equal((await store.getRun(run.info.run_id)).info.lifecycle_stage, 'deleted');
      assert.deepEqual((await store.purgeRuns([run.info.run_id], Date.now() + 1000)).removed, [run.info.run_id]);
      assert.deepEqual(await store.purgeRuns([run.info.run_id]), { removed: [], artifacts: [] });
    });

    it('purges deleted experiments with their runs and logged models, freeing the name', async () => {
      const store = current();
      const name = unique('gc-exp');
      const experiment = await store.createExperiment({ name, tags: [{ key: 'k', value: 'v' }] });
      const run = await fullRun(store, newRun, experiment);
      const model = await store.createLoggedModel({
        experiment_id: experiment,
        name: 'm',
        source_run_id: run.info.run_id,
      });
      const alive = await store.createExperiment({ name: unique('gc-alive') });
      const found = await store.findDeletedExperiments({ experimentIds: [experiment, alive] });
      assert.deepEqual(found, []);
      await store.deleteExperiment(experiment);

      const [described] = await store.findDeletedExperiments({ experimentIds: [experiment, alive] });
      assert.equal(described?.name, name);
      assert.deepEqual(described?.run_ids, [run.info.run_id]);
      assert.deepEqual(described?.logged_model_ids, [model.info.model_id]);
      assert.deepEqual(await store.findDeletedExperiments({ experimentIds: [experiment], deletedBefore: 1 }), []);

      const result = await store.purgeExperiments([experiment, alive]);
      assert.deepEqual(result.removed, [experiment]);
      assert.deepEqual(result.artifacts.map((a) => a.owner).sort(), [
        `logged model ${model.info.model_id}`,
        `run ${run.info.run_id}`,
      ]);
      await rejectsWith(store.getExperiment(experiment), 'RESOURCE_DOES_NOT_EXIST');
      await rejectsWith(store.getRun(run.info.run_id), 'RESOURCE_DOES_NOT_EXIST');
      await rejectsWith(store.getLoggedModel(model.info.model_id), 'RESOURCE_DOES_NOT_EXIST');
      assert.equal((await store.getExperiment(alive)).lifecycle_stage, 'active');
      // The name is free again, as after MLflow's gc.
      const again = await store.createExperiment({ name });
      assert.notEqual(again, experiment);
    });

    it('keeps queued artifact deletions until each is completed', async () => {
      const store = current();
      const run = await newRun();
      await store.deleteRun(run.info.run_id);
      const { artifacts } = await store.purgeRuns([run.info.run_id]);
      const [entry] = artifacts;
      assert.ok(entry !== undefined);
      const pending = await store.listPendingArtifactDeletions();
      assert.ok(pending.some((p) => p.pending_id === entry.pending_id && p.artifact_uri === run.info.artifact_uri));
      await store.completeArtifactDeletion(entry.pending_id);
      assert.equal(
        (await store.listPendingArtifactDeletions()).some((p) => p.pending_id === entry.pending_id),
        false,
      );
      // Completing twice is harmless.
      await store.completeArtifactDeletion(entry.pending_id);
    });
  });
}
