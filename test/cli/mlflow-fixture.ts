// An MLflow 3.x tracking database built from MLflow's documented schema (the SQLAlchemy models of
// mlflow/store/tracking/dbmodels and mlflow/store/model_registry/dbmodels, as MLflow creates them
// on SQLite), filled with a small but complete history, plus its artifact root on disk.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

const SCHEMA = `
CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num));
CREATE TABLE experiments (
  experiment_id INTEGER NOT NULL, name VARCHAR(256) NOT NULL, artifact_location VARCHAR(256),
  lifecycle_stage VARCHAR(32), creation_time BIGINT, last_update_time BIGINT,
  CONSTRAINT experiment_pk PRIMARY KEY (experiment_id), UNIQUE (name),
  CONSTRAINT experiments_lifecycle_stage CHECK (lifecycle_stage IN ('active', 'deleted')));
CREATE TABLE experiment_tags (
  key VARCHAR(250) NOT NULL, value VARCHAR(5000), experiment_id INTEGER NOT NULL,
  CONSTRAINT experiment_tag_pk PRIMARY KEY (key, experiment_id), FOREIGN KEY(experiment_id) REFERENCES experiments (experiment_id));
CREATE TABLE runs (
  run_uuid VARCHAR(32) NOT NULL, name VARCHAR(250), source_type VARCHAR(20), source_name VARCHAR(500),
  entry_point_name VARCHAR(50), user_id VARCHAR(256), status VARCHAR(9), start_time BIGINT, end_time BIGINT,
  deleted_time BIGINT, source_version VARCHAR(50), lifecycle_stage VARCHAR(20), artifact_uri VARCHAR(200),
  experiment_id INTEGER, CONSTRAINT run_pk PRIMARY KEY (run_uuid), FOREIGN KEY(experiment_id) REFERENCES experiments (experiment_id));
CREATE TABLE tags (key VARCHAR(250) NOT NULL, value VARCHAR(8000), run_uuid VARCHAR(32) NOT NULL,
  CONSTRAINT tag_pk PRIMARY KEY (key, run_uuid), FOREIGN KEY(run_uuid) REFERENCES runs (run_uuid));
CREATE TABLE params (key VARCHAR(250) NOT NULL, value VARCHAR(8000) NOT NULL, run_uuid VARCHAR(32) NOT NULL,
  CONSTRAINT param_pk PRIMARY KEY (key, run_uuid), FOREIGN KEY(run_uuid) REFERENCES runs (run_uuid));
CREATE TABLE metrics (key VARCHAR(250) NOT NULL, value FLOAT NOT NULL, timestamp BIGINT NOT NULL, run_uuid VARCHAR(32) NOT NULL,
  step BIGINT DEFAULT '0' NOT NULL, is_nan BOOLEAN DEFAULT '0' NOT NULL,
  CONSTRAINT metric_pk PRIMARY KEY (key, timestamp, step, run_uuid, value, is_nan), FOREIGN KEY(run_uuid) REFERENCES runs (run_uuid));
CREATE TABLE latest_metrics (key VARCHAR(250) NOT NULL, value FLOAT NOT NULL, timestamp BIGINT, step BIGINT NOT NULL,
  is_nan BOOLEAN NOT NULL, run_uuid VARCHAR(32) NOT NULL,
  CONSTRAINT latest_metric_pk PRIMARY KEY (key, run_uuid), FOREIGN KEY(run_uuid) REFERENCES runs (run_uuid));
CREATE TABLE datasets (dataset_uuid VARCHAR(36) NOT NULL, experiment_id INTEGER NOT NULL, name VARCHAR(500) NOT NULL,
  digest VARCHAR(36) NOT NULL, dataset_source_type VARCHAR(36) NOT NULL, dataset_source TEXT NOT NULL,
  dataset_schema TEXT, dataset_profile TEXT,
  CONSTRAINT dataset_pk PRIMARY KEY (experiment_id, name, digest), FOREIGN KEY(experiment_id) REFERENCES experiments (experiment_id) ON DELETE CASCADE);
CREATE TABLE inputs (input_uuid VARCHAR(36) NOT NULL, source_type VARCHAR(36) NOT NULL, source_id VARCHAR(36) NOT NULL,
  destination_type VARCHAR(36) NOT NULL, destination_id VARCHAR(36) NOT NULL, step BIGINT DEFAULT '0' NOT NULL,
  CONSTRAINT inputs_pk PRIMARY KEY (source_type, source_id, destination_type, destination_id));
CREATE TABLE input_tags (input_uuid VARCHAR(36) NOT NULL, name VARCHAR(255) NOT NULL, value VARCHAR(500) NOT NULL,
  CONSTRAINT input_tags_pk PRIMARY KEY (input_uuid, name), FOREIGN KEY(input_uuid) REFERENCES inputs (input_uuid));
CREATE TABLE logged_models (model_id VARCHAR(36) NOT NULL, experiment_id INTEGER NOT NULL, name VARCHAR(500) NOT NULL,
  artifact_location VARCHAR(1000) NOT NULL, creation_timestamp_ms BIGINT NOT NULL, last_updated_timestamp_ms BIGINT NOT NULL,
  status INTEGER NOT NULL, lifecycle_stage VARCHAR(32), model_type VARCHAR(500), source_run_id VARCHAR(32), status_message VARCHAR(1000),
  CONSTRAINT logged_models_pk PRIMARY KEY (model_id), FOREIGN KEY(experiment_id) REFERENCES experiments (experiment_id) ON DELETE CASCADE);
CREATE TABLE logged_model_metrics (model_id VARCHAR(36) NOT NULL, metric_name VARCHAR(500) NOT NULL, metric_timestamp_ms BIGINT NOT NULL,
  metric_step BIGINT NOT NULL, metric_value FLOAT, experiment_id INTEGER NOT NULL, run_id VARCHAR(32) NOT NULL,
  dataset_uuid VARCHAR(36), dataset_name VARCHAR(500), dataset_digest VARCHAR(36),
  CONSTRAINT logged_model_metrics_pk PRIMARY KEY (model_id, metric_name, metric_timestamp_ms, metric_step, run_id));
CREATE TABLE logged_model_params (model_id VARCHAR(36) NOT NULL, experiment_id INTEGER NOT NULL, param_key VARCHAR(255) NOT NULL,
  param_value TEXT NOT NULL, CONSTRAINT logged_model_params_pk PRIMARY KEY (model_id, param_key));
CREATE TABLE logged_model_tags (model_id VARCHAR(36) NOT NULL, experiment_id INTEGER NOT NULL, tag_key VARCHAR(255) NOT NULL,
  tag_value TEXT NOT NULL, CONSTRAINT logged_model_tags_pk PRIMARY KEY (model_id, tag_key));
CREATE TABLE registered_models (name VARCHAR(256) NOT NULL, creation_time BIGINT, last_updated_time BIGINT, description VARCHAR(5000),
  CONSTRAINT registered_model_pk PRIMARY KEY (name), UNIQUE (name));
CREATE TABLE model_versions (name VARCHAR(256) NOT NULL, version INTEGER NOT NULL, creation_time BIGINT, last_updated_time BIGINT,
  description VARCHAR(5000), user_id VARCHAR(256), current_stage VARCHAR(20), source VARCHAR(500), storage_location VARCHAR(500),
  run_id VARCHAR(32), run_link VARCHAR(500), status VARCHAR(20), status_message VARCHAR(500),
  CONSTRAINT model_version_pk PRIMARY KEY (name, version), FOREIGN KEY(name) REFERENCES registered_models (name) ON UPDATE cascade);
CREATE TABLE registered_model_tags (key VARCHAR(250) NOT NULL, value VARCHAR(5000), name VARCHAR(256) NOT NULL,
  CONSTRAINT registered_model_tag_pk PRIMARY KEY (key, name), FOREIGN KEY(name) REFERENCES registered_models (name) ON UPDATE cascade);
CREATE TABLE model_version_tags (key VARCHAR(250) NOT NULL, value TEXT, name VARCHAR(256) NOT NULL, version INTEGER NOT NULL,
  CONSTRAINT model_version_tag_pk PRIMARY KEY (key, name, version), FOREIGN KEY(name, version) REFERENCES model_versions (name, version) ON UPDATE cascade);
CREATE TABLE registered_model_aliases (alias VARCHAR(256) NOT NULL, version INTEGER NOT NULL, name VARCHAR(256) NOT NULL,
  CONSTRAINT registered_model_alias_pk PRIMARY KEY (name, alias),
  CONSTRAINT registered_model_alias_name_fkey FOREIGN KEY(name) REFERENCES registered_models (name) ON DELETE cascade ON UPDATE cascade);
`;

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
  db.exec(SCHEMA);
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
