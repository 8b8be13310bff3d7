import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { type OpenedStores, openStores } from '../../../compose.js';
import { columnsOf } from './metric-chunks.js';
import { F, FIELDS, GROUP_POINTS, summarizeChunk } from './metric-summaries.js';

describe('metric chunk summaries', () => {
  it('describes each group of points: extents, count, min and max without NaN, last on both axes', () => {
    const points = Array.from({ length: GROUP_POINTS + 3 }, (_, i) => ({
      timestamp: 100 + i,
      // Steps go back once (a restarted loop): the step axis's last point is not the latest in time.
      step: i === GROUP_POINTS - 1 ? 1000 : i,
      value: i === 5 ? Number.NaN : i === 9 ? -4 : i,
    }));
    const summary = summarizeChunk(columnsOf(points));
    assert.equal(summary.groups.length, 2 * FIELDS);
    assert.equal(summary.min_timestamp, 100);
    assert.equal(summary.max_timestamp, 100 + GROUP_POINTS + 2);
    const g = summary.groups;
    assert.equal(g[F.count], GROUP_POINTS);
    assert.equal(g[F.minStep], 0);
    assert.equal(g[F.maxStep], 1000);
    assert.equal(g[F.minValue], -4);
    assert.equal(g[F.maxValue], GROUP_POINTS - 1);
    assert.equal(g[F.stepLastTimestamp], 100 + GROUP_POINTS - 1);
    assert.equal(g[F.stepLastValue], GROUP_POINTS - 1);
    assert.equal(g[F.timeLastStep], 1000);
    assert.equal(g[FIELDS + F.count], 3);
    assert.equal(g[FIELDS + F.minStep], GROUP_POINTS);
    assert.equal(g[FIELDS + F.timeLastValue], GROUP_POINTS + 2);
  });

  it('keeps NaN as min and max only for a group of nothing else', () => {
    const summary = summarizeChunk(columnsOf([{ timestamp: 1, step: 0, value: Number.NaN }]));
    assert.ok(Number.isNaN(summary.groups[F.minValue]));
    assert.ok(Number.isNaN(summary.groups[F.maxValue]));
  });
});

describe('metric chunk summaries in SQLite', () => {
  let dir: string;
  let stores: OpenedStores;
  let file: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'keel-summaries-'));
    file = join(dir, 'mlflow.db');
    stores = await openStores(`sqlite:///${file}`, { defaultArtifactRoot: join(dir, 'artifacts'), cwd: dir });
  });
  after(async () => {
    await stores.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function query<T>(text: string, ...args: unknown[]): T[] {
    const db = new Database(file, { readonly: true });
    try {
      return db.prepare(text).all(...args) as T[];
    } finally {
      db.close();
    }
  }

  function summaryRows(runId: string): { chunk_id: number; groups: Buffer }[] {
    return query(
      'select s.chunk_id, s.groups from metric_chunk_summaries s join metric_chunks c using (chunk_id) where c.run_uuid = ? order by s.chunk_id',
      runId,
    );
  }

  /** The run's summary rows once `count` of them are stored (they are stored after the answer). */
  async function storedSummaries(runId: string, count: number): Promise<{ chunk_id: number; groups: Buffer }[]> {
    for (;;) {
      const rows = summaryRows(runId);
      if (rows.length >= count) return rows;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  it('stores a summary per chunk after the first bucketed read, uses it after, and drops it with the chunk', async () => {
    const store = stores.tracking;
    const experiment = await store.createExperiment({ name: 'summaries' });
    const id = (await store.createRun({ experiment_id: experiment, start_time: 1 })).info.run_id;
    for (let w = 0; w < 3; w++) {
      await store.logBatch(id, {
        metrics: Array.from({ length: 500 }, (_, i) => ({
          key: 'loss',
          value: i,
          timestamp: w * 500 + i,
          step: w * 500 + i,
        })),
      });
    }
    assert.equal(summaryRows(id).length, 0, 'writers do not summarise');
    const first = await store.getMetricBuckets({ run_ids: [id], metric_key: 'loss', buckets: 3 });
    const stored = await storedSummaries(id, 3);
    assert.equal(stored.length, 3);
    assert.equal(stored[0]?.groups.byteLength, Math.ceil(500 / GROUP_POINTS) * FIELDS * 8);

    // Change the stored maxima of the first chunk: an answer read from the summaries shows it,
    // one recomputed from the points would not.
    const db = new Database(file);
    const groups = new Float64Array(new Uint8Array(stored[0]?.groups as Buffer).buffer);
    for (let at = 0; at < groups.length; at += FIELDS) groups[at + F.maxValue] = -1;
    db.prepare('update metric_chunk_summaries set groups = ? where chunk_id = ?').run(
      Buffer.from(groups.buffer),
      stored[0]?.chunk_id,
    );
    db.close();
    const second = await store.getMetricBuckets({ run_ids: [id], metric_key: 'loss', buckets: 3 });
    assert.deepEqual(first.series[0]?.max, [499, 499, 499]);
    assert.deepEqual(second.series[0]?.max, [-1, 499, 499]);

    await store.deleteRun(id);
    await store.purgeRuns([id]);
    assert.equal(
      query<{ n: number }>(
        'select count(*) as n from metric_chunk_summaries where chunk_id in (select value from json_each(?))',
        JSON.stringify(stored.map((s) => s.chunk_id)),
      )[0]?.n,
      0,
      'summaries go with their chunks',
    );
  });
});
