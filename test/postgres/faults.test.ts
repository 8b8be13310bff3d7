// PostgreSQL faults over real HTTP: a wrong URI fails at start with one clear line; a database
// that goes away gives clients a retryable 503 TEMPORARILY_UNAVAILABLE, a connection reset is
// retried inside the store, and the server recovers by itself when the database returns.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  createPostgresTestDatabase,
  startTestServer,
  type TestDatabase,
  type TestServer,
  testPostgresUrl,
} from '@keel/platform/testing';
import { runKeel } from '../support/cli.js';
import { mlflowApi } from '../support/http.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

function withPort(uri: string, port: number, changes: { user?: string; password?: string; path?: string } = {}) {
  const url = new URL(uri);
  url.port = String(port);
  if (changes.user !== undefined) url.username = changes.user;
  if (changes.password !== undefined) url.password = changes.password;
  if (changes.path !== undefined) url.pathname = changes.path;
  return url.href;
}

describe('PostgreSQL store faults', () => {
  it('a wrong URI, user or database fails at start with one clear line', async () => {
    const base = testPostgresUrl();
    const port = Number(new URL(base).port);
    const closed = await startTcpProxy('127.0.0.1', port);
    const closedPort = closed.port;
    await closed.close();
    const dir = mkdtempSync(join(tmpdir(), 'keel-pg-uri-'));
    try {
      const cases = [
        { uri: withPort(base, closedPort), reason: /connection refused/ },
        { uri: withPort(base, port, { user: 'nobody', password: 's3cret' }), reason: /authentication failed.*nobody/ },
        { uri: withPort(base, port, { path: '/no_such_database' }), reason: /no_such_database.*does not exist/ },
      ];
      for (const { uri, reason } of cases) {
        const result = await runKeel(['server', '--port', '0', '--backend-store-uri', uri], { cwd: dir });
        assert.equal(result.code, 1, result.stderr);
        const lines = result.stderr.trim().split('\n');
        assert.equal(lines.length, 1, result.stderr);
        assert.match(lines[0] as string, /^Error: Cannot connect to PostgreSQL at \S+:\d+\/\S+: /);
        assert.match(lines[0] as string, reason);
        assert.doesNotMatch(result.stderr, /s3cret/, 'the password is never printed');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('when the database goes away', () => {
    let database: TestDatabase;
    let proxy: TcpProxy;
    let keel: TestServer;
    let api: ReturnType<typeof mlflowApi>;
    let runId: string;

    before(async () => {
      database = await createPostgresTestDatabase();
      const target = new URL(database.uri);
      proxy = await startTcpProxy(target.hostname, Number(target.port));
      keel = await startTestServer({ backendStoreUri: withPort(database.uri, proxy.port), dbPoolSize: 4 });
      api = mlflowApi(keel.url);
      const experiment = (await api.post('/experiments/create', { name: 'faults' })).json.experiment_id;
      runId = (await api.post('/runs/create', { experiment_id: experiment })).json.run.info.run_id;
    });
    after(async () => {
      await keel.close();
      await proxy.close();
      await database.drop();
    });

    const logMetric = (step: number) =>
      api.post('/runs/log-metric', { run_id: runId, key: 'm', value: step, timestamp: 1000 + step, step });

    it('retries a reset connection inside the store: the client sees nothing', async () => {
      assert.equal((await logMetric(1)).status, 200);
      proxy.reset();
      const after = await logMetric(2);
      assert.equal(after.status, 200, after.text);
    });

    it('answers 503 TEMPORARILY_UNAVAILABLE while it is gone, for writes and reads', async () => {
      await proxy.down();
      const write = await logMetric(3);
      assert.equal(write.status, 503, write.text);
      assert.equal(write.json.error_code, 'TEMPORARILY_UNAVAILABLE');
      assert.doesNotMatch(write.text, /\n\s+at /, 'no stack trace');
      const read = await api.get('/runs/get', { run_id: runId });
      assert.equal(read.status, 503, read.text);
      assert.equal(read.json.error_code, 'TEMPORARILY_UNAVAILABLE');
    });

    it('recovers when the database returns, with nothing lost or invented', async () => {
      await proxy.up();
      assert.equal((await logMetric(4)).status, 200);
      const history = await api.get('/metrics/get-history', { run_id: runId, metric_key: 'm' });
      assert.equal(history.status, 200, history.text);
      assert.deepEqual(
        history.json.metrics.map((m: { step: number }) => m.step),
        [1, 2, 4],
      );
    });
  });
});
