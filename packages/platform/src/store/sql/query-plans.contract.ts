/**
 * The hot queries' plans, checked with EXPLAIN on a store seeded like a big experiment (20,000
 * runs, 100,000 metric chunks; the layout that serves 100,000 runs and 100,000,000 points):
 * run search with a metric filter and order, a selective param filter, the history of one key, and bulk-interval sampling must each walk an index, never scan a whole table or sort every run. Run by every
 * dialect (`query-plans.test.ts`, `postgres-query-plans.test.ts`).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CompiledQuery, type Kysely, sql } from 'kysely';
import { parseRunFilter, parseRunOrderBy } from '../../search/index.js';
import { type SqlDialect, sqlDialect } from './dialect.js';
import { migrateToLatest } from './migrations/index.js';
import type { TrackingSchema } from './schema.js';
import { selectiveCandidates } from './search/run-search-drivers.js';
import { searchScope, segmentPageQuery } from './search/run-search-ids.js';
import { planCandidates, planOrderedScan } from './search/run-search-plan.js';
import type { SqlDatabase } from './sql-database.js';
import { pointsQuery } from './tracking/metric-history.js';

const RUNS = 20_000;
const CHUNKS_PER_RUN = 5;

export interface PlanDatabase {
  readonly database: SqlDatabase<TrackingSchema>;
  close(): Promise<void>;
}

/** Fills a migrated store with one big experiment, in a few set-based statements. */
async function seed(db: Kysely<TrackingSchema>): Promise<void> {
  const series = (n: number) => `with recursive s(i) as (select 1 union all select i + 1 from s where i < ${n})`;
  const statements = [
    `insert into experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time)
       values (1, 'plans', '/tmp/plans', 'active', 0, 0)`,
    `${series(RUNS)} insert into runs (run_uuid, experiment_id, name, user_id, status, start_time, end_time, deleted_time, lifecycle_stage, artifact_uri)
       select 'r' || i, 1, 'run-' || i, 'u', 'FINISHED', i, i + 10, null, case when i % 50 = 0 then 'deleted' else 'active' end, '/tmp/a' from s`,
    `${series(RUNS)} insert into latest_metrics (run_uuid, key, timestamp, step, value, is_nan)
       select 'r' || i, 'acc', i, 99, (i * 7919 % 10000) / 10000.0, 0 from s`,
    `${series(RUNS)} insert into latest_metrics (run_uuid, key, timestamp, step, value, is_nan)
       select 'r' || i, 'loss', i, 99, (i * 104729 % 10000) / 100.0, 0 from s`,
    `${series(RUNS)} insert into params (run_uuid, key, value)
       select 'r' || i, 'lr', case i % 3 when 0 then '0.001' when 1 then '0.01' else '0.1' end from s`,
    `${series(RUNS)} insert into params (run_uuid, key, value) select 'r' || i, 'seed', '' || (i % 97) from s`,
    `${series(RUNS)} insert into tags (run_uuid, key, value) select 'r' || i, 'mlflow.runName', 'run-' || i from s`,
  ];
  for (const statement of statements) await db.executeQuery(CompiledQuery.raw(statement));
  const chunk = new Uint8Array(64);
  await sql`${sql.raw(series(RUNS * CHUNKS_PER_RUN))} insert into metric_chunks (run_uuid, key, point_count, min_step, max_step, data)
    select 'r' || (i % ${sql.lit(RUNS)} + 1), 'acc', 100, (i / ${sql.lit(RUNS)}) * 100, (i / ${sql.lit(RUNS)}) * 100 + 99, ${chunk} from s`.execute(
    db,
  );
  await db.executeQuery(CompiledQuery.raw('analyze'));
}

/** Whether a plan line says a whole table is read (`Seq Scan` on PostgreSQL, `SCAN t` on SQLite). */
function fullScans(dialect: SqlDialect, plan: readonly string[]): string[] {
  const pattern = dialect.name === 'postgres' ? /Seq Scan on (\w+)/ : /^SCAN (\w+)(?! USING)/;
  return plan.filter((line) => pattern.test(line.trim()));
}

