// The TypeScript training example runs with one command and tracks what its README promises.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createClient } from '@keel/client/node';

describe('examples/ts-training', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keel-example-test-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('trains, and logs params, per-epoch metrics, the dataset, a report and the model file', async () => {
    const uri = `sqlite:///${join(dir, 'mlflow.db')}`;
    const result = spawnSync(
      process.execPath,
      ['--conditions=keel-source', '--import', 'tsx', 'examples/ts-training/train.ts'],
      { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: dir, MLFLOW_TRACKING_URI: uri } },
    );
    assert.equal(result.status, 0, result.stderr);
    const runId = /run ([0-9a-f]{32}): validation accuracy (\S+)/.exec(result.stdout);
    assert.ok(runId, result.stdout);
    assert.ok(Number(runId[2]) > 0.8);

    const client = createClient({ env: { MLFLOW_TRACKING_URI: uri } });
    const { run } = await client.getRun({ run_id: runId[1] as string });
    assert.equal(run.info.status, 'FINISHED');
    assert.equal(run.info.run_name, 'logreg-baseline');
    assert.equal(run.data.params?.find((p) => p.key === 'epochs')?.value, '40');
    const history = await client.getMetricHistory({ run_id: run.info.run_id, metric_key: 'val_accuracy' });
    assert.equal(history.metrics?.length, 40);
    assert.equal(run.inputs?.dataset_inputs?.[0]?.dataset.name, 'gaussian-blobs');
    const model = JSON.parse(readFileSync(join(run.info.artifact_uri, 'model', 'model.json'), 'utf8'));
    assert.equal(model.weights.length, 4);
    assert.ok(existsSync(join(run.info.artifact_uri, 'report.txt')));
    await client.close();
  });
});
