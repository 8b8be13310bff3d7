// `keel server` with the options users paste from their `mlflow server` command lines: the ones
// that do not apply start with a one-line note, the ones that cannot work yet fail at start with
// a clear message, and --expose-prometheus serves metrics.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runKeel, startKeelServer } from '../support/cli.js';
import { mlflowApi } from '../support/http.js';

/** Runs `keel server ...` expecting it to refuse to start; returns its stderr. */
async function refusesToStart(args: string[], cwd: string, code: number, env: NodeJS.ProcessEnv = {}): Promise<string> {
  const result = await runKeel(['server', '--port', '0', ...args], { cwd, env, timeoutMs: 20_000 });
  assert.equal(result.code, code, `exit ${result.code}\n${result.stderr}`);
  assert.doesNotMatch(result.stderr, /listening on/);
  assert.doesNotMatch(result.stderr, /\n\s+at .+:\d+:\d+/, 'no stack trace');
  assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
  return result.stderr;
}

/** The first of `ports` nothing listens on (loopback). */
async function firstFreePort(ports: readonly number[]): Promise<number> {
  for (const port of ports) {
    const free = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(false));
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error(`all of ${ports.join(', ')} are in use`);
}

describe("keel server: MLflow's server flags", { concurrency: true }, () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'keel-server-flags-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('accepts the gunicorn/uvicorn/waitress options with a one-line note each, beside real -w workers', async () => {
    const cwd = mkdtempSync(join(dir, 'notes-'));
    const server = await startKeelServer(['-w', '2', '--gunicorn-opts', '--timeout 60'], { cwd });
    try {
      const notes = server
        .output()
        .split('\n')
        .filter((l) => l.includes('note:'));
      assert.deepEqual(notes, [
        '  note: --gunicorn-opts does not apply to Keel (it serves HTTP itself, in --workers N processes; no gunicorn, uvicorn or waitress); ignored',
      ]);
      assert.equal((await mlflowApi(server.url).post('/experiments/create', { name: 'w' })).status, 200);
    } finally {
      assert.equal(await server.stop(), 0);
    }
    const fromEnv = await startKeelServer([], {
      cwd,
      env: { MLFLOW_UVICORN_OPTS: '--log-level debug' },
    });
    try {
      assert.match(fromEnv.output(), /note: --uvicorn-opts does not apply to Keel/);
      assert.doesNotMatch(fromEnv.output(), /note: --workers/);
    } finally {
      await fromEnv.stop();
    }
    const stderr = await refusesToStart(['--uvicorn-opts', 'a', '--waitress-opts', 'b'], cwd, 2);
    assert.match(stderr, /^Error: Give only one of --gunicorn-opts, --uvicorn-opts and --waitress-opts\.$/m);
  });

  it("notes that browsers and fetch refuse a port on the Fetch standard's blocked list", async () => {
    const cwd = mkdtempSync(join(dir, 'blocked-port-'));
    const port = await firstFreePort([10080, 6566, 4190, 6679, 6000]);
    // The later --port wins over the helper's --port 0.
    const server = await startKeelServer(['--port', String(port)], { cwd });
    try {
      assert.match(
        server.output(),
        new RegExp(`note: browsers and fetch refuse port ${port} \\(one of the Fetch standard's blocked ports\\)`),
      );
    } finally {
      await server.stop();
    }
    const plain = await startKeelServer([], { cwd });
    try {
      assert.doesNotMatch(plain.output(), /blocked ports/);
    } finally {
      await plain.stop();
    }
  });

  it('refuses --app-name basic-auth: authentication is not available yet', async () => {
    const cwd = mkdtempSync(join(dir, 'auth-'));
    const stderr = await refusesToStart(['--app-name', 'basic-auth'], cwd, 1);
    assert.match(stderr, /^Error: --app-name basic-auth: authentication is not available yet in Keel\./);
    assert.deepEqual(readdirSync(cwd), [], 'nothing created');
    assert.match(await refusesToStart(['--app-name', 'other'], cwd, 2), /--app-name 'other' is not an app Keel knows/);
  });

  it("refuses MLflow's file store (a directory or file: URI) as the backend store, naming sqlite:///", async () => {
    const cwd = mkdtempSync(join(dir, 'filestore-'));
    for (const uri of ['./mlruns', `file://${join(cwd, 'mlruns')}`]) {
      const stderr = await refusesToStart(['--backend-store-uri', uri], cwd, 1);
      assert.match(
        stderr,
        new RegExp(
          `^Error: --backend-store-uri '${uri.replace(/[./]/g, '\\$&')}' is a path, which MLflow reads as its file store .*use --backend-store-uri sqlite:///mlflow\\.db`,
        ),
      );
      assert.match(
        stderr,
        new RegExp(`run keel import-mlflow --from ${uri.replace(/[./]/g, '\\$&')} --to sqlite:///mlflow\\.db`),
      );
    }
    assert.match(
      await refusesToStart([], cwd, 1, { MLFLOW_BACKEND_STORE_URI: 'runs.db' }),
      /use --backend-store-uri sqlite:\/\/\/runs\.db/,
    );
    assert.deepEqual(readdirSync(cwd), [], 'nothing created');
    // With no store named, an existing ./mlruns file store gets a note, and Keel uses sqlite:///mlflow.db.
    mkdirSync(join(cwd, 'mlruns', '0'), { recursive: true });
    writeFileSync(join(cwd, 'mlruns', '0', 'meta.yaml'), 'name: Default\n');
    const server = await startKeelServer([], { cwd });
    try {
      assert.match(server.output(), /note: \.\/mlruns holds an MLflow file store, which Keel does not read/);
      assert.match(server.output(), /keel import-mlflow --from \.\/mlruns/);
    } finally {
      await server.stop();
    }
  });

  it('fails at start, not at the first upload, for an artifact location with no repository', async () => {
    const cwd = mkdtempSync(join(dir, 'gs-'));
    assert.match(
      await refusesToStart(['--default-artifact-root', 'gs://bucket/keel', '--no-serve-artifacts'], cwd, 1),
      /^Error: --default-artifact-root 'gs:\/\/bucket\/keel' uses the scheme 'gs:', for which this Keel has no artifact repository; use a local path, file:, s3:, mlflow-artifacts:, http:, https:\.$/m,
    );
    assert.match(
      await refusesToStart(['--artifacts-destination', 'wasbs://c@acct.blob.core.windows.net/keel'], cwd, 1),
      /^Error: --artifacts-destination 'wasbs:\/\/c@acct\.blob\.core\.windows\.net\/keel' uses the scheme 'wasbs:', for which this Keel has no artifact repository; use a local path, file:, s3:\.$/m,
    );
    assert.deepEqual(readdirSync(cwd), [], 'no store opened');
  });

  it('serves Prometheus metrics with --expose-prometheus: requests per endpoint and store timings', async () => {
    const cwd = mkdtempSync(join(dir, 'prom-'));
    const server = await startKeelServer(['--expose-prometheus', join(cwd, 'prom')], { cwd });
    try {
      assert.match(server.output(), /metrics at:\s+http:\/\/127\.0\.0\.1:\d+\/metrics/);
      const api = mlflowApi(server.url);
      for (let i = 0; i < 3; i++) await api.post('/experiments/create', { name: `m${i}` });
      await api.get('/experiments/get', { experiment_id: '424242' });
      const response = await fetch(`${server.url}/metrics`);
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
      const text = await response.text();
      assert.match(
        text,
        /^keel_http_requests_total\{method="POST",route="\/api\/2\.0\/mlflow\/experiments\/create",status="200"\} 3$/m,
      );
      assert.match(
        text,
        /^keel_http_requests_total\{method="GET",route="\/api\/2\.0\/mlflow\/experiments\/get",status="404"\} 1$/m,
      );
      assert.match(
        text,
        /^keel_http_request_duration_seconds_count\{method="POST",route="\/api\/2\.0\/mlflow\/experiments\/create",status="200"\} 3$/m,
      );
      assert.match(
        text,
        /^keel_store_call_duration_seconds_count\{store="tracking",operation="createExperiment",outcome="ok"\} 3$/m,
      );
      assert.match(
        text,
        /^keel_store_call_duration_seconds_count\{store="tracking",operation="getExperiment",outcome="error"\} 1$/m,
      );
      assert.match(text, /^process_resident_memory_bytes \d+/m);
      assert.match(text, /^keel_build_info\{version="[^"]+",mlflow_version="[^"]+"\} 1$/m);
    } finally {
      await server.stop();
    }
    // Without the flag there is no /metrics route.
    const plain = await startKeelServer([], { cwd: mkdtempSync(join(dir, 'plain-')) });
    try {
      assert.equal((await fetch(`${plain.url}/metrics`)).status, 404);
    } finally {
      await plain.stop();
    }
  });
});
