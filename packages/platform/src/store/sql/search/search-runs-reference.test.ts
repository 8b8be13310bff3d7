// Compares run search against a direct implementation of search-syntax.md §3 on random runs
// with ties, NaN, infinities and missing keys, through every page size.
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { after, before, describe, it } from 'node:test';
import type { WireDouble } from '@keel/contract';
import { parseRunFilter, parseRunOrderBy } from '../../../search/index.js';
import { testBackend } from '../../../testing/test-databases.js';
import type { TrackingStore } from '../../tracking-store.js';
import { openSqlDatabase } from '../open-database.js';
import type { SqlDatabase } from '../sql-database.js';
import { selectiveCandidates } from './run-search-drivers.js';
import { selectRunIds } from './run-search-ids.js';
import { createRun, openTempStore, searchAllPages, type TempStore } from './search-test-store.js';

interface Model {
  name: string;
  id: string;
  start: number;
  end?: number;
  metrics: Record<string, number>;
  params: Record<string, string>;
}

/** A small deterministic PRNG, so a failure reproduces. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

type Key = { entity: 'metric' | 'param' | 'attribute'; key: string; ascending: boolean };

function parse(item: string): Key {
  const [identifier = '', direction = 'ASC'] = item.split(' ');
  const [prefix = '', key = ''] = identifier.split('.');
  const entity = prefix === 'metrics' ? 'metric' : prefix === 'params' ? 'param' : 'attribute';
  return { entity, key: entity === 'attribute' ? identifier : key, ascending: direction === 'ASC' };
}

/** [group, value] of a run for one key: group 0 real, 1 NaN, 2 missing. */
function sortValue(run: Model, key: Key): [number, number | string] {
  if (key.entity === 'metric') {
    const v = run.metrics[key.key];
    if (v === undefined) return [2, 0];
    return Number.isNaN(v) ? [1, 0] : [0, v];
  }
  if (key.entity === 'param') {
    const v = run.params[key.key];
    return v === undefined ? [2, ''] : [0, v];
  }
  if (key.key === 'end_time') return run.end === undefined ? [2, 0] : [0, run.end];
  if (key.key === 'start_time') return [0, run.start];
  return [0, run.id];
}

function referenceOrder(runs: readonly Model[], orderBy: readonly string[]): string[] {
  const keys = orderBy.map(parse);
  if (!keys.some((k) => k.key === 'start_time'))
    keys.push({ entity: 'attribute', key: 'start_time', ascending: false });
  keys.push({ entity: 'attribute', key: 'run_id', ascending: true });
  const compare = (a: Model, b: Model): number => {
    for (const key of keys) {
      const [ga, va] = sortValue(a, key);
      const [gb, vb] = sortValue(b, key);
      if (ga !== gb) return ga - gb;
      if (va !== vb) return (va < vb ? -1 : 1) * (key.ascending ? 1 : -1);
    }
    return 0;
  };
  return [...runs].sort(compare).map((r) => r.name);
}

