import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redactStoreUri, resolveServerConfig } from './server-config.js';

describe('server configuration: scale-out options', () => {
  const resolve = (input: Parameters<typeof resolveServerConfig>[0], env: Record<string, string> = {}) =>
    resolveServerConfig(input, env, '/srv');

  it('runs one process with the driver’s pool size by default', () => {
    const config = resolve({});
    assert.equal(config.workers, 1);
    assert.equal(config.dbPoolSize, undefined);
  });

  it('reads MLFLOW_WORKERS and MLFLOW_SQLALCHEMYSTORE_POOL_SIZE; flags win', () => {
    const env = { MLFLOW_WORKERS: '3', MLFLOW_SQLALCHEMYSTORE_POOL_SIZE: '7' };
    assert.deepEqual((({ workers, dbPoolSize }) => ({ workers, dbPoolSize }))(resolve({}, env)), {
      workers: 3,
      dbPoolSize: 7,
    });
    assert.equal(resolve({ workers: 2, dbPoolSize: 4 }, env).workers, 2);
    assert.equal(resolve({ workers: 2, dbPoolSize: 4 }, env).dbPoolSize, 4);
  });

  it('refuses worker counts and pool sizes out of range', () => {
    for (const workers of [0, -1, 1.5, 257, Number.NaN]) {
      assert.throws(() => resolve({ workers }), /--workers must be an integer from 1 to 256/);
    }
    for (const dbPoolSize of [0, 1001, 2.5]) {
      assert.throws(() => resolve({ dbPoolSize }), /--db-pool-size must be an integer from 1 to 1000/);
    }
    assert.throws(() => resolve({}, { MLFLOW_WORKERS: 'many' }), /MLFLOW_WORKERS must be an integer/);
  });

  it('refuses several workers on an in-memory SQLite store, which one process owns', () => {
    for (const backendStoreUri of ['sqlite://', 'sqlite:///:memory:', 'sqlite://:memory:']) {
      assert.throws(() => resolve({ workers: 2, backendStoreUri }), /needs a database the processes can share/);
    }
    assert.equal(resolve({ workers: 2, backendStoreUri: 'sqlite:///keel.db' }).workers, 2);
    assert.equal(resolve({ workers: 1, backendStoreUri: 'sqlite:///:memory:' }).workers, 1);
  });

  it('masks the password of a store URI in messages', () => {
    assert.equal(redactStoreUri('postgresql://keel:s3cr%40t@db:5432/keel'), 'postgresql://keel:***@db:5432/keel');
    assert.equal(redactStoreUri('postgresql://keel@db/keel'), 'postgresql://keel@db/keel');
    assert.equal(redactStoreUri('sqlite:////data/keel.db'), 'sqlite:////data/keel.db');
  });
});
