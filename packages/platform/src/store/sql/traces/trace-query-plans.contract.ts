/**
 * The trace search queries' plans, checked with EXPLAIN on a store seeded like a big
 * experiment (20,000 traces with tags, metadata and spans): newest first, by status, by time,
 * by tag, by span name and oldest first must each walk an index of `trace_info` in the asked
 * order (at most the ties of one timestamp sorted), never scan a whole table or sort every
 * trace. Run by every dialect (`trace-query-plans.test.ts`, `postgres-trace-query-plans.test.ts`).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CompiledQuery, type Kysely } from 'kysely';
import { type SqlDialect, sqlDialect } from '../dialect.js';
import { migrateToLatest } from '../migrations/index.js';
import type { SqlDatabase } from '../sql-database.js';
import type { TraceStoreSchema } from './context.js';
import { searchPageQuery } from './trace-search.js';

const TRACES = 20_000;

export interface TracePlanDatabase {
  readonly database: SqlDatabase<TraceStoreSchema>;
  close(): Promise<void>;
}

/** Fills a migrated store with one big experiment's traces, in a few set-based statements. */
async function seed(db: Kysely<TraceStoreSchema>): Promise<void> {
  const series = `with recursive s(i) as (select 1 union all select i + 1 from s where i < ${TRACES})`;
  const statements = [
    `insert into experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time)
       values (1, 'trace-plans', '/tmp/plans', 'active', 0, 0)`,
    `${series} insert into trace_info (request_id, experiment_id, timestamp_ms, execution_time_ms, status)
       select 'tr-' || i, 1, 1700000000000 + i * 1000, 120, case when i % 10 = 0 then 'ERROR' else 'OK' end from s`,
    `${series} insert into trace_tags (request_id, key, value) select 'tr-' || i, 'topic', 't' || (i % 100) from s`,
    `${series} insert into trace_tags (request_id, key, value)
       select 'tr-' || i, 'mlflow.artifactLocation', '/tmp/plans/traces/tr-' || i || '/artifacts' from s`,
    `${series} insert into trace_request_metadata (request_id, key, value) select 'tr-' || i, 'mlflow.user', 'u' || (i % 7) from s`,
  ];
  for (const [n, name] of ['agent', 'llm', 'retrieve'].entries()) {
    statements.push(
      `${series} insert into spans (trace_id, span_id, experiment_id, parent_span_id, name, type, status, start_time_unix_nano, end_time_unix_nano, content)
         select 'tr-' || i, 's${n}', 1, null, '${name}', 'LLM', 'OK', 1700000000000000000 + i, null, '{}' from s`,
    );
  }
  for (const statement of statements) await db.executeQuery(CompiledQuery.raw(statement));
  await db.executeQuery(CompiledQuery.raw('analyze'));
}

/** Plan lines reading a whole table (`Seq Scan` on PostgreSQL, `SCAN t` without an index on SQLite). */
function fullScans(dialect: SqlDialect, plan: readonly string[]): string[] {
  const pattern = dialect.name === 'postgres' ? /Seq Scan on (\w+)/ : /^SCAN (\w+)(?! USING)/;
  return plan.filter((line) => pattern.test(line.trim()));
}

/**
 * The search shapes of the benchmark, with the index each must walk. A tag or metadata filter
 * (`byValue`) is answered either by walking the time index and probing each trace's key, or,
 * when the value is selective, from the key/value index with its matches sorted (and, on
 * PostgreSQL at this size, hash-joined to `trace_info`): the planner picks by cost, and either
 * way no key/value table is read whole.
 */
const SHAPES: ReadonlyArray<{
  label: string;
  filter?: string;
  order_by?: string[];
  index: RegExp;
  byValue?: boolean;
}> = [
  { label: 'newest first', index: /trace_info_experiment_time_idx/ },
  { label: 'by status', filter: "trace.status = 'ERROR'", index: /trace_info_experiment_status_idx/ },
  {
    label: 'by time',
    filter: `trace.timestamp_ms > ${1700000000000 + 19_800 * 1000}`,
    index: /trace_info_experiment_time_idx/,
  },
  { label: 'oldest first', order_by: ['timestamp_ms ASC'], index: /trace_info_experiment_time_idx/ },
  { label: 'by tag', filter: "tags.topic = 't42'", index: /trace_tags_value_idx/, byValue: true },
  {
    label: 'by status and tag',
    filter: "trace.status = 'OK' AND tags.topic = 't7'",
    index: /trace_tags_value_idx/,
    byValue: true,
  },
  {
    label: 'by metadata',
    filter: "request_metadata.`mlflow.user` = 'u3'",
    index: /trace_request_metadata_(value_idx|pk)/,
    byValue: true,
  },
  { label: 'by span name', filter: "span.name = 'retrieve'", index: /spans/ },
];

export function describeTraceQueryPlans(name: string, open: () => Promise<TracePlanDatabase>): void {
  describe(`query plans of trace search: ${name}`, () => {
    let subject: TracePlanDatabase;
    let db: Kysely<TraceStoreSchema>;
    let dialect: SqlDialect;

    before(async () => {
      subject = await open();
      db = subject.database.db;
      dialect = sqlDialect(subject.database.dialect);
      await migrateToLatest(subject.database as SqlDatabase<unknown>);
      await seed(db);
    });
    after(() => subject.close());

    for (const shape of SHAPES) {
      it(`${shape.label} walks an index, with no full scan and no sort of every trace`, async () => {
        const input = {
          experiment_ids: ['1'],
          ...(shape.filter === undefined ? {} : { filter: shape.filter }),
          ...(shape.order_by === undefined ? {} : { order_by: shape.order_by }),
        };
        const query = searchPageQuery(dialect.name, input, 101, 0).compile(db);
        const plan = await dialect.explain(db as Kysely<unknown>, query);
        const text = `\n${plan.join('\n')}`;
        assert.match(text, shape.index, text);
        const scanned = fullScans(dialect, plan);
        if (shape.byValue)
          assert.deepEqual(
            scanned.filter((line) => !/trace_info/.test(line)),
            [],
            text,
          );
        else assert.deepEqual(scanned, [], text);
        // SQLite sorts at most the ties of the last ORDER BY term (or a selective filter's matches).
        if (dialect.name === 'sqlite' && !shape.byValue) assert.doesNotMatch(text, /TEMP B-TREE FOR ORDER BY/, text);
        const { rows } = await db.executeQuery(query);
        assert.equal(rows.length, 101, 'a full page (and one more) is found');
      });
    }
  });
}
