// Several Keel processes on one PostgreSQL behave as one server: one `keel server --workers 2`
// and one plain `keel server`, driven through a round-robin client by 16 writers x 50 runs x
// 1,000 points. Every acknowledged point is stored exactly once, concurrent batches on one run
// never deadlock, and model version numbers stay unique across processes.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createPostgresTestDatabase, type TestDatabase } from '@keel/platform/testing';
import pg from 'pg';
import { type RunningServer, startKeelServer } from '../support/cli.js';
import { mlflowApi } from '../support/http.js';
import { createVersionsConcurrently, driveWriters, roundRobin } from '../support/round-robin.js';

describe('several Keel processes on one PostgreSQL', () => {
  let database: TestDatabase;
  let dir: string;
  let servers: RunningServer[];
  let urls: string[];

  before(async () => {
    database = await createPostgresTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'keel-several-'));
    const args = ['--backend-store-uri', database.uri, '--artifacts-destination', join(dir, 'artifacts')];
    // Started together: the migration lock lets one of them create the schema.
    servers = await Promise.all([
      startKeelServer([...args, '--workers', '2'], { cwd: dir, timeoutMs: 60_000 }),
      startKeelServer(args, { cwd: dir, timeoutMs: 60_000 }),
    ]);
    urls = servers.map((s) => s.url);
    assert.match(servers[0]?.output() ?? '', /with 2 worker processes/);
  });
  after(async () => {
    for (const server of servers ?? []) assert.equal(await server.stop('SIGTERM'), 0, server.output());
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores every acknowledged point exactly once (16 writers x 50 runs x 1,000 points)', async () => {
    const outcome = await driveWriters(urls, { writers: 16, runsPerWriter: 50, pointsPerRun: 1000, batchSize: 250 });
    assert.deepEqual(outcome.failures, []);
    assert.equal(outcome.acknowledged.size, 800);
    // Physically: the stored chunks of each run hold exactly its acknowledged points.
    const client = new pg.Client({ connectionString: database.uri });
    await client.connect();
    try {
      const { rows } = await client.query<{ run_uuid: string; points: string }>(
        `select c.run_uuid, sum(c.point_count) as points from metric_chunks c join runs r on r.run_uuid = c.run_uuid
          where r.experiment_id = $1 and c.key = 'loss' group by c.run_uuid`,
        [Number(outcome.experimentId)],
      );
      const stored = new Map(rows.map((r) => [r.run_uuid, Number(r.points)]));
      for (const [runId, steps] of outcome.acknowledged) assert.equal(stored.get(runId), steps.length, runId);
    } finally {
      await client.end();
    }
    // Through the API, from every server: each step once, with its value.
    const api = roundRobin(urls);
    for (const runId of [...outcome.acknowledged.keys()].filter((_, i) => i % 40 === 0)) {
      const history = await api().get('/metrics/get-history', { run_id: runId, metric_key: 'loss' });
      assert.equal(history.status, 200, history.text);
      const steps = history.json.metrics.map((m: { step: number }) => m.step);
      assert.deepEqual(
        steps,
        Array.from({ length: 1000 }, (_, i) => i),
      );
    }
  });

  it('never deadlocks concurrent batches on one run (same keys, params and tags)', async () => {
    const api = roundRobin(urls);
    const experiment = (await api().post('/experiments/create', { name: `one-run-${Date.now()}` })).json.experiment_id;
    const runId = (await api().post('/runs/create', { experiment_id: experiment })).json.run.info.run_id;
    const keys = Array.from({ length: 10 }, (_, k) => `k${k}`);
    const answers = await Promise.all(
      Array.from({ length: 32 }, (_, b) =>
        api().post('/runs/log-batch', {
          run_id: runId,
          // Each batch lists the keys in its own order; the store locks them in one order.
          metrics: keys.map((key, k) => ({
            key: keys[(k + b) % keys.length] ?? key,
            value: b,
            timestamp: 1000 + b,
            step: b,
          })),
          params: keys
            .map((key) => ({ key: `p-${key}`, value: 'same' }))
            .reverse()
            .slice(b % 3),
          tags: keys.map((key) => ({ key: `t-${key}`, value: `batch-${b}` })),
        }),
      ),
    );
    for (const answer of answers) assert.equal(answer.status, 200, answer.text);
    const run = (await mlflowApi(urls[1] as string).get('/runs/get', { run_id: runId })).json.run;
    const latest = Object.fromEntries(run.data.metrics.map((m: { key: string; value: number }) => [m.key, m.value]));
    for (const key of keys) assert.equal(latest[key], 31, `latest ${key}`);
    assert.equal(run.data.params.length, 10);
  });

  it('lets one of several concurrent batches set a param, refusing the others with MLflow error JSON', async () => {
    const api = roundRobin(urls);
    const experiment = (await api().post('/experiments/create', { name: `param-race-${Date.now()}` })).json
      .experiment_id;
    const runId = (await api().post('/runs/create', { experiment_id: experiment })).json.run.info.run_id;
    const answers = await Promise.all(
      Array.from({ length: 16 }, (_, b) =>
        api().post('/runs/log-batch', { run_id: runId, params: [{ key: 'lr', value: String(b) }] }),
      ),
    );
    const accepted = answers.filter((a) => a.status === 200);
    assert.equal(accepted.length, 1, answers.map((a) => a.text).join('\n'));
    for (const refused of answers.filter((a) => a.status !== 200)) {
      assert.equal(refused.status, 400, refused.text);
      assert.equal(refused.json.error_code, 'INVALID_PARAMETER_VALUE', refused.text);
    }
    const run = (await mlflowApi(urls[0] as string).get('/runs/get', { run_id: runId })).json.run;
    const stored = run.data.params.find((p: { key: string }) => p.key === 'lr')?.value;
    assert.equal(stored, String(answers.indexOf(accepted[0] as (typeof answers)[number])));
  });

  it('numbers model versions uniquely across processes', async () => {
    const numbers = (await createVersionsConcurrently(urls, 48)).sort((a, b) => a - b);
    assert.deepEqual(
      numbers,
      Array.from({ length: 48 }, (_, i) => i + 1),
    );
  });
});
