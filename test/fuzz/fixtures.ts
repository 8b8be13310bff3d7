// The entities the generative endpoint test aims at: created on a fresh test server, and put
// back whenever a case deleted, restored or renamed one, so later cases still reach deep code.
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { ARTIFACTS_PREFIX, encodeArtifactPath } from '@keel/contract';
import { startTestServer, type TestServer } from '@keel/platform/testing';
import type { Fixtures } from './arbitraries.js';
import { FIXTURE_FILES } from './hostile-values.js';
import { api, sendCase } from './transport.js';

export interface FuzzServer {
  readonly keel: TestServer;
  readonly fixtures: Fixtures;
  /** Status codes seen per target (reported by the bench script, checked by the test). */
  readonly statuses: Map<string, Map<number, number>>;
  close(): Promise<void>;
}

/** Starts the server and creates the entities cases aim at. */
export async function startFuzzServer(): Promise<FuzzServer> {
  const keel = await startTestServer();
  const post = async (path: string, body: unknown) => {
    const res = await api(keel.url, 'POST', path, body);
    if (res.status !== 200) throw new Error(`fixture ${path} failed: ${res.status} ${JSON.stringify(res.json)}`);
    return res.json;
  };
  const experimentId: string = (await post('/experiments/create', { name: 'fuzz-experiment' })).experiment_id;
  const deletedExperimentId: string = (await post('/experiments/create', { name: 'fuzz-deleted' })).experiment_id;
  await post('/experiments/delete', { experiment_id: deletedExperimentId });
  const run = (await post('/runs/create', { experiment_id: experimentId, run_name: 'fuzz-run' })).run;
  const runId: string = run.info.run_id;
  await post('/runs/log-batch', {
    run_id: runId,
    metrics: [{ key: 'm', value: 1, timestamp: 1, step: 0 }],
    params: [{ key: 'p', value: 'v' }],
    tags: [{ key: 't', value: 'v' }],
  });
  const deletedRunId: string = (await post('/runs/create', { experiment_id: experimentId })).run.info.run_id;
  await post('/runs/delete', { run_id: deletedRunId });
  const modelName = 'fuzz-model';
  await post('/registered-models/create', { name: modelName });
  await post('/model-versions/create', { name: modelName, source: run.info.artifact_uri, run_id: runId });
  const loggedModelId: string = (await post('/logged-models', { experiment_id: experimentId, name: 'fuzz-logged' }))
    .model.info.model_id;
  // A symbolic-link loop and a directory inside the artifact storage, for the path cases.
  const destination = keel.config.artifactsDestination;
  const runDirectory = join(destination, experimentId, runId, 'artifacts');
  for (const directory of [destination, runDirectory]) {
    mkdirSync(join(directory, 'dir-a'), { recursive: true });
    symlinkSync('loop', join(directory, 'loop'));
  }
  return {
    keel,
    fixtures: {
      experimentId,
      deletedExperimentId,
      runId,
      deletedRunId,
      modelName,
      loggedModelId,
      runArtifactUri: run.info.artifact_uri,
    },
    statuses: new Map(),
    close: () => keel.close(),
  };
}

/**
 * Puts the fixtures back after cases deleted, restored or renamed them: the experiment and run
 * active under their names, the deleted ones deleted, the registered model with a version 1,
 * a live logged model. Ids that cannot come back (a deleted logged model) are replaced.
 */
export async function healFixtures(server: FuzzServer, withFiles = false): Promise<void> {
  const f = server.fixtures;
  const call = (method: string, path: string, body: unknown) => api(server.keel.url, method, path, body);
  await call('POST', '/experiments/restore', { experiment_id: f.experimentId });
  await call('POST', '/experiments/update', { experiment_id: f.experimentId, new_name: 'fuzz-experiment' });
  await call('POST', '/runs/restore', { run_id: f.runId });
  await call('POST', '/experiments/delete', { experiment_id: f.deletedExperimentId });
  await call('POST', '/runs/delete', { run_id: f.deletedRunId });
  if ((await call('GET', '/model-versions/get', { name: f.modelName, version: '1' })).status !== 200) {
    await call('DELETE', '/registered-models/delete', { name: f.modelName });
    await call('POST', '/registered-models/create', { name: f.modelName });
    await call('POST', '/model-versions/create', { name: f.modelName, source: f.runArtifactUri, run_id: f.runId });
  }
  await call('POST', '/registered-models/alias', { name: f.modelName, alias: 'champion', version: '1' });
  if ((await call('GET', `/logged-models/${encodeURIComponent(f.loggedModelId)}`, {})).status !== 200) {
    const created = await call('POST', '/logged-models', { experiment_id: f.experimentId, name: 'fuzz-logged' });
    f.loggedModelId = created.json.model.info.model_id;
  }
  if (withFiles) {
    const model = await call('GET', `/logged-models/${encodeURIComponent(f.loggedModelId)}`, {});
    for (const uri of ['', f.runArtifactUri, model.json.model.info.artifact_uri])
      await putFixtureFiles(server.keel.url, uri);
  }
}

/** Uploads `FIXTURE_FILES` below a `mlflow-artifacts:` URI (or the destination root for ''). */
async function putFixtureFiles(baseUrl: string, artifactUri: string): Promise<void> {
  const prefix = artifactUri.replace(/^mlflow-artifacts:\/*/, '');
  for (const file of FIXTURE_FILES) {
    const path = prefix === '' ? file : `${prefix}/${file}`;
    const res = await sendCase(baseUrl, {
      method: 'PUT',
      url: `${ARTIFACTS_PREFIX}/artifacts/${encodeArtifactPath(path)}`,
      headers: { 'content-type': 'application/octet-stream' },
      body: Buffer.from(`fixture ${path}`),
      params: {},
    });
    if (res.status !== 200) throw new Error(`fixture upload of ${path} failed: ${res.status}`);
  }
}
