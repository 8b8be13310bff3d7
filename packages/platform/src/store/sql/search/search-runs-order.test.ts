import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MlflowError, type WireDouble } from '@keel/contract';
import { testBackend } from '../../../testing/test-databases.js';
import type { TrackingStore } from '../../tracking-store.js';
import { createRun, openTempStore, searchAllPages, searchNames, type TempStore } from './search-test-store.js';

describe(`searchRuns ordering and paging (${testBackend()})`, () => {
  let temp: TempStore;
  let store: TrackingStore;
  let exp: string;

  before(async () => {
    temp = await openTempStore();
    store = temp.store;
    exp = await store.createExperiment({ name: 'order' });
    const runs: [string, number, WireDouble | undefined, string | undefined, number | undefined][] = [
      // name, start, metric m, param p, end
      ['r1', 100, 3, '10', 900],
      ['r2', 200, 'NaN', '9', undefined],
      ['r3', 300, undefined, undefined, 700],
      ['r4', 400, -1, 'a', undefined],
      ['r5', 500, 'NaN', undefined, 800],
      ['r6', 600, 3, 'B', undefined],
      ['r7', 700, undefined, '9', 600],
    ];
    for (const [name, start, m, p, end] of runs) {
      await createRun(store, exp, {
        name,
        start,
        ...(m === undefined ? {} : { metrics: { m } }),
        ...(p === undefined ? {} : { params: { p } }),
        ...(end === undefined ? {} : { end }),
      });
    }
  });
  after(() => temp.close());

  const ordered = (...order_by: string[]) => searchNames(store, { experiment_ids: [exp], order_by });

  it('orders by start_time DESC by default', async () => {
    assert.deepEqual(await searchNames(store, { experiment_ids: [exp] }), ['r7', 'r6', 'r5', 'r4', 'r3', 'r2', 'r1']);
  });

  it('puts real metric values first, then NaN, then missing, in both directions', async () => {
    // Ties (r1, r6 both 3; r2, r5 both NaN) fall back to start_time DESC.
    assert.deepEqual(await ordered('metrics.m DESC'), ['r6', 'r1', 'r4', 'r5', 'r2', 'r7', 'r3']);
    assert.deepEqual(await ordered('metrics.m ASC'), ['r4', 'r6', 'r1', 'r5', 'r2', 'r7', 'r3']);
  });

  it('sorts params as strings with missing values last in both directions', async () => {
    assert.deepEqual(await ordered('params.p'), ['r1', 'r7', 'r2', 'r6', 'r4', 'r5', 'r3']);
    assert.deepEqual(await ordered('params.p DESC'), ['r4', 'r6', 'r7', 'r2', 'r1', 'r5', 'r3']);
  });

  it('puts runs without end_time last in both directions', async () => {
    assert.deepEqual(await ordered('end_time'), ['r7', 'r3', 'r5', 'r1', 'r6', 'r4', 'r2']);
    assert.deepEqual(await ordered('attributes.end_time DESC'), ['r1', 'r5', 'r3', 'r7', 'r6', 'r4', 'r2']);
  });

  it('uses later keys, with their own missing/NaN groups, to break ties', async () => {
    assert.deepEqual(await ordered('params.p', 'metrics.m DESC'), ['r1', 'r2', 'r7', 'r6', 'r4', 'r5', 'r3']);
    assert.deepEqual(await ordered('metrics.m DESC', 'start_time ASC'), ['r1', 'r6', 'r4', 'r2', 'r5', 'r3', 'r7']);
  });

  it('breaks start_time ties by run_id ascending', async () => {
    const tie = await store.createExperiment({ name: 'ties' });
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(await createRun(store, tie, { name: `t${i}`, start: 42 }));
    const page = await store.searchRuns({ experiment_ids: [tie] });
    assert.deepEqual(
      page.items.map((r) => r.info.run_id),
      [...ids].sort(),
    );
  });

  it('pages through every segment without gaps or repeats, and omits the last token', async () => {
    for (const order_by of [['metrics.m DESC'], ['params.p'], ['end_time'], []]) {
      const all = await searchNames(store, { experiment_ids: [exp], order_by });
      for (const max_results of [1, 2, 3, 7]) {
        const pages = await searchAllPages(store, { experiment_ids: [exp], order_by, max_results });
        assert.deepEqual(pages.flat(), all, `${order_by.join()} by ${max_results}`);
        assert.equal(pages.length, Math.ceil(all.length / max_results), 'no trailing empty page');
      }
    }
  });

  it('pages with a filter on the ordering metric', async () => {
    const input = { experiment_ids: [exp], filter: 'metrics.m > -5', order_by: ['metrics.m DESC'] };
    // NaN compares as its stored 0, as in MLflow; runs lacking the metric never match.
    assert.deepEqual(await searchNames(store, input), ['r6', 'r1', 'r4', 'r5', 'r2']);
    assert.deepEqual(await searchAllPages(store, { ...input, max_results: 2 }), [['r6', 'r1'], ['r4', 'r5'], ['r2']]);
  });

  it('answers an empty page for an offset past the end', async () => {
    const first = await store.searchRuns({ experiment_ids: [exp], max_results: 6, order_by: ['metrics.m'] });
    assert.ok(first.next_page_token);
    const last = await store.searchRuns({ experiment_ids: [exp], page_token: first.next_page_token });
    assert.equal(last.items.length, 1);
    const beyond = Buffer.from(JSON.stringify({ offset: 50 })).toString('base64');
    const none = await store.searchRuns({ experiment_ids: [exp], order_by: ['metrics.m'], page_token: beyond });
    assert.deepEqual(none, { items: [] });
  });

  it("checks max_results with MLflow's messages", async () => {
    assert.equal((await store.searchRuns({ experiment_ids: [exp], max_results: 50_000 })).items.length, 7);
    const refuse = async (max_results: number, pattern: RegExp) =>
      assert.rejects(
        store.searchRuns({ experiment_ids: [exp], max_results }),
        (e: unknown) => e instanceof MlflowError && e.code === 'INVALID_PARAMETER_VALUE' && pattern.test(e.message),
      );
    await refuse(50_001, /^Invalid value 50001 for parameter 'max_results' supplied: {2}Hint/);
    await refuse(0, /must be a positive integer/);
    await refuse(-3, /must be a positive integer/);
  });

  it('refuses duplicate order_by keys and garbage page tokens with INVALID_PARAMETER_VALUE', async () => {
    await assert.rejects(
      store.searchRuns({ experiment_ids: [exp], order_by: ['metrics.m DESC', 'metric.m'] }),
      (e: unknown) => e instanceof MlflowError && e.code === 'INVALID_PARAMETER_VALUE' && /duplicate/.test(e.message),
    );
    await assert.rejects(
      store.searchRuns({ experiment_ids: [exp], page_token: 'garbage' }),
      (e: unknown) => e instanceof MlflowError && e.message === 'Invalid page token, could not base64-decode',
    );
  });
});
