import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MlflowError } from '@keel/contract';
import { createTestDatabase } from '../../../testing/test-databases.js';
import type { SearchLoggedModelsInput } from '../../tracking-store.js';
import { openSqlDatabase } from '../open-database.js';
import { SqlTrackingStore } from '../tracking/sql-tracking-store.js';

describe('SqlTrackingStore.searchLoggedModels', () => {
  let store: SqlTrackingStore;
  let closeAll: () => Promise<void>;
  let exp: string;
  const ids: Record<'m1' | 'm2' | 'm3' | 'm4', string> = { m1: '', m2: '', m3: '', m4: '' };
  let m2Created = 0;

  /** Names of the models a search returns, in order. */
  async function names(input: Omit<SearchLoggedModelsInput, 'experiment_ids'>): Promise<string[]> {
    const page = await store.searchLoggedModels({ experiment_ids: [exp], ...input });
    return page.items.map((m) => m.info.name);
  }

  async function refused(input: Omit<SearchLoggedModelsInput, 'experiment_ids'>, message: RegExp): Promise<void> {
    await assert.rejects(store.searchLoggedModels({ experiment_ids: [exp], ...input }), (error: unknown) => {
      assert.ok(error instanceof MlflowError);
      assert.equal(error.code, 'INVALID_PARAMETER_VALUE');
      assert.match(error.message, message);
      return true;
    });
  }

  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keel-lm-search-'));
    const target = await createTestDatabase(dir);
    const database = await openSqlDatabase<never>(target.uri, dir);
    let clock = 1_700_000_000_000;
    store = await SqlTrackingStore.open(database, {
      defaultArtifactRoot: 'mlflow-artifacts:/',
      truncateLongValues: true,
      artifactLocationMaxLength: 2048,
      cwd: dir,
      now: () => (clock += 10),
    });
    closeAll = async () => {
      await database.close();
      await target.drop();
      rmSync(dir, { recursive: true, force: true });
    };
    exp = await store.createExperiment({ name: 'lm-search' });
    const runId = (await store.createRun({ experiment_id: exp })).info.run_id;
    const create = async (name: string, extra: Partial<Parameters<SqlTrackingStore['createLoggedModel']>[0]>) =>
      (await store.createLoggedModel({ experiment_id: exp, name, ...extra })).info;
    ids.m1 = (
      await create('Alpha', { params: [{ key: 'alpha', value: '0.5' }], tags: [{ key: 'stage', value: 'dev' }] })
    ).model_id;
    const m2 = await create('alpha-2', { params: [{ key: 'alpha', value: '0.1' }], source_run_id: runId });
    ids.m2 = m2.model_id;
    m2Created = m2.creation_timestamp_ms;
    ids.m3 = (await create('beta', { tags: [{ key: 'stage', value: 'prod' }], model_type: 'Agent' })).model_id;
    ids.m4 = (await create('a_b*', {})).model_id;
    await store.finalizeLoggedModel(ids.m3, 'LOGGED_MODEL_READY');
    const point = (model_id: string, value: number, timestamp: number, step: number, dataset?: [string, string]) => ({
      key: 'acc',
      value,
      timestamp,
      step,
      model_id,
      ...(dataset ? { dataset_name: dataset[0], dataset_digest: dataset[1] } : {}),
    });
    await store.logBatch(runId, {
      metrics: [
        point(ids.m1, 0.5, 1, 0, ['eval', 'd1']),
        point(ids.m1, 0.95, 2, 1, ['eval', 'd1']),
        // Latest is by timestamp first here (MLflow's rule for logged models), so this older point
        // with a higher step is not the latest one.
        point(ids.m1, 0.1, 0, 9),
        point(ids.m2, 0.7, 3, 0, ['test', 'd2']),
      ],
    });
  });
  after(() => closeAll());

  it('orders by creation time, newest first, by default', async () => {
    assert.deepEqual(await names({}), ['a_b*', 'beta', 'alpha-2', 'Alpha']);
  });

  it('filters on string attributes with =, !=, IN, NOT IN', async () => {
    assert.deepEqual(await names({ filter: "name = 'Alpha'" }), ['Alpha']);
    assert.deepEqual(await names({ filter: "name != 'Alpha'" }), ['a_b*', 'beta', 'alpha-2']);
    assert.deepEqual(await names({ filter: "name IN ('beta', 'Alpha')" }), ['beta', 'Alpha']);
    assert.deepEqual(await names({ filter: "name NOT IN ('beta', 'Alpha')" }), ['a_b*', 'alpha-2']);
    assert.deepEqual(await names({ filter: `model_id = '${ids.m2}'` }), ['alpha-2']);
    assert.deepEqual(await names({ filter: "model_type = 'Agent'" }), ['beta']);
    assert.deepEqual(await names({ filter: "model_type = ''" }), ['a_b*', 'alpha-2', 'Alpha']);
  });

  it('matches LIKE case-sensitively and ILIKE not, with backslash escapes', async () => {
    assert.deepEqual(await names({ filter: "name LIKE 'alpha%'" }), ['alpha-2']);
    assert.deepEqual(await names({ filter: "name ILIKE 'ALPHA%'" }), ['alpha-2', 'Alpha']);
    assert.deepEqual(await names({ filter: "name LIKE 'a\\_b*'" }), ['a_b*']);
    assert.deepEqual(await names({ filter: "name LIKE 'a*'" }), []);
    assert.deepEqual(await names({ filter: "name LIKE 'a_b'" }), []);
    assert.deepEqual(await names({ filter: "name ILIKE 'A\\_B%'" }), ['a_b*']);
    assert.deepEqual(await names({ filter: "name LIKE '_lpha-_'" }), ['alpha-2']);
  });

  it('filters on timestamps numerically', async () => {
    assert.deepEqual(await names({ filter: `creation_timestamp > ${m2Created}` }), ['a_b*', 'beta']);
    assert.deepEqual(await names({ filter: `attributes.creation_time <= ${m2Created}` }), ['alpha-2', 'Alpha']);
    assert.deepEqual(await names({ filter: `last_updated_timestamp > ${m2Created + 25}` }), ['beta']);
  });

  it('filters status by name (and by number, as MLflow 3.5 stores it)', async () => {
    assert.deepEqual(await names({ filter: "status = 'LOGGED_MODEL_READY'" }), ['beta']);
    assert.deepEqual(await names({ filter: "status != 'LOGGED_MODEL_READY'" }), ['a_b*', 'alpha-2', 'Alpha']);
    assert.deepEqual(await names({ filter: "status IN ('LOGGED_MODEL_READY', 'LOGGED_MODEL_UPLOAD_FAILED')" }), [
      'beta',
    ]);
    assert.deepEqual(await names({ filter: "status = '2'" }), ['beta']);
    assert.deepEqual(await names({ filter: "status LIKE '%PENDING'" }), ['a_b*', 'alpha-2', 'Alpha']);
    assert.deepEqual(await names({ filter: "status = 'DONE'" }), []);
  });

  it('filters params and tags; a missing key never matches', async () => {
    assert.deepEqual(await names({ filter: "params.alpha = '0.5'" }), ['Alpha']);
    assert.deepEqual(await names({ filter: "params.alpha != '0.5'" }), ['alpha-2']);
    assert.deepEqual(await names({ filter: "tags.stage NOT IN ('dev')" }), ['beta']);
    assert.deepEqual(await names({ filter: "tags.stage LIKE 'd%' AND params.alpha = '0.5'" }), ['Alpha']);
  });

  it('matches a metric clause when any point satisfies it, within the requested datasets', async () => {
    assert.deepEqual(await names({ filter: 'metrics.acc > 0.9' }), ['Alpha']);
    assert.deepEqual(await names({ filter: 'metrics.acc < 0.2' }), ['Alpha']);
    assert.deepEqual(await names({ filter: 'metrics.acc >= 0.5' }), ['alpha-2', 'Alpha']);
    assert.deepEqual(await names({ filter: 'metrics.acc > 0.6', datasets: [{ dataset_name: 'test' }] }), ['alpha-2']);
    assert.deepEqual(await names({ filter: 'metrics.acc < 0.2', datasets: [{ dataset_name: 'eval' }] }), []);
    assert.deepEqual(await names({ filter: 'metrics.missing > 0' }), []);
  });

  it('keeps models with a metric on the datasets when there is no metric clause', async () => {
    assert.deepEqual(await names({ datasets: [{ dataset_name: 'eval', dataset_digest: 'd1' }] }), ['Alpha']);
    assert.deepEqual(await names({ datasets: [{ dataset_name: 'eval', dataset_digest: 'other' }] }), []);
    assert.deepEqual(await names({ datasets: [{ dataset_name: 'eval' }, { dataset_name: 'test' }] }), [
      'alpha-2',
      'Alpha',
    ]);
  });

  it('orders by attributes, then creation time descending and model id', async () => {
    assert.deepEqual(await names({ order_by: [{ field_name: 'name' }] }), ['Alpha', 'a_b*', 'alpha-2', 'beta']);
    assert.deepEqual(await names({ order_by: [{ field_name: 'name', ascending: false }] }), [
      'beta',
      'alpha-2',
      'a_b*',
      'Alpha',
    ]);
    assert.deepEqual(await names({ order_by: [{ field_name: 'creation_time', ascending: true }] }), [
      'Alpha',
      'alpha-2',
      'beta',
      'a_b*',
    ]);
    // Same status for three models: creation time descending breaks the tie.
    assert.deepEqual(await names({ order_by: [{ field_name: 'status', ascending: false }] }), [
      'beta',
      'a_b*',
      'alpha-2',
      'Alpha',
    ]);
  });

  it("orders by a metric's latest value, models without it last in both directions", async () => {
    assert.deepEqual(await names({ order_by: [{ field_name: 'metrics.acc', ascending: false }] }), [
      'Alpha',
      'alpha-2',
      'a_b*',
      'beta',
    ]);
    assert.deepEqual(await names({ order_by: [{ field_name: 'metrics.acc' }] }), ['alpha-2', 'Alpha', 'a_b*', 'beta']);
    assert.deepEqual(await names({ order_by: [{ field_name: 'metrics.acc', dataset_name: 'test' }] }), [
      'alpha-2',
      'a_b*',
      'beta',
      'Alpha',
    ]);
  });

  it('refuses bad order_by entries', async () => {
    await refused({ order_by: [{ field_name: 'bogus' }] }, /^Invalid order by field name: bogus$/);
    await refused({ order_by: [{ field_name: 'params.alpha' }] }, /Only metrics are supported/);
    await refused({ order_by: [{ field_name: 'metrics.acc', dataset_digest: 'd1' }] }, /dataset_digest/);
  });

  it('pages with tokens bound to the search', async () => {
    const first = await store.searchLoggedModels({ experiment_ids: [exp], max_results: 3 });
    assert.deepEqual(
      first.items.map((m) => m.info.name),
      ['a_b*', 'beta', 'alpha-2'],
    );
    assert.ok(first.next_page_token);
    const second = await store.searchLoggedModels({
      experiment_ids: [exp],
      max_results: 3,
      page_token: first.next_page_token,
    });
    assert.deepEqual(
      second.items.map((m) => m.info.name),
      ['Alpha'],
    );
    assert.equal(second.next_page_token, undefined);
    await refused(
      { max_results: 3, filter: "name = 'x'", page_token: first.next_page_token },
      /^Filter string in the page token does not match/,
    );
  });

  it('returns nothing for unknown experiments and uses 100 results when max_results is 0', async () => {
    assert.deepEqual((await store.searchLoggedModels({ experiment_ids: ['999', 'x'] })).items, []);
    const big = await store.createExperiment({ name: 'lm-search-big' });
    for (let i = 0; i < 101; i++) await store.createLoggedModel({ experiment_id: big });
    const page = await store.searchLoggedModels({ experiment_ids: [big], max_results: 0 });
    assert.equal(page.items.length, 100);
    assert.ok(page.next_page_token);
    const both = await store.searchLoggedModels({ experiment_ids: [exp, big], max_results: 200 });
    assert.equal(both.items.length, 105);
  });
});
