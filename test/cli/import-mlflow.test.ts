// `keel import-mlflow` from an MLflow 3.x SQLite database built from MLflow's schema: what a Keel
// server then serves (IDs, names, timestamps, full metric histories, inputs, logged models, the
// registry, artifacts), resuming after an interruption, and the refusals.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '@keel/platform/testing';
import Database from 'better-sqlite3';
import { fails, json, keel, ok } from './helpers.js';
import {
  buildMlflowStore,
  MODEL_ID,
  RUN_A,
  RUN_DELETED,
  RUN_GONE_EXPERIMENT,
  RUN_LOCAL,
  T0,
} from './mlflow-fixture.js';

// biome-ignore lint/suspicious/noExplicitAny: JSON answers of the REST API
async function get(server: TestServer, path: string): Promise<any> {
  const response = await fetch(`${server.url}/api/2.0/mlflow/${path}`);
  const text = await response.text();
  assert.equal(response.status, 200, `${path}: ${text}`);
  return JSON.parse(text);
}

describe('keel import-mlflow', () => {
  let dir: string;
  let source: string;
  let root: string;
  let target: string;
  let destination: string;
  let args: string[];
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'keel-import-'));
    source = join(dir, 'mlflow.db');
    root = join(dir, 'mlartifacts');
    target = join(dir, 'keel', 'keel.db');
    destination = join(dir, 'keel', 'artifacts');
    buildMlflowStore(source, root);
    args = importArgs(target, destination);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** The import of the test's MLflow store into the Keel store `to`, its artifacts into `artifactsTo`. */
  const importArgs = (to: string, artifactsTo: string): string[] => [
    'import-mlflow',
    '--from',
    `sqlite:///${source}`,
    '--artifacts',
    root,
    '--to',
    `sqlite:///${to}`,
    '--artifacts-destination',
    artifactsTo,
  ];

  it('copies tracking data, the registry and artifacts, which a Keel server then serves', async () => {
    const result = await keel(args, { cwd: dir });
    const out = ok(result);
    assert.match(out, /experiments: +3 \(0 already there\)/);
    assert.match(out, /runs: +4 \(0 already there\)/);
    assert.match(out, /metric points: +4/);
    assert.match(out, /registered models: 1 \(0 already there\), 3 versions, 1 aliases/);
    assert.match(out, /artifact files: +4 copied/);
    assert.match(result.stderr, /Importing runs: 4\/4/);

    const server = await startTestServer({ backendStoreUri: `sqlite:///${target}`, artifactsDestination: destination });
    try {
      const { experiment } = await get(server, 'experiments/get?experiment_id=1');
      assert.equal(experiment.name, 'churn');
      assert.equal(experiment.artifact_location, 'mlflow-artifacts:/1');
      assert.equal(Number(experiment.creation_time), T0 + 1);
      assert.deepEqual(experiment.tags.map((t: { key: string }) => t.key).sort(), ['mlflow.note.content', 'team']);
      assert.equal((await get(server, 'experiments/get?experiment_id=2')).experiment.lifecycle_stage, 'deleted');
      // The Default experiment's local location under the MLflow root now points into Keel's storage.
      assert.equal(
        (await get(server, 'experiments/get?experiment_id=0')).experiment.artifact_location,
        'mlflow-artifacts:/0',
      );

      const { run } = await get(server, `runs/get?run_id=${RUN_A}`);
      assert.equal(run.info.run_name, 'brave-owl');
      assert.equal(run.info.user_id, 'alice');
      assert.equal(Number(run.info.start_time), T0 + 100);
      assert.equal(Number(run.info.end_time), T0 + 200);
      assert.equal(run.info.artifact_uri, `mlflow-artifacts:/1/${RUN_A}/artifacts`);
      assert.deepEqual(run.data.params.map((p: { key: string; value: string }) => `${p.key}=${p.value}`).sort(), [
        'depth=6',
        'lr=0.01',
      ]);
      const latest = Object.fromEntries(run.data.metrics.map((m: { key: string; value: unknown }) => [m.key, m.value]));
      assert.deepEqual(latest, { acc: 0.75, loss: 'NaN' });
      assert.equal(run.inputs.dataset_inputs[0].dataset.name, 'customers');
      assert.deepEqual(run.inputs.dataset_inputs[0].tags, [{ key: 'mlflow.data.context', value: 'training' }]);
      assert.deepEqual(run.outputs.model_outputs, [{ model_id: MODEL_ID, step: 2 }]);

      const history = await get(server, `metrics/get-history?run_id=${RUN_A}&metric_key=loss`);
      assert.deepEqual(
        history.metrics.map((m: { value: unknown; step: string; timestamp: string }) => [
          m.value,
          Number(m.step),
          Number(m.timestamp),
        ]),
        [
          [0.9, 0, T0 + 110],
          [0.5, 1, T0 + 120],
          ['NaN', 2, T0 + 130],
        ],
      );
      const deleted = await get(server, `runs/get?run_id=${RUN_DELETED}`);
      assert.equal(deleted.run.info.lifecycle_stage, 'deleted');
      assert.equal(deleted.run.info.run_name, 'quiet-fox');
      assert.equal((await get(server, `runs/get?run_id=${RUN_GONE_EXPERIMENT}`)).run.info.experiment_id, '2');

      // Artifacts: copied into Keel's destination, served through the proxy.
      const listed = await get(server, `artifacts/list?run_id=${RUN_A}&path=model`);
      assert.deepEqual(
        listed.files.map((f: { path: string }) => f.path),
        ['model/MLmodel', 'model/model.pkl'],
      );
      const local = await get(server, `runs/get?run_id=${RUN_LOCAL}`);
      assert.equal(local.run.info.artifact_uri, `mlflow-artifacts:/0/${RUN_LOCAL}/artifacts`);
      const notes = await fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts/0/${RUN_LOCAL}/artifacts/notes.txt`);
      assert.equal(await notes.text(), 'local artifact');

      const { model } = await get(server, `logged-models/${MODEL_ID}`);
      assert.equal(model.info.name, 'churn-clf');
      assert.equal(model.info.status, 'LOGGED_MODEL_READY');
      assert.equal(model.info.source_run_id, RUN_A);
      assert.deepEqual(model.info.tags, [{ key: 'framework', value: 'sklearn' }]);
      assert.deepEqual(model.data.params, [{ key: 'depth', value: '6' }]);
      assert.deepEqual(
        model.data.metrics.map((m: { key: string; value: number; dataset_name: string }) => [
          m.key,
          m.value,
          m.dataset_name,
        ]),
        [['auc', 0.91, 'customers']],
      );
      const modelFile = await fetch(
        `${server.url}/api/2.0/mlflow-artifacts/artifacts/1/models/${MODEL_ID}/artifacts/MLmodel`,
      );
      assert.equal(await modelFile.text(), 'artifact_path: model\n');

      // The registry: versions (the deleted one hidden), tags, the alias, numbering continues.
      const { registered_model } = await get(server, 'registered-models/get?name=churn-model');
      assert.equal(registered_model.description, 'Predicts churn');
      assert.equal(Number(registered_model.creation_timestamp), T0 + 500);
      assert.deepEqual(registered_model.aliases, [{ alias: 'champion', version: '3' }]);
      assert.deepEqual(registered_model.tags, [{ key: 'owner', value: 'growth' }]);
      const versions = await get(server, "model-versions/search?filter=name%3D'churn-model'");
      assert.deepEqual(versions.model_versions.map((v: { version: string }) => v.version).sort(), ['2', '3']);
      const v2 = await get(server, 'model-versions/get?name=churn-model&version=2');
      assert.equal(v2.model_version.current_stage, 'Production');
      assert.deepEqual(v2.model_version.tags, [{ key: 'validated', value: 'true' }]);
      const created = await fetch(`${server.url}/api/2.0/mlflow/model-versions/create`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'churn-model', source: `runs:/${RUN_A}/model`, run_id: RUN_A }),
      }).then((r) => r.json() as Promise<{ model_version: { version: string } }>);
      assert.equal(created.model_version.version, '4');
      // New experiments continue after the imported IDs.
      const fresh = await fetch(`${server.url}/api/2.0/mlflow/experiments/create`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'after-import' }),
      }).then((r) => r.json() as Promise<{ experiment_id: string }>);
      assert.equal(fresh.experiment_id, '3');
    } finally {
      await server.close();
    }
  });

  it('resumes: a second import copies nothing twice, and an interrupted one finishes the job', async () => {
    const again = json(await keel([...args, '--json'], { cwd: dir }));
    assert.equal(again.runs, 0);
    assert.equal(again.runsSkipped, 4);
    assert.equal(again.registeredModelsSkipped, 1);
    assert.equal(again.artifactFiles.files, 0);

    // As if the first import had stopped before run A: its rows and one of its files are missing.
    const db = new Database(target);
    db.pragma('foreign_keys = ON');
    db.prepare('DELETE FROM runs WHERE run_uuid = ?').run(RUN_A);
    db.close();
    rmSync(join(destination, '1', RUN_A, 'artifacts', 'model', 'model.pkl'));
    const resumed = json(await keel([...args, '--json'], { cwd: dir }));
    assert.equal(resumed.runs, 1);
    assert.equal(resumed.runsSkipped, 3);
    assert.equal(resumed.metricPoints, 4);
    assert.equal(resumed.artifactFiles.files, 1);
    assert.ok(existsSync(join(destination, '1', RUN_A, 'artifacts', 'model', 'model.pkl')));
    const check = new Database(target, { readonly: true });
    try {
      const points = check
        .prepare("select sum(point_count) as n from metric_chunks where run_uuid = ? and key = 'loss'")
        .get(RUN_A);
      assert.deepEqual(points, { n: 3 });
    } finally {
      check.close();
    }
  });

  it('refuses what it cannot import, with one clear line', async () => {
    fails(
      await keel(['import-mlflow', '--from', `sqlite:///${join(dir, 'none.db')}`], { cwd: dir }),
      1,
      /No MLflow database at/,
    );
    fails(
      await keel(['import-mlflow', '--from', `sqlite:///${source}`, '--to', `sqlite:///${source}`], { cwd: dir }),
      1,
      /is the MLflow database itself/,
    );
    fails(
      await keel(['import-mlflow', '--from', `sqlite:///${target}`, '--to', `sqlite:///${join(dir, 'x.db')}`], {
        cwd: dir,
      }),
      1,
      /is a Keel store/,
    );
    fails(
      await keel(['import-mlflow', '--from', 'mysql://h/db'], { cwd: dir }),
      1,
      /Unsupported MLflow backend store URI/,
    );
    fails(await keel(['import-mlflow'], { cwd: dir }), 2, /--from/);
  });

  it('says that an import which stopped half-way resumes when run again', async () => {
    // The artifacts cannot be written (their destination lies under a file): the import stops
    // at the first run's files, after the experiments were copied.
    writeFileSync(join(dir, 'not-a-dir'), '');
    const stopped = await keel(importArgs(join(dir, 'half.db'), join(dir, 'not-a-dir', 'artifacts')), { cwd: dir });
    assert.equal(stopped.code, 1, stopped.stderr);
    assert.match(
      stopped.stderr,
      /The import stopped before the end\. What was imported is kept: run the same command again to resume\./,
    );
  });
});
