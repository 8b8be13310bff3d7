import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { type OpenedStores, openStores } from '../../../compose.js';

/** Tables holding rows of one run, by their run column. */
const RUN_TABLES = [
  'tags',
  'params',
  'metric_chunks',
  'latest_metrics',
  'run_inputs',
  'input_tags',
  'run_model_inputs',
];

describe('SQL purge leaves no rows behind', () => {
  let dir: string;
  let stores: OpenedStores;
  let file: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'keel-purge-'));
    file = join(dir, 'mlflow.db');
    stores = await openStores(`sqlite:///${file}`, { defaultArtifactRoot: join(dir, 'artifacts'), cwd: dir });
  });
  after(async () => {
    await stores.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function count(table: string, column: string, value: string | number): number {
    const db = new Database(file, { readonly: true });
    try {
      return (db.prepare(`select count(*) as n from ${table} where ${column} = ?`).get(value) as { n: number }).n;
    } finally {
      db.close();
    }
  }

  it('removes every child row of purged runs and experiments', async () => {
    const store = stores.tracking;
    const experiment = await store.createExperiment({ name: 'purged', tags: [{ key: 'k', value: 'v' }] });
    const run = await store.createRun({ experiment_id: experiment, start_time: 1 });
    const id = run.info.run_id;
    const model = await store.createLoggedModel({ experiment_id: experiment, name: 'm', source_run_id: id });
    await store.logBatch(id, {
      params: [{ key: 'p', value: '1' }],
      metrics: [{ key: 'loss', value: 1, timestamp: 1, step: 0, model_id: model.info.model_id }],
    });
    await store.logInputs(
      id,
      [{ dataset: { name: 'd', digest: 'x', source_type: 'local', source: '/d' }, tags: [{ key: 't', value: 'v' }] }],
      [{ model_id: model.info.model_id }],
    );
    await store.setLoggedModelTags(model.info.model_id, [{ key: 'a', value: 'b' }]);
    for (const table of RUN_TABLES) assert.ok(count(table, 'run_uuid', id) > 0, `${table} was filled`);

    await store.deleteExperiment(experiment);
    const result = await store.purgeExperiments([experiment]);
    assert.deepEqual(result.removed, [experiment]);
    for (const table of [...RUN_TABLES, 'runs']) assert.equal(count(table, 'run_uuid', id), 0, table);
    for (const table of ['experiment_tags', 'datasets', 'logged_models', 'experiments']) {
      assert.equal(count(table, 'experiment_id', Number(experiment)), 0, table);
    }
    for (const table of ['logged_model_tags', 'logged_model_metrics']) {
      assert.equal(count(table, 'model_id', model.info.model_id), 0, table);
    }
    assert.equal(count('gc_pending_artifacts', 'owner', `run ${id}`), 1);
  });
});
