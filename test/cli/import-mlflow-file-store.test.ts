// `keel import-mlflow --from ./mlruns`: MLflow's file store (directories of meta.yaml files, as
// MLflow's FileStore writes them) copied into a Keel store, artifacts included, then served.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestServer } from '@keel/platform/testing';
import { fails, json, keel, ok } from './helpers.js';

const RUN = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const OLD_RUN = '1a1b2c3d4e5f60718293a4b5c6d7e8f9';
const T0 = 1_700_000_000_000;

function put(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}

/** An mlruns tree in the shape MLflow's FileStore writes (yaml.safe_dump output, files without newlines). */
function buildFileStore(root: string): void {
  put(join(root, '.trash', '.keep'), '');
  put(
    join(root, '0', 'meta.yaml'),
    `artifact_location: file://${root}/0\ncreation_time: ${T0}\nexperiment_id: '0'\nlast_update_time: ${T0}\nlifecycle_stage: active\nname: Default\n`,
  );
  const exp = join(root, '412');
  put(
    join(exp, 'meta.yaml'),
    `artifact_location: file://${exp}\ncreation_time: ${T0 + 1}\nexperiment_id: '412'\nlast_update_time: ${T0 + 2}\nlifecycle_stage: active\nname: churn\n`,
  );
  put(join(exp, 'tags', 'team'), 'growth');
  const run = join(exp, RUN);
  put(
    join(run, 'meta.yaml'),
    [
      `artifact_uri: file://${run}/artifacts`,
      `end_time: ${T0 + 200}`,
      'entry_point_name: ""',
      "experiment_id: '412'",
      'lifecycle_stage: active',
      `run_id: ${RUN}`,
      'run_name: brave-owl',
      `run_uuid: ${RUN}`,
      'source_name: ""',
      'source_type: 4',
      'source_version: ""',
      `start_time: ${T0 + 100}`,
      'status: 3',
      'tags: []',
      'user_id: alice',
      '',
    ].join('\n'),
  );
  put(join(run, 'params', 'lr'), '0.01');
  put(join(run, 'params', 'optimizer', 'name'), 'adam');
  put(join(run, 'tags', 'mlflow.runName'), 'brave-owl');
  put(join(run, 'tags', 'mlflow.note.content'), 'line one\nline two');
  put(join(run, 'metrics', 'loss'), `${T0 + 110} 0.9 0\n${T0 + 120} 0.5 1\n${T0 + 130} nan 2\n`);
  put(join(run, 'metrics', 'eval', 'auc'), `${T0 + 125} 0.75 1\n${T0 + 126} inf 2\n`);
  put(join(run, 'metrics', 'legacy'), `${T0 + 140} 3.5\n`);
  put(join(run, 'artifacts', 'model', 'MLmodel'), 'flavors: {}\n');
  put(join(run, 'artifacts', 'notes.txt'), 'from the file store');
  const dataset = join(exp, 'datasets', 'd41d8cd98f00b204e9800998ecf8427e');
  put(
    join(dataset, 'meta.yaml'),
    'digest: abc123\nname: customers\nprofile: \'{"num_rows": 10}\'\nschema: \'{"mlflow_colspec": []}\'\nsource: \'{"uri": "/data/customers.csv"}\'\nsource_type: local\n',
  );
  put(
    join(run, 'inputs', 'aa11bb22cc33dd44ee55ff6677889900', 'meta.yaml'),
    // MLflow's FileStore writes the dataset's ID as destination_id too: the run is the folder.
    'destination_id: d41d8cd98f00b204e9800998ecf8427e\ndestination_type: RUN\nsource_id: d41d8cd98f00b204e9800998ecf8427e\nsource_type: DATASET\ntags:\n  mlflow.data.context: training\n',
  );
  // A deleted experiment in the trash, with a run of its own.
  const gone = join(root, '.trash', '77');
  put(
    join(gone, 'meta.yaml'),
    `artifact_location: file://${gone}\ncreation_time: ${T0 + 3}\nexperiment_id: '77'\nlast_update_time: ${T0 + 4}\nlifecycle_stage: deleted\nname: gone\n`,
  );
  put(
    join(gone, OLD_RUN, 'meta.yaml'),
    `artifact_uri: file://${gone}/${OLD_RUN}/artifacts\nexperiment_id: '77'\nlifecycle_stage: deleted\nrun_id: ${OLD_RUN}\nrun_uuid: ${OLD_RUN}\nstart_time: ${T0}\nstatus: 4\nuser_id: bob\n`,
  );
  // The registry: mlruns/models/<name>/...
  const model = join(root, 'models', 'churn-model');
  put(
    join(model, 'meta.yaml'),
    `creation_timestamp: ${T0 + 500}\ndescription: Predicts churn\nlast_updated_timestamp: ${T0 + 900}\nname: churn-model\n`,
  );
  put(join(model, 'tags', 'owner'), 'growth');
  put(join(model, 'aliases', 'champion'), '1');
  put(
    join(model, 'version-1', 'meta.yaml'),
    `creation_timestamp: ${T0 + 501}\ncurrent_stage: Production\ndescription: ''\nlast_updated_timestamp: ${T0 + 601}\nname: churn-model\nrun_id: ${RUN}\nrun_link: ''\nsource: file://${run}/artifacts/model\nstatus: READY\nstatus_message: null\nstorage_location: file://${run}/artifacts/model\nuser_id: alice\nversion: 1\n`,
  );
  put(join(model, 'version-1', 'tags', 'validated'), 'true');
}

// biome-ignore lint/suspicious/noExplicitAny: JSON answers of the REST API
async function get(url: string, path: string): Promise<any> {
  const response = await fetch(`${url}/api/2.0/mlflow/${path}`);
  const text = await response.text();
  assert.equal(response.status, 200, `${path}: ${text}`);
  return JSON.parse(text);
}

