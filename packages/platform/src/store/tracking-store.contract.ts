/**
 * The behavioural contract of `TrackingStore`: every implementation (SQLite, PostgreSQL) runs
 * this suite against a real database. Search and logged-model behaviour have suites of their
 * own next to their modules.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ErrorCode, MlflowError, type Run } from '@keel/contract';
import type { TrackingStore } from './tracking-store.js';

export interface StoreUnderTest {
  readonly store: TrackingStore;
  close(): Promise<void>;
}

/** Asserts that `promise` rejects with an `MlflowError` of `code` whose message matches `message`. */
export async function rejectsWith(
  promise: Promise<unknown>,
  code: ErrorCode,
  message?: RegExp | string,
): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof MlflowError, `expected MlflowError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (typeof message === 'string') assert.equal(error.message, message);
    else if (message) assert.match(error.message, message);
    return true;
  });
}

function metricOf(run: Run, key: string) {
  return run.data.metrics?.find((m) => m.key === key);
}

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

    describe('logging', () => {
      it('keeps params write-once', async () => {
        const id = (await newRun()).info.run_id;
        await store.logBatch(id, { params: [{ key: 'alpha', value: '0.5' }] }, 'single');
        await store.logBatch(id, { params: [{ key: 'alpha', value: '0.5' }] }, 'single');
        await rejectsWith(
          store.logBatch(id, { params: [{ key: 'alpha', value: '0.7' }] }, 'single'),
          'INVALID_PARAMETER_VALUE',
          `Changing param values is not allowed. Param with key='alpha' was already logged with value='0.5' for run ID='${id}'. Attempted logging new value '0.7'.`,
        );
        await rejectsWith(
          store.logBatch(id, { params: [{ key: 'alpha', value: '0.9' }] }),
          'INVALID_PARAMETER_VALUE',
          `Changing param values is not allowed. Params were already logged='[{'key': 'alpha', 'old_value': '0.5', 'new_value': '0.9'}]' for run ID='${id}'.`,
        );
      });

      it('stores nothing from a rejected batch', async () => {
        const id = (await newRun()).info.run_id;
        await store.logBatch(id, { params: [{ key: 'fixed', value: '1' }] });
        await rejectsWith(
          store.logBatch(id, {
            metrics: [{ key: 'm', value: 1, timestamp: 1 }],
            tags: [{ key: 't', value: 'v' }],
            params: [
              { key: 'fresh', value: 'x' },
              { key: 'fixed', value: '2' },
            ],
          }),
          'INVALID_PARAMETER_VALUE',
        );
        const run = await store.getRun(id);
        assert.equal(run.data.metrics, undefined);
        assert.deepEqual(run.data.params, [{ key: 'fixed', value: '1' }]);
        assert.equal(
          run.data.tags?.find((t) => t.key === 't'),
          undefined,
        );
        const history = await store.getMetricHistory(id, 'm');
        assert.equal(history.items.length, 0);
        // A failure after rows were written (unknown logged model) rolls them back too.
        await rejectsWith(
          store.logBatch(id, {
            metrics: [
              { key: 'm', value: 1, timestamp: 1 },
              { key: 'x', value: 1, timestamp: 1, model_id: 'm-0000' },
            ],
          }),
          'RESOURCE_DOES_NOT_EXIST',
        );
        assert.equal((await store.getMetricHistory(id, 'm')).items.length, 0);
        assert.equal((await store.getRun(id)).data.metrics, undefined);
      });

      it('enforces batch limits and duplicate param keys before writing', async () => {
        const id = (await newRun()).info.run_id;
        const metrics = Array.from({ length: 1001 }, (_, i) => ({ key: 'm', value: i, timestamp: i }));
        await rejectsWith(
          store.logBatch(id, { metrics }),
          'INVALID_PARAMETER_VALUE',
          'A batch logging request can contain at most 1000 metrics. Got 1001 metrics. Please split up metrics across multiple requests and try again.',
        );
        await rejectsWith(
          store.logBatch(id, {
            params: [
              { key: 'd', value: '1' },
              { key: 'd', value: '2' },
            ],
          }),
          'INVALID_PARAMETER_VALUE',
          "Duplicate parameter keys have been submitted: ['d']. Please ensure the request contains only one param value per param key.",
        );
        await rejectsWith(
          store.logBatch(id, {
            metrics: [
              { key: 'ok', value: 1, timestamp: 1 },
              { key: '../x', value: 1, timestamp: 1 },
            ],
          }),
          'INVALID_PARAMETER_VALUE',
          /metrics\[1\]\.name/,
        );
        assert.equal((await store.getRun(id)).data.metrics, undefined);
      });

      it('validates keys: characters and normalised paths', async () => {
        const id = (await newRun()).info.run_id;
        for (const key of ['a//b', '/abs', 'a/', './a', '..x', '.', 'a=b', 'a\\b', '']) {
          await rejectsWith(
            store.logBatch(id, { metrics: [{ key, value: 1, timestamp: 1 }] }, 'single'),
            'INVALID_PARAMETER_VALUE',
          );
        }
        await store.logBatch(id, {
          metrics: ['loss', 'val/loss', 'train.acc', 'epoch 1: acc', 'ünïcode'].map((key) => ({
            key,
            value: 1,
            timestamp: 1,
          })),
        });
        assert.equal((await store.getRun(id)).data.metrics?.length, 5);
      });

      it('truncates long param and tag values (MLflow default) and refuses over-long keys', async () => {
        const id = (await newRun()).info.run_id;
        await store.logBatch(id, {
          params: [{ key: 'p', value: 'x'.repeat(7000) }],
          tags: [{ key: 't', value: 'y'.repeat(9000) }],
        });
        const run = await store.getRun(id);
        assert.equal(run.data.params?.[0]?.value.length, 6000);
        assert.equal(run.data.tags?.find((t) => t.key === 't')?.value.length, 8000);
        await rejectsWith(
          store.logBatch(id, { tags: [{ key: 'k'.repeat(251), value: 'v' }] }),
          'INVALID_PARAMETER_VALUE',
        );
      });

      it('appends metrics, stores identical points once, and picks the latest by (step, timestamp, value)', async () => {
        const id = (await newRun()).info.run_id;
        await store.logBatch(id, {
          metrics: [
            { key: 'loss', value: 0.9, timestamp: 100, step: 0 },
            { key: 'loss', value: 0.5, timestamp: 50, step: 2 },
            { key: 'loss', value: 0.7, timestamp: 300, step: 1 },
            { key: 'loss', value: 0.9, timestamp: 100, step: 0 },
          ],
        });
        await store.logBatch(id, { metrics: [{ key: 'loss', value: 0.4, timestamp: 10, step: 2 }] }, 'single');
        const latest = metricOf(await store.getRun(id), 'loss');
        assert.deepEqual(latest, { key: 'loss', value: 0.5, timestamp: 50, step: 2 });
        const history = await store.getMetricHistory(id, 'loss');
        assert.deepEqual(
          history.items.map((m) => [m.timestamp, m.step, m.value]),
          [
            [10, 2, 0.4],
            [50, 2, 0.5],
            [100, 0, 0.9],
            [300, 1, 0.7],
          ],
        );
      });

      it('round-trips NaN and infinities; refuses negative timestamps', async () => {
        const id = (await newRun()).info.run_id;
        await store.logBatch(id, {
          metrics: [
            { key: 'nan', value: 'NaN', timestamp: 1 },
            { key: 'inf', value: 'Infinity', timestamp: 1 },
            { key: 'ninf', value: '-Infinity', timestamp: 1 },
            { key: 'neg', value: -0.25, timestamp: 1, step: -3 },
          ],
        });
        const run = await store.getRun(id);
        assert.equal(metricOf(run, 'nan')?.value, 'NaN');
        assert.equal(metricOf(run, 'inf')?.value, 'Infinity');
        assert.equal(metricOf(run, 'ninf')?.value, '-Infinity');
        assert.deepEqual(metricOf(run, 'neg'), { key: 'neg', value: -0.25, timestamp: 1, step: -3 });
        await rejectsWith(
          store.logBatch(id, { metrics: [{ key: 'm', value: 1, timestamp: -1 }] }, 'single'),
          'INVALID_PARAMETER_VALUE',
          "Invalid value -1 for parameter 'timestamp' supplied: metric 'm' (value=1.0). Timestamp must be a nonnegative long (64-bit integer) ",
        );
      });

      it('upserts tags, last value winning within a batch, and deletes them', async () => {
        const id = (await newRun()).info.run_id;
        await store.logBatch(id, {
          tags: [
            { key: 'stage', value: 'train' },
            { key: 'stage', value: 'final' },
          ],
        });
        assert.equal((await store.getRun(id)).data.tags?.find((t) => t.key === 'stage')?.value, 'final');
        await store.deleteTag(id, 'stage');
        await rejectsWith(
          store.deleteTag(id, 'stage'),
          'RESOURCE_DOES_NOT_EXIST',
          `No tag with name: stage in run with id ${id}`,
        );
      });

      it('loses nothing under concurrent writers', async () => {
        const id = (await newRun()).info.run_id;
        await Promise.all(
          Array.from({ length: 200 }, (_, i) =>
            store.logBatch(id, { metrics: [{ key: `k${i % 4}`, value: i, timestamp: i, step: i }] }, 'single'),
          ),
        );
        let total = 0;
        for (let k = 0; k < 4; k++) total += (await store.getMetricHistory(id, `k${k}`)).items.length;
        assert.equal(total, 200);
        assert.equal(metricOf(await store.getRun(id), 'k3')?.step, 199);
      });

      it('isolates failures inside concurrent writes', async () => {
        const good = (await newRun()).info.run_id;
        const bad = (await newRun()).info.run_id;
        await store.logBatch(bad, { params: [{ key: 'p', value: '1' }] });
        const results = await Promise.allSettled([
          store.logBatch(good, { metrics: [{ key: 'g', value: 1, timestamp: 1 }] }),
          store.logBatch(bad, { metrics: [{ key: 'b', value: 1, timestamp: 1 }], params: [{ key: 'p', value: '2' }] }),
          store.logBatch(good, { metrics: [{ key: 'g', value: 2, timestamp: 2 }] }),
        ]);
        assert.deepEqual(
          results.map((r) => r.status),
          ['fulfilled', 'rejected', 'fulfilled'],
        );
        assert.equal((await store.getMetricHistory(good, 'g')).items.length, 2);
        assert.equal((await store.getMetricHistory(bad, 'b')).items.length, 0);
      });
    });

    describe('inputs, outputs and legacy model history', () => {
      const dataset = (name: string, digest: string) => ({
        dataset: { name, digest, source_type: 'local', source: '{"uri": "/d.csv"}' },
        tags: [{ key: 'mlflow.data.context', value: 'training' }],
      });

      it('links datasets once, reusing them across runs of an experiment', async () => {
        const exp = await store.createExperiment({ name: unique('inputs') });
        const a = (await newRun(exp)).info.run_id;
        const b = (await newRun(exp)).info.run_id;
        await store.logInputs(a, [dataset('train', 'd1'), dataset('eval', 'd2'), dataset('train', 'd1')]);
        await store.logInputs(a, [
          { ...dataset('train', 'd1'), tags: [{ key: 'mlflow.data.context', value: 'other' }] },
        ]);
        await store.logInputs(b, [dataset('train', 'd1')], [{ model_id: 'm-1' }]);
        const runA = await store.getRun(a);
        assert.deepEqual(
          runA.inputs?.dataset_inputs?.map((d) => [d.dataset.name, d.tags?.[0]?.value]),
          [
            ['train', 'training'],
            ['eval', 'training'],
          ],
        );
        assert.deepEqual((await store.getRun(b)).inputs?.model_inputs, [{ model_id: 'm-1' }]);
        const summaries = await store.searchDatasets([exp]);
        assert.deepEqual(
          summaries.map((s) => [s.name, s.digest, s.context]),
          [
            ['eval', 'd2', 'training'],
            ['train', 'd1', 'training'],
          ],
        );
        await rejectsWith(
          store.logInputs(a, [dataset('x', 'd'.repeat(37))]),
          'INVALID_PARAMETER_VALUE',
          "'digest' exceeds the maximum length of 36 characters",
        );
      });

      it('records model outputs', async () => {
        const id = (await newRun()).info.run_id;
        await store.logOutputs(id, [{ model_id: 'm-abc', step: 3 }]);
        assert.deepEqual((await store.getRun(id)).outputs, { model_outputs: [{ model_id: 'm-abc', step: 3 }] });
        await rejectsWith(store.logOutputs('f'.repeat(32), [{ model_id: 'm' }]), 'RESOURCE_DOES_NOT_EXIST');
      });

      it('appends legacy log-model summaries to the history tag', async () => {
        const id = (await newRun()).info.run_id;
        const doc = { artifact_path: 'model', flavors: { python_function: {} }, utc_time_created: 'now', run_id: id };
        await store.logModelHistory(id, JSON.stringify(doc));
        await store.logModelHistory(id, JSON.stringify(doc));
        const tag = (await store.getRun(id)).data.tags?.find((t) => t.key === 'mlflow.log-model.history');
        assert.equal(JSON.parse(tag?.value ?? '[]').length, 2);
        await rejectsWith(
          store.logModelHistory(id, '{"artifact_path": "m"}'),
          'INVALID_PARAMETER_VALUE',
          "Model json is missing mandatory fields: {'flavors', 'utc_time_created', 'run_id'}",
        );
        await rejectsWith(store.logModelHistory(id, 'not json'), 'INVALID_PARAMETER_VALUE', /is not a valid JSON/);
      });
    });

    describe('metric history', () => {
      it('pages with tokens and answers RESOURCE_DOES_NOT_EXIST for unknown runs', async () => {
        const id = (await newRun()).info.run_id;
        await store.logBatch(id, {
          metrics: Array.from({ length: 5 }, (_, i) => ({ key: 'm', value: i, timestamp: i, step: i })),
        });
        const first = await store.getMetricHistory(id, 'm', { max_results: 2 });
        assert.deepEqual(
          first.items.map((m) => m.value),
          [0, 1],
        );
        const second = await store.getMetricHistory(id, 'm', { max_results: 2, page_token: first.next_page_token });
        const third = await store.getMetricHistory(id, 'm', { max_results: 2, page_token: second.next_page_token });
        assert.deepEqual(
          third.items.map((m) => m.value),
          [4],
        );
        assert.equal(third.next_page_token, undefined);
        assert.equal((await store.getMetricHistory(id, 'unknown')).items.length, 0);
        await rejectsWith(
          store.getMetricHistory(id, 'm', { page_token: 'garbage' }),
          'INVALID_PARAMETER_VALUE',
          /page token/,
        );
        await rejectsWith(store.getMetricHistory('f'.repeat(32), 'm'), 'RESOURCE_DOES_NOT_EXIST');
      });

      it('samples steps across runs for charts, keeping each run’s ends', async () => {
        const a = (await newRun()).info.run_id;
        const b = (await newRun()).info.run_id;
        await store.logBatch(a, {
          metrics: Array.from({ length: 100 }, (_, i) => ({ key: 'm', value: i, timestamp: i, step: i })),
        });
        await store.logBatch(b, { metrics: [{ key: 'm', value: 7, timestamp: 1, step: 37 }] });
        const points = await store.getMetricHistoryBulkInterval({ run_ids: [a, b], metric_key: 'm', max_results: 10 });
        const stepsA = points.filter((p) => p.run_id === a).map((p) => p.step);
        assert.ok(stepsA.includes(0) && stepsA.includes(99), 'keeps the first and last step');
        assert.ok(stepsA.length <= 13);
        assert.deepEqual(
          points.filter((p) => p.run_id === b).map((p) => p.step),
          [37],
        );
        const ranged = await store.getMetricHistoryBulkInterval({
          run_ids: [a],
          metric_key: 'm',
          start_step: 10,
          end_step: 12,
        });
        assert.deepEqual(
          ranged.map((p) => p.step),
          [10, 11, 12],
        );
        await rejectsWith(
          store.getMetricHistoryBulkInterval({ run_ids: [a], metric_key: 'm', start_step: 3, end_step: 1 }),
          'INVALID_PARAMETER_VALUE',
        );
        const bulk = await store.getMetricHistoryBulk([b, a], 'm', 3);
        assert.equal(bulk.length, 3);
      });
    });
  });
}
