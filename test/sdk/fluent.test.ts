// The fluent API against a real Keel server: experiments by name, runs with MLflow's system
// tags, withRun's FINISHED/FAILED ending, nested runs, background batching within the
// log-batch limits, joining MLFLOW_RUN_ID, and delivery failures that are reported.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { HttpTransport, MlflowError, type Run } from '@keel/client';
import { createClient, createTracker, type NodeTracker } from '@keel/client/node';
import { QUICK_RETRY, recording, startTestServer, type TestServer } from './support.js';

function tagsOf(run: Run): Record<string, string> {
  return Object.fromEntries((run.data.tags ?? []).map((t) => [t.key, t.value]));
}

describe('fluent tracker', () => {
  let keel: TestServer;
  const scratch = mkdtempSync(join(tmpdir(), 'keel-fluent-'));
  const trackers: NodeTracker[] = [];
  const tracker = (options: Parameters<typeof createTracker>[0] = {}) => {
    const t = createTracker({
      trackingUri: keel.url,
      retry: QUICK_RETRY,
      handleExit: false,
      printRunLinks: false,
      undeliveredDir: join(scratch, 'undelivered'),
      env: {},
      ...options,
    });
    trackers.push(t);
    return t;
  };
  before(async () => {
    keel = await startTestServer();
  });
  after(async () => {
    for (const t of trackers) await t.close().catch(() => undefined);
    await keel.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  test('setExperiment creates the experiment once, then reuses it', async () => {
    const t = tracker();
    const first = await t.setExperiment('fluent-exp');
    const again = await tracker().setExperiment('fluent-exp');
    assert.equal(again.experiment_id, first.experiment_id);
    assert.equal(t.activeExperimentId, first.experiment_id);
    const run = await t.startRun();
    assert.equal(run.experimentId, first.experiment_id);
    await run.end();
  });

  test('withRun ends FINISHED with params, metrics, tags and MLflow system tags', async () => {
    const t = tracker({ sourceName: resolve('test/sdk/fluent.test.ts') });
    const value = await t.withRun(async (run) => {
      run.logParams({ lr: 0.1, layers: [4, 2] });
      for (let step = 0; step < 5; step++) run.logMetrics({ loss: 1 / (step + 1), acc: step / 5 }, step);
      run.setTags({ team: 'ml' });
      t.logMetric('direct', 3, { step: 7, timestamp: 1234 });
      return run.id;
    });
    const { run } = await t.client.getRun({ run_id: value });
    assert.equal(run.info.status, 'FINISHED');
    assert.ok(run.info.end_time !== undefined);
    const tags = tagsOf(run);
    assert.equal(tags.team, 'ml');
    assert.equal(tags['mlflow.source.type'], 'LOCAL');
    assert.equal(tags['mlflow.source.name'], resolve('test/sdk/fluent.test.ts'));
    assert.ok(tags['mlflow.user']);
    assert.match(tags['mlflow.runName'] ?? '', /^[a-z]+-[a-z]+-\d+$/);
    assert.equal(run.info.run_name, tags['mlflow.runName']);
    const head = spawnSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).stdout.trim();
    assert.equal(tags['mlflow.source.git.commit'], head);
    assert.deepEqual(Object.fromEntries((run.data.params ?? []).map((p) => [p.key, p.value])), {
      lr: '0.1',
      layers: '[4,2]',
    });
    const history = await t.client.getMetricHistory({ run_id: value, metric_key: 'loss' });
    assert.deepEqual(
      history.metrics?.map((m) => m.step),
      [0, 1, 2, 3, 4],
    );
    const direct = await t.client.getMetricHistory({ run_id: value, metric_key: 'direct' });
    assert.deepEqual(
      direct.metrics?.map((m) => [m.step, m.timestamp]),
      [[7, 1234]],
    );
  });

  test('withRun ends FAILED and rethrows when the function throws', async () => {
    const t = tracker();
    let runId = '';
    await assert.rejects(
      t.withRun(async (run) => {
        runId = run.id;
        run.logMetric('before', 1);
        throw new Error('training diverged');
      }),
      /training diverged/,
    );
    const { run } = await t.client.getRun({ run_id: runId });
    assert.equal(run.info.status, 'FAILED');
    assert.equal(run.data.metrics?.[0]?.key, 'before');
    assert.equal(t.activeRun, undefined);
  });

  test('nested runs carry mlflow.parentRunId; a second top-level run is refused', async () => {
    const t = tracker();
    const parent = await t.startRun({ runName: 'parent', description: 'sweep' });
    await assert.rejects(t.startRun(), /already active/);
    const child = await t.startRun({ runName: 'child', nested: true });
    assert.equal(t.activeRun, child);
    assert.equal(child.parentRunId, parent.id);
    assert.equal(child.experimentId, parent.experimentId);
    await t.endRun();
    assert.equal(t.activeRun, parent);
    await t.endRun('KILLED');
    const childRun = (await t.client.getRun({ run_id: child.id })).run;
    assert.equal(tagsOf(childRun)['mlflow.parentRunId'], parent.id);
    const parentRun = (await t.client.getRun({ run_id: parent.id })).run;
    assert.equal(parentRun.info.status, 'KILLED');
    assert.equal(tagsOf(parentRun)['mlflow.note.content'], 'sweep');
  });

  test('batches stay within the log-batch limits and deliver every item', async () => {
    const transport = recording(new HttpTransport({ baseUrl: keel.url, retry: QUICK_RETRY }));
    const t = tracker({ transport });
    const run = await t.startRun();
    for (let i = 0; i < 2500; i++) run.logMetric('m', i, i);
    for (let i = 0; i < 250; i++) run.logParam(`p${i}`, i);
    for (let i = 0; i < 250; i++) run.setTag(`t${i}`, i);
    run.setTag('stage', 'first');
    run.setTag('stage', 'second');
    await t.flush();
    const batches = transport.sent
      .filter((s) => s.request.path.endsWith('/runs/log-batch'))
      .map((s) => JSON.parse(s.request.body as string) as Record<string, unknown[] | undefined>);
    assert.ok(batches.length >= 4);
    for (const b of batches) {
      const [m, p, tg] = [b.metrics?.length ?? 0, b.params?.length ?? 0, b.tags?.length ?? 0];
      assert.ok(m <= 1000 && p <= 100 && tg <= 100 && m + p + tg <= 1000, `batch ${m}/${p}/${tg}`);
    }
    await run.end();
    const got = (await t.client.getRun({ run_id: run.id })).run;
    assert.equal(got.data.params?.length, 250);
    assert.equal(tagsOf(got).stage, 'second');
    assert.equal(tagsOf(got).t249, '249');
    const history = await t.client.getMetricHistory({ run_id: run.id, metric_key: 'm' });
    assert.equal(history.metrics?.length, 2500);
  });

  test('bad keys, changed params and logging without a run throw at the call', async () => {
    const t = tracker();
    assert.throws(() => t.logMetric('loss', 1), /No active run/);
    const run = await t.startRun();
    assert.throws(() => run.logMetric('a=b', 1), MlflowError);
    assert.throws(() => run.logMetric('a//b', 1), /normalised/);
    assert.throws(() => run.logMetric('ok', 'x' as unknown as number), /must be a number/);
    assert.throws(() => run.logMetric('ok', 1, 1.5), /integer/);
    run.logParam('p', 1);
    run.logParam('p', '1');
    assert.throws(() => run.logParam('p', 2), /Changing param values is not allowed/);
    await run.end();
  });

  test('a batch the server refuses is reported once, in one line, and kept in a file it names', async () => {
    const warnings: string[] = [];
    const failures: string[] = [];
    const t = tracker({ warn: (m) => warnings.push(m), onError: (e, f) => failures.push(`${f.metrics}:${e.message}`) });
    const run = await t.startRun();
    await t.client.deleteRun({ run_id: run.id });
    run.logMetric('lost', 1);
    run.logMetric('lost', 2, 1);
    const error = await t.flush().catch((e: unknown) => e);
    assert.ok(error instanceof MlflowError);
    assert.equal(error.code, 'INVALID_PARAMETER_VALUE');
    assert.equal(failures.length, 1);
    assert.match(failures[0] ?? '', /^2:.*active/);
    assert.match(warnings[0] ?? '', /could not deliver 2 metric\(s\).*of run/);
    const file = join(scratch, 'undelivered', `${run.id}.jsonl`);
    assert.ok((warnings[0] ?? '').endsWith(`; kept in ${file}, as are any later values that cannot be delivered`));
    // A second failure adds to the file without another warning.
    run.setTag('also', 'lost');
    await assert.rejects(t.flush());
    assert.equal(warnings.length, 1);
    assert.equal(failures.length, 2);
    const kept = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    assert.deepEqual(kept, [
      {
        run_id: run.id,
        metrics: [
          { key: 'lost', value: 1, timestamp: kept[0].metrics[0].timestamp, step: 0 },
          { key: 'lost', value: 2, timestamp: kept[0].metrics[1].timestamp, step: 1 },
        ],
      },
      { run_id: run.id, tags: [{ key: 'also', value: 'lost' }] },
    ]);
    await t.flush();
    await t.client.restoreRun({ run_id: run.id });
    await run.end();
  });

  test('MLFLOW_RUN_ID is joined (set RUNNING again) by the first startRun only', async () => {
    const client = createClient({ trackingUri: keel.url, env: {} });
    const { run } = await client.createRun({ experiment_id: '0', run_name: 'launched' });
    await client.updateRun({ run_id: run.info.run_id, status: 'FINISHED', end_time: Date.now() });
    const t = tracker({ env: { MLFLOW_RUN_ID: run.info.run_id } });
    const joined = await t.startRun({ tags: { resumed: 'yes' } });
    assert.equal(joined.id, run.info.run_id);
    assert.equal((await client.getRun({ run_id: run.info.run_id })).run.info.status, 'RUNNING');
    joined.logMetric('after', 1);
    await t.endRun();
    const done = (await client.getRun({ run_id: run.info.run_id })).run;
    assert.equal(done.info.status, 'FINISHED');
    assert.equal(tagsOf(done).resumed, 'yes');
    const fresh = await t.startRun();
    assert.notEqual(fresh.id, run.info.run_id);
    await fresh.end();
  });

  test('MLFLOW_EXPERIMENT_NAME and MLFLOW_RUN_CONTEXT shape new runs', async () => {
    const t = tracker({
      env: { MLFLOW_EXPERIMENT_NAME: 'from-env', MLFLOW_RUN_CONTEXT: '{"ci.job":"42","attempt":2}' },
    });
    const run = await t.startRun({ runName: 'ctx' });
    const { experiment } = await t.client.getExperimentByName({ experiment_name: 'from-env' });
    assert.equal(run.experimentId, experiment.experiment_id);
    const tags = tagsOf((await t.client.getRun({ run_id: run.id })).run);
    assert.equal(tags['ci.job'], '42');
    assert.equal(tags.attempt, '2');
    assert.equal(tags['mlflow.runName'], 'ctx');
    await run.end();
    assert.throws(() => tracker({ env: { MLFLOW_RUN_CONTEXT: 'not json' } }), /MLFLOW_RUN_CONTEXT/);
  });

  test('logInput records a dataset with its context', async () => {
    const t = tracker();
    await t.withRun(async (run) => {
      await run.logInput(
        { name: 'train', source: '{"uri": "data/train.csv"}', schema: '{"x":"double"}' },
        { context: 'training' },
      );
      const got = (await t.client.getRun({ run_id: run.id })).run;
      const input = got.inputs?.dataset_inputs?.[0];
      assert.equal(input?.dataset.name, 'train');
      assert.match(input?.dataset.digest ?? '', /^[0-9a-f]{8}$/);
      assert.equal(input?.dataset.source_type, 'local');
      assert.deepEqual(input?.tags, [{ key: 'mlflow.data.context', value: 'training' }]);
    });
  });

  test('system metrics are logged under system/ keys while the run is active', async () => {
    const t = tracker({ systemMetrics: { intervalMs: 40 } });
    const run = await t.startRun();
    const samples = async () =>
      (await t.client.getMetricHistory({ run_id: run.id, metric_key: 'system/system_memory_usage_megabytes' })).metrics
        ?.length ?? 0;
    // Wait for two samples rather than a fixed time: a loaded machine may delay the timer.
    const until = Date.now() + 15_000;
    while ((await samples()) < 2 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 100));
      await t.flush();
    }
    await run.end();
    const keys = ((await t.client.getRun({ run_id: run.id })).run.data.metrics ?? []).map((m) => m.key);
    for (const key of [
      'system/cpu_utilization_percentage',
      'system/system_memory_usage_megabytes',
      'system/disk_usage_percentage',
    ]) {
      assert.ok(keys.includes(key), `${key} in ${keys.join(', ')}`);
    }
    assert.ok((await samples()) >= 2, 'sampled repeatedly while the run was active');
  });
});
