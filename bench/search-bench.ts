// Store-level run search latency on SQLite or PostgreSQL, with the data shape of
// `mlflow-bench.mjs -s search` (5 params, 5 metrics, 3 tags per run). Usage:
//   node --conditions=keel-source --import tsx bench/search-bench.ts [--runs 5000] [--queries 200]
//        [--db /tmp/search-5k.db]   (reuses the file when it already holds the runs)
//        [--uri postgresql://postgres@127.0.0.1:55432/keel_bench]   (any store URI instead of --db)
//        [--shapes]                 (also times other filter/order shapes)
//        [--fill 1000]              (PostgreSQL: create only the first 1,000 runs through the store
//                                    and the rest with set-based inserts of the same rows: 100,000
//                                    runs in a minute instead of an hour on a busy host)
// Prints wall-clock and process CPU time per search (CPU time is less sensitive to a busy host).
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openStores } from '@keel/platform';
import { sql } from 'kysely';
import { openSqlDatabase } from '../packages/platform/src/store/sql/open-database.js';
import { encodeChunk } from '../packages/platform/src/store/sql/tracking/metric-chunks.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5000' },
    queries: { type: 'string', default: '200' },
    db: { type: 'string' },
    uri: { type: 'string' },
    filter: { type: 'string', default: "metrics.acc > 0.5 and params.lr = '0.01'" },
    'order-by': { type: 'string', default: 'metrics.acc DESC' },
    shapes: { type: 'boolean', default: false },
    fill: { type: 'string' },
  },
});
const runs = Number(values.runs);
const viaStore = values.fill === undefined ? runs : Math.min(runs, Number(values.fill));
if (values.fill !== undefined && !uriIsPostgres(values.uri)) throw new Error('--fill needs --uri postgresql://...');
const queries = Number(values.queries);
const path = values.db ?? join(tmpdir(), `keel-search-bench-${runs}.db`);
const uri = values.uri ?? `sqlite:///${path}`;
const stores = await openStores(uri, {
  defaultArtifactRoot: join(tmpdir(), 'keel-search-bench-artifacts'),
});
const store = stores.tracking;
const fresh = (await store.searchExperiments({ filter: "name = 'search'" })).items.length === 0;

let experimentId: string;
if (fresh) {
  experimentId = await store.createExperiment({ name: 'search' });
  const lrs = ['0.001', '0.01', '0.1'];
  const optimizers = ['adam', 'sgd', 'rmsprop', 'adagrad'];
  const started = performance.now();
  // Eight runs at a time: a server's clients create runs concurrently too.
  let nextRun = 0;
  const createOne = async (i: number) => {
    const run = await store.createRun({ experiment_id: experimentId, run_name: `run-${i}`, start_time: Date.now() });
    const ts = Date.now();
    await store.logBatch(run.info.run_id, {
      params: [
        { key: 'lr', value: lrs[i % 3] as string },
        { key: 'batch_size', value: String(16 << (i % 4)) },
        { key: 'optimizer', value: optimizers[i % 4] as string },
        { key: 'depth', value: String(2 + (i % 7)) },
        { key: 'seed', value: String(i) },
      ],
      metrics: ['acc', 'loss', 'f1', 'precision', 'recall'].map((key) => ({
        key,
        value: Math.random(),
        timestamp: ts,
        step: 0,
      })),
      tags: [
        { key: 'team', value: `t${i % 5}` },
        { key: 'stage', value: i % 2 ? 'dev' : 'prod' },
        { key: 'bench', value: 'search' },
      ],
    });
    if ((i + 1) % 10_000 === 0) console.error(`created ${i + 1} runs`);
  };
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (nextRun < viaStore) await createOne(nextRun++);
    }),
  );
  if (viaStore < runs) await fill(uri, experimentId, viaStore, runs);
  console.error(`setup: ${runs} runs in ${((performance.now() - started) / 1000).toFixed(1)} s`);
} else {
  experimentId = (await store.getExperimentByName('search')).experiment_id;
}

function uriIsPostgres(value: string | undefined): boolean {
  return value !== undefined && /^postgres(ql)?:/.test(value);
}

/**
 * Inserts runs `from`..`to`-1 in batches of 5,000 with the rows the store writes for the runs
 * above (run row, `mlflow.runName` tag, 5 params, 5 latest metrics and their 1-point chunks,
 * 3 tags), each table in one `unnest` statement per batch.
 */
