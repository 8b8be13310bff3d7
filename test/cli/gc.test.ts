// `keel gc` against the store of a running server: permanent removal of deleted runs and
// experiments with their artifacts, registry protection, dry runs, the artifact queue that
// survives an interrupted or failed sweep, and S3 artifact roots.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { openStores } from '@keel/platform';
import { type S3TestServer, startS3TestServer, startTestServer, type TestServer } from '@keel/platform/testing';
import { api, createRun, PROXY, rawRequest } from '../artifacts/support.js';
import { s3Env } from '../support/s3.js';
import { fails, json, keel, ok } from './helpers.js';

async function post(url: string, path: string, body: Record<string, unknown>): Promise<void> {
  await api(url, 'POST', path, body);
}

async function upload(url: string, artifactUri: string, name: string, body: string): Promise<void> {
  const path = artifactUri.replace(/^mlflow-artifacts:\//, '');
  const response = await rawRequest(url, 'PUT', `${PROXY}/${path}/${name}`, { body });
  assert.equal(response.status, 200, response.text());
}

async function runStatus(url: string, runId: string): Promise<number> {
  return (await fetch(`${url}/api/2.0/mlflow/runs/get?run_id=${runId}`)).status;
}

describe('keel gc on a local store', () => {
  let server: TestServer;
  let gcArgs: string[];
  before(async () => {
    server = await startTestServer();
    gcArgs = [
      '--backend-store-uri',
      server.config.backendStoreUri,
      '--artifacts-destination',
      server.config.artifactsDestination,
    ];
  });
  after(async () => server.close());

  const runDir = (artifactUri: string) =>
    join(server.config.artifactsDestination, artifactUri.replace(/^mlflow-artifacts:\//, ''));

  it('removes deleted runs and experiments with their artifacts, keeps what is live or registered', async () => {
    const url = server.url;
    const gone = await createRun(url, 'gc-main');
    const active = await createRun(url, 'gc-active');
    const registered = await createRun(url, 'gc-registered');
    const restored = await createRun(url, 'gc-restored');
    for (const run of [gone, active, registered, restored]) {
      await upload(url, run.artifactUri, 'model/MLmodel', 'flavors: {}\n');
      await post(url, 'runs/log-batch', { run_id: run.runId, params: [{ key: 'lr', value: '0.1' }] });
    }
    await post(url, 'registered-models/create', { name: 'gc-model' });
    await post(url, 'model-versions/create', {
      name: 'gc-model',
      source: `runs:/${registered.runId}/model`,
      run_id: registered.runId,
    });
    for (const run of [gone, registered, restored]) await post(url, 'runs/delete', { run_id: run.runId });
    await post(url, 'runs/restore', { run_id: restored.runId });
    // A deleted experiment goes with all of its runs.
    const doomed = await createRun(url, 'gc-doomed-experiment');
    await upload(url, doomed.artifactUri, 'data.csv', 'a\n1\n');
    await post(url, 'experiments/delete', { experiment_id: doomed.experimentId });

    const dry = json(await keel(['gc', ...gcArgs, '--dry-run', '--json']));
    assert.equal(dry.dryRun, true);
    assert.deepEqual(dry.runs.includes(gone.runId), true);
    assert.deepEqual(dry.experiments, [doomed.experimentId]);
    assert.equal(await runStatus(url, gone.runId), 200, 'a dry run changes nothing');
    assert.ok(existsSync(runDir(gone.artifactUri)));

    const result = await keel(['gc', ...gcArgs]);
    const stdout = ok(result);
    assert.match(
      stdout,
      /^Removed 1 run\(s\) and 1 experiment\(s\) \(with 1 run\(s\) and 0 logged model\(s\) of theirs\); deleted the artifacts of 2 location\(s\)\./m,
    );
    assert.match(stdout, new RegExp(`Kept run ${registered.runId}: model version gc-model v1 was registered from it`));
    assert.match(result.stderr, new RegExp(`Removed run ${gone.runId}`));

    // The server, still running, sees the removals at once.
    assert.equal(await runStatus(url, gone.runId), 404);
    assert.equal(await runStatus(url, doomed.runId), 404);
    assert.equal(
      (await fetch(`${url}/api/2.0/mlflow/experiments/get?experiment_id=${doomed.experimentId}`)).status,
      404,
    );
    assert.equal(existsSync(runDir(gone.artifactUri)), false);
    assert.equal(existsSync(runDir(doomed.artifactUri)), false);
    // Nor is an empty directory named after a purged run left behind.
    assert.equal(existsSync(dirname(runDir(gone.artifactUri))), false);
    assert.equal(existsSync(dirname(runDir(doomed.artifactUri))), false);
    for (const run of [active, registered, restored]) {
      assert.equal(await runStatus(url, run.runId), 200);
      assert.ok(existsSync(join(runDir(run.artifactUri), 'model', 'MLmodel')));
    }
    // The deleted experiment's name can be used again.
    await post(url, 'experiments/create', { name: 'gc-doomed-experiment' });

    // Nothing left to do: a second gc removes nothing.
    assert.match(ok(await keel(['gc', ...gcArgs])), /^Removed 0 run\(s\) and 0 experiment\(s\)/m);
  });

  it('honours --older-than and refuses runs that are not deleted or too recent', async () => {
    const url = server.url;
    const run = await createRun(url, 'gc-age');
    const live = await createRun(url, 'gc-live');
    await post(url, 'runs/delete', { run_id: run.runId });
    assert.match(ok(await keel(['gc', ...gcArgs, '--older-than', '30d'])), /^Removed 0 run\(s\)/m);
    assert.equal(await runStatus(url, run.runId), 200);
    fails(await keel(['gc', ...gcArgs, '--run-ids', live.runId]), 1, /is not in the deleted state/);
    fails(
      await keel(['gc', ...gcArgs, '--run-ids', run.runId, '--older-than', '1d']),
      1,
      /deleted less than --older-than ago/,
    );
    fails(await keel(['gc', ...gcArgs, '--experiment-ids', live.experimentId]), 1, /is not in the deleted state/);
    fails(await keel(['gc', ...gcArgs, '--older-than', '30 days']), 2, /Invalid duration/);
    fails(await keel(['gc', '--backend-store-uri', `sqlite:///${join(server.dir, 'typo.db')}`]), 1, /No database at/);
    const named = json(await keel(['gc', ...gcArgs, '--run-ids', run.runId, '--json']));
    assert.deepEqual(named.runs, [run.runId]);
    assert.equal(await runStatus(url, run.runId), 404);
    assert.equal(await runStatus(url, live.runId), 200);
  });

  it('sweeps artifacts an interrupted gc left queued', async () => {
    const url = server.url;
    const run = await createRun(url, 'gc-interrupted');
    await upload(url, run.artifactUri, 'left.txt', 'left behind');
    await post(url, 'runs/delete', { run_id: run.runId });
    // A gc that purged the rows and stopped before deleting any file.
    const stores = await openStores(server.config.backendStoreUri, {
      defaultArtifactRoot: server.config.defaultArtifactRoot,
      cwd: server.dir,
    });
    try {
      assert.deepEqual((await stores.tracking.purgeRuns([run.runId])).removed, [run.runId]);
    } finally {
      await stores.close();
    }
    assert.ok(existsSync(runDir(run.artifactUri)));
    const report = json(await keel(['gc', ...gcArgs, '--json']));
    assert.ok(report.artifactsDeleted.includes(run.artifactUri));
    assert.equal(existsSync(runDir(run.artifactUri)), false);
  });
});

describe('keel gc with S3 artifact storage', () => {
  let s3: S3TestServer;
  let bucket: string;
  let server: TestServer;
  let dir: string;
  before(async () => {
    s3 = await startS3TestServer();
    bucket = await s3.createBucket();
    server = await startTestServer({ artifactsDestination: `s3://${bucket}/dest`, s3: s3.settings });
    dir = mkdtempSync(join(tmpdir(), 'keel-gc-s3-'));
  });
  after(async () => {
    await server?.close();
    await s3?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function keys(): Promise<string[]> {
    const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'dest/' }));
    return (listed.Contents ?? []).map((o) => o.Key ?? '');
  }

  it('deletes objects of removed runs; an unreachable store keeps them queued for the next gc', async () => {
    const url = server.url;
    const gone = await createRun(url, 's3-gc');
    const kept = await createRun(url, 's3-kept');
    await upload(url, gone.artifactUri, 'a/b.txt', 'bytes');
    await upload(url, gone.artifactUri, 'c.txt', 'bytes');
    await upload(url, kept.artifactUri, 'k.txt', 'bytes');
    await post(url, 'runs/delete', { run_id: gone.runId });
    const args = [
      'gc',
      '--backend-store-uri',
      server.config.backendStoreUri,
      '--artifacts-destination',
      `s3://${bucket}/dest`,
    ];

    // S3 unreachable: the rows go, the files stay queued, and gc says so and fails.
    const offline = await keel(args, {
      env: { ...s3Env(s3), MLFLOW_S3_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_MAX_ATTEMPTS: '1' },
    });
    assert.equal(offline.code, 1, offline.stderr);
    assert.match(offline.stdout, new RegExp(`Not deleted: ${gone.artifactUri}`));
    assert.match(offline.stderr, /stay queued/);
    assert.equal(await runStatus(url, gone.runId), 404);
    assert.equal((await keys()).filter((k) => k.includes(gone.runId)).length, 2);

    const report = json(await keel([...args, '--json'], { env: s3Env(s3) }));
    assert.deepEqual(report.artifactsDeleted, [gone.artifactUri]);
    assert.deepEqual(report.artifactsFailed, []);
    const left = await keys();
    assert.equal(left.filter((k) => k.includes(gone.runId)).length, 0);
    assert.equal(left.filter((k) => k.includes(kept.runId)).length, 1);
  });
});
