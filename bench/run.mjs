#!/usr/bin/env node
// Benchmarks Keel with the MLflow REST benchmark driver (bench/mlflow-bench.mjs): starts the
// built `keel` server on a fresh temporary store, measures the time to a healthy /health, runs
// the driver against it, reads the server's RSS at the end, and prints each figure beside
// MLflow 3.5's and Keel's target.
//
//   npm run build && npm run bench                      # full suite (a few minutes)
//   npm run bench -- --quick                            # smoke run
//   npm run bench -- -s search --runs 100000            # any driver flag is passed through
//   npm run bench -- --keep --out results.jsonl         # keep the store, write raw JSON lines
//   npm run bench -- --backend-store-uri postgresql://postgres@127.0.0.1:55432/keel_bench --workers 2
//                                                       # another store (an empty database) / N processes
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const bin = join(root, 'packages/platform/bin/keel.js');
const driver = join(root, 'bench/mlflow-bench.mjs');

const args = process.argv.slice(2);
const keep = args.includes('--keep');
/** Flags for the Keel server, not the driver: removed from `args` with their values. */
function takeServerFlag(name) {
  const at = args.indexOf(name);
  if (at < 0) return undefined;
  const [, value] = args.splice(at, 2);
  return value;
}
const storeUri = takeServerFlag('--backend-store-uri');
const workers = takeServerFlag('--workers');
const driverArgs = args.filter((a) => a !== '--keep');
let outFile;
const outIndex = driverArgs.indexOf('--out');
if (outIndex >= 0) outFile = driverArgs[outIndex + 1];

if (!existsSync(join(root, 'packages/platform/dist/cli/main.js'))) {
  console.error('Keel is not built: run `npm run build` first.');
  process.exit(1);
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

function rssMb(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
    return Math.round(kb / 102.4) / 10;
  } catch {
    return undefined;
  }
}

async function waitHealthy(url, deadline) {
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${url}/health`);
      if (res.ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  return false;
}

const dir = mkdtempSync(join(tmpdir(), 'keel-bench-'));
const port = await freePort();
const url = `http://127.0.0.1:${port}`;
const started = performance.now();
const server = spawn(
  process.execPath,
  [
    bin,
    'server',
    '--port',
    String(port),
    '--backend-store-uri',
    storeUri ?? `sqlite:///${join(dir, 'mlflow.db')}`,
    ...(workers === undefined ? [] : ['--workers', workers]),
    '--artifacts-destination',
    join(dir, 'mlartifacts'),
  ],
  { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] },
);
let serverLog = '';
server.stderr.on('data', (chunk) => {
  serverLog += chunk;
});
if (!(await waitHealthy(url, Date.now() + 30_000))) {
  console.error(`Keel did not become healthy:\n${serverLog}`);
  server.kill('SIGKILL');
  process.exit(1);
}
const startupMs = Math.round(performance.now() - started);
const idleRss = rssMb(server.pid);
console.error(
  `Keel healthy at ${url} after ${startupMs} ms (idle RSS ${idleRss} MB); store ${storeUri ?? `in ${dir}`}` +
    (workers === undefined ? '' : `, ${workers} worker processes`),
);

const tmpOut = outFile ?? join(dir, 'results.jsonl');
const runDriver = spawn(
  process.execPath,
  [driver, '--url', url, '--server-pid', String(server.pid), ...(outFile ? [] : ['--out', tmpOut]), ...driverArgs],
  { stdio: ['ignore', 'inherit', 'inherit'] },
);
const driverCode = await new Promise((r) => runDriver.on('exit', (code) => r(code ?? 1)));
const finalRss = rssMb(server.pid);
// V8 gives memory back once the process is idle; report both figures.
await new Promise((r) => setTimeout(r, 10_000));
const idleAfterRss = rssMb(server.pid);

server.kill('SIGTERM');
await new Promise((r) => server.on('exit', r));

const results = existsSync(tmpOut)
  ? readFileSync(tmpOut, 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line))
  : [];
const byScenario = Object.fromEntries(results.map((r) => [r.scenario, r]));
const fmt = (v, digits = 0) => (v === undefined || v === null ? 'n/a' : Number(v).toFixed(digits));
const rows = [
  ['log-metric req/s (C=8)', fmt(byScenario['log-metric']?.req_per_s), '~110', '>= 5,000'],
  ['log-metric p50 ms', fmt(byScenario['log-metric']?.latency_ms?.p50, 2), '~60', '<= 2'],
  ['log-batch metrics/s', fmt(byScenario['log-batch']?.metrics_per_s), '~7,000', '>= 250,000'],
  ['runs created/s (create + log-batch, C=8)', fmt(byScenario.search?.setup_runs_per_s), '~25', '>= 1,500'],
  [
    `run search p95 ms (filter + order, ${byScenario.search?.runs ?? '?'} runs)`,
    fmt(byScenario.search?.filtered_latency_ms?.p95, 2),
    '555 (5k runs)',
    '<= 5 (5k), <= 30 (100k)',
  ],
  ['100k-point history fetch ms', fmt(byScenario.history?.fetch_all_ms?.p50), '~6,500', '<= 150'],
  ['model versions created/s', fmt(byScenario.registry?.create_per_s), '~17', '>= 1,000'],
  ['version search p95 ms', fmt(byScenario.registry?.search_latency_ms?.p95, 2), '~24', '<= 5 (10k versions)'],
  ['artifact upload MiB/s', fmt(byScenario.artifacts?.upload_mib_per_s_p50), '~4', '>= 300'],
  ['artifact download MiB/s', fmt(byScenario.artifacts?.download_mib_per_s_p50), '~2', '>= 300'],
  ['server RSS right after the suite MB', fmt(finalRss), '~840', '<= 100'],
  ['server RSS 10 s after the suite MB', fmt(idleAfterRss), 'n/a', '<= 100'],
  ['start to healthy /health ms', fmt(startupMs), 'n/a', '<= 400'],
];
console.log('\n| figure | Keel | MLflow 3.5 | target |\n| --- | ---: | ---: | ---: |');
for (const row of rows) console.log(`| ${row.join(' | ')} |`);

if (!keep) rmSync(dir, { recursive: true, force: true });
process.exit(driverCode);