export function describeQueryPlans(name: string, open: () => Promise<PlanDatabase>): void {
  describe(`query plans of the hot queries: ${name}`, () => {
    let subject: PlanDatabase;
    let db: Kysely<TrackingSchema>;
    let dialect: SqlDialect;

    before(async () => {
      subject = await open();
      db = subject.database.db;
      dialect = sqlDialect(subject.database.dialect);
      await migrateToLatest(subject.database as SqlDatabase<unknown>);
      await seed(db);
    });
    after(() => subject.close());

    const explain = (query: CompiledQuery) => dialect.explain(db as Kysely<unknown>, query);
    const describePlan = (plan: readonly string[]) => `\n${plan.join('\n')}`;

    it('run search with a metric filter and a metric order walks the latest-value index', async () => {
      const clauses = parseRunFilter("metrics.acc > 0.5 and params.lr = '0.01'");
      const order = parseRunOrderBy(['metrics.acc DESC']);
      const [segment] = planOrderedScan(dialect.name, clauses, order);
      assert.ok(segment);
      const query = segmentPageQuery(searchScope([1], ['active']), segment, 101, 0).compile(db);
      const plan = await explain(query);
      const text = plan.join('\n');
      assert.match(text, /latest_metrics_key_value_idx/, describePlan(plan));
      assert.deepEqual(fullScans(dialect, plan), [], describePlan(plan));
      // The index delivers the order: no sort of every matching run (PostgreSQL's incremental
      // sort only orders ties of the presorted value).
      if (dialect.name === 'sqlite') assert.doesNotMatch(text, /TEMP B-TREE FOR ORDER BY/, describePlan(plan));
      else assert.doesNotMatch(text, /^\s*(->\s*)?Sort\s+\(cost/m, describePlan(plan));
      // And the real search answers: the best runs with lr = 0.01, best first.
      const { rows } = await segmentPageQuery(searchScope([1], ['active']), segment, 5, 0).execute(db);
      assert.equal(rows.length, 5);
    });

    it('a selective param filter reads its few runs through the key-value index and sorts only them', async () => {
      const clauses = parseRunFilter("params.seed = '42'");
      const order = parseRunOrderBy(['metrics.acc DESC']);
      const candidates = await selectiveCandidates(db as Kysely<unknown>, clauses);
      assert.ok(candidates, 'about 200 of 20,000 runs have seed 42: the candidate plan is chosen');
      const segment = planCandidates(dialect.name, clauses, order, candidates);
      const query = segmentPageQuery(searchScope([1], ['active']), segment, 101, 0).compile(db);
      const plan = await explain(query);
      assert.match(plan.join('\n'), /params_key_value_idx/, describePlan(plan));
      assert.deepEqual(fullScans(dialect, plan), [], describePlan(plan));
      const { rows } = await segmentPageQuery(searchScope([1], ['active']), segment, 500, 0).execute(db);
      // Runs i with i % 97 = 42 among 20,000, less the deleted ones (i % 50 = 0).
      const expected = Array.from({ length: RUNS }, (_, i) => i + 1).filter((i) => i % 97 === 42 && i % 50 !== 0);
      assert.deepEqual(rows.map((r) => r.run_uuid).sort(), expected.map((i) => `r${i}`).sort());
    });

    it('the history of one key reads only that run and key', async () => {
      const plan = await explain(pointsQuery(db, ['r77'], 'acc').compile());
      assert.match(plan.join('\n'), /metric_chunks_run_key_idx/, describePlan(plan));
      assert.deepEqual(fullScans(dialect, plan), [], describePlan(plan));
      const rows = await pointsQuery(db, ['r77'], 'acc').execute();
      assert.equal(rows.length, CHUNKS_PER_RUN);
    });

    it('bulk-interval sampling reads the runs and key through the same index', async () => {
      const runIds = Array.from({ length: 100 }, (_, i) => `r${i * 37 + 1}`);
      const query = pointsQuery(db, runIds, 'acc', { min: 100, max: 250 });
      const plan = await explain(query.compile());
      assert.match(plan.join('\n'), /metric_chunks_run_key_idx/, describePlan(plan));
      assert.deepEqual(fullScans(dialect, plan), [], describePlan(plan));
      const rows = await query.execute();
      assert.equal(rows.length, runIds.length * 2, 'two chunks of each run overlap steps 100-250');
    });
  });
}
