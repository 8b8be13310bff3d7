// `--registry-store-uri` / MLFLOW_REGISTRY_STORE_URI: the model registry in a database of its own,
// as MLflow allows, while runs and experiments stay in the backend store.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { startKeelServer } from '../support/cli.js';
import { mlflowApi } from '../support/http.js';

/** Names of the registered models stored in a SQLite file. */
function registeredModelsIn(file: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('select name from registered_models order by name').all() as { name: string }[]).map(
      (r) => r.name,
    );
  } finally {
    db.close();
  }
}

function runsIn(file: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('select count(*) as n from runs').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('keel server with a separate registry store', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'keel-registry-store-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps registered models and versions in the registry store, runs in the backend store', async () => {
    const args = ['--backend-store-uri', 'sqlite:///tracking.db', '--registry-store-uri', 'sqlite:///registry.db'];
    const server = await startKeelServer(args, { cwd: dir });
    let runId: string;
    try {
      assert.match(server.output(), /registry store:\s+sqlite:\/\/\/registry\.db/);
      const api = mlflowApi(server.url);
      runId = (await api.post('/runs/create', { experiment_id: '0' })).json.run.info.run_id;
      assert.equal((await api.post('/registered-models/create', { name: 'churn' })).status, 200);
      // A version whose source is a run of the backend store: the stores work together.
      const version = await api.post('/model-versions/create', {
        name: 'churn',
        source: `runs:/${runId}/model`,
        run_id: runId,
      });
      assert.equal(version.status, 200, version.text);
      assert.equal(version.json.model_version.version, '1');
    } finally {
      assert.equal(await server.stop(), 0);
    }
    assert.deepEqual(registeredModelsIn(join(dir, 'registry.db')), ['churn']);
    assert.deepEqual(registeredModelsIn(join(dir, 'tracking.db')), []);
    assert.equal(runsIn(join(dir, 'tracking.db')), 1);
    assert.equal(runsIn(join(dir, 'registry.db')), 0);

    // After a restart the registry is read back from its own store.
    const again = await startKeelServer(args, { cwd: dir });
    try {
      const got = await mlflowApi(again.url).get('/model-versions/get', { name: 'churn', version: '1' });
      assert.equal(got.json.model_version.run_id, runId);
    } finally {
      await again.stop();
    }
  });

  it('reads MLFLOW_REGISTRY_STORE_URI, and a flag wins over it', async () => {
    const fromEnv = await startKeelServer(['--backend-store-uri', 'sqlite:///t2.db'], {
      cwd: dir,
      env: { MLFLOW_REGISTRY_STORE_URI: 'sqlite:///env-registry.db' },
    });
    try {
      await mlflowApi(fromEnv.url).post('/registered-models/create', { name: 'from-env' });
    } finally {
      await fromEnv.stop();
    }
    assert.deepEqual(registeredModelsIn(join(dir, 'env-registry.db')), ['from-env']);

    const fromFlag = await startKeelServer(
      ['--backend-store-uri', 'sqlite:///t2.db', '--registry-store-uri', 'sqlite:///flag-registry.db'],
      { cwd: dir, env: { MLFLOW_REGISTRY_STORE_URI: 'sqlite:///env-registry.db' } },
    );
    try {
      await mlflowApi(fromFlag.url).post('/registered-models/create', { name: 'from-flag' });
    } finally {
      await fromFlag.stop();
    }
    assert.deepEqual(registeredModelsIn(join(dir, 'flag-registry.db')), ['from-flag']);
    assert.deepEqual(registeredModelsIn(join(dir, 'env-registry.db')), ['from-env']);
  });

  it('shares the backend database when both URIs name the same file', async () => {
    const server = await startKeelServer(
      ['--backend-store-uri', 'sqlite:///same.db', '--registry-store-uri', `sqlite:///${join(dir, 'same.db')}`],
      { cwd: dir },
    );
    try {
      assert.equal((await mlflowApi(server.url).post('/registered-models/create', { name: 'shared' })).status, 200);
    } finally {
      await server.stop();
    }
    assert.deepEqual(registeredModelsIn(join(dir, 'same.db')), ['shared']);
  });

  it('refuses a registry store URI it cannot open, naming the setting', async () => {
    await assert.rejects(
      startKeelServer(['--registry-store-uri', 'mysql://db.example/registry'], { cwd: dir }),
      /Registry store URI: Unsupported backend store URI 'mysql:\/\/db\.example\/registry'/,
    );
  });
});
