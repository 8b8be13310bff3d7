// Many client processes logging to one server at once: nothing lost, no "database is locked".
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '@keel/platform/testing';
import { mlflowApi } from '../support/http.js';

const WRITER = `
const [url, runId, worker] = process.argv.slice(1);
const post = (path, body) => fetch(url + '/api/2.0/mlflow' + path, {
  method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
});
const failures = [];
const inFlight = [];
for (let i = 0; i < 150; i++) {
  inFlight.push(post('/runs/log-metric', { run_id: runId, key: 'w' + worker, value: i, timestamp: i, step: i }).then(async (r) => {
    if (r.status !== 200) failures.push(r.status + ' ' + (await r.text()));
  }));
  if (inFlight.length >= 8) await Promise.all(inFlight.splice(0));
}
const batch = Array.from({ length: 500 }, (_, i) => ({ key: 'b' + worker, value: i, timestamp: i, step: i }));
const b = await post('/runs/log-batch', { run_id: runId, metrics: batch, params: [{ key: 'p' + worker, value: worker }] });
if (b.status !== 200) failures.push(b.status + ' ' + (await b.text()));
await Promise.all(inFlight);
if (failures.length) { console.error(failures.slice(0, 3).join('\\n')); process.exit(1); }
`;

describe('concurrent writers from many processes', () => {
  let keel: TestServer;
  before(async () => {
    keel = await startTestServer();
  });
  after(() => keel.close());

  it('keeps every point from six processes writing at once', async () => {
    const api = mlflowApi(keel.url);
    const run = (await api.post('/runs/create', { experiment_id: '0' })).json.run.info.run_id;
    const workers = Array.from(
      { length: 6 },
      (_, w) =>
        new Promise<number | null>((resolve) => {
          const child = spawn(process.execPath, ['--input-type=module', '-e', WRITER, keel.url, run, String(w)], {
            stdio: ['ignore', 'ignore', 'inherit'],
          });
          child.on('exit', resolve);
        }),
    );
    assert.deepEqual(await Promise.all(workers), [0, 0, 0, 0, 0, 0]);
    for (let w = 0; w < 6; w++) {
      const single = await api.get('/metrics/get-history', { run_id: run, metric_key: `w${w}` });
      assert.equal(single.json.metrics.length, 150);
      const batch = await api.get('/metrics/get-history', { run_id: run, metric_key: `b${w}` });
      assert.equal(batch.json.metrics.length, 500);
    }
    const params = (await api.get('/runs/get', { run_id: run })).json.run.data.params;
    assert.equal(params.length, 6);
  });
});