async function fill(target: string, experiment: string, from: number, to: number): Promise<void> {
  const database = await openSqlDatabase(target, process.cwd());
  const db = database.db;
  const started = performance.now();
  const lrs = ['0.001', '0.01', '0.1'];
  const optimizers = ['adam', 'sgd', 'rmsprop', 'adagrad'];
  const metricKeys = ['acc', 'loss', 'f1', 'precision', 'recall'];
  const root = join(tmpdir(), 'keel-search-bench-artifacts', experiment);
  for (let first = from; first < to; first += 5000) {
    const ids: string[] = [];
    const starts: number[] = [];
    const names: string[] = [];
    const kv = { run: [] as string[], key: [] as string[], value: [] as string[] };
    const tags = { run: [] as string[], key: [] as string[], value: [] as string[] };
    const metrics = { run: [] as string[], key: [] as string[], ts: [] as number[], value: [] as number[] };
    const chunks: Buffer[] = [];
    const now = Date.now();
    for (let i = first; i < Math.min(to, first + 5000); i++) {
      const id = `${now.toString(16).padStart(12, '0')}${i.toString(16).padStart(20, '0')}`;
      ids.push(id);
      starts.push(now + i);
      names.push(`run-${i}`);
      const params: [string, string][] = [
        ['lr', lrs[i % 3] as string],
        ['batch_size', String(16 << (i % 4))],
        ['optimizer', optimizers[i % 4] as string],
        ['depth', String(2 + (i % 7))],
        ['seed', String(i)],
      ];
      for (const [key, value] of params) {
        kv.run.push(id);
        kv.key.push(key);
        kv.value.push(value);
      }
      const runTags: [string, string][] = [
        ['mlflow.runName', `run-${i}`],
        ['team', `t${i % 5}`],
        ['stage', i % 2 ? 'dev' : 'prod'],
        ['bench', 'search'],
      ];
      for (const [key, value] of runTags) {
        tags.run.push(id);
        tags.key.push(key);
        tags.value.push(value);
      }
      for (const key of metricKeys) {
        const value = Math.random();
        metrics.run.push(id);
        metrics.key.push(key);
        metrics.ts.push(now);
        metrics.value.push(value);
        const one = (x: number) => Float64Array.of(x);
        chunks.push(encodeChunk({ timestamps: one(now), steps: one(0), values: one(value), length: 1 }));
      }
    }
    await sql`insert into runs (run_uuid, experiment_id, name, user_id, status, start_time, lifecycle_stage, artifact_uri)
      select id, ${Number(experiment)}, name, '', 'RUNNING', start, 'active', ${root} || '/' || id || '/artifacts'
      from unnest(${ids}::text[], ${names}::text[], ${starts}::bigint[]) as u(id, name, start)`.execute(db);
    await sql`insert into params (run_uuid, key, value) select * from unnest(${kv.run}::text[], ${kv.key}::text[], ${kv.value}::text[])`.execute(
      db,
    );
    await sql`insert into tags (run_uuid, key, value) select * from unnest(${tags.run}::text[], ${tags.key}::text[], ${tags.value}::text[])`.execute(
      db,
    );
    await sql`insert into latest_metrics (run_uuid, key, timestamp, step, value, is_nan)
      select run, key, ts, 0, value, 0
      from unnest(${metrics.run}::text[], ${metrics.key}::text[], ${metrics.ts}::bigint[], ${metrics.value}::double precision[]) as u(run, key, ts, value)`.execute(
      db,
    );
    await sql`insert into metric_chunks (run_uuid, key, point_count, min_step, max_step, data)
      select run, key, 1, 0, 0, data from unnest(${metrics.run}::text[], ${metrics.key}::text[], ${chunks}::bytea[]) as u(run, key, data)`.execute(
      db,
    );
    console.error(`filled ${Math.min(to, first + 5000)} runs`);
  }
  await sql`analyze`.execute(db);
  await database.close();
  console.error(`fill: ${to - from} runs in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

async function measure(label: string, input: Parameters<typeof store.searchRuns>[0], count = queries): Promise<void> {
  let returned = 0;
  for (let i = 0; i < 5; i++) await store.searchRuns(input);
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    const c = process.cpuUsage();
    returned = (await store.searchRuns(input)).items.length;
    const used = process.cpuUsage(c);
    wall.push(performance.now() - t);
    cpu.push((used.user + used.system) / 1000);
  }
  const at = (list: number[], q: number) =>
    ([...list].sort((a, b) => a - b)[Math.min(list.length - 1, Math.floor(q * list.length))] ?? 0).toFixed(2);
  console.log(
    `${label}: returned ${returned}, wall p50 ${at(wall, 0.5)} ms, p95 ${at(wall, 0.95)} ms; ` +
      `cpu p50 ${at(cpu, 0.5)} ms, p95 ${at(cpu, 0.95)} ms`,
  );
}

console.log(
  `load average ${(await import('node:os'))
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
await measure(`filtered+ordered (${runs} runs, max_results 100)`, {
  experiment_ids: [experimentId],
  filter: values.filter,
  order_by: [values['order-by'] as string],
  max_results: 100,
});
if (values.shapes) {
  const shapes: [string, string | undefined, string[]][] = [
    ['metric order only', undefined, ['metrics.acc DESC']],
    ['param order only (4 values: big ties)', undefined, ['params.optimizer ASC']],
    ['selective param, default order', "params.seed = '4242'", []],
    ['selective param, metric order', "params.seed = '4242'", ['metrics.acc DESC']],
    ['broad param, default order', "params.lr = '0.01'", []],
    ['tag LIKE, default order', "tags.team LIKE 't1%'", []],
    ['narrow metric range, other metric order', 'metrics.acc > 0.999', ['metrics.loss ASC']],
    ["UI text search (run_name ILIKE '%...%')", "attributes.run_name ILIKE '%4242%'", []],
  ];
  for (const [label, filter, order_by] of shapes) {
    await measure(
      label,
      { experiment_ids: [experimentId], ...(filter ? { filter } : {}), order_by, max_results: 100 },
      30,
    );
  }
}
await measure(
  `unfiltered page (${runs} runs, max_results 1000)`,
  { experiment_ids: [experimentId], max_results: 1000 },
  30,
);
await stores.close();
