// An independent client, not written for Keel: the npm package `mlflow` (a small MLflow REST
// client for Node) exercising every endpoint it covers against a real Keel server.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '@keel/platform/testing';

// biome-ignore lint/suspicious/noExplicitAny: the package is untyped JSON over HTTP
type Call = (args: Record<string, unknown>) => Promise<any>;

/** The part of the package's API this suite uses. */
interface MlflowNpmClient {
  Experiments: { create: Call; get: Call; update: Call; delete: Call; restore: Call };
  Runs: {
    create: Call;
    get: Call;
    update: Call;
    delete: Call;
    restore: Call;
    logMetric: Call;
    logParameter: Call;
    setTag: Call;
    deleteTag: Call;
    logBatch: Call;
    search: Call;
  };
  Metrics: { getHistory: Call };
  Artifacts: { list: Call };
}

const require = createRequire(import.meta.url);
const MLflow = require('mlflow') as new (options: { endpoint: string }) => MlflowNpmClient;

/** The package logs every request body with console.log; keep the test output readable. */
async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const log = console.log;
  console.log = () => {};
  try {
    return await fn();
  } finally {
    console.log = log;
  }
}

/** The package throws `Error(JSON.stringify({status, statusText, data}))` on non-200 answers. */
async function failure(fn: () => Promise<unknown>): Promise<{ status: number; data: { error_code: string } }> {
  try {
    await quietly(fn);
  } catch (error) {
    const text = String((error as Error).message).replace(/^Error: /, '');
    return JSON.parse(text);
  }
  assert.fail('expected the call to fail');
}

describe('the npm `mlflow` client against Keel', () => {
  let keel: TestServer;
  let client: MlflowNpmClient;

  before(async () => {
    keel = await startTestServer();
    client = new MLflow({ endpoint: keel.url });
  });
  after(() => keel.close());

  it('manages experiments', async () => {
    const { experiment_id } = await quietly(() => client.Experiments.create({ name: 'npm-client' }));
    assert.match(experiment_id, /^\d+$/);
    const { experiment } = await quietly(() => client.Experiments.get({ experiment_id }));
    assert.equal(experiment.name, 'npm-client');
    await quietly(() => client.Experiments.update({ experiment_id, new_name: 'npm-client-2' }));
    assert.equal((await quietly(() => client.Experiments.get({ experiment_id }))).experiment.name, 'npm-client-2');
    await quietly(() => client.Experiments.delete({ experiment_id }));
    assert.equal(
      (await quietly(() => client.Experiments.get({ experiment_id }))).experiment.lifecycle_stage,
      'deleted',
    );
    await quietly(() => client.Experiments.restore({ experiment_id }));
    const missing = await failure(() => client.Experiments.get({ experiment_id: '98765' }));
    assert.equal(missing.status, 404);
    assert.equal(missing.data.error_code, 'RESOURCE_DOES_NOT_EXIST');
  });

  it('creates runs, logs to them, searches them and reads metric history', async () => {
    const { experiment_id } = await quietly(() => client.Experiments.create({ name: 'npm-runs' }));
    const { run } = await quietly(() =>
      client.Runs.create({
        experiment_id,
        user_id: 'npm',
        start_time: 1700000000000,
        tags: [{ key: 'src', value: 'npm' }],
      }),
    );
    const run_id = run.info.run_id;
    await quietly(() => client.Runs.logMetric({ run_id, key: 'loss', value: 0.5, timestamp: 1700000000001, step: 0 }));
    await quietly(() => client.Runs.logMetric({ run_id, key: 'loss', value: 0.25, timestamp: 1700000000002, step: 1 }));
    await quietly(() => client.Runs.logParameter({ run_id, key: 'lr', value: '0.01' }));
    await quietly(() => client.Runs.setTag({ run_id, key: 'stage', value: 'dev' }));
    await quietly(() => client.Runs.deleteTag({ run_id, key: 'stage' }));
    await quietly(() =>
      client.Runs.logBatch({
        run_id,
        metrics: [{ key: 'acc', value: 0.9, timestamp: 1700000000003, step: 1 }],
        params: [{ key: 'opt', value: 'adam' }],
        tags: [{ key: 'team', value: 'ml' }],
      }),
    );
    const updated = await quietly(() => client.Runs.update({ run_id, status: 'FINISHED', end_time: 1700000000100 }));
    assert.equal(updated.run_info.status, 'FINISHED');

    const fetched = (await quietly(() => client.Runs.get({ run_id }))).run;
    assert.deepEqual(fetched.data.params.map((p: { key: string }) => p.key).sort(), ['lr', 'opt']);
    assert.equal(fetched.data.metrics.find((m: { key: string }) => m.key === 'loss').value, 0.25);
    assert.equal(
      fetched.data.tags.some((t: { key: string }) => t.key === 'stage'),
      false,
    );

    const history = await quietly(() => client.Metrics.getHistory({ run_id, metric_key: 'loss' }));
    assert.deepEqual(
      history.metrics.map((m: { value: number }) => m.value),
      [0.5, 0.25],
    );

    const found = await quietly(() =>
      client.Runs.search({
        experiment_ids: [experiment_id],
        filter: "params.lr = '0.01' and metrics.acc > 0.5",
        max_results: 10,
      }),
    );
    assert.deepEqual(
      found.runs.map((r: { info: { run_id: string } }) => r.info.run_id),
      [run_id],
    );

    await quietly(() => client.Runs.delete({ run_id }));
    assert.equal((await quietly(() => client.Runs.get({ run_id }))).run.info.lifecycle_stage, 'deleted');
    await quietly(() => client.Runs.restore({ run_id }));
    const conflict = await failure(() => client.Runs.logParameter({ run_id, key: 'lr', value: '0.02' }));
    assert.equal(conflict.status, 400);
    assert.equal(conflict.data.error_code, 'INVALID_PARAMETER_VALUE');
  });
});
