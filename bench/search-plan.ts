// Database-side time of the run-search page query (EXPLAIN ANALYZE), apart from network and
// scheduling: what the database itself spends on `filter` + `order_by` over a store built by
// bench/search-bench.ts. Usage:
//   node --conditions=keel-source --import tsx bench/search-plan.ts --uri postgresql://.../keel_bench \
//        [--filter "metrics.acc > 0.5 and params.lr = '0.01'"] [--order-by "metrics.acc DESC"] [--repeat 20]
import { parseArgs } from 'node:util';
import { CompiledQuery, type Kysely } from 'kysely';
import { parseRunFilter, parseRunOrderBy } from '../packages/platform/src/search/index.js';
import { openSqlDatabase } from '../packages/platform/src/store/sql/open-database.js';
import { selectiveCandidates } from '../packages/platform/src/store/sql/search/run-search-drivers.js';
import { searchScope, segmentPageQuery } from '../packages/platform/src/store/sql/search/run-search-ids.js';
import { planCandidates, planOrderedScan } from '../packages/platform/src/store/sql/search/run-search-plan.js';

const { values } = parseArgs({
  options: {
    uri: { type: 'string' },
    filter: { type: 'string', default: "metrics.acc > 0.5 and params.lr = '0.01'" },
    'order-by': { type: 'string', default: 'metrics.acc DESC' },
    repeat: { type: 'string', default: '20' },
  },
});
if (values.uri === undefined || !values.uri.startsWith('postgres'))
  throw new Error('--uri postgresql://... is required');
const database = await openSqlDatabase(values.uri, process.cwd());
const db = database.db as Kysely<unknown>;
const { rows: experiments } = await db.executeQuery<{ experiment_id: number }>(
  CompiledQuery.raw("select experiment_id from experiments where name = 'search'"),
);
const experimentId = experiments[0]?.experiment_id;
if (experimentId === undefined) throw new Error("no experiment named 'search': run bench/search-bench.ts first");
const clauses = parseRunFilter(values.filter);
const order = parseRunOrderBy([values['order-by'] as string]);
const candidates = await selectiveCandidates(db, clauses);
const [segment] =
  candidates === undefined
    ? planOrderedScan('postgres', clauses, order)
    : [planCandidates('postgres', clauses, order, candidates)];
if (segment === undefined) throw new Error('no plan');
const query = segmentPageQuery(searchScope([experimentId], ['active']), segment, 101, 0).compile(db);
const times: number[] = [];
let plan: string[] = [];
for (let i = 0; i < Number(values.repeat); i++) {
  const { rows } = await db.executeQuery<{ 'QUERY PLAN': string }>(
    CompiledQuery.raw(`explain (analyze, buffers) ${query.sql}`, [...query.parameters]),
  );
  plan = rows.map((r) => r['QUERY PLAN']);
  const line = plan.find((l) => l.startsWith('Execution Time'));
  times.push(Number(/([\d.]+) ms/.exec(line ?? '')?.[1]));
}
times.sort((a, b) => a - b);
console.log(plan.join('\n'));
console.log(
  `execution time over ${times.length} runs: p50 ${times[Math.floor(times.length / 2)]} ms, p95 ${times[Math.min(times.length - 1, Math.floor(times.length * 0.95))]} ms`,
);
await database.close();
