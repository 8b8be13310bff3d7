import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '@keel/platform/testing';
import { api, createRun, INVALID_PATH, rawRequest } from './support.js';

let keel: TestServer;
let runId: string;
before(async () => {
  keel = await startTestServer();
  ({ runId } = await createRun(keel.url, 'ui-artifacts'));
});
after(async () => keel.close());

function upload(query: string, body?: string | Buffer | Readable, headers: Record<string, string> = {}) {
  return rawRequest(keel.url, 'POST', `/ajax-api/2.0/mlflow/upload-artifact?${query}`, {
    ...(body === undefined ? {} : { body }),
    headers,
  });
}

const errorOf = (res: { json(): unknown }) => res.json() as { error_code: string; message: string };

describe('UI upload-artifact', () => {
  it('writes below the run root and answers an empty 200 labelled JSON', async () => {
    const res = await upload(`run_uuid=${runId}&path=ui/upload.txt`, 'uploaded from the UI\n', {
      'content-type': 'text/plain',
    });
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    assert.equal(res.body.length, 0);
    const listed = await api(keel.url, 'GET', 'artifacts/list', { run_id: runId, path: 'ui' });
    assert.deepEqual(listed.files, [{ path: 'ui/upload.txt', is_dir: false, file_size: 21 }]);
  });

  it('keeps binary bodies intact', async () => {
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => 255 - i));
    assert.equal((await upload(`run_uuid=${runId}&path=bin/all.bin`, bytes)).status, 200);
    const down = await rawRequest(keel.url, 'GET', `/get-artifact?run_id=${runId}&path=bin/all.bin`);
    assert.deepEqual(down.body, bytes);
  });

  it('requires run_uuid, path and a non-empty body, with MLflow messages', async () => {
    for (const [query, body, message] of [
      [`path=a.txt`, 'x', 'Request must specify run_uuid.'],
      [`run_uuid=${runId}`, 'x', 'Request must specify path.'],
      [`run_uuid=${runId}&path=a.txt`, '', 'Request must specify data.'],
      [`run_uuid=${runId}&path=a.txt`, undefined, 'Request must specify data.'],
    ] as const) {
      const res = await upload(query, body);
      assert.equal(res.status, 400, query);
      assert.deepEqual(res.json(), { error_code: 'INVALID_PARAMETER_VALUE', message });
    }
  });

  it('refuses bodies over 10 MiB, by Content-Length and while reading a chunked body', async () => {
    const tooBig = Buffer.alloc(10 * 1024 * 1024 + 1, 1);
    const expected = {
      error_code: 'INVALID_PARAMETER_VALUE',
      message: 'Artifact size is too large. Max size is 10MB.',
    };
    const declared = await upload(`run_uuid=${runId}&path=big.bin`, tooBig);
    assert.equal(declared.status, 400);
    assert.deepEqual(declared.json(), expected);
    const chunked = await upload(
      `run_uuid=${runId}&path=big.bin`,
      Readable.from([tooBig.subarray(0, 6 * 1024 * 1024), tooBig.subarray(6 * 1024 * 1024)]),
    );
    assert.equal(chunked.status, 400);
    assert.deepEqual(chunked.json(), expected);
    const exactly = await upload(`run_uuid=${runId}&path=limit.bin`, tooBig.subarray(1));
    assert.equal(exactly.status, 200);
  });

  it('reports an unknown run', async () => {
    const res = await upload('run_uuid=ffffffffffffffffffffffffffffffff&path=a.txt', 'x');
    assert.equal(res.status, 404);
    assert.equal(errorOf(res).error_code, 'RESOURCE_DOES_NOT_EXIST');
  });
});

describe('UI get-artifact', () => {
  before(async () => {
    await upload(`run_uuid=${runId}&path=hello.txt`, 'hello golden again\n');
    await upload(`run_uuid=${runId}&path=page.html`, '<script>alert(1)</script>');
  });

  it('downloads one run file as an attachment with MLflow headers', async () => {
    for (const idParam of ['run_id', 'run_uuid']) {
      const res = await rawRequest(keel.url, 'GET', `/get-artifact?${idParam}=${runId}&path=hello.txt`);
      assert.equal(res.status, 200);
      assert.equal(res.text(), 'hello golden again\n');
      assert.equal(res.headers['content-type'], 'text/plain');
      assert.equal(res.headers['content-disposition'], 'attachment; filename=hello.txt');
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
    }
  });

  it('never lets a browser render HTML inline', async () => {
    const res = await rawRequest(keel.url, 'GET', `/get-artifact?run_id=${runId}&path=page.html`);
    assert.equal(res.headers['content-disposition'], 'attachment; filename=page.html');
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
  });

  it('answers client errors with MLflow JSON', async () => {
    const traversal = await rawRequest(keel.url, 'GET', `/get-artifact?run_id=${runId}&path=../../../etc/passwd`);
    assert.equal(traversal.status, 400);
    assert.deepEqual(traversal.json(), INVALID_PATH);
    const noPath = await rawRequest(keel.url, 'GET', `/get-artifact?run_id=${runId}`);
    assert.equal(noPath.status, 400);
    assert.match(errorOf(noPath).message, /required parameter 'path'/);
    const noRun = await rawRequest(keel.url, 'GET', '/get-artifact?path=hello.txt');
    assert.equal(noRun.status, 400);
    assert.match(errorOf(noRun).message, /required parameter 'run_id'/);
    const missing = await rawRequest(keel.url, 'GET', `/get-artifact?run_id=${runId}&path=nope.txt`);
    assert.equal(missing.status, 404);
    assert.equal(errorOf(missing).error_code, 'RESOURCE_DOES_NOT_EXIST');
    const directory = await rawRequest(keel.url, 'GET', `/get-artifact?run_id=${runId}&path=ui`);
    assert.equal(directory.status, 404);
    const unknown = await rawRequest(keel.url, 'GET', '/get-artifact?run_id=ffffffffffffffffffffffffffffffff&path=a');
    assert.equal(unknown.status, 404);
  });
});

describe('UI logged-model file route', () => {
  it('requires artifact_file_path with MLflow BAD_REQUEST message before anything else', async () => {
    const res = await rawRequest(keel.url, 'GET', '/ajax-api/2.0/mlflow/logged-models/m-0123/artifacts/files');
    assert.equal(res.status, 400);
    assert.deepEqual(res.json(), {
      error_code: 'BAD_REQUEST',
      message: 'Request must include the "artifact_file_path" query parameter.',
    });
    const traversal = await rawRequest(
      keel.url,
      'GET',
      '/ajax-api/2.0/mlflow/logged-models/m-0123/artifacts/files?artifact_file_path=../../../etc/passwd',
    );
    assert.equal(traversal.status, 400);
    assert.deepEqual(traversal.json(), INVALID_PATH);
  });
});
