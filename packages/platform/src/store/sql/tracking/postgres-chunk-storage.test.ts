import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { openStores } from '../../../compose.js';
import { createPostgresTestDatabase } from '../../../testing/test-databases.js';
import { openSqlDatabase } from '../open-database.js';
import type { SqlDatabase } from '../sql-database.js';

describe('metric chunk storage on PostgreSQL', () => {
  let dir: string;
  let target: Awaited<ReturnType<typeof createPostgresTestDatabase>>;
  let stores: Awaited<ReturnType<typeof openStores>>;
  let raw: SqlDatabase<unknown>;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'keel-chunks-'));
    target = await createPostgresTestDatabase();
    stores = await openStores(target.uri, { defaultArtifactRoot: join(dir, 'artifacts'), cwd: dir });
    raw = await openSqlDatabase(target.uri, dir);
  });
  after(async () => {
    await raw.close();
    await stores.close();
    await target.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('compresses a batch of 1,000 points with lz4 and reads every point back', async () => {
    const store = stores.tracking;
    const experiment = await store.createExperiment({ name: 'chunks' });
    const run = await store.createRun({ experiment_id: experiment, start_time: 0 });
    const metrics = Array.from({ length: 1000 }, (_, i) => ({
      key: `k${i % 2}`,
      value: i === 7 ? ('NaN' as const) : i / 3,
      timestamp: 1_700_000_000_000 + i,
      step: Math.floor(i / 2),
    }));
    await store.logBatch(run.info.run_id, { metrics });
    const { rows } = await sql<{ method: string | null; size: number }>`
      select pg_column_compression(data) as method, octet_length(data) as size from metric_chunks
      where run_uuid = ${run.info.run_id} order by key`.execute(raw.db);
    assert.deepEqual(rows, [
      { method: 'lz4', size: 500 * 24 },
      { method: 'lz4', size: 500 * 24 },
    ]);
    const history = await store.getMetricHistory(run.info.run_id, 'k1');
    assert.equal(history.items.length, 500);
    assert.deepEqual(history.items[3], { key: 'k1', value: 'NaN', timestamp: 1_700_000_000_007, step: 3 });
    assert.deepEqual(history.items[499], { key: 'k1', value: 999 / 3, timestamp: 1_700_000_000_999, step: 499 });
  });
});
