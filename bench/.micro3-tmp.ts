import { parseRunFilter, parseRunOrderBy } from '../packages/platform/src/search/index.js';
import { openSqlDatabase } from '../packages/platform/src/store/sql/open-database.js';
import { selectRunIds } from '../packages/platform/src/store/sql/search/run-search-ids.js';
import { loadRuns } from '../packages/platform/src/store/sql/tracking/run-loader.js';

const database = await openSqlDatabase<any>('postgresql://postgres@127.0.0.1:55711/keel_bench', process.cwd());
const db = database.db;
const clauses = parseRunFilter("metrics.acc > 0.5 and params.lr = '0.01'");
const order = parseRunOrderBy(['metrics.acc DESC']);
const q = { experimentIds: [1], stages: ['active'], clauses, order, offset: 0, limit: 100 };
const stat = (label: string, a: number[]) => {
  a.sort((x, y) => x - y);
  console.log(label.padEnd(12), 'p50', a[a.length >> 1].toFixed(2), 'p95', a[Math.floor(a.length * 0.95)].toFixed(2));
};
const N = 100;
const w1: number[] = [],
  c1: number[] = [],
  w2: number[] = [],
  c2: number[] = [];
let ids: string[] = [];
for (let i = 0; i < N + 10; i++) {
  let t = performance.now();
  let c = process.cpuUsage();
  ids = (await selectRunIds(db, 'postgres', q)).ids;
  let u = process.cpuUsage(c);
  if (i >= 10) {
    w1.push(performance.now() - t);
    c1.push((u.user + u.system) / 1000);
  }
  t = performance.now();
  c = process.cpuUsage();
  await loadRuns(db, ids, { dialect: 'postgres', modelInputs: false, outputs: true });
  u = process.cpuUsage(c);
  if (i >= 10) {
    w2.push(performance.now() - t);
    c2.push((u.user + u.system) / 1000);
  }
}
stat('ids wall', w1);
stat('ids cpu', c1);
stat('load wall', w2);
stat('load cpu', c2);
await database.close();
