import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Experiment, MlflowError } from '@keel/contract';
import { testBackend } from '../../../testing/test-databases.js';
import type { SearchExperimentsInput, TrackingStore } from '../../tracking-store.js';
import { openTempStore, type TempStore } from './search-test-store.js';

describe(`searchExperiments (${testBackend()})`, () => {
  let temp: TempStore;
  let store: TrackingStore;
  let all: readonly Experiment[];

  before(async () => {
    temp = await openTempStore();
    store = temp.store;
    const specs: [string, Record<string, string>][] = [
      ['prod-Alpha', { team: 'risk', note: "50% it's" }],
      ['prod-beta', { team: 'Risk' }],
      ['dev-gamma', {}],
      ['prod_delta', { team: 'ops' }],
    ];
    for (const [name, tags] of specs) {
      await store.createExperiment({ name, tags: Object.entries(tags).map(([key, value]) => ({ key, value })) });
      // Distinct creation times make the default order observable.
      await new Promise((r) => setTimeout(r, 3));
    }
    const gone = await store.createExperiment({ name: 'prod-gone' });
    await store.deleteExperiment(gone);
    all = (await store.searchExperiments({ view_type: 'ALL' })).items;
  });
  after(() => temp.close());

  const names = async (input: SearchExperimentsInput) =>
    (await store.searchExperiments(input)).items.map((e) => e.name);

  it('orders by creation_time DESC, experiment_id ASC by default', async () => {
    const active = all.filter((e) => e.lifecycle_stage === 'active');
    const expected = [...active]
      .sort((a, b) => b.creation_time - a.creation_time || Number(a.experiment_id) - Number(b.experiment_id))
      .map((e) => e.name);
    assert.deepEqual(await names({}), expected);
    assert.equal(expected.length, 5);
  });

  it('filters on name with case-sensitive LIKE and case-insensitive ILIKE', async () => {
    assert.deepEqual(await names({ filter: "name LIKE 'prod-%'", order_by: ['name'] }), ['prod-Alpha', 'prod-beta']);
    assert.deepEqual(await names({ filter: "name LIKE 'prod_%'", order_by: ['name'] }), [
      'prod-Alpha',
      'prod-beta',
      'prod_delta',
    ]);
    assert.deepEqual(await names({ filter: "name LIKE 'prod\\_%'" }), ['prod_delta']);
    assert.deepEqual(await names({ filter: "name ILIKE 'PROD-A%'" }), ['prod-Alpha']);
    assert.deepEqual(await names({ filter: "name = 'prod-alpha'" }), []);
    // Code point order: '_' (0x5F) sorts after '-' (0x2D) and lowercase after uppercase.
    assert.deepEqual(await names({ filter: "name != 'Default' AND name LIKE '%a'", order_by: ['name DESC'] }), [
      'prod_delta',
      'prod-beta',
      'prod-Alpha',
      'dev-gamma',
    ]);
  });

  it('filters on tags; experiments lacking the tag never match', async () => {
    assert.deepEqual(await names({ filter: "tags.team = 'risk'" }), ['prod-Alpha']);
    assert.deepEqual(await names({ filter: "tags.team ILIKE 'risk'", order_by: ['name'] }), [
      'prod-Alpha',
      'prod-beta',
    ]);
    assert.deepEqual(await names({ filter: "tags.team != 'risk'", order_by: ['name'] }), ['prod-beta', 'prod_delta']);
    assert.deepEqual(await names({ filter: 'tags.note = "50% it\'s"' }), ['prod-Alpha']);
    assert.deepEqual(await names({ filter: "tags.note LIKE '50\\%%'" }), ['prod-Alpha']);
  });

  it('filters on timestamps', async () => {
    const alpha = all.find((e) => e.name === 'prod-Alpha');
    assert.ok(alpha);
    const later = await names({ filter: `creation_time > ${alpha.creation_time}` });
    assert.ok(!later.includes('prod-Alpha') && later.includes('prod_delta'));
    assert.deepEqual(await names({ filter: `creation_time = ${alpha.creation_time} AND name LIKE 'prod%'` }), [
      'prod-Alpha',
    ]);
  });

  it('shows deleted experiments by view type', async () => {
    assert.deepEqual(await names({ view_type: 'DELETED_ONLY' }), ['prod-gone']);
    assert.ok((await names({ view_type: 'ALL' })).includes('prod-gone'));
    assert.ok(!(await names({})).includes('prod-gone'));
  });

  it('appends experiment_id DESC as tie-breaker', async () => {
    // Created back to back, several share a creation millisecond.
    for (let i = 0; i < 6; i++) await store.createExperiment({ name: `burst-${i}` });
    const burst = (await store.searchExperiments({ filter: "name LIKE 'burst-%'" })).items;
    const expected = [...burst]
      .sort((a, b) => a.creation_time - b.creation_time || Number(b.experiment_id) - Number(a.experiment_id))
      .map((e) => e.name);
    assert.deepEqual(await names({ filter: "name LIKE 'burst-%'", order_by: ['creation_time ASC'] }), expected);
  });

  it('pages with tokens only when more exist', async () => {
    const ordered = await names({ order_by: ['name DESC'] });
    const pages: string[][] = [];
    let token: string | undefined;
    do {
      const page = await store.searchExperiments({
        order_by: ['name DESC'],
        max_results: 2,
        ...(token === undefined ? {} : { page_token: token }),
      });
      pages.push(page.items.map((e) => e.name));
      token = page.next_page_token;
    } while (token !== undefined);
    assert.deepEqual(pages.flat(), ordered);
    assert.equal(pages.length, Math.ceil(ordered.length / 2));
  });

  it("checks max_results with MLflow's messages; absent or 0 means 1000", async () => {
    const count = (await store.searchExperiments({})).items.length;
    assert.ok(count >= 5);
    assert.equal((await store.searchExperiments({ max_results: 0 })).items.length, count);
    await assert.rejects(
      store.searchExperiments({ max_results: 50_001 }),
      (e: unknown) =>
        e instanceof MlflowError &&
        e.message === "Invalid value 50001 for parameter 'max_results' supplied. It must be at most 50000",
    );
    await assert.rejects(
      store.searchExperiments({ max_results: -1 }),
      (e: unknown) => e instanceof MlflowError && /must be a positive integer/.test(e.message),
    );
  });

  it('refuses bad filters and order_by with INVALID_PARAMETER_VALUE', async () => {
    for (const input of [{ filter: "attributes.name = 'x'" }, { order_by: ['foo ASC'] }, { page_token: 'garbage' }]) {
      await assert.rejects(
        store.searchExperiments(input),
        (e: unknown) => e instanceof MlflowError && e.code === 'INVALID_PARAMETER_VALUE',
      );
    }
  });
});
