import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { localStoreFile, resolveLocalStore } from './local-store-uri.js';

describe('local store URIs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keel-local-uri-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('maps sqlite URIs, database files and directories to the database file', () => {
    assert.equal(localStoreFile('sqlite:///x.db', dir), join(dir, 'x.db'));
    assert.equal(localStoreFile(`sqlite:///${join(dir, 'y.db')}`, '/elsewhere'), join(dir, 'y.db'));
    assert.equal(localStoreFile('runs.sqlite', dir), join(dir, 'runs.sqlite'));
    assert.equal(localStoreFile('keel-runs', dir), join(dir, 'keel-runs', 'mlflow.db'));
    assert.equal(localStoreFile('sqlite:///:memory:', dir), undefined);
    assert.equal(localStoreFile('postgresql://u@h/db', dir), undefined);
  });

  test("refuses MLflow's file store, naming the database URI to use", () => {
    const mlruns = join(dir, 'mlruns');
    mkdirSync(join(mlruns, '0'), { recursive: true });
    writeFileSync(join(mlruns, '0', 'meta.yaml'), 'name: Default\n');
    assert.throws(() => resolveLocalStore('mlruns', dir), {
      code: 'INVALID_PARAMETER_VALUE',
      message:
        /^'mlruns' is an MLflow file store\. .*use a SQLite file such as sqlite:\/\/\/mlflow\.db; .*mlflow migrate-filestore --source mlruns .*keel import-mlflow --from sqlite:\/\/\/mlflow-filestore\.db\.$/,
    });
    const trash = join(dir, 'other');
    mkdirSync(join(trash, '.trash'), { recursive: true });
    assert.throws(() => resolveLocalStore(`file://${trash}`, dir), /is an MLflow file store/);
  });
});
