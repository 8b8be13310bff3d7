import { openStores } from '@keel/platform';

const stores = await openStores('postgresql://postgres@127.0.0.1:55711/keel_main', {
  defaultArtifactRoot: '/tmp/pgscale-art-x',
});
const s = stores.tracking;
const exp = await s.createExperiment({ name: `micro-${Date.now()}` });
const run = await s.createRun({ experiment_id: exp, start_time: Date.now() });
const B = 1000,
  K = 10;
let b = 0;
const batch = () => {
  const ts = Date.now();
  const metrics = new Array(B);
  for (let j = 0; j < B; j++)
    metrics[j] = { key: `k${j % K}`, value: Math.random(), timestamp: ts, step: b * 100 + Math.floor(j / K) };
  b++;
  return metrics;
};
for (let i = 0; i < 50; i++) await s.logBatch(run.info.run_id, { metrics: batch() });
const N = Number(process.argv[2] ?? 500);
const inputs = Array.from({ length: N }, batch);
const c = process.cpuUsage();
const t = performance.now();
for (let i = 0; i < N; i++) await s.logBatch(run.info.run_id, { metrics: inputs[i] });
const u = process.cpuUsage(c);
const w = performance.now() - t;
console.log(
  `store.logBatch: cpu ${((u.user + u.system) / N / 1000).toFixed(3)} ms/batch, wall ${(w / N).toFixed(3)} ms/batch, ${((N * B) / (w / 1000)).toFixed(0)} metrics/s`,
);
await stores.close();
