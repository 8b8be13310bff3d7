/**
 * The logging, inputs/outputs and metric-history part of the `TrackingStore` contract suite
 * (called from `describeTrackingStore`).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Run } from '@keel/contract';
import type { TrackingStore } from './tracking-store.js';
import { rejectsWith } from './tracking-store-contract-support.js';

export interface LoggingContractContext {
  /** The store under test (available once the suite's `before` hook has run). */
  readonly store: () => TrackingStore;
  /** Creates a run in a fresh experiment, or in `experimentId`. */
  readonly newRun: (experimentId?: string) => Promise<Run>;
  /** A fresh name with this prefix. */
  readonly unique: (prefix: string) => string;
}

function metricOf(run: Run, key: string) {
  return run.data.metrics?.find((m) => m.key === key);
}

export function describeLoggingContract({ store: current, newRun, unique }: LoggingContractContext): void {
  describe('logging', () => {
    it('keeps params write-once', async () => {
      const id = (await newRun()).info.run_id;
      await current().logBatch(id, { params: [{ key: 'alpha', value: '0.5' }] }, 'single');
      await current().logBatch(id, { params: [{ key: 'alpha', value: '0.5' }] }, 'single');
      await rejectsWith(
        current().logBatch(id, { params: [{ key: 'alpha', value: '0.7' }] }, 'single'),
        'INVALID_PARAMETER_VALUE',
        `Changing param values is not allowed. Param with key='alpha' was already logged with value='0.5' for run ID='${id}'. Attempted logging new value '0.7'.`,
      );
      await rejectsWith(
        current().logBatch(id, { params: [{ key: 'alpha', value: '0.9' }] }),
        'INVALID_PARAMETER_VALUE',
        `Changing param values is not allowed. Params were already logged='[{'key': 'alpha', 'old_value': '0.5', 'new_value': '0.9'}]' for run ID='${id}'.`,
      );
    });

    it('stores nothing from a rejected batch', async () => {
      const id = (await newRun()).info.run_id;
      await current().logBatch(id, { params: [{ key: 'fixed', value: '1' }] });
      await rejectsWith(
        current().logBatch(id, {
          metrics: [{ key: 'm', value: 1, timestamp: 1 }],
          tags: [{ key: 't', value: 'v' }],
          params: [
            { key: 'fresh', value: 'x' },
            { key: 'fixed', value: '2' },
          ],
        }),
        'INVALID_PARAMETER_VALUE',
      );
      const run = await current().getRun(id);
      assert.equal(run.data.metrics, undefined);
      assert.deepEqual(run.data.params, [{ key: 'fixed', value: '1' }]);
      assert.equal(
        run.data.tags?.find((t) => t.key === 't'),
        undefined,
      );
      const history = await current().getMetricHistory(id, 'm');
      assert.equal(history.items.length, 0);
      // A failure after rows were written (unknown logged model) rolls them back too.
      await rejectsWith(
        current().logBatch(id, {
          metrics: [
            { key: 'm', value: 1, timestamp: 1 },
            { key: 'x', value: 1, timestamp: 1, model_id: 'm-0000' },
          ],
        }),
        'RESOURCE_DOES_NOT_EXIST',
      );
      assert.equal((await current().getMetricHistory(id, 'm')).items.length, 0);
      assert.equal((await current().getRun(id)).data.metrics, undefined);
    });

    it('enforces batch limits and duplicate param keys before writing', async () => {
      const id = (await newRun()).info.run_id;
      const metrics = Array.from({ length: 1001 }, (_, i) => ({ key: 'm', value: i, timestamp: i }));
      await rejectsWith(
        current().logBatch(id, { metrics }),
        'INVALID_PARAMETER_VALUE',
        'A batch logging request can contain at most 1000 metrics. Got 1001 metrics. Please split up metrics across multiple requests and try again.',
      );
      await rejectsWith(
        current().logBatch(id, {
          params: [
            { key: 'd', value: '1' },
            { key: 'd', value: '2' },
          ],
        }),
        'INVALID_PARAMETER_VALUE',
        "Duplicate parameter keys have been submitted: ['d']. Please ensure the request contains only one param value per param key.",
      );
      await rejectsWith(
        current().logBatch(id, {
          metrics: [
            { key: 'ok', value: 1, timestamp: 1 },
            { key: '../x', value: 1, timestamp: 1 },
          ],
        }),
        'INVALID_PARAMETER_VALUE',
        /metrics\[1\]\.name/,
      );
      assert.equal((await current().getRun(id)).data.metrics, undefined);
    });

    it('validates keys: characters and normalised paths', async () => {
      const id = (await newRun()).info.run_id;
      for (const key of ['a//b', '/abs', 'a/', './a', '..x', '.', 'a=b', 'a\\b', '']) {
        await rejectsWith(
          current().logBatch(id, { metrics: [{ key, value: 1, timestamp: 1 }] }, 'single'),
          'INVALID_PARAMETER_VALUE',
        );
      }
      await current().logBatch(id, {
        metrics: ['loss', 'val/loss', 'train.acc', 'epoch 1: acc', 'ünïcode'].map((key) => ({
          key,
          value: 1,
          timestamp: 1,
        })),
      });
      assert.equal((await current().getRun(id)).data.metrics?.length, 5);
    });

    it('truncates long param and tag values (MLflow default) and refuses over-long keys', async () => {
      const id = (await newRun()).info.run_id;
      await current().logBatch(id, {
        params: [{ key: 'p', value: 'x'.repeat(7000) }],
        tags: [{ key: 't', value: 'y'.repeat(9000) }],
      });
      const run = await current().getRun(id);
      assert.equal(run.data.params?.[0]?.value.length, 6000);
      assert.equal(run.data.tags?.find((t) => t.key === 't')?.value.length, 8000);
      await rejectsWith(
        current().logBatch(id, { tags: [{ key: 'k'.repeat(251), value: 'v' }] }),
        'INVALID_PARAMETER_VALUE',
      );
    });

    it('appends metrics, stores identical points once, and picks the latest by (step, timestamp, value)', async () => {
      const id = (await newRun()).info.run_id;
      await current().logBatch(id, {
        metrics: [
          { key: 'loss', value: 0.9, timestamp: 100, step: 0 },
          { key: 'loss', value: 0.5, timestamp: 50, step: 2 },
          { key: 'loss', value: 0.7, timestamp: 300, step: 1 },
          { key: 'loss', value: 0.9, timestamp: 100, step: 0 },
        ],
      });
      await current().logBatch(id, { metrics: [{ key: 'loss', value: 0.4, timestamp: 10, step: 2 }] }, 'single');
      const latest = metricOf(await current().getRun(id), 'loss');
      assert.deepEqual(latest, { key: 'loss', value: 0.5, timestamp: 50, step: 2 });
      const history = await current().getMetricHistory(id, 'loss');
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

    it('keeps each key’s points apart in a batch of keys with different numbers of points', async () => {
      const id = (await newRun()).info.run_id;
      const counts: Record<string, number> = { a: 1, b: 2, c: 5, d: 130 };
      const metrics = Object.entries(counts)
        .flatMap(([key, n]) =>
          Array.from({ length: n }, (_, i) => ({
            key,
            value: i + key.charCodeAt(0) / 1000,
            timestamp: 7 * i,
            step: i,
          })),
        )
        .sort((x, y) => x.step - y.step || y.key.localeCompare(x.key));
      await current().logBatch(id, { metrics });
      for (const [key, n] of Object.entries(counts)) {
        const history = await current().getMetricHistory(id, key, { max_results: 1000 });
        assert.deepEqual(
          history.items.map((m) => [m.timestamp, m.step, m.value]),
          Array.from({ length: n }, (_, i) => [7 * i, i, i + key.charCodeAt(0) / 1000]),
          key,
        );
        assert.deepEqual(metricOf(await current().getRun(id), key), {
          key,
          value: n - 1 + key.charCodeAt(0) / 1000,
          timestamp: 7 * (n - 1),
          step: n - 1,
        });
      }
    });

    it('round-trips NaN and infinities; refuses negative timestamps', async () => {
      const id = (await newRun()).info.run_id;
      await current().logBatch(id, {
        metrics: [
          { key: 'nan', value: 'NaN', timestamp: 1 },
          { key: 'inf', value: 'Infinity', timestamp: 1 },
          { key: 'ninf', value: '-Infinity', timestamp: 1 },
          { key: 'neg', value: -0.25, timestamp: 1, step: -3 },
        ],
      });
      const run = await current().getRun(id);
      assert.equal(metricOf(run, 'nan')?.value, 'NaN');
      assert.equal(metricOf(run, 'inf')?.value, 'Infinity');
      assert.equal(metricOf(run, 'ninf')?.value, '-Infinity');
      assert.deepEqual(metricOf(run, 'neg'), { key: 'neg', value: -0.25, timestamp: 1, step: -3 });
      await rejectsWith(
        current().logBatch(id, { metrics: [{ key: 'm', value: 1, timestamp: -1 }] }, 'single'),
        'INVALID_PARAMETER_VALUE',
        "Invalid value -1 for parameter 'timestamp' supplied: metric 'm' (value=1.0). Timestamp must be a nonnegative long (64-bit integer) ",
      );
    });

    it('upserts tags, last value winning within a batch, and deletes them', async () => {
      const id = (await newRun()).info.run_id;
      await current().logBatch(id, {
        tags: [
          { key: 'stage', value: 'train' },
          { key: 'stage', value: 'final' },
        ],
      });
      assert.equal((await current().getRun(id)).data.tags?.find((t) => t.key === 'stage')?.value, 'final');
      await current().deleteTag(id, 'stage');
      await rejectsWith(
        current().deleteTag(id, 'stage'),
        'RESOURCE_DOES_NOT_EXIST',
        `No tag with name: stage in run with id ${id}`,
      );
    });

    it('loses nothing under concurrent writers', async () => {
      const id = (await newRun()).info.run_id;
      await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          current().logBatch(id, { metrics: [{ key: `k${i % 4}`, value: i, timestamp: i, step: i }] }, 'single'),
        ),
      );
      let total = 0;
      for (let k = 0; k < 4; k++) total += (await current().getMetricHistory(id, `k${k}`)).items.length;
      assert.equal(total, 200);
      assert.equal(metricOf(await current().getRun(id), 'k3')?.step, 199);
    });

    it('keeps histories exact across many single-point writes (compacted storage)', async () => {
      const id = (await newRun()).info.run_id;
      for (let i = 0; i < 300; i++) {
        await current().logBatch(id, { metrics: [{ key: 's', value: i % 7, timestamp: 1000 - i, step: i }] }, 'single');
      }
      await current().logBatch(id, { metrics: [{ key: 's', value: 3, timestamp: 1000 - 3, step: 3 }] }, 'single');
      const history = await current().getMetricHistory(id, 's');
      assert.equal(history.items.length, 300);
      assert.deepEqual(
        history.items.slice(0, 2).map((m) => [m.timestamp, m.step]),
        [
          [701, 299],
          [702, 298],
        ],
      );
      const paged = await current().getMetricHistory(id, 's', { max_results: 120 });
      const rest = await current().getMetricHistory(id, 's', { max_results: 500, page_token: paged.next_page_token });
      assert.equal(paged.items.length + rest.items.length, 300);
    });

    it('isolates failures inside concurrent writes', async () => {
      const good = (await newRun()).info.run_id;
      const bad = (await newRun()).info.run_id;
      await current().logBatch(bad, { params: [{ key: 'p', value: '1' }] });
      const results = await Promise.allSettled([
        current().logBatch(good, { metrics: [{ key: 'g', value: 1, timestamp: 1 }] }),
        current().logBatch(bad, {
          metrics: [{ key: 'b', value: 1, timestamp: 1 }],
          params: [{ key: 'p', value: '2' }],
        }),
        current().logBatch(good, { metrics: [{ key: 'g', value: 2, timestamp: 2 }] }),
      ]);
      assert.deepEqual(
        results.map((r) => r.status),
        ['fulfilled', 'rejected', 'fulfilled'],
      );
      assert.equal((await current().getMetricHistory(good, 'g')).items.length, 2);
      assert.equal((await current().getMetricHistory(bad, 'b')).items.length, 0);
    });
  });

  describe('inputs, outputs and legacy model history', () => {
    const dataset = (name: string, digest: string) => ({
      dataset: { name, digest, source_type: 'local', source: '{"uri": "/d.csv"}' },
      tags: [{ key: 'mlflow.data.context', value: 'training' }],
    });

    it('links datasets once, reusing them across runs of an experiment', async () => {
      const exp = await current().createExperiment({ name: unique('inputs') });
      const a = (await newRun(exp)).info.run_id;
      const b = (await newRun(exp)).info.run_id;
      await current().logInputs(a, [dataset('train', 'd1'), dataset('eval', 'd2'), dataset('train', 'd1')]);
      await current().logInputs(a, [
        { ...dataset('train', 'd1'), tags: [{ key: 'mlflow.data.context', value: 'other' }] },
      ]);
      await current().logInputs(b, [dataset('train', 'd1')], [{ model_id: 'm-1' }]);
      const runA = await current().getRun(a);
      assert.deepEqual(
        runA.inputs?.dataset_inputs?.map((d) => [d.dataset.name, d.tags?.[0]?.value]),
        [
          ['train', 'training'],
          ['eval', 'training'],
        ],
      );
      assert.deepEqual((await current().getRun(b)).inputs?.model_inputs, [{ model_id: 'm-1' }]);
      const summaries = await current().searchDatasets([exp]);
      assert.deepEqual(
        summaries.map((s) => [s.name, s.digest, s.context]),
        [
          ['eval', 'd2', 'training'],
          ['train', 'd1', 'training'],
        ],
      );
      await rejectsWith(
        current().logInputs(a, [dataset('x', 'd'.repeat(37))]),
        'INVALID_PARAMETER_VALUE',
        "'digest' exceeds the maximum length of 36 characters",
      );
    });

    it('records model outputs', async () => {
      const id = (await newRun()).info.run_id;
      await current().logOutputs(id, [{ model_id: 'm-abc', step: 3 }]);
      assert.deepEqual((await current().getRun(id)).outputs, { model_outputs: [{ model_id: 'm-abc', step: 3 }] });
      await rejectsWith(current().logOutputs('f'.repeat(32), [{ model_id: 'm' }]), 'RESOURCE_DOES_NOT_EXIST');
    });

    it('appends legacy log-model summaries to the history tag', async () => {
      const id = (await newRun()).info.run_id;
      const doc = { artifact_path: 'model', flavors: { python_function: {} }, utc_time_created: 'now', run_id: id };
      await current().logModelHistory(id, JSON.stringify(doc));
      await current().logModelHistory(id, JSON.stringify(doc));
      const tag = (await current().getRun(id)).data.tags?.find((t) => t.key === 'mlflow.log-model.history');
      assert.equal(JSON.parse(tag?.value ?? '[]').length, 2);
      await rejectsWith(
        current().logModelHistory(id, '{"artifact_path": "m"}'),
        'INVALID_PARAMETER_VALUE',
        "Model json is missing mandatory fields: {'flavors', 'utc_time_created', 'run_id'}",
      );
      await rejectsWith(current().logModelHistory(id, 'not json'), 'INVALID_PARAMETER_VALUE', /is not a valid JSON/);
    });
  });

  describe('metric history', () => {
    it('pages with tokens and answers RESOURCE_DOES_NOT_EXIST for unknown runs', async () => {
      const id = (await newRun()).info.run_id;
      await current().logBatch(id, {
        metrics: Array.from({ length: 5 }, (_, i) => ({ key: 'm', value: i, timestamp: i, step: i })),
      });
      const first = await current().getMetricHistory(id, 'm', { max_results: 2 });
      assert.deepEqual(
        first.items.map((m) => m.value),
        [0, 1],
      );
      const second = await current().getMetricHistory(id, 'm', { max_results: 2, page_token: first.next_page_token });
      const third = await current().getMetricHistory(id, 'm', { max_results: 2, page_token: second.next_page_token });
      assert.deepEqual(
        third.items.map((m) => m.value),
        [4],
      );
      assert.equal(third.next_page_token, undefined);
      assert.equal((await current().getMetricHistory(id, 'unknown')).items.length, 0);
      await rejectsWith(
        current().getMetricHistory(id, 'm', { page_token: 'garbage' }),
        'INVALID_PARAMETER_VALUE',
        /page token/,
      );
      await rejectsWith(current().getMetricHistory('f'.repeat(32), 'm'), 'RESOURCE_DOES_NOT_EXIST');
    });

    it('samples steps across runs for charts, keeping each run’s ends', async () => {
      const a = (await newRun()).info.run_id;
      const b = (await newRun()).info.run_id;
      await current().logBatch(a, {
        metrics: Array.from({ length: 100 }, (_, i) => ({ key: 'm', value: i, timestamp: i, step: i })),
      });
      await current().logBatch(b, { metrics: [{ key: 'm', value: 7, timestamp: 1, step: 37 }] });
      const points = await current().getMetricHistoryBulkInterval({
        run_ids: [a, b],
        metric_key: 'm',
        max_results: 10,
      });
      const stepsA = points.filter((p) => p.run_id === a).map((p) => p.step);
      assert.ok(stepsA.includes(0) && stepsA.includes(99), 'keeps the first and last step');
      assert.ok(stepsA.length <= 13);
      assert.deepEqual(
        points.filter((p) => p.run_id === b).map((p) => p.step),
        [37],
      );
      const ranged = await current().getMetricHistoryBulkInterval({
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
        current().getMetricHistoryBulkInterval({ run_ids: [a], metric_key: 'm', start_step: 3, end_step: 1 }),
        'INVALID_PARAMETER_VALUE',
      );
      const bulk = await current().getMetricHistoryBulk([b, a], 'm', 3);
      assert.equal(bulk.length, 3);
    });
  });
}