describe('keel import-mlflow from a file store', () => {
  let dir: string;
  let mlruns: string;
  let target: string;
  let destination: string;
  let args: string[];
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'keel-import-fs-'));
    mlruns = join(dir, 'mlruns');
    target = join(dir, 'keel.db');
    destination = join(dir, 'mlartifacts');
    buildFileStore(mlruns);
    args = [
      'import-mlflow',
      '--from',
      './mlruns',
      '--to',
      `sqlite:///${target}`,
      '--artifacts-destination',
      destination,
    ];
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('copies experiments, runs, metrics, inputs, the registry and the artifacts in the tree', async () => {
    const out = ok(await keel(args, { cwd: dir }));
    assert.match(out, /experiments: +3 \(0 already there\)/);
    assert.match(out, /runs: +2 \(0 already there\)/);
    assert.match(out, /metric points: +6/);
    assert.match(out, /registered models: 1 \(0 already there\), 1 versions, 1 aliases/);
    assert.match(out, /artifact files: +2 copied/);

    const server = await startTestServer({ backendStoreUri: `sqlite:///${target}`, artifactsDestination: destination });
    try {
      const { experiment } = await get(server.url, 'experiments/get?experiment_id=412');
      assert.equal(experiment.name, 'churn');
      assert.equal(experiment.artifact_location, 'mlflow-artifacts:/412');
      assert.equal(Number(experiment.last_update_time), T0 + 2);
      assert.deepEqual(experiment.tags, [{ key: 'team', value: 'growth' }]);
      const trashed = await get(server.url, 'experiments/get?experiment_id=77');
      assert.equal(trashed.experiment.lifecycle_stage, 'deleted');

      const { run } = await get(server.url, `runs/get?run_id=${RUN}`);
      assert.equal(run.info.status, 'FINISHED');
      assert.equal(run.info.run_name, 'brave-owl');
      assert.equal(Number(run.info.end_time), T0 + 200);
      assert.equal(run.info.artifact_uri, `mlflow-artifacts:/412/${RUN}/artifacts`);
      const params = Object.fromEntries(run.data.params.map((p: { key: string; value: string }) => [p.key, p.value]));
      assert.deepEqual(params, { lr: '0.01', 'optimizer/name': 'adam' });
      const tags = Object.fromEntries(run.data.tags.map((t: { key: string; value: string }) => [t.key, t.value]));
      assert.equal(tags['mlflow.note.content'], 'line one\nline two');
      const latest = Object.fromEntries(run.data.metrics.map((m: { key: string; value: unknown }) => [m.key, m.value]));
      assert.deepEqual(latest, { loss: 'NaN', 'eval/auc': 'Infinity', legacy: 3.5 });
      assert.equal(run.inputs.dataset_inputs[0].dataset.name, 'customers');
      assert.equal(run.inputs.dataset_inputs[0].dataset.digest, 'abc123');
      assert.deepEqual(run.inputs.dataset_inputs[0].tags, [{ key: 'mlflow.data.context', value: 'training' }]);

      const history = await get(server.url, `metrics/get-history?run_id=${RUN}&metric_key=loss`);
      assert.deepEqual(
        history.metrics.map((m: { value: unknown; step: string }) => [m.value, Number(m.step)]),
        [
          [0.9, 0],
          [0.5, 1],
          ['NaN', 2],
        ],
      );
      const legacy = await get(server.url, `metrics/get-history?run_id=${RUN}&metric_key=legacy`);
      assert.equal(Number(legacy.metrics[0].step), 0, 'a two-field line is step 0');
      const old = await get(server.url, `runs/get?run_id=${OLD_RUN}`);
      assert.equal(old.run.info.status, 'FAILED');
      assert.equal(old.run.info.experiment_id, '77');

      const notes = await fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts/412/${RUN}/artifacts/notes.txt`);
      assert.equal(await notes.text(), 'from the file store');

      const { registered_model } = await get(server.url, 'registered-models/get?name=churn-model');
      assert.equal(registered_model.description, 'Predicts churn');
      assert.deepEqual(registered_model.aliases, [{ alias: 'champion', version: '1' }]);
      assert.deepEqual(registered_model.tags, [{ key: 'owner', value: 'growth' }]);
      const { model_version } = await get(server.url, 'model-versions/get?name=churn-model&version=1');
      assert.equal(model_version.current_stage, 'Production');
      assert.equal(model_version.source, `mlflow-artifacts:/412/${RUN}/artifacts/model`);
      assert.deepEqual(model_version.tags, [{ key: 'validated', value: 'true' }]);
    } finally {
      await server.close();
    }
  });

  it('resumes: a second import of the same tree copies nothing twice', async () => {
    const again = json(await keel([...args, '--json'], { cwd: dir }));
    assert.equal(again.runs, 0);
    assert.equal(again.runsSkipped, 2);
    assert.equal(again.artifactFiles.files, 0);
  });

  it('refuses a malformed metric file with its path, and a directory that is no file store', async () => {
    const broken = join(dir, 'broken');
    buildFileStore(broken);
    put(join(broken, '412', RUN, 'metrics', 'loss'), `${T0} not-a-number 0\n`);
    fails(
      await keel(['import-mlflow', '--from', broken, '--to', `sqlite:///${join(dir, 'other.db')}`], { cwd: dir }),
      1,
      /Cannot read .*metrics\/loss, line 1/,
    );
    mkdirSync(join(dir, 'empty'));
    fails(
      await keel(['import-mlflow', '--from', join(dir, 'empty'), '--to', `sqlite:///${join(dir, 'other.db')}`], {
        cwd: dir,
      }),
      1,
      /is not an MLflow file store/,
    );
  });
});
