/**
 * Model serving and batch scoring benchmark.
 *
 * Serving: the same small Node load generator (keep-alive HTTP, N concurrent request loops) hits,
 * one after the other in the same run, (1) a do-nothing Node HTTP server answering a fixed JSON
 * body, (2) `keel models serve` on a small ONNX classifier, (3) on a js_function model, and
 * (4) on a scikit-learn model through the Python worker (latency at concurrency 1, with the
 * model's own predict time from the `Server-Timing` header). Each server runs in its own process.
 *
 * Batch: `keel models predict` on a CSV of N rows (4 float columns) with the ONNX classifier,
 * timed with its peak RSS (also at a tenth of the rows, to show memory stays flat).
 *
 * Usage: npm run bench:models [-- --seconds 3 --rounds 5 --concurrency 8 --rows 1000000 --only serve|predict]
 * Needs the built CLI (npm run build) and, for the Python case, /usr/bin/python3 with scikit-learn
 * (KEEL_TEST_PYTHON to use another interpreter).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { TEST_PYTHON, writeJsModelDir, writeOnnxModelDir, writeSklearnModelDir } from '@keel/platform/testing';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '1' },
    concurrency: { type: 'string', default: '8' },
    rows: { type: 'string', default: '1000000' },
    only: { type: 'string' },
  },
});
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
const WARMUP = Number(values.warmup);
const CONCURRENCY = Number(values.concurrency);
const ROWS = Number(values.rows);
const KEEL = resolve(import.meta.dirname, '../packages/platform/bin/keel.js');

interface Target {
  url: string;
  child: ChildProcess;
}

/** Starts a child process and resolves with the URL it prints. */
function startProcess(args: readonly string[]): Promise<Target> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let started = false;
    const onData = (chunk: Buffer) => {
      // Only the start-up banner is read; later output (logs) is drained and dropped.
      if (started) return;
      output += chunk;
      const match = /listening on (http:\/\/[^\s]+)/.exec(output);
      if (match) {
        started = true;
        resolvePromise({ url: match[1] as string, child });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${output}`)));
  });
}

const BASELINE = `
const http = require('node:http');
const body = '{"predictions":{"label":[0],"probabilities":[[0.75,0.21,0.03]]}}';
const server = http.createServer({ keepAliveTimeout: 65000 }, (req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.listen(0, '127.0.0.1', () => console.log('listening on http://127.0.0.1:' + server.address().port));
`;

/** CPU time (user + system) a process has used, in ms, from /proc (clock ticks of 10 ms). */
function cpuMs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

/** CPU time of a process and all its descendants (the scoring server and its Python worker). */
function treeCpuMs(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  let total = cpuMs(pid);
  let children: string[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  } catch {
    children = [];
  }
  for (const child of children) total += treeCpuMs(Number(child));
  return total;
}

interface LoadResult {
  readonly requests: number;
  /** Server CPU per request, in µs: robust to other load on the machine, unlike req/s. */
  cpuUs?: number;
  readonly rps: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly errors: number;
  readonly modelP50?: number;
  /** CPU the server spent during the warm-up (excluded from `cpuUs`). */
  readonly warmCpuMs?: number;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** Runs `concurrency` request loops against `url` for `seconds` (after a warm-up) and measures. */
async function load(
  url: string,
  body: string,
  concurrency: number,
  seconds: number,
  serverCpu: () => number = () => 0,
): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const target = new URL(`${url}/invocations`);
  const payload = Buffer.from(body);
  const send = () =>
    new Promise<{ ms: number; status: number; model?: number }>((resolvePromise, reject) => {
      const started = performance.now();
      const req = request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': payload.length },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            const timing = String(res.headers['server-timing'] ?? '');
            const model = /model;dur=([\d.]+)/.exec(timing);
            resolvePromise({
              ms: performance.now() - started,
              status: res.statusCode ?? 0,
              ...(model ? { model: Number(model[1]) } : {}),
            });
          });
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  const run = async (until: number, record: boolean, out: { ms: number[]; model: number[]; errors: number }) => {
    while (performance.now() < until) {
      const r = await send();
      if (!record) continue;
      if (r.status !== 200) out.errors++;
      out.ms.push(r.ms);
      if (r.model !== undefined) out.model.push(r.model);
    }
  };
  const warm = { ms: [], model: [], errors: 0 };
  const warmUntil = performance.now() + WARMUP * 1000;
  const warmCpu = serverCpu();
  await Promise.all(Array.from({ length: concurrency }, () => run(warmUntil, false, warm)));
  const warmCpuMs = serverCpu() - warmCpu;
  const out = { ms: [] as number[], model: [] as number[], errors: 0 };
  const start = performance.now();
  const until = start + seconds * 1000;
  await Promise.all(Array.from({ length: concurrency }, () => run(until, true, out)));
  const elapsed = (performance.now() - start) / 1000;
  agent.destroy();
  const sorted = [...out.ms].sort((a, b) => a - b);
  const model = [...out.model].sort((a, b) => a - b);
  return {
    requests: out.ms.length,
    rps: Math.round(out.ms.length / elapsed),
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    errors: out.errors,
    warmCpuMs,
    ...(model.length > 0 ? { modelP50: percentile(model, 50) } : {}),
  };
}

async function stop(target: Target): Promise<void> {
  target.child.kill('SIGTERM');
  if (target.child.exitCode === null) await once(target.child, 'exit');
}

const ms = (v: number) => `${v.toFixed(3)} ms`;

async function benchServe(dir: string): Promise<void> {
  const onnx = writeOnnxModelDir(join(dir, 'onnx'));
  const js = writeJsModelDir(join(dir, 'js'));
  const onnxBody = '{"inputs": [[5.1, 3.5, 1.4, 0.2]]}';
  const jsBody = '{"dataframe_split": {"columns": ["x1", "x2"], "data": [[1, 2]]}}';
  const cases: { name: string; args: string[]; body: string }[] = [
    { name: 'do-nothing node:http', args: ['-e', BASELINE], body: onnxBody },
    { name: 'keel models serve (onnx)', args: [KEEL, 'models', 'serve', '-m', onnx, '-p', '0'], body: onnxBody },
    { name: 'keel models serve (js_function)', args: [KEEL, 'models', 'serve', '-m', js, '-p', '0'], body: jsBody },
  ];
  // All servers run at once (idle when not measured) and are measured in turns, round after
  // round, so that a load spike on a shared machine hits every target alike; medians are reported.
  const targets = await Promise.all(cases.map((c) => startProcess(c.args)));
  const rounds: Record<string, LoadResult[]> = Object.fromEntries(cases.map((c) => [c.name, []]));
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, c] of cases.entries()) {
        const target = targets[i] as Target;
        const cpuBefore = cpuMs(target.child.pid);
        const result = await load(target.url, c.body, CONCURRENCY, SECONDS, () => cpuMs(target.child.pid));
        result.cpuUs = ((cpuMs(target.child.pid) - cpuBefore - (result.warmCpuMs ?? 0)) * 1000) / result.requests;
        (rounds[c.name] as LoadResult[]).push(result);
      }
    }
  } finally {
    await Promise.all(targets.map(stop));
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
  const base = median((rounds['do-nothing node:http'] as LoadResult[]).map((r) => r.rps));
  console.log(
    `\nSingle-row /invocations, concurrency ${CONCURRENCY}: ${ROUNDS} rounds of ${SECONDS} s per target, in turns (medians):`,
  );
  for (const c of cases) {
    const results = rounds[c.name] as LoadResult[];
    const rps = median(results.map((r) => r.rps));
    const ratio = c.name === 'do-nothing node:http' ? '' : `  ${Math.round((rps / base) * 100)}% of baseline`;
    const errors = results.reduce((n, r) => n + r.errors, 0);
    const cpu = median(results.map((r) => r.cpuUs ?? Number.NaN));
    console.log(
      `  ${c.name.padEnd(34)} ${String(rps).padStart(6)} req/s  p50 ${ms(median(results.map((r) => r.p50)))}  p90 ${ms(median(results.map((r) => r.p90)))}  p99 ${ms(median(results.map((r) => r.p99)))}  server CPU ${cpu.toFixed(0)} µs/request  errors ${errors}${ratio}`,
    );
  }

  const sklearn = writeSklearnModelDir(join(dir, 'sklearn'), { python: TEST_PYTHON });
  const target = await startProcess([KEEL, 'models', 'serve', '-m', sklearn.dir, '-p', '0', '--python', TEST_PYTHON]);
  try {
    const body = JSON.stringify({
      dataframe_split: {
        columns: ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'],
        data: [sklearn.rows[0]],
      },
    });
    const cpuBefore = treeCpuMs(target.child.pid);
    const r = await load(target.url, body, 1, SECONDS * ROUNDS, () => treeCpuMs(target.child.pid));
    const cpuUs = ((treeCpuMs(target.child.pid) - cpuBefore - (r.warmCpuMs ?? 0)) * 1000) / r.requests;
    const model = r.modelP50 ?? Number.NaN;
    console.log(
      `\nPython worker (scikit-learn LogisticRegression, concurrency 1): ${r.rps} req/s, request p50 ${ms(r.p50)}, model predict p50 ${ms(model)}, added by Keel ${ms(r.p50 - model)} (wall); server + worker CPU ${ms(cpuUs / 1000)}/request, of which outside predict ${ms(cpuUs / 1000 - model)}  errors ${r.errors}`,
    );
  } finally {
    await stop(target);
  }
}

/** Runs `keel models predict` under /usr/bin/time; returns wall and CPU seconds and peak RSS. */
function timePredict(
  model: string,
  input: string,
  output: string,
): Promise<{ seconds: number; cpuSeconds: number; rssMb: number }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      '/usr/bin/time',
      [
        '-f',
        '%e %U %S %M',
        process.execPath,
        KEEL,
        'models',
        'predict',
        '-m',
        model,
        '-i',
        input,
        '-o',
        output,
        '--no-progress',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let err = '';
    child.stderr.on('data', (c) => {
      err += c;
    });
    child.on('exit', (code) => {
      const match = /([\d.]+) ([\d.]+) ([\d.]+) (\d+)\s*$/.exec(err.trim());
      if (code !== 0 || !match) reject(new Error(`predict failed (${code}): ${err}`));
      else
        resolvePromise({
          seconds: Number(match[1]),
          cpuSeconds: Number(match[2]) + Number(match[3]),
          rssMb: Math.round(Number(match[4]) / 1024),
        });
    });
  });
}

async function writeCsv(path: string, rows: number): Promise<void> {
  const out = createWriteStream(path);
  out.write('sepal_length,sepal_width,petal_length,petal_width\n');
  let chunk = '';
  for (let i = 0; i < rows; i++) {
    chunk += `${(4 + (i % 40) / 10).toFixed(1)},${(2 + (i % 23) / 10).toFixed(1)},${(1 + (i % 59) / 10).toFixed(1)},${((i % 25) / 10).toFixed(1)}\n`;
    if (chunk.length > 1 << 16) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}

async function benchPredict(dir: string): Promise<void> {
  const model = writeOnnxModelDir(join(dir, 'onnx-columns'), { signature: 'columns' });
  console.log(`\nkeel models predict, ONNX classifier, CSV of 4 float columns -> JSON:`);
  for (const rows of [Math.round(ROWS / 10), ROWS]) {
    const csv = join(dir, `rows-${rows}.csv`);
    await writeCsv(csv, rows);
    const out = join(dir, `out-${rows}.json`);
    const { seconds, cpuSeconds, rssMb } = await timePredict(model, csv, out);
    console.log(
      `  ${rows.toLocaleString('en-US').padStart(10)} rows (${Math.round(statSync(csv).size / 1e6)} MB): ${seconds.toFixed(2)} s wall (${cpuSeconds.toFixed(2)} s CPU), ${Math.round(rows / seconds).toLocaleString('en-US')} rows/s, peak RSS ${rssMb} MB`,
    );
    rmSync(out, { force: true });
    rmSync(csv, { force: true });
  }
}

const dir = mkdtempSync(join(tmpdir(), 'keel-models-bench-'));
try {
  if (values.only !== 'predict') await benchServe(dir);
  if (values.only !== 'serve') await benchPredict(dir);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
