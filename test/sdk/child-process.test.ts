// A training script in its own process that logs and exits right away: everything queued is
// delivered and the run is ended (beforeExit); after an explicit process.exit() the data that
// could not be sent is reported on stderr instead of vanishing.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { KeelClient } from '@keel/client';
import { startTestServer, type TestServer } from './support.js';

const SCRIPT = resolve('test/sdk/fixtures/train-and-exit.ts');

function runScript(
  mode: string,
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--conditions=keel-source', '--import', 'tsx', SCRIPT, mode], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

describe('a script that exits right after logging', () => {
  let keel: TestServer;
  let client: KeelClient;
  before(async () => {
    keel = await startTestServer();
    client = new KeelClient({ trackingUri: keel.url });
  });
  after(async () => {
    await keel.close();
  });

  test('loses nothing: metrics, params and tags arrive and the run ends FINISHED', async () => {
    const result = await runScript('return', { MLFLOW_TRACKING_URI: keel.url, MLFLOW_EXPERIMENT_NAME: 'child' });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    const runId = result.stdout.trim();
    const { run } = await client.getRun({ run_id: runId });
    assert.equal(run.info.status, 'FINISHED');
    assert.equal(run.data.params?.length, 150);
    const tags = Object.fromEntries((run.data.tags ?? []).map((t) => [t.key, t.value]));
    assert.equal(tags.mode, 'return');
    assert.equal(tags['mlflow.source.name'], SCRIPT);
    assert.equal(
      tags['mlflow.source.git.commit'],
      spawnSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).stdout.trim(),
    );
    for (const key of ['loss', 'acc']) {
      const history = await client.getMetricHistory({ run_id: runId, metric_key: key });
      assert.equal(history.metrics?.length, 3000, key);
    }
    const { experiment } = await client.getExperimentByName({ experiment_name: 'child' });
    assert.equal(run.info.experiment_id, experiment.experiment_id);
  });

  test('process.exit() before delivery is reported on stderr', async () => {
    const result = await runScript('exit', { MLFLOW_TRACKING_URI: keel.url });
    assert.equal(result.code, 0);
    assert.match(
      result.stderr,
      /\[keel\] warning: the process exited with \d+ metric\/param\/tag value\(s\) not delivered/,
    );
    assert.match(result.stderr, /left RUNNING at exit/);
  });
});
