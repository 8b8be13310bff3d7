/**
 * SDK benchmark: the fluent API logging 1,000,000 metric points (100 keys x 10,000 steps) to a
 * local Keel server, flush included, and the caller-side cost of one `logMetric` call.
 *
 * Usage: npm run bench:sdk [-- --keys 100 --steps 10000] [--keel-bin path | --in-process | --url URL | --sink]
 * By default a Keel server on a temporary SQLite file runs in a child process from the sources
 * (its own event loop and core); `--keel-bin packages/platform/bin/keel.js` runs the built
 * binary on a temporary store instead; `--in-process` shares this process with the server;
 * `--url` uses a server already running; `--sink` answers every request in-process without
 * storing anything, which measures the SDK alone (batching, JSON, transport).
 * Prints one JSON line with the figures on stdout.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createTracker, type Transport } from '@keel/client/node';

const { values } = parseArgs({
  options: {
    keys: { type: 'string', default: '100' },
    steps: { type: 'string', default: '10000' },
    'in-process': { type: 'boolean', default: false },
    'max-in-flight': { type: 'string', default: '2' },
    url: { type: 'string' },
    'keel-bin': { type: 'string' },
    sink: { type: 'boolean', default: false },
  },
});
const keys = Number(values.keys);
const steps = Number(values.steps);

interface Server {
  url: string;
  close(): Promise<void>;
}

async function startInProcess(): Promise<Server> {
  const { startTestServer } = await import('@keel/platform/testing');
  return startTestServer();
}

/**
 * Starts a Keel server in a child process on a temporary SQLite file: the `keel` binary when
 * given, else the sources through tsx. Resolves once it prints the URL it listens on.
 */
function startChild(bin: string | undefined): Promise<Server> {
  const dir = mkdtempSync(join(tmpdir(), 'keel-sdk-bench-'));
  const args =
    bin === undefined
      ? [
          '--conditions=keel-source',
          '--import',
          'tsx',
          '--input-type=module',
          '-e',
          `import { main } from '@keel/platform'; process.exitCode = await main(['node', 'keel', ...process.argv.slice(1)]);`,
        ]
      : [resolve(bin)];
  const child = spawn(
    process.execPath,
    [
      ...args,
      'server',
      '--port',
      '0',
      '--backend-store-uri',
      `sqlite:///${join(dir, 'mlflow.db')}`,
      '--artifacts-destination',
      join(dir, 'art'),
    ],
    // Sources resolve tsx and @keel/platform from the repository; the binary runs in the temporary directory.
    { cwd: bin === undefined ? process.cwd() : dir, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let err = '';
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${err}`)));
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      const url = /listening on (http:\/\/\S+)/.exec(err)?.[1];
      if (url === undefined) return;
      child.stderr.removeAllListeners('data');
      child.stderr.resume();
      child.removeAllListeners('exit');
      resolve({
        url,
        close: () =>
          new Promise<void>((done) => {
            child.on('exit', () => {
              rmSync(dir, { recursive: true, force: true });
              done();
            });
            child.kill('SIGTERM');
          }),
      });
    });
  });
}

/** A transport that accepts everything and stores nothing: the SDK's own cost. */
function sinkTransport(): Transport {
  const run = {
    info: {
      run_id: 'sink',
      run_uuid: 'sink',
      experiment_id: '1',
      status: 'RUNNING',
      start_time: 0,
      artifact_uri: '',
      lifecycle_stage: 'active',
    },
    data: {},
  };
  const answers: Record<string, unknown> = {
    '/api/2.0/mlflow/experiments/get-by-name': {
      experiment: { experiment_id: '1', name: 'sdk-bench', lifecycle_stage: 'active' },
    },
    '/api/2.0/mlflow/runs/create': { run },
    '/api/2.0/mlflow/runs/update': { run_info: run.info },
    '/api/2.0/mlflow/metrics/get-history': { metrics: Array.from({ length: steps }, () => ({})) },
  };
  return {
    uri: 'sink:',
    async request(request) {
      return { status: 200, headers: {}, body: JSON.stringify(answers[request.path] ?? {}) };
    },
  };
}

const mode = values.sink
  ? 'sink'
  : values.url !== undefined
    ? 'external'
    : values['in-process']
      ? 'in-process'
      : values['keel-bin'] !== undefined
        ? 'keel-bin'
        : 'child-process';
const server: Server =
  mode === 'sink' || mode === 'external'
    ? { url: values.url ?? 'sink:', close: async () => undefined }
    : mode === 'in-process'
      ? await startInProcess()
      : await startChild(values['keel-bin']);
const tracker = createTracker({
  trackingUri: server.url,
  env: {},
  handleExit: false,
  maxInFlightBatches: Number(values['max-in-flight']),
  ...(mode === 'sink' ? { transport: sinkTransport() } : {}),
});
await tracker.setExperiment('sdk-bench');
const run = await tracker.startRun({ runName: 'bench' });
const names = Array.from({ length: keys }, (_, k) => `metric_${k}`);

// Warm up the call path (JIT) on a separate run, delivered before timing starts.
const warm = await tracker.startRun({ runName: 'warmup', nested: true });
for (let i = 0; i < 20_000; i++) warm.logMetric(names[i % keys] as string, i, i);
await warm.end();

const started = performance.now();
for (let step = 0; step < steps; step++) {
  for (let k = 0; k < keys; k++) run.logMetric(names[k] as string, Math.sin(step + k), step);
}
const queued = performance.now();
await tracker.flush();
const flushed = performance.now();
await tracker.endRun();

const points = keys * steps;
const history = await tracker.client.getMetricHistory({ run_id: run.id, metric_key: 'metric_0' });
const result = {
  scenario: 'sdk-log-metric',
  server: mode === 'external' ? values.url : mode === 'keel-bin' ? values['keel-bin'] : mode,
  points,
  callerSeconds: Number(((queued - started) / 1000).toFixed(3)),
  microsecondsPerCall: Number((((queued - started) * 1000) / points).toFixed(3)),
  totalSeconds: Number(((flushed - started) / 1000).toFixed(3)),
  pointsPerSecond: Math.round(points / ((flushed - started) / 1000)),
  verifiedPointsForMetric0: history.metrics?.length ?? 0,
};
await tracker.close();
await server.close();
console.log(JSON.stringify(result));
if (result.verifiedPointsForMetric0 !== steps) process.exitCode = 1;
