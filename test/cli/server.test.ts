// `keel server`, `keel db upgrade` and the CLI's basics, through the real binary.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runKeel, startKeelServer } from '../support/cli.js';
import { mlflowApi } from '../support/http.js';

describe('keel server (binary)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'keel-cli-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('starts with defaults in the working directory, says where it listens, and stops cleanly on SIGTERM', async () => {
    const server = await startKeelServer([], { cwd: dir });
    assert.match(server.output(), /backend store:\s+sqlite:\/\/\/mlflow\.db/);
    assert.match(server.output(), /artifacts in:\s+.*mlartifacts/);
    const api = mlflowApi(server.url);
    const exp = (await api.post('/experiments/create', { name: 'durable' })).json.experiment_id;
    const run = (await api.post('/runs/create', { experiment_id: exp })).json.run.info.run_id;
    const writes = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        api.post('/runs/log-metric', { run_id: run, key: 'm', value: i, timestamp: i, step: i }),
      ),
    );
    assert.ok(writes.every((w) => w.status === 200));
    assert.equal(await server.stop('SIGTERM'), 0);
    assert.ok(existsSync(join(dir, 'mlflow.db')));

    // Every acknowledged write survived the restart.
    const again = await startKeelServer([], { cwd: dir });
    try {
      const history = await mlflowApi(again.url).get('/metrics/get-history', { run_id: run, metric_key: 'm' });
      assert.equal(history.json.metrics.length, 50);
    } finally {
      assert.equal(await again.stop('SIGINT'), 0);
    }
  });

  it('takes options from flags and MLflow environment variables', async () => {
    const server = await startKeelServer(['--backend-store-uri', `sqlite:///${join(dir, 'flags.db')}`], {
      cwd: dir,
      env: { MLFLOW_ARTIFACTS_DESTINATION: join(dir, 'env-artifacts') },
    });
    try {
      assert.match(server.output(), /flags\.db/);
      assert.match(server.output(), /env-artifacts/);
    } finally {
      await server.stop();
    }
  });

  it('applies migrations explicitly with db upgrade', async () => {
    const uri = `sqlite:///${join(dir, 'upgrade.db')}`;
    const first = await runKeel(['db', 'upgrade', uri]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /Applied \d+ migration/);
    const second = await runKeel(['db', 'upgrade', uri]);
    assert.match(second.stdout, /up to date/);
    // A bare path names the URI to give instead, and creates nothing.
    const path = await runKeel(['db', 'upgrade', './by-path.db'], { cwd: dir });
    assert.equal(path.code, 1);
    assert.match(path.stderr, /use keel db upgrade sqlite:\/\/\/\.\/by-path\.db/);
    assert.equal(existsSync(join(dir, 'by-path.db')), false);
  });

  it('explains itself with --help and fails with exit code 2 on usage errors', async () => {
    const help = await runKeel(['server', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--backend-store-uri/);
    assert.match(help.stdout, /Examples:/);
    assert.match(help.stdout, /--durability <mode>[\s\S]*KEEL_DURABILITY/);
    const badMode = await runKeel(['server', '--durability', 'sometimes']);
    assert.equal(badMode.code, 2);
    assert.match(badMode.stderr, /Allowed choices are durable, relaxed/);
    const bad = await runKeel(['server', '--no-such-flag']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown option/);
    const unknownScheme = await runKeel(['db', 'upgrade', 'oracle://x']);
    assert.equal(unknownScheme.code, 1);
    assert.match(unknownScheme.stderr, /Supported schemes: sqlite:\/\//);
    assert.doesNotMatch(unknownScheme.stderr, /at .*\.js:\d+/);
  });
});
