// The examples run end to end against a real Keel server: the TypeScript pipeline (prepare ->
// train, chained by `main` as child runs) and the Python entry point that logs over REST.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KeelClient, type Run } from '@keel/client';
import { startTestServer, type TestServer } from '@keel/platform/testing';
import { artifactText, keelRun, paramsOf, runEnv, runIdOf, runsOf, suiteRoot, tagsOf } from './support.js';

const REPO = resolve(import.meta.dirname, '../..');

describe('examples', () => {
  let server: TestServer;
  let client: KeelClient;
  const root = suiteRoot('examples');
  let env: NodeJS.ProcessEnv;
  before(async () => {
    server = await startTestServer();
    client = new KeelClient({ trackingUri: server.url });
    // The steps import the workspace packages from their sources (no build needed).
    env = runEnv(server.url, join(root, 'envs'), { NODE_OPTIONS: '--conditions=keel-source' });
  });
  after(async () => {
    await server.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('examples/pipeline: main runs prepare and train as child runs, each tracked with params, metrics and artifacts', async () => {
    const experimentId = (await client.createExperiment({ name: 'pipeline' })).experiment_id;
    const clean = join(root, 'clean.csv');
    const args = ['examples/pipeline', '--experiment-id', experimentId, '-P', `output=${clean}`, '-P', 'epochs=150'];
    const result = await keelRun(args, env, REPO);
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    assert.match(result.stderr, /Installing npm dependencies: ci|Reusing .*node_modules/);
    const mainId = runIdOf(result.stderr);

    const runs = await runsOf(client, experimentId);
    const byEntry = (name: string) => runs.filter((r) => tagsOf(r)['mlflow.project.entryPoint'] === name);
    assert.deepEqual(runs.map((r) => tagsOf(r)['mlflow.project.entryPoint']).sort(), ['main', 'prepare', 'train']);
    const [main] = byEntry('main') as [Run];
    const [prepare] = byEntry('prepare') as [Run];
    const [train] = byEntry('train') as [Run];
    assert.equal(main.info.run_id, mainId);
    for (const run of [main, prepare, train]) {
      assert.equal(run.info.status, 'FINISHED', tagsOf(run)['mlflow.project.entryPoint']);
      assert.equal(tagsOf(run)['mlflow.source.type'], 'PROJECT');
      assert.match(tagsOf(run)['mlflow.source.git.commit'] ?? '', /^[0-9a-f]{40}$/);
      assert.match(await artifactText(server.url, client, run.info.run_id, 'logs/keel-run.log'), /===|prepare:|train:/);
    }
    assert.equal(tagsOf(main)['mlflow.project.env'], 'node');
    assert.equal(tagsOf(prepare)['mlflow.parentRunId'], mainId);
    assert.equal(tagsOf(train)['mlflow.parentRunId'], mainId);

    assert.deepEqual(paramsOf(prepare), { input: join(REPO, 'examples/pipeline/data/raw.csv'), output: clean });
    const metric = (run: Run, key: string) => run.data.metrics?.find((m) => m.key === key)?.value;
    assert.equal(metric(prepare, 'rows_in'), 80);
    assert.equal(metric(prepare, 'rows_out'), 71);
    assert.equal(metric(prepare, 'rows_dropped'), 9);
    const cleanCsv = await artifactText(server.url, client, prepare.info.run_id, 'data/clean.csv');
    assert.equal(cleanCsv.trim().split('\n').length, 72);
    assert.doesNotMatch(cleanCsv, /,,|NA|,$/m);

    assert.equal(paramsOf(train).epochs, '150');
    assert.equal(paramsOf(train).learning_rate, '0.1');
    assert.ok((metric(train, 'accuracy') as number) >= 0.8);
    const history = await client.getMetricHistory({ run_id: train.info.run_id, metric_key: 'train_loss' });
    const losses = (history.metrics ?? []).sort((a, b) => a.step - b.step).map((m) => m.value as number);
    assert.ok(losses.length >= 10);
    assert.ok((losses.at(-1) as number) < (losses[0] as number), 'the loss goes down');
    const model = JSON.parse(await artifactText(server.url, client, train.info.run_id, 'model/model.json'));
    assert.equal(model.weights.length, 4);
    assert.deepEqual(model.classes, ['Adelie', 'Gentoo']);

    // Again with reuse: the finished prepare run (same parameters, same commit) is reused.
    const again = await keelRun([...args, '-P', 'reuse=true'], env, REPO);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, new RegExp(`prepare run ${prepare.info.run_id} \\(reused\\)`));
    assert.match(again.stderr, /Reusing .*node_modules/);
    const after = await runsOf(client, experimentId);
    const count = (name: string) => after.filter((r) => tagsOf(r)['mlflow.project.entryPoint'] === name).length;
    assert.deepEqual([count('main'), count('prepare'), count('train')], [2, 1, 2]);
  });

  it('examples/python-rest: a standard-library Python step logs over REST with --env-manager local', async () => {
    const result = await keelRun(
      ['examples/python-rest', '--env-manager', 'local', '-P', 'alpha=0.3', '-P', 'label=first try'],
      env,
      REPO,
    );
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    const runId = runIdOf(result.stderr);
    assert.match(result.stdout, new RegExp(`logged 5 loss points into run ${runId}`));
    const { run } = await client.getRun({ run_id: runId });
    assert.equal(run.info.status, 'FINISHED');
    assert.deepEqual(paramsOf(run), { alpha: '0.3', label: "'first try'", steps: '5' });
    assert.equal(tagsOf(run)['example.label'], 'first try');
    const history = await client.getMetricHistory({ run_id: runId, metric_key: 'loss' });
    assert.equal(history.metrics?.length, 5);
  });
});
