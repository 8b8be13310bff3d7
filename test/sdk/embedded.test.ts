// Embedded mode: a local store URI opens Keel in-process (no server, no port); artifacts go to a
// local directory next to the database and are written directly.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { KeelClient } from '@keel/client';
import { createClient, createTracker } from '@keel/client/node';

describe('embedded store', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'keel-embedded-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('tracks into a sqlite:/// file with no server, and the data is there when reopened', async () => {
    const uri = `sqlite:///${join(dir, 'runs.db')}`;
    const tracker = createTracker({ env: { MLFLOW_TRACKING_URI: uri }, handleExit: false });
    assert.ok(!existsSync(join(dir, 'runs.db')), 'the store opens on first use');
    await tracker.setExperiment('offline');
    const runId = await tracker.withRun(async (run) => {
      run.logParam('lr', 0.5);
      for (let step = 0; step < 1500; step++) run.logMetric('loss', 1 / (step + 1), step);
      await run.logText('trained offline', 'notes/summary.txt');
      await run.logDict({ weights: [1, 2] }, 'model.json');
      assert.ok(run.artifactUri.startsWith(join(dir, 'mlartifacts')), run.artifactUri);
      return run.id;
    });
    await tracker.close();
    assert.ok(existsSync(join(dir, 'runs.db')));

    const reopened = createClient({ env: { MLFLOW_TRACKING_URI: uri } });
    assert.ok(reopened instanceof KeelClient);
    const { run } = await reopened.getRun({ run_id: runId });
    assert.equal(run.info.status, 'FINISHED');
    assert.deepEqual(run.data.params, [{ key: 'lr', value: '0.5' }]);
    assert.equal((await reopened.getMetricHistory({ run_id: runId, metric_key: 'loss' })).metrics?.length, 1500);
    assert.equal(readFileSync(join(run.info.artifact_uri, 'notes', 'summary.txt'), 'utf8'), 'trained offline');
    assert.deepEqual(JSON.parse(readFileSync(join(run.info.artifact_uri, 'model.json'), 'utf8')), { weights: [1, 2] });
    await reopened.close();
  });

  test('a plain directory path keeps mlflow.db and mlartifacts inside it', async () => {
    const store = join(dir, 'store-dir');
    const tracker = createTracker({ trackingUri: store, env: {}, handleExit: false });
    const run = await tracker.startRun();
    await run.logText('x', 'x.txt');
    await tracker.close();
    assert.ok(existsSync(join(store, 'mlflow.db')));
    assert.ok(existsSync(join(store, 'mlartifacts', '0', run.id, 'artifacts', 'x.txt')));
    const back = createTracker({ trackingUri: store, env: {}, handleExit: false });
    const local = await back.downloadArtifacts(run.id, 'x.txt', join(dir, 'downloaded'));
    assert.equal(readFileSync(local, 'utf8'), 'x');
    await back.close();
  });

  test('a local store URI in the browser-safe client says to use @keel/client/node', () => {
    assert.throws(() => new KeelClient({ trackingUri: 'sqlite:///x.db' }), /@keel\/client\/node/);
  });
});
