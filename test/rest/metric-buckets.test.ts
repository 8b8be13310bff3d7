// Keel's bucketed metric history over real HTTP: the typed client method, the GET query decoding
// (lists as repeated keys, doubles, the x-axis enum) and MLflow-style errors for bad requests.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { KeelClient } from '@keel/client';
import { startTestServer, type TestServer } from '@keel/platform/testing';
import { mlflowApi } from '../support/http.js';

describe('GET /api/2.0/keel/metrics/get-history-buckets', () => {
  let keel: TestServer;
  let client: KeelClient;
  const runs: string[] = [];

  before(async () => {
    keel = await startTestServer();
    client = new KeelClient({ trackingUri: keel.url });
    const { experiment_id } = await client.createExperiment({ name: 'buckets' });
    for (let r = 0; r < 2; r++) {
      const { run } = await client.createRun({ experiment_id });
      runs.push(run.info.run_id);
      await client.logBatch({
        run_id: run.info.run_id,
        metrics: Array.from({ length: 1000 }, (_, i) => ({
          key: 'loss',
          value: i === 777 ? -50 : r + i / 1000,
          timestamp: 1_700_000_000_000 + i,
          step: i,
        })),
      });
    }
  });
  after(() => keel.close());

  it('answers a few numbers per bucket through the typed client, peaks included', async () => {
    const page = await client.getMetricBuckets({ run_ids: runs, metric_key: 'loss', buckets: 50 });
    assert.equal(page.start, 0);
    assert.equal(page.end, 999);
    assert.equal(page.series?.length, 2);
    for (const series of page.series ?? []) {
      assert.equal(series.point_count, 1000);
      assert.equal(series.x_last.length, 50);
      assert.equal(Math.min(...series.min.map(Number)), -50, 'the dip at step 777 survives bucketing');
    }
  });

  it('decodes the range and axis from the query string, on the ajax twin too', async () => {
    const api = mlflowApi(keel.url, '/ajax-api/2.0/keel');
    const res = await api.get('/metrics/get-history-buckets', {
      run_ids: runs,
      metric_key: 'loss',
      x_axis: 'timestamp',
      start: '1700000000100',
      end: '1700000000109',
    });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json.series[0].x_last.length, 10);
    assert.equal(res.json.series[0].point_count, 10);
  });

  it('gives MLflow error JSON for bad requests', async () => {
    const api = mlflowApi(keel.url, '/api/2.0/keel');
    const missing = await api.get('/metrics/get-history-buckets', { metric_key: 'loss' });
    assert.equal(missing.status, 400);
    assert.equal(missing.json.error_code, 'INVALID_PARAMETER_VALUE');
    const axis = await api.get('/metrics/get-history-buckets', {
      run_ids: runs[0] as string,
      metric_key: 'loss',
      x_axis: 'epoch',
    });
    assert.equal(axis.status, 400);
    assert.equal(axis.json.error_code, 'INVALID_PARAMETER_VALUE');
    const range = await api.get('/metrics/get-history-buckets', {
      run_ids: runs[0] as string,
      metric_key: 'loss',
      start: 'abc',
    });
    assert.equal(range.status, 400);
    const count = await api.get('/metrics/get-history-buckets', {
      run_ids: runs[0] as string,
      metric_key: 'loss',
      buckets: '100000',
    });
    assert.equal(count.status, 400);
    assert.match(count.json.message, /buckets must be between 1 and 5000/);
  });
});