describe(`searchRuns against a reference ordering (${testBackend()})`, () => {
  let temp: TempStore;
  let store: TrackingStore;
  let exp: string;
  const runs: Model[] = [];

  before(async () => {
    temp = await openTempStore();
    store = temp.store;
    exp = await store.createExperiment({ name: 'reference' });
    const next = random(7);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
    for (let i = 0; i < 40; i++) {
      const model: Model = { name: `run-${i}`, id: '', start: pick([10, 20, 30, 40]), metrics: {}, params: {} };
      const metrics: Record<string, WireDouble> = {};
      for (const key of ['a', 'b']) {
        const value = pick<WireDouble | undefined>([undefined, 'NaN', 'Infinity', '-Infinity', -2, 0, 0.5, 1, 1, 3]);
        if (value === undefined) continue;
        metrics[key] = value;
        model.metrics[key] = typeof value === 'number' ? value : Number(value);
      }
      for (const key of ['p', 'q']) {
        const value = pick([undefined, '', '10', '9', 'a', 'B', 'b']);
        if (value !== undefined) model.params[key] = value;
      }
      const end = pick([undefined, 100, 200]);
      if (end !== undefined) model.end = end;
      model.id = await createRun(store, exp, {
        name: model.name,
        start: model.start,
        metrics,
        params: model.params,
        ...(end === undefined ? {} : { end }),
      });
      runs.push(model);
    }
  });
  let second: SqlDatabase<unknown>;
  before(async () => {
    second = await openSqlDatabase(temp.uri, tmpdir());
  });
  after(async () => {
    await second.close();
    await temp.close();
  });

  const orders = [
    [],
    ['metrics.a DESC'],
    ['metrics.a ASC'],
    ['metrics.a DESC', 'metrics.b ASC'],
    ['params.p ASC', 'metrics.a DESC'],
    ['params.p DESC', 'params.q ASC'],
    ['end_time ASC', 'metrics.b DESC'],
    ['end_time DESC'],
    ['start_time ASC', 'params.q DESC'],
    ['metrics.b ASC', 'end_time DESC', 'start_time ASC'],
  ];

  for (const orderBy of orders) {
    it(`orders by [${orderBy.join(', ')}] like the reference, on every page size`, async () => {
      const expected = referenceOrder(runs, orderBy);
      for (const max_results of [1, 4, 13, 40, 1000]) {
        const pages = await searchAllPages(store, { experiment_ids: [exp], order_by: orderBy, max_results });
        assert.deepEqual(pages.flat(), expected, `max_results ${max_results}`);
      }
    });
  }

  it('filters and orders on the same metric like the reference', async () => {
    for (const [filter, keep] of [
      ['metrics.a > 0.5', (v: number) => v > 0.5],
      ['metrics.a <= 0', (v: number) => v <= 0],
      ['metrics.a != 1', (v: number) => v !== 1],
    ] as const) {
      // NaN is compared as the 0 it is stored as (MLflow's behaviour).
      const matching = runs.filter(
        (r) => r.metrics.a !== undefined && keep(Number.isNaN(r.metrics.a) ? 0 : r.metrics.a),
      );
      const expected = referenceOrder(matching, ['metrics.a DESC']);
      const pages = await searchAllPages(store, {
        experiment_ids: [exp],
        filter,
        order_by: ['metrics.a DESC'],
        max_results: 3,
      });
      assert.deepEqual(pages.flat(), expected, filter);
    }
  });

  const metric = (r: Model, key: string) => {
    const v = r.metrics[key];
    return v === undefined ? undefined : Number.isNaN(v) ? 0 : v;
  };
  const filters: [string, (r: Model) => boolean][] = [
    ["params.p = 'a'", (r) => r.params.p === 'a'],
    ["params.p != '9'", (r) => r.params.p !== undefined && r.params.p !== '9'],
    ["params.q LIKE 'b%'", (r) => r.params.q?.startsWith('b') === true],
    ['metrics.a > 0.5', (r) => (metric(r, 'a') ?? Number.NaN) > 0.5],
    ['metrics.b <= 0', (r) => (metric(r, 'b') ?? Number.NaN) <= 0],
    ["params.q = 'B' AND metrics.a >= 0", (r) => r.params.q === 'B' && (metric(r, 'a') ?? Number.NaN) >= 0],
  ];

  it('gives the same pages with the candidate plan and the ordered scan', async () => {
    const runIds = runs.filter((_, i) => i % 5 === 0).map((r) => r.id);
    const all: [string, (r: Model) => boolean][] = [
      ...filters,
      [`run_id IN (${runIds.map((id) => `'${id}'`).join(', ')})`, (r) => runIds.includes(r.id)],
    ];
    const experimentIds = [Number(exp)];
    for (const [filter, keep] of all) {
      for (const orderBy of [[], ['metrics.a DESC'], ['params.p ASC', 'metrics.b DESC'], ['end_time DESC']]) {
        const expected = referenceOrder(runs.filter(keep), orderBy);
        const byId = new Map(runs.map((r) => [r.id, r.name]));
        for (const candidateLimit of [0, 1_000_000]) {
          const names: string[] = [];
          for (let offset = 0; offset <= runs.length; offset += 4) {
            const query = {
              experimentIds,
              stages: ['active'],
              clauses: parseRunFilter(filter),
              order: parseRunOrderBy(orderBy),
              offset,
              limit: 4,
            };
            const page = await selectRunIds(second.db, second.dialect, query, candidateLimit);
            names.push(...page.ids.map((id) => byId.get(id) ?? id));
            if (!page.more) break;
          }
          assert.deepEqual(names, expected, `${filter} / [${orderBy.join(', ')}] / limit ${candidateLimit}`);
        }
      }
    }
  });

  it('drives the search from the most selective indexed clause only when it is under the limit', async () => {
    const one = runs[3] as Model;
    const clauses = parseRunFilter(`params.p != 'zzz' AND metrics.a > -100 AND run_id = '${one.id}'`);
    const chosen = await selectiveCandidates(second.db, clauses, 1_000_000);
    assert.ok(chosen, 'a candidate query is chosen');
    const rows = await chosen.execute(second.db);
    assert.deepEqual(rows.rows, [{ run_uuid: one.id }], 'the run_id clause, matching one run, wins');
    assert.equal(await selectiveCandidates(second.db, clauses, 1), undefined, 'nothing is under a limit of 1');
    assert.equal(await selectiveCandidates(second.db, parseRunFilter("params.p LIKE 'a%'"), 1_000_000), undefined);
  });
});
