/**
 * The behavioural contract of `EvaluationDatasetStore`: every implementation (SQLite,
 * PostgreSQL) runs this suite against a real database, with experiments made through the
 * tracking store it shares a database with.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DatasetRecord } from '@keel/contract';
import type { EvaluationDatasetStore } from './evaluation-dataset-store.js';
import { rejectsWith } from './tracking-store-contract-support.js';

export interface GenAiStoresUnderTest {
  readonly datasets: EvaluationDatasetStore;
  /** Creates an experiment in the same database; returns its id. */
  createExperiment(name: string): Promise<string>;
  close(): Promise<void>;
}

const record = (question: string, answer: string, extra: Record<string, unknown> = {}) => ({
  inputs: { question },
  expectations: { answer },
  ...extra,
});

export function describeEvaluationDatasetStore(name: string, open: () => Promise<GenAiStoresUnderTest>): void {
  describe(`EvaluationDatasetStore contract: ${name}`, () => {
    let subject: GenAiStoresUnderTest;
    let store: EvaluationDatasetStore;
    let seq = 0;
    const unique = (prefix: string) => `${prefix}-${process.pid}-${Date.now()}-${seq++}`;

    before(async () => {
      subject = await open();
      store = subject.datasets;
    });
    after(async () => subject.close());

    it('creates a dataset with tags and experiments, and reads it back', async () => {
      const exp = await subject.createExperiment(unique('exp'));
      const created = await store.createDataset({
        name: 'qa',
        experiment_ids: [exp],
        tags: { stage: 'dev', 'mlflow.user': 'ada' },
      });
      assert.match(created.dataset_id, /^d-[0-9a-f]{32}$/);
      assert.match(created.digest, /^[0-9a-f]{8}$/);
      assert.deepEqual(JSON.parse(created.tags), { stage: 'dev', 'mlflow.user': 'ada' });
      assert.equal(created.created_by, 'ada');
      assert.deepEqual(created.experiment_ids, [exp]);
      const read = await store.getDataset(created.dataset_id);
      assert.equal(read.name, 'qa');
      assert.equal(read.experiment_ids, undefined);
      assert.equal(read.schema, undefined);
      assert.deepEqual(await store.getExperimentIds(created.dataset_id), [exp]);
    });

    it('refuses unknown experiments and ids, storing nothing', async () => {
      await rejectsWith(
        store.createDataset({ name: unique('refused'), experiment_ids: ['999999999'] }),
        'RESOURCE_DOES_NOT_EXIST',
        'No Experiment with id=999999999 exists',
      );
      const page = await store.searchDatasets({ filter_string: "name LIKE 'refused-%'" });
      assert.equal(page.items.length, 0);
      await rejectsWith(
        store.getDataset('d-nope'),
        'RESOURCE_DOES_NOT_EXIST',
        "Evaluation dataset with id 'd-nope' not found",
      );
      await rejectsWith(
        store.setDatasetTags('d-nope', { a: 'b' }),
        'RESOURCE_DOES_NOT_EXIST',
        /Could not find evaluation dataset/,
      );
      await rejectsWith(store.upsertRecords('d-nope', [record('q', 'a')]), 'RESOURCE_DOES_NOT_EXIST');
      await rejectsWith(store.deleteDataset('d-nope'), 'RESOURCE_DOES_NOT_EXIST');
      assert.deepEqual((await store.getRecords('d-nope', {})).items, []);
    });

    it('upserts records by their inputs, merging expectations and tags, and keeps schema and profile', async () => {
      const { dataset_id: id, digest } = await store.createDataset({ name: unique('upsert') });
      assert.deepEqual(await store.upsertRecords(id, [record('2+2', '4', { tags: { src: 'manual' } })]), {
        inserted_count: 1,
        updated_count: 0,
      });
      assert.deepEqual(
        await store.upsertRecords(id, [
          record('2+2', 'four'),
          { inputs: { question: '3+3' }, outputs: { answer: 6 }, source: { source_type: 'HUMAN' } },
        ]),
        { inserted_count: 1, updated_count: 1 },
      );
      const { items } = await store.getRecords(id, {});
      assert.equal(items.length, 2);
      const [first, second] = items as DatasetRecord[];
      assert.deepEqual(first?.inputs, { question: '2+2' });
      assert.deepEqual(first?.expectations, { answer: 'four' });
      assert.deepEqual(first?.tags, { src: 'manual' });
      assert.deepEqual(first?.outputs, {});
      assert.equal(first?.source, undefined);
      assert.deepEqual(second?.outputs, { answer: 6 });
      assert.equal(second?.source_type, 'HUMAN');
      // The updated record keeps its creation time and gets a later update time.
      assert.ok((first?.last_update_time ?? 0) > (first?.created_time ?? 0));
      assert.equal(second?.created_time, second?.last_update_time);
      const after = await store.getDataset(id);
      assert.notEqual(after.digest, digest);
      assert.deepEqual(JSON.parse(after.profile ?? '{}'), { num_records: 2 });
      assert.deepEqual(JSON.parse(after.schema ?? '{}'), {
        inputs: { question: 'string' },
        outputs: { answer: 'integer' },
        expectations: { answer: 'string' },
        version: '1.0',
      });
    });

    it('pages records in creation order without gaps or repeats', async () => {
      const { dataset_id: id } = await store.createDataset({ name: unique('pages') });
      await store.upsertRecords(
        id,
        Array.from({ length: 7 }, (_, i) => record(`q${i}`, `a${i}`)),
      );
      const seen: string[] = [];
      let token: string | undefined;
      do {
        const page = await store.getRecords(id, { max_results: 3, ...(token ? { page_token: token } : {}) });
        seen.push(...page.items.map((r) => String(r.inputs.question)));
        token = page.next_page_token;
      } while (token);
      assert.deepEqual(seen, ['q0', 'q1', 'q2', 'q3', 'q4', 'q5', 'q6']);
      await rejectsWith(store.getRecords(id, { page_token: 'garbage' }), 'INVALID_PARAMETER_VALUE');
      assert.equal(
        await store.deleteRecords(id, [
          (await store.getRecords(id, { max_results: 1 })).items[0]?.dataset_record_id ?? '',
        ]),
        1,
      );
      assert.deepEqual(JSON.parse((await store.getDataset(id)).profile ?? '{}'), { num_records: 6 });
    });

    it('sets and deletes tags without touching the digest', async () => {
      const created = await store.createDataset({ name: unique('tags'), tags: { a: '1', b: '2' } });
      await store.setDatasetTags(created.dataset_id, { a: '10', c: '3', b: null });
      await store.deleteDatasetTag(created.dataset_id, 'c');
      await store.deleteDatasetTag(created.dataset_id, 'never-set');
      const read = await store.getDataset(created.dataset_id);
      assert.deepEqual(JSON.parse(read.tags), { a: '10' });
      assert.equal(read.digest, created.digest);
      assert.equal(read.last_update_time, created.last_update_time);
    });

    it('searches by experiment, filter and order, with pages', async () => {
      const exp = await subject.createExperiment(unique('search'));
      const prefix = unique('s');
      const ids: string[] = [];
      for (const suffix of ['b', 'a', 'c']) {
        const d = await store.createDataset({
          name: `${prefix}-${suffix}`,
          experiment_ids: [exp],
          tags: { kind: suffix },
        });
        ids.push(d.dataset_id);
        await new Promise((resolve) => setTimeout(resolve, 3));
      }
      const newestFirst = await store.searchDatasets({ experiment_ids: [exp] });
      assert.deepEqual(
        newestFirst.items.map((d) => d.dataset_id),
        [...ids].reverse(),
      );
      const byName = await store.searchDatasets({ filter_string: `name LIKE '${prefix}-%'`, order_by: ['name ASC'] });
      assert.deepEqual(
        byName.items.map((d) => d.name),
        [`${prefix}-a`, `${prefix}-b`, `${prefix}-c`],
      );
      const tagged = await store.searchDatasets({ experiment_ids: [exp], filter_string: "tags.kind = 'c'" });
      assert.deepEqual(
        tagged.items.map((d) => d.name),
        [`${prefix}-c`],
      );
      const first = await store.searchDatasets({
        experiment_ids: [exp],
        max_results: 2,
        order_by: ['created_time ASC'],
      });
      assert.equal(first.items.length, 2);
      assert.ok(first.next_page_token);
      const rest = await store.searchDatasets({
        experiment_ids: [exp],
        max_results: 2,
        order_by: ['created_time ASC'],
        page_token: first.next_page_token,
      });
      assert.deepEqual(
        rest.items.map((d) => d.dataset_id),
        [ids[2]],
      );
      assert.equal(rest.next_page_token, undefined);
      await rejectsWith(
        store.searchDatasets({ filter_string: "foo = 'x'" }),
        'INVALID_PARAMETER_VALUE',
        /Invalid attribute key 'foo'/,
      );
      await rejectsWith(store.searchDatasets({ order_by: ['bogus'] }), 'INVALID_PARAMETER_VALUE');
      assert.deepEqual((await store.searchDatasets({ experiment_ids: ['not-an-id'] })).items, []);
    });

    it('links to and unlinks from experiments; deleting removes records and links', async () => {
      const [e1, e2] = [await subject.createExperiment(unique('l1')), await subject.createExperiment(unique('l2'))];
      const d = await store.createDataset({ name: unique('links'), experiment_ids: [e1] });
      assert.deepEqual(
        (await store.addToExperiments(d.dataset_id, [e2, e1])).experiment_ids,
        [e1, e2].sort((a, b) => Number(a) - Number(b)),
      );
      assert.deepEqual((await store.removeFromExperiments(d.dataset_id, [e1])).experiment_ids, [e2]);
      await rejectsWith(store.addToExperiments(d.dataset_id, ['999999999']), 'RESOURCE_DOES_NOT_EXIST');
      await store.upsertRecords(d.dataset_id, [record('x', 'y')]);
      await store.deleteDataset(d.dataset_id);
      await rejectsWith(store.getDataset(d.dataset_id), 'RESOURCE_DOES_NOT_EXIST');
      assert.deepEqual((await store.getRecords(d.dataset_id, {})).items, []);
      assert.deepEqual((await store.searchDatasets({ experiment_ids: [e2] })).items, []);
    });

    it('serialises concurrent upserts of one dataset: every record counted once', async () => {
      const { dataset_id: id } = await store.createDataset({ name: unique('concurrent') });
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          store.upsertRecords(id, [record('shared', `v${i}`), record(`own-${i}`, 'x')]),
        ),
      );
      const inserted = results.reduce((n, r) => n + r.inserted_count, 0);
      assert.equal(inserted, 7);
      assert.deepEqual(JSON.parse((await store.getDataset(id)).profile ?? '{}'), { num_records: 7 });
    });
  });
}
