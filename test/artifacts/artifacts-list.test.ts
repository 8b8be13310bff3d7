import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { startTestServer, type TestServer } from '@keel/platform/testing';
import { createRun, INVALID_PATH, PROXY, rawRequest } from './support.js';

let keel: TestServer;
before(async () => {
  keel = await startTestServer();
});
after(async () => keel.close());

async function list(query: string, prefix = '/api/2.0/mlflow') {
  const res = await rawRequest(keel.url, 'GET', `${prefix}/artifacts/list?${query}`);
  return { status: res.status, body: res.json() as Record<string, unknown> };
}

describe('artifacts/list for a proxied run root', () => {
  let runId: string;
  let root: string;
  before(async () => {
    const run = await createRun(keel.url, 'list-proxied');
    runId = run.runId;
    root = run.artifactUri;
    const base = `${run.experimentId}/${runId}/artifacts`;
    for (const [path, body] of [
      ['hello.txt', 'hello golden again\n'],
      ['config.json', '{"a": 1}\n'],
      ['empty.txt', ''],
      ['data/train.csv', 'a,b\n1,2\n3,4\n'],
      ['model/MLmodel', 'flavors: {}\n'],
    ]) {
      assert.equal((await rawRequest(keel.url, 'PUT', `${PROXY}/${base}/${path}`, { body })).status, 200);
    }
  });

  it('lists the root sorted, with paths relative to the run root', async () => {
    assert.match(root, /^mlflow-artifacts:\/\d+\/[0-9a-f]{32}\/artifacts$/);
    const { status, body } = await list(`run_id=${runId}`);
    assert.equal(status, 200);
    assert.deepEqual(body, {
      root_uri: root,
      files: [
        { path: 'config.json', is_dir: false, file_size: 9 },
        { path: 'data', is_dir: true },
        { path: 'empty.txt', is_dir: false },
        { path: 'hello.txt', is_dir: false, file_size: 19 },
        { path: 'model', is_dir: true },
      ],
    });
  });

  it('lists a subdirectory by run_uuid, through /ajax-api, ignoring page_token', async () => {
    const { body } = await list(`run_uuid=${runId}&path=data&page_token=whatever`, '/ajax-api/2.0/mlflow');
    assert.deepEqual(body, { root_uri: root, files: [{ path: 'data/train.csv', is_dir: false, file_size: 12 }] });
    const normalised = await list(`run_id=${runId}&path=${encodeURIComponent('./model//')}`);
    assert.deepEqual(normalised.body.files, [{ path: 'model/MLmodel', is_dir: false, file_size: 12 }]);
  });

  it('omits files for a missing directory or a file path', async () => {
    assert.deepEqual((await list(`run_id=${runId}&path=nope`)).body, { root_uri: root });
    assert.deepEqual((await list(`run_id=${runId}&path=hello.txt`)).body, { root_uri: root });
  });

  it('reports unknown runs, missing ids and unsafe paths as MLflow does', async () => {
    const unknown = await list('run_id=ffffffffffffffffffffffffffffffff');
    assert.equal(unknown.status, 404);
    assert.deepEqual(unknown.body, {
      error_code: 'RESOURCE_DOES_NOT_EXIST',
      message: 'Run with id=ffffffffffffffffffffffffffffffff not found',
    });
    const missing = await list('');
    assert.equal(missing.status, 400);
    assert.match(String(missing.body.message), /Missing value for required parameter 'run_id'/);
    for (const path of ['../../..', '%2e%2e%2f%2e%2e%2f', '/etc']) {
      const res = await list(`run_id=${runId}&path=${encodeURIComponent(path)}`);
      assert.equal(res.status, 400);
      assert.deepEqual(res.body, INVALID_PATH);
    }
  });
});

describe('artifacts/list for roots the server reaches directly', () => {
  it('lists a run whose experiment lives in a local directory', async () => {
    // Inside the artifacts destination: local locations elsewhere need --allow-local-artifact-locations.
    const location = join(keel.config.artifactsDestination, 'local-experiment');
    const { runId, artifactUri } = await createRun(keel.url, 'list-local', location);
    assert.ok(artifactUri.startsWith(location), artifactUri);
    mkdirSync(join(artifactUri, 'plots'), { recursive: true });
    writeFileSync(join(artifactUri, 'plots/loss.png'), Buffer.alloc(10));
    writeFileSync(join(artifactUri, 'notes.md'), '# n\n');
    const { body } = await list(`run_id=${runId}`);
    assert.deepEqual(body, {
      root_uri: artifactUri,
      files: [
        { path: 'notes.md', is_dir: false, file_size: 4 },
        { path: 'plots', is_dir: true },
      ],
    });
    const png = await rawRequest(keel.url, 'GET', `/get-artifact?run_id=${runId}&path=plots/loss.png`);
    assert.equal(png.headers['content-type'], 'image/png');
    assert.equal(png.body.length, 10);
  });

  it('lists a run whose experiment location is a file: URI', async () => {
    const location = pathToFileURL(join(keel.config.artifactsDestination, 'file-uri-experiment')).href;
    const { runId, artifactUri } = await createRun(keel.url, 'list-file-uri', location);
    assert.ok(artifactUri.startsWith('file://'), artifactUri);
    const up = await rawRequest(
      keel.url,
      'POST',
      `/ajax-api/2.0/mlflow/upload-artifact?run_uuid=${runId}&path=x/y.txt`,
      {
        body: 'via file uri',
      },
    );
    assert.equal(up.status, 200);
    const { body } = await list(`run_id=${runId}&path=x`);
    assert.deepEqual(body, { root_uri: artifactUri, files: [{ path: 'x/y.txt', is_dir: false, file_size: 12 }] });
  });

  it('does not read an s3:// location with its own credentials outside its S3 storage', async () => {
    const { runId } = await createRun(keel.url, 'list-s3', 's3://bucket/prefix');
    const res = await list(`run_id=${runId}`);
    assert.equal(res.status, 403);
    assert.equal(res.body.error_code, 'PERMISSION_DENIED');
    assert.match(String(res.body.message), /outside this server's S3 artifact storage \(none is configured\)/);
  });

  it('refuses a proxied experiment location that points outside the destination', async () => {
    await assert.rejects(
      createRun(keel.url, 'list-escape', 'mlflow-artifacts:/../../escape'),
      /400: .*INVALID_PARAMETER_VALUE.*'\.\.' path segments/,
    );
  });
});
