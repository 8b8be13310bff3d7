// `keel server --workers N` on SQLite: the processes share the port and one database file
// (WAL, busy timeout, each process's group commit), so every acknowledged point is stored once
// and version numbers stay unique; Ctrl-C drains every worker.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type RunningServer, runKeel, startKeelServer } from '../support/cli.js';
import { createVersionsConcurrently, driveWriters, roundRobin } from '../support/round-robin.js';

describe('keel server --workers on SQLite', () => {
  let dir: string;
  let server: RunningServer;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'keel-workers-'));
    server = await startKeelServer(['--workers', '3', '--backend-store-uri', `sqlite:///${join(dir, 'keel.db')}`], {
      cwd: dir,
      timeoutMs: 60_000,
    });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('announces its worker processes on one port', async () => {
    assert.match(server.output(), /listening on http:\/\/127\.0\.0\.1:\d+ with 3 worker processes/);
  });

  it('stores every acknowledged point once under concurrent writers', async () => {
    const outcome = await driveWriters([server.url], {
      writers: 8,
      runsPerWriter: 5,
      pointsPerRun: 300,
      batchSize: 100,
    });
    assert.deepEqual(outcome.failures, []);
    const api = roundRobin([server.url]);
    for (const [runId, steps] of outcome.acknowledged) {
      const history = await api().get('/metrics/get-history', { run_id: runId, metric_key: 'loss' });
      assert.equal(history.status, 200, history.text);
      assert.deepEqual(
        history.json.metrics.map((m: { step: number }) => m.step),
        steps.sort((a, b) => a - b),
      );
    }
  });

  it('numbers model versions uniquely across the processes', async () => {
    const numbers = (await createVersionsConcurrently([server.url], 24)).sort((a, b) => a - b);
    assert.deepEqual(
      numbers,
      Array.from({ length: 24 }, (_, i) => i + 1),
    );
  });

  it('stops every worker on SIGINT', async () => {
    const code = await server.stop('SIGINT');
    assert.equal(code, 0, server.output());
    assert.match(server.output(), /Keel server stopped\./);
  });

  it('refuses several workers on an in-memory store, saying why', async () => {
    const result = await runKeel(
      ['server', '--port', '0', '--workers', '2', '--backend-store-uri', 'sqlite:///:memory:'],
      {
        cwd: dir,
      },
    );
    assert.equal(result.code, 1);
    assert.match(result.stderr, /--workers above 1 needs a database the processes can share/);
  });
});
