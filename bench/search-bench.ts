// Store-level run search latency on SQLite or PostgreSQL, with the data shape of
// `mlflow-bench.mjs -s search` (5 params, 5 metrics, 3 tags per run). Usage:
//   node --conditions=keel-source --import tsx bench/search-bench.ts [--runs 5000] [--queries 200]
//        [--db /tmp/search-5k.db]   (reuses the file when it already holds the runs)
//        [--uri postgresql://postgres@127.0.0.1:55432/keel_bench]   (any store URI instead of --db)
//        [--shapes]                 (also times other filter/order shapes)
// Prints wall-clock and process CPU time per search (CPU time is less sensitive to a busy host).
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openStores } from '@keel/platform';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5000' },
    queries: { type: 'string', default: '200' },
    db: { type: 'string' },
    uri: { type: 'string' },
    filter: { type: 'string', default: "metrics.acc > 0.5 and params.lr = '0.01'" },
    'order-by': { type: 'string', default: 'metrics.acc DESC' },
    shapes: { type: 'boolean', default: false },
  },
});
const runs = Number(values.runs);
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
      while (nextRun < runs) await createOne(nextRun++);
    }),
  );
  console.error(`setup: ${runs} runs in ${((performance.now() - started) / 1000).toFixed(1)} s`);
} else {
  experimentId = (await store.getExperimentByName('search')).experiment_id;
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
