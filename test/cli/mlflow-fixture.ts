// An MLflow 3.x tracking database built from MLflow's documented schema (the SQLAlchemy models of
// mlflow/store/tracking/dbmodels and mlflow/store/model_registry/dbmodels, as MLflow creates them
// on SQLite), filled with a small but complete history, plus its artifact root on disk.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MLFLOW_SQL_SCHEMA } from '@keel/platform/testing';
import Database from 'better-sqlite3';

export const RUN_A = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
export const RUN_DELETED = 'b1b2c3d4e5f60718293a4b5c6d7e8f91';
export const RUN_LOCAL = 'c1b2c3d4e5f60718293a4b5c6d7e8f92';
export const RUN_GONE_EXPERIMENT = 'd1b2c3d4e5f60718293a4b5c6d7e8f93';
export const MODEL_ID = 'm-0123456789abcdef0123456789abcdef';
export const T0 = 1_700_000_000_000;

/** Writes the MLflow database at `file` and its artifact files below `artifactRoot`. */
export function buildMlflowStore(file: string, artifactRoot: string): void {
  const db = new Database(file);
  // MLflow runs SQLite without foreign-key enforcement (its input_tags key names a non-unique column).
  db.pragma('foreign_keys = OFF');
  db.exec(MLFLOW_SQL_SCHEMA);
  const run = (sql: string, ...values: unknown[]) => db.prepare(sql).run(...values);
  run('INSERT INTO alembic_version VALUES (?)', '1b5f0d9ad7c1');
  const experiment = (id: number, name: string, location: string, stage = 'active') =>
    run('INSERT INTO experiments VALUES (?, ?, ?, ?, ?, ?)', id, name, location, stage, T0 + id, T0 + id + 10);
  experiment(0, 'Default', join(artifactRoot, '0'));
  experiment(1, 'churn', 'mlflow-artifacts:/1');
  experiment(2, 'gone', 'mlflow-artifacts:/2', 'deleted');
  run('INSERT INTO experiment_tags VALUES (?, ?, ?)', 'team', 'growth', 1);
  run('INSERT INTO experiment_tags VALUES (?, ?, ?)', 'mlflow.note.content', 'Churn models', 1);

  const newRun = (
    id: string,
    experimentId: number,
    name: string | null,
    uri: string,
    stage = 'active',
    deleted: number | null = null,
  ) =>
    run(
      'INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      id,
      name,
      'LOCAL',
      'train.py',
      null,
      'alice',
      'FINISHED',
      T0 + 100,
      T0 + 200,
      deleted,
      null,
      stage,
      uri,
      experimentId,
    );
  newRun(RUN_A, 1, 'brave-owl', `mlflow-artifacts:/1/${RUN_A}/artifacts`);
  newRun(RUN_DELETED, 1, null, `mlflow-artifacts:/1/${RUN_DELETED}/artifacts`, 'deleted', T0 + 300);
  newRun(RUN_LOCAL, 0, 'local-run', join(artifactRoot, '0', RUN_LOCAL, 'artifacts'));
  newRun(RUN_GONE_EXPERIMENT, 2, 'orphan', `mlflow-artifacts:/2/${RUN_GONE_EXPERIMENT}/artifacts`, 'deleted', T0 + 400);
  for (const [key, value, id] of [
    ['mlflow.runName', 'brave-owl', RUN_A],
    ['mlflow.user', 'alice', RUN_A],
    ['mlflow.runName', 'quiet-fox', RUN_DELETED],
    ['mlflow.runName', 'local-run', RUN_LOCAL],
  ]) {
    run('INSERT INTO tags VALUES (?, ?, ?)', key, value, id);
  }
  run('INSERT INTO params VALUES (?, ?, ?)', 'lr', '0.01', RUN_A);
  run('INSERT INTO params VALUES (?, ?, ?)', 'depth', '6', RUN_A);
  // A full history: three points of loss (one NaN, stored by MLflow as 0 + is_nan) and one of acc.
  const point = (key: string, value: number, ts: number, step: number, isNan = 0) =>
    run('INSERT INTO metrics VALUES (?, ?, ?, ?, ?, ?)', key, value, ts, RUN_A, step, isNan);
  point('loss', 0.9, T0 + 110, 0);
  point('loss', 0.5, T0 + 120, 1);
  point('loss', 0, T0 + 130, 2, 1);
  point('acc', 0.75, T0 + 125, 1);
  run('INSERT INTO latest_metrics VALUES (?, ?, ?, ?, ?, ?)', 'loss', 0, T0 + 130, 2, 1, RUN_A);
  run('INSERT INTO latest_metrics VALUES (?, ?, ?, ?, ?, ?)', 'acc', 0.75, T0 + 125, 1, 0, RUN_A);
  run(
    'INSERT INTO datasets VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    'ds-uuid-1',
    1,
    'customers',
    'abc123',
    'local',
    '{"uri": "/data/customers.csv"}',
    '{"mlflow_colspec": []}',
    '{"num_rows": 10}',
  );
  run('INSERT INTO inputs VALUES (?, ?, ?, ?, ?, ?)', 'in-uuid-1', 'DATASET', 'ds-uuid-1', 'RUN', RUN_A, 0);
  run('INSERT INTO input_tags VALUES (?, ?, ?)', 'in-uuid-1', 'mlflow.data.context', 'training');
  run('INSERT INTO inputs VALUES (?, ?, ?, ?, ?, ?)', 'in-uuid-2', 'RUN_OUTPUT', RUN_A, 'MODEL_OUTPUT', MODEL_ID, 2);

  run(
    'INSERT INTO logged_models VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    MODEL_ID,
    1,
    'churn-clf',
    `mlflow-artifacts:/1/models/${MODEL_ID}/artifacts`,
    T0 + 150,
    T0 + 160,
    2,
    'active',
    'sklearn',
    RUN_A,
    null,
  );
  run('INSERT INTO logged_model_tags VALUES (?, ?, ?, ?)', MODEL_ID, 1, 'framework', 'sklearn');
  run('INSERT INTO logged_model_params VALUES (?, ?, ?, ?)', MODEL_ID, 1, 'depth', '6');
  run(
    'INSERT INTO logged_model_metrics VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    MODEL_ID,
    'auc',
    T0 + 170,
    2,
    0.91,
    1,
    RUN_A,
    'ds-uuid-1',
    'customers',
    'abc123',
  );

  run('INSERT INTO registered_models VALUES (?, ?, ?, ?)', 'churn-model', T0 + 500, T0 + 900, 'Predicts churn');
  run('INSERT INTO registered_model_tags VALUES (?, ?, ?)', 'owner', 'growth', 'churn-model');
  const version = (n: number, stage: string, source: string, runId: string | null) =>
    run(
      'INSERT INTO model_versions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      'churn-model',
      n,
      T0 + 500 + n,
      T0 + 600 + n,
      null,
      'alice',
      stage,
      source,
      source,
      runId,
      null,
      'READY',
      null,
    );
  version(1, 'Deleted_Internal', `runs:/${RUN_A}/model`, RUN_A);
  version(2, 'Production', `mlflow-artifacts:/1/${RUN_A}/artifacts/model`, RUN_A);
  version(3, 'None', `models:/${MODEL_ID}`, RUN_A);
  run('INSERT INTO model_version_tags VALUES (?, ?, ?, ?)', 'validated', 'true', 'churn-model', 2);
  run('INSERT INTO registered_model_aliases VALUES (?, ?, ?)', 'champion', 3, 'churn-model');
  db.close();

  const file1 = join(artifactRoot, '1', RUN_A, 'artifacts', 'model');
  mkdirSync(file1, { recursive: true });
  writeFileSync(join(file1, 'MLmodel'), 'flavors: {}\n');
  writeFileSync(join(file1, 'model.pkl'), Buffer.alloc(4096, 7));
  const modelDir = join(artifactRoot, '1', 'models', MODEL_ID, 'artifacts');
  mkdirSync(modelDir, { recursive: true });
  writeFileSync(join(modelDir, 'MLmodel'), 'artifact_path: model\n');
  const local = join(artifactRoot, '0', RUN_LOCAL, 'artifacts');
  mkdirSync(local, { recursive: true });
  writeFileSync(join(local, 'notes.txt'), 'local artifact');
}
