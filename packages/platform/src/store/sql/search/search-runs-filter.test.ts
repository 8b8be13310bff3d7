import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MlflowError } from '@keel/contract';
import { testBackend } from '../../../testing/test-databases.js';
import type { TrackingStore } from '../../tracking-store.js';
import { createRun, openTempStore, searchNames, type TempStore } from './search-test-store.js';

describe(`searchRuns filters (${testBackend()})`, () => {
  let temp: TempStore;
  let store: TrackingStore;
  let exp: string;
  let other: string;
  const ids: Record<string, string> = {};

  before(async () => {
    temp = await openTempStore();
    store = temp.store;
    exp = await store.createExperiment({ name: 'filters' });
    other = await store.createExperiment({ name: 'other' });
    ids.a = await createRun(store, exp, {
      name: 'alpha-Base',
      start: 1000,
      end: 5000,
      user: 'ann',
      // Latest (greatest step) value decides: 0.2, although 0.9 was logged earlier.
      metrics: { acc: [0.9, 0.2], loss: 1 },
      params: { lr: '0.01', note: "it's 100% [done]_*" },
      tags: { team: 'Risk', 'mlflow.source.type': 'LOCAL' },
    });
    ids.b = await createRun(store, exp, {
      name: 'beta-base',
      start: 2000,
      user: 'bob',
      metrics: { acc: 0.7, loss: 'NaN' },
      params: { lr: '0.1', note: 'plain' },
      tags: { team: 'risk' },
    });
    ids.c = await createRun(store, exp, { name: 'gamma', start: 3000, params: { other: 'x' } });
    ids.o = await createRun(store, other, { name: 'elsewhere', start: 4000, metrics: { acc: 0.99 } });
    await store.logInputs(ids.a, [
      {
        dataset: { name: 'wine-train', digest: 'd1', source_type: 'local', source: '{}' },
        tags: [{ key: 'mlflow.data.context', value: 'training' }],
      },
      {
        dataset: { name: 'wine-eval', digest: 'd2', source_type: 'local', source: '{}' },
        tags: [{ key: 'mlflow.data.context', value: 'eval' }],
      },
    ]);
    await store.logInputs(ids.b, [
      { dataset: { name: 'wine-train', digest: 'd1', source_type: 'local', source: '{}' } },
    ]);
  });
  after(() => temp.close());

  const names = (filter: string, extra: object = {}) =>
    searchNames(store, { experiment_ids: [exp], filter, order_by: ['start_time ASC'], ...extra });

  it('compares metrics against the latest value only', async () => {
    assert.deepEqual(await names('metrics.acc > 0.5'), ['beta-base']);
    assert.deepEqual(await names('metrics.acc < 0.5'), ['alpha-Base']);
    assert.deepEqual(await names('metrics.acc = 0.2'), ['alpha-Base']);
    assert.deepEqual(await names('metrics.acc >= 0.2 AND metrics.acc <= 0.7'), ['alpha-Base', 'beta-base']);
  });

  it('compares a NaN latest value as MLflow stores it (0)', async () => {
    assert.deepEqual(await names('metrics.loss >= 0'), ['alpha-Base', 'beta-base']);
    assert.deepEqual(await names('metrics.loss > 0.5'), ['alpha-Base']);
  });

  it('never matches runs lacking the key, even with !=', async () => {
    assert.deepEqual(await names("params.lr != '0.01'"), ['beta-base']);
    assert.deepEqual(await names('metrics.acc != 0.7'), ['alpha-Base']);
    assert.deepEqual(await names("tags.team != 'nobody'"), ['alpha-Base', 'beta-base']);
    assert.deepEqual(await names("params.missing != 'x'"), []);
  });

  it('matches LIKE case-sensitively and ILIKE case-insensitively', async () => {
    assert.deepEqual(await names("tags.team LIKE 'r%'"), ['beta-base']);
    assert.deepEqual(await names("tags.team ILIKE 'R%'"), ['alpha-Base', 'beta-base']);
    assert.deepEqual(await names("attributes.run_name LIKE '%base'"), ['beta-base']);
    assert.deepEqual(await names("run_name ILIKE '%BASE'"), ['alpha-Base', 'beta-base']);
    assert.deepEqual(await names("run_name LIKE '_eta%'"), ['beta-base']);
    assert.deepEqual(await names("tags.team = 'risk'"), ['beta-base']);
  });

  it('treats quotes, wildcards and GLOB characters in values as data', async () => {
    assert.deepEqual(await names(`params.note = "it's 100% [done]_*"`), ['alpha-Base']);
    assert.deepEqual(await names("params.note = 'it''s 100% [done]_*'"), ['alpha-Base']);
    assert.deepEqual(await names("params.note LIKE '%[done]%'"), ['alpha-Base']);
    assert.deepEqual(await names("params.note LIKE '%\\_*'"), ['alpha-Base']);
    assert.deepEqual(await names("params.note LIKE '%100\\%%'"), ['alpha-Base']);
    assert.deepEqual(await names("params.note LIKE 'p*'"), []);
    assert.deepEqual(await names("params.note = 'x'' OR ''1''=''1'"), []);
    assert.deepEqual(await names("params.note LIKE '%'' OR 1=1 --'"), []);
    assert.deepEqual(await names("params.`x'; DROP TABLE runs; --` = 'y'"), []);
    assert.equal((await names('')).length, 3, 'the runs table is intact');
  });

  it('filters on attributes', async () => {
    assert.deepEqual(await names("attributes.status = 'FINISHED'"), ['alpha-Base']);
    assert.deepEqual(await names("user_id = 'bob'"), ['beta-base']);
    assert.deepEqual(await names('attributes.start_time >= 2000'), ['beta-base', 'gamma']);
    assert.deepEqual(await names('created < 2000'), ['alpha-Base']);
    // Runs without an end time never match a clause on it.
    assert.deepEqual(await names('end_time != 1'), ['alpha-Base']);
    assert.deepEqual(await names(`artifact_uri LIKE '%${ids.b}%'`), ['beta-base']);
    assert.deepEqual(await names("attributes.`Run name` = 'gamma'"), ['gamma']);
  });

  it('filters run_id with =, IN and NOT IN, dropping uppercase IDs', async () => {
    assert.deepEqual(await names(`run_id = '${ids.c}'`), ['gamma']);
    assert.deepEqual(await names(`attributes.run_id IN ('${ids.a}', '${ids.c}')`), ['alpha-Base', 'gamma']);
    assert.deepEqual(await names(`run_id IN ('${ids.a?.toUpperCase()}')`), []);
    assert.deepEqual(await names(`run_id NOT IN ('${ids.a}')`), ['beta-base', 'gamma']);
  });

  it('matches dataset clauses when any dataset input matches', async () => {
    assert.deepEqual(await names("datasets.name = 'wine-eval'"), ['alpha-Base']);
    assert.deepEqual(await names("datasets.name = 'wine-train'"), ['alpha-Base', 'beta-base']);
    assert.deepEqual(await names("datasets.context = 'training'"), ['alpha-Base']);
    assert.deepEqual(await names("datasets.name = 'wine-train' AND datasets.context = 'eval'"), ['alpha-Base']);
    assert.deepEqual(await names("datasets.digest IN ('d2', 'zz')"), ['alpha-Base']);
    assert.deepEqual(await names("datasets.name NOT IN ('wine-train')"), ['alpha-Base']);
    assert.deepEqual(await names("datasets.name LIKE 'WINE%'"), []);
  });

  it('scopes to the given experiments and view type', async () => {
    assert.deepEqual(
      await searchNames(store, { experiment_ids: [exp, other], filter: 'metrics.acc > 0.5', order_by: ['start_time'] }),
      ['beta-base', 'elsewhere'],
    );
    assert.deepEqual(await searchNames(store, { experiment_ids: [] }), []);
    assert.deepEqual(await searchNames(store, { experiment_ids: ['not-a-number'] }), []);
    await store.deleteRun(ids.c as string);
    try {
      assert.deepEqual(await names('', { run_view_type: 'DELETED_ONLY' }), ['gamma']);
      assert.deepEqual(await names('', { run_view_type: 'ALL' }), ['alpha-Base', 'beta-base', 'gamma']);
      assert.deepEqual(await names(''), ['alpha-Base', 'beta-base']);
    } finally {
      await store.restoreRun(ids.c as string);
    }
  });

  it('returns full runs with inputs', async () => {
    const page = await store.searchRuns({ experiment_ids: [exp], filter: "run_name = 'alpha-Base'" });
    const run = page.items[0];
    assert.equal(page.items.length, 1);
    assert.deepEqual(run?.data.metrics?.map((m) => [m.key, m.value]).sort(), [
      ['acc', 0.2],
      ['loss', 1],
    ]);
    assert.equal(run?.inputs?.dataset_inputs?.length, 2);
    assert.equal(run?.outputs, undefined, 'no outputs field without model outputs');
  });

  it('refuses bad filters with INVALID_PARAMETER_VALUE', async () => {
    for (const filter of ["params.a = 'x' OR params.a = 'y'", 'metrics.a = x', "attributes.foo = 'x'"]) {
      await assert.rejects(
        store.searchRuns({ experiment_ids: [exp], filter }),
        (e: unknown) => e instanceof MlflowError && e.code === 'INVALID_PARAMETER_VALUE',
      );
    }
  });
});
