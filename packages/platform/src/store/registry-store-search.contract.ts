/** The `RegistryStore` contract for searches and the audit trail (see `registry-store.contract.ts`). */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { RegistryStore } from './registry-store.js';
import { TEST_ACTOR, uniqueNames } from './registry-store-contract-support.js';
import { rejectsWith } from './tracking-store-contract-support.js';

const PROMPT = { key: 'mlflow.prompt.is_prompt', value: 'true' };

/** Searches and history, on a store shared with the rest of the suite. */
export function describeRegistrySearchAndAudit(storeOf: () => RegistryStore): void {
  const actor = TEST_ACTOR;

  describe('registered model search', () => {
    // A private prefix keeps other tests' models out of every filter below.
    const prefix = uniqueNames('Search')();
    const names = [`${prefix}-alpha`, `${prefix}-beta`, `${prefix}-gamma`];
    const filter = (extra = '') => `name LIKE '${prefix}-%'${extra}`;

    before(async () => {
      const store = storeOf();
      for (const [i, name] of names.entries()) {
        await store.createRegisteredModel({ name, tags: [{ key: 'rank', value: String(i) }] }, actor);
      }
      await store.createRegisteredModel({ name: `${prefix}-prompt`, tags: [PROMPT] }, actor);
      await store.createModelVersion({ name: names[0] as string, source: 's3://b/a' }, 's3://b/a', actor);
    });

    const namesOf = (page: { items: readonly { name: string }[] }) => page.items.map((m) => m.name);

    it('filters by name (LIKE is case-sensitive, ILIKE not) and by tag', async () => {
      const store = storeOf();
      assert.deepEqual(namesOf(await store.searchRegisteredModels({ filter: filter() })), names);
      assert.deepEqual(namesOf(await store.searchRegisteredModels({ filter: `name LIKE '${prefix}-G%'` })), []);
      assert.deepEqual(namesOf(await store.searchRegisteredModels({ filter: `name ILIKE '${prefix}-G%'` })), [
        names[2],
      ]);
      assert.deepEqual(namesOf(await store.searchRegisteredModels({ filter: `name = '${names[1]}'` })), [names[1]]);
      assert.deepEqual(namesOf(await store.searchRegisteredModels({ filter: filter(` AND name != '${names[1]}'`) })), [
        names[0],
        names[2],
      ]);
      assert.deepEqual(namesOf(await store.searchRegisteredModels({ filter: filter(" AND tags.rank = '2'") })), [
        names[2],
      ]);
      // A tag the model lacks never matches, not even with !=.
      assert.deepEqual(namesOf(await store.searchRegisteredModels({ filter: filter(" AND tags.other != 'x'") })), []);
      const withVersions = await store.searchRegisteredModels({ filter: `name = '${names[0]}'` });
      assert.equal(withVersions.items[0]?.latest_versions?.[0]?.version, '1');
    });

    it('hides prompts unless the filter asks for them', async () => {
      const store = storeOf();
      const promptFilter = filter(" AND tags.`mlflow.prompt.is_prompt` = 'true'");
      assert.deepEqual(namesOf(await store.searchRegisteredModels({ filter: promptFilter })), [`${prefix}-prompt`]);
      const notPrompts = filter(" AND tags.`mlflow.prompt.is_prompt` = 'false'");
      assert.deepEqual(namesOf(await store.searchRegisteredModels({ filter: notPrompts })), names);
    });

    it('orders by name or timestamp with name as tie-breaker, and pages', async () => {
      const store = storeOf();
      const desc = await store.searchRegisteredModels({ filter: filter(), order_by: ['name DESC'] });
      assert.deepEqual(namesOf(desc), [...names].reverse());
      const byTime = await store.searchRegisteredModels({ filter: filter(), order_by: ['timestamp DESC'] });
      assert.equal(byTime.items[0]?.name, names[0]);
      const first = await store.searchRegisteredModels({ filter: filter(), max_results: 2 });
      assert.deepEqual(namesOf(first), names.slice(0, 2));
      assert.ok(first.next_page_token);
      const second = await store.searchRegisteredModels({
        filter: filter(),
        max_results: 2,
        page_token: first.next_page_token,
      });
      assert.deepEqual(namesOf(second), names.slice(2));
      assert.equal(second.next_page_token, undefined);
    });

    it('refuses bad filters, orderings, tokens and limits', async () => {
      const store = storeOf();
      await rejectsWith(
        store.searchRegisteredModels({ filter: 'creation_timestamp > 0' }),
        'INVALID_PARAMETER_VALUE',
        "Invalid attribute key 'creation_timestamp' specified. Valid keys are '{'name'}'",
      );
      await rejectsWith(
        store.searchRegisteredModels({ order_by: ['creation_timestamp'] }),
        'INVALID_PARAMETER_VALUE',
        /Invalid order by key 'creation_timestamp'/,
      );
      await rejectsWith(store.searchRegisteredModels({ page_token: 'garbage' }), 'INVALID_PARAMETER_VALUE');
      await rejectsWith(
        store.searchRegisteredModels({ max_results: 1001 }),
        'INVALID_PARAMETER_VALUE',
        /Invalid value "1001" for parameter 'max_results'/,
      );
      await rejectsWith(store.searchRegisteredModels({ max_results: 0 }), 'INVALID_PARAMETER_VALUE');
    });
  });

  describe('model version search', () => {
    const name = uniqueNames('SearchMv')();
    before(async () => {
      const store = storeOf();
      await store.createRegisteredModel({ name }, actor);
      const sources = ['s3://b/one', 's3://b/two', 'mlflow-artifacts:/1/r/artifacts/m', 's3://b/FIVE'];
      for (const [i, source] of sources.entries()) {
        await store.createModelVersion({ name, source, run_id: `run${i % 2}` }, source, actor);
      }
      await store.setModelVersionTag(name, '2', { key: 'validated', value: 'true' }, actor);
      await store.createModelVersion({ name, source: 'prompt', tags: [PROMPT] }, 'prompt', actor);
      await store.deleteModelVersion(name, '3', actor);
    });

    const versionsOf = async (filter: string, extra: { order_by?: string[] } = {}) =>
      (await storeOf().searchModelVersions({ filter: `name = '${name}'${filter}`, ...extra })).items.map(
        (v) => v.version,
      );

    it('filters by every identifier, never returning deleted versions or prompts', async () => {
      assert.deepEqual(await versionsOf(''), ['4', '2', '1']);
      assert.deepEqual(await versionsOf(' AND version_number >= 2'), ['4', '2']);
      assert.deepEqual(await versionsOf(' AND version_number != 2'), ['4', '1']);
      assert.deepEqual(await versionsOf(" AND run_id = 'run1'"), ['4', '2']);
      assert.deepEqual(await versionsOf(" AND run_id IN ('run0', 'nope')"), ['1']);
      assert.deepEqual(await versionsOf(" AND source_path LIKE 's3://b/%o%'"), ['2', '1']);
      assert.deepEqual(await versionsOf(" AND source_path ILIKE '%five'"), ['4']);
      assert.deepEqual(await versionsOf(" AND tags.validated = 'true'"), ['2']);
      assert.deepEqual(await versionsOf(" AND tags.`mlflow.prompt.is_prompt` = 'true'"), ['5']);
      const found = await storeOf().searchModelVersions({ filter: `name = '${name}' AND version_number = 2` });
      // Search results carry tags but not aliases, as MLflow's do.
      assert.deepEqual(found.items[0]?.tags, [{ key: 'validated', value: 'true' }]);
    });

    it('orders with tie-breakers and pages', async () => {
      assert.deepEqual(await versionsOf('', { order_by: ['version_number ASC'] }), ['1', '2', '4']);
      assert.deepEqual(await versionsOf('', { order_by: ['creation_timestamp DESC'] }), ['4', '2', '1']);
      const store = storeOf();
      const first = await store.searchModelVersions({ filter: `name = '${name}'`, max_results: 2 });
      assert.equal(first.items.length, 2);
      const rest = await store.searchModelVersions({
        filter: `name = '${name}'`,
        max_results: 2,
        page_token: first.next_page_token,
      });
      assert.deepEqual(
        [...first.items, ...rest.items].map((v) => v.version),
        ['4', '2', '1'],
      );
      assert.equal(rest.next_page_token, undefined);
    });

    it('refuses bad filters and limits with MLflow messages', async () => {
      const store = storeOf();
      await rejectsWith(
        store.searchModelVersions({ max_results: 0 }),
        'INVALID_PARAMETER_VALUE',
        'Invalid value for max_results. It must be a positive integer, but got 0',
      );
      await rejectsWith(store.searchModelVersions({ max_results: 200_001 }), 'INVALID_PARAMETER_VALUE');
      await rejectsWith(
        store.searchModelVersions({ filter: "foo = 'x'" }),
        'INVALID_PARAMETER_VALUE',
        /Invalid attribute key 'foo' specified/,
      );
      await rejectsWith(store.searchModelVersions({ filter: "name = 'a' OR name = 'b'" }), 'INVALID_PARAMETER_VALUE');
    });
  });

  describe('audit trail', () => {
    it('records every change with its user, newest first, across a rename', async () => {
      const store = storeOf();
      const name = uniqueNames('Audit')();
      const alice = { user: 'alice' };
      await store.createRegisteredModel({ name, description: 'd' }, alice);
      await store.createModelVersion({ name, source: 's3://b/1', run_id: 'r' }, 's3://b/1', alice);
      await store.createModelVersion({ name, source: 's3://b/2' }, 's3://b/2', alice);
      await store.transitionModelVersionStage(name, '1', 'Production', false, { user: 'bob' });
      await store.transitionModelVersionStage(name, '2', 'Production', true, { user: 'bob' });
      await store.setRegisteredModelAlias(name, 'champion', '1', alice);
      await store.setRegisteredModelAlias(name, 'champion', '2', alice);
      await store.updateRegisteredModel(name, 'new', alice);
      await store.setModelVersionTag(name, '1', { key: 'k', value: 'v' }, alice);
      await store.deleteModelVersionTag(name, '1', 'k', alice);
      await store.renameRegisteredModel(name, `${name}-r`, alice);
      await store.deleteModelVersion(`${name}-r`, '1', { user: 'carol' });
      const { items } = await store.getHistory({ name: `${name}-r` });
      const summary = items.map((e) => [e.kind, e.user, e.version ?? '', e.details ?? {}]);
      assert.deepEqual(summary, [
        ['delete_model_version', 'carol', '1', { stage: 'Archived' }],
        ['rename_registered_model', 'alice', '', { old_name: name, new_name: `${name}-r` }],
        ['delete_model_version_tag', 'alice', '1', { key: 'k' }],
        ['set_model_version_tag', 'alice', '1', { key: 'k', value: 'v' }],
        ['update_registered_model', 'alice', '', { old_description: 'd', new_description: 'new' }],
        ['set_alias', 'alice', '2', { alias: 'champion', previous_version: '1' }],
        ['set_alias', 'alice', '1', { alias: 'champion' }],
        [
          'transition_model_version_stage',
          'bob',
          '2',
          { from_stage: 'None', to_stage: 'Production', archive_existing_versions: 'true' },
        ],
        [
          'transition_model_version_stage',
          'bob',
          '1',
          { from_stage: 'Production', to_stage: 'Archived', archived_by_version: '2' },
        ],
        [
          'transition_model_version_stage',
          'bob',
          '1',
          { from_stage: 'None', to_stage: 'Production', archive_existing_versions: 'false' },
        ],
        ['create_model_version', 'alice', '2', { source: 's3://b/2' }],
        ['create_model_version', 'alice', '1', { source: 's3://b/1', run_id: 'r' }],
        ['create_registered_model', 'alice', '', { description: 'd' }],
      ]);
      for (const event of items) {
        assert.equal(event.name, `${name}-r`);
        assert.ok(event.timestamp > 0);
      }
    });

    it('pages newest first and refuses bad limits and tokens', async () => {
      const store = storeOf();
      const name = uniqueNames('AuditPage')();
      await store.createRegisteredModel({ name }, actor);
      for (let i = 0; i < 4; i++) await store.setRegisteredModelTag(name, { key: `k${i}`, value: 'v' }, actor);
      const first = await store.getHistory({ name, max_results: 3 });
      assert.equal(first.items.length, 3);
      assert.ok(first.next_page_token);
      const rest = await store.getHistory({ name, max_results: 3, page_token: first.next_page_token });
      const all = [...first.items, ...rest.items];
      assert.deepEqual(
        all.map((e) => e.details?.key ?? e.kind),
        ['k3', 'k2', 'k1', 'k0', 'create_registered_model'],
      );
      assert.equal(rest.next_page_token, undefined);
      const everything = await store.getHistory({ max_results: 1 });
      assert.equal(everything.items[0]?.event_id, first.items[0]?.event_id);
      await rejectsWith(store.getHistory({ max_results: 0 }), 'INVALID_PARAMETER_VALUE');
      await rejectsWith(store.getHistory({ page_token: 'garbage!' }), 'INVALID_PARAMETER_VALUE');
    });
  });
}
