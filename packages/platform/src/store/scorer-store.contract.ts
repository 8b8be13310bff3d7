/**
 * The behavioural contract of `ScorerStore`: every implementation (SQLite, PostgreSQL) runs this
 * suite against a real database.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ScorerStore } from './scorer-store.js';
import { rejectsWith } from './tracking-store-contract-support.js';

export interface ScorerStoreUnderTest {
  readonly scorers: ScorerStore;
  createExperiment(name: string): Promise<string>;
  close(): Promise<void>;
}

export function describeScorerStore(name: string, open: () => Promise<ScorerStoreUnderTest>): void {
  describe(`ScorerStore contract: ${name}`, () => {
    let subject: ScorerStoreUnderTest;
    let store: ScorerStore;
    let seq = 0;
    const newExperiment = () => subject.createExperiment(`scorers-${process.pid}-${Date.now()}-${seq++}`);

    before(async () => {
      subject = await open();
      store = subject.scorers;
    });
    after(async () => subject.close());

    it('registers numbered versions under one scorer id, and lists the latest of each name', async () => {
      const exp = await newExperiment();
      const v1 = await store.registerScorer(exp, 'len', '{"v": 1}');
      const v2 = await store.registerScorer(exp, 'len', '{"v": 2}');
      const other = await store.registerScorer(exp, 'alpha', 'opaque text');
      assert.equal(v1.scorer_version, 1);
      assert.equal(v2.scorer_version, 2);
      assert.equal(v2.scorer_id, v1.scorer_id);
      assert.notEqual(other.scorer_id, v1.scorer_id);
      assert.match(v1.scorer_id, /^[0-9a-f-]{36}$/);
      assert.equal(v1.experiment_id, Number(exp));
      const list = await store.listScorers(exp);
      assert.deepEqual(
        list.map((s) => [s.scorer_name, s.scorer_version, s.serialized_scorer]),
        [
          ['alpha', 1, 'opaque text'],
          ['len', 2, '{"v": 2}'],
        ],
      );
      assert.deepEqual(
        (await store.listScorerVersions(exp, 'len')).map((s) => s.scorer_version),
        [1, 2],
      );
      assert.equal((await store.getScorer(exp, 'len')).scorer_version, 2);
      assert.equal((await store.getScorer(exp, 'len', 1)).serialized_scorer, '{"v": 1}');
    });

    it('answers MLflow errors for unknown experiments, names and versions', async () => {
      const exp = await newExperiment();
      await rejectsWith(
        store.registerScorer('999999999', 'x', '{}'),
        'RESOURCE_DOES_NOT_EXIST',
        'No Experiment with id=999999999 exists',
      );
      await rejectsWith(
        store.getScorer(exp, 'nope'),
        'RESOURCE_DOES_NOT_EXIST',
        `Scorer with name 'nope' not found for experiment ${exp}.`,
      );
      await store.registerScorer(exp, 'one', '{}');
      await rejectsWith(store.getScorer(exp, 'one', 7), 'RESOURCE_DOES_NOT_EXIST', /version 7 not found/);
      await rejectsWith(store.deleteScorer(exp, 'one', 7), 'RESOURCE_DOES_NOT_EXIST');
      await rejectsWith(store.deleteScorer(exp, 'nope'), 'RESOURCE_DOES_NOT_EXIST');
      assert.deepEqual(await store.listScorers(await newExperiment()), []);
    });

    it('deletes one version or all of them; a name registered again starts over', async () => {
      const exp = await newExperiment();
      const first = await store.registerScorer(exp, 's', 'a');
      await store.registerScorer(exp, 's', 'b');
      await store.deleteScorer(exp, 's', 1);
      assert.deepEqual(
        (await store.listScorerVersions(exp, 's')).map((v) => v.scorer_version),
        [2],
      );
      await store.deleteScorer(exp, 's');
      assert.deepEqual(await store.listScorers(exp), []);
      const again = await store.registerScorer(exp, 's', 'c');
      assert.equal(again.scorer_version, 1);
      assert.notEqual(again.scorer_id, first.scorer_id);
    });

    it('gives concurrent registrations of one name distinct versions', async () => {
      const exp = await newExperiment();
      const versions = await Promise.all(
        Array.from({ length: 8 }, (_, i) => store.registerScorer(exp, 'race', `${i}`)),
      );
      assert.deepEqual(
        versions.map((v) => v.scorer_version).sort((a, b) => a - b),
        [1, 2, 3, 4, 5, 6, 7, 8],
      );
      assert.equal(new Set(versions.map((v) => v.scorer_id)).size, 1);
    });
  });
}
