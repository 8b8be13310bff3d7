import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { MULTIPART_UNSUPPORTED_MESSAGE } from '@keel/contract';
import { type memoryLogger, startTestServer, type TestServer } from '@keel/platform/testing';
import { AJAX_PROXY, INVALID_PATH, PROXY, rawRequest } from './support.js';

let keel: TestServer;
before(async () => {
  keel = await startTestServer();
});
after(async () => keel.close());

function put(path: string, body: string | Buffer | Readable, contentType?: string) {
  return rawRequest(keel.url, 'PUT', `${PROXY}/${path}`, {
    body,
    headers: contentType === undefined ? {} : { 'content-type': contentType },
  });
}

describe('artifact proxy: upload and download', () => {
  it('round-trips a text file with MLflow headers', async () => {
    const up = await put('1/run/artifacts/hello.txt', 'hello golden\n', 'text/plain');
    assert.equal(up.status, 200);
    assert.equal(up.headers['content-type'], 'application/json');
    assert.deepEqual(up.json(), {});
    const down = await rawRequest(keel.url, 'GET', `${PROXY}/1/run/artifacts/hello.txt`);
    assert.equal(down.status, 200);
    assert.equal(down.text(), 'hello golden\n');
    assert.equal(down.headers['content-type'], 'text/plain');
    assert.equal(down.headers['content-disposition'], 'attachment; filename=hello.txt');
    assert.equal(down.headers['x-content-type-options'], 'nosniff');
    assert.equal(down.headers['content-length'], '13');
  });

  it('keeps every byte value intact and labels unknown types octet-stream', async () => {
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    assert.equal((await put('1/run/artifacts/data/blob.bin', bytes, 'application/octet-stream')).status, 200);
    const down = await rawRequest(keel.url, 'GET', `${PROXY}/1/run/artifacts/data/blob.bin`);
    assert.deepEqual(down.body, bytes);
    assert.equal(down.headers['content-type'], 'application/octet-stream');
    assert.equal(down.headers['content-disposition'], 'attachment; filename=blob.bin');
  });

  it('accepts any Content-Type, a missing one, a malformed one, and chunked bodies', async () => {
    for (const [name, contentType] of [
      ['none.md', undefined],
      ['json.json', 'application/json'],
      ['csv.csv', 'text/csv'],
      ['odd.bin', 'garbage'],
      ['odd2.bin', 'text/plain; charset='],
    ] as const) {
      const up = await put(`1/ct/${name}`, `content of ${name}`, contentType);
      assert.equal(up.status, 200, `${name}: ${up.text()}`);
      assert.equal((await rawRequest(keel.url, 'GET', `${PROXY}/1/ct/${name}`)).text(), `content of ${name}`);
    }
    const chunked = await put('1/ct/chunked.txt', Readable.from([Buffer.from('part one, '), Buffer.from('part two')]));
    assert.equal(chunked.status, 200);
    assert.equal((await rawRequest(keel.url, 'GET', `${PROXY}/1/ct/chunked.txt`)).text(), 'part one, part two');
  });

  it('serves MLmodel as text and overwrites an existing file', async () => {
    await put('1/run/artifacts/model/MLmodel', 'flavors: {}\n', 'application/octet-stream');
    await put('1/run/artifacts/model/MLmodel', 'artifact_path: model\n', 'application/octet-stream');
    const down = await rawRequest(keel.url, 'GET', `${PROXY}/1/run/artifacts/model/MLmodel`);
    assert.equal(down.text(), 'artifact_path: model\n');
    assert.equal(down.headers['content-type'], 'text/plain');
  });

  it('uploads and downloads an empty file', async () => {
    assert.equal((await put('1/run/artifacts/empty.txt', '', 'text/plain')).status, 200);
    const down = await rawRequest(keel.url, 'GET', `${PROXY}/1/run/artifacts/empty.txt`);
    assert.equal(down.status, 200);
    assert.equal(down.body.length, 0);
    assert.equal(down.headers['content-length'], '0');
  });

  it('streams a large file both ways without changing a byte', async () => {
    const total = 96 * 1024 * 1024 + 17;
    const block = randomBytes(1024 * 1024);
    const sent = createHash('sha256');
    let remaining = total;
    const body = new Readable({
      read() {
        if (remaining === 0) return void this.push(null);
        const piece = block.subarray(0, Math.min(block.length, remaining));
        remaining -= piece.length;
        sent.update(piece);
        this.push(piece);
      },
    });
    const up = await rawRequest(keel.url, 'PUT', `${PROXY}/1/big/blob.bin`, {
      body,
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(total) },
    });
    assert.equal(up.status, 200, up.text());
    const down = await rawRequest(keel.url, 'GET', `${PROXY}/1/big/blob.bin`);
    assert.equal(down.status, 200);
    assert.equal(down.headers['content-length'], String(total));
    assert.equal(down.body.length, total);
    const expected = sent.digest('hex');
    assert.equal(createHash('sha256').update(down.body).digest('hex'), expected);
    const onDisk = readFileSync(join(keel.config.artifactsDestination, '1/big/blob.bin'));
    assert.equal(createHash('sha256').update(onDisk).digest('hex'), expected);
  });

  it('drops an upload the client abandons, keeping the old file and logging no server error', async () => {
    await put('1/abandon/file.bin', 'old');
    const url = new URL(keel.url);
    await new Promise<void>((resolve) => {
      const req = request({
        host: url.hostname,
        port: url.port,
        method: 'PUT',
        path: `${PROXY}/1/abandon/file.bin`,
        headers: { 'content-length': String(8 * 1024 * 1024) },
      });
      req.on('error', () => {});
      req.write(Buffer.alloc(2 * 1024 * 1024));
      setTimeout(() => {
        req.destroy();
        setTimeout(resolve, 300);
      }, 100);
    });
    // The server notices the abort asynchronously (later on a busy machine): wait for its cleanup,
    // boundedly, so a partial file that is never removed still fails the test.
    const listing = () => readdirSync(join(keel.config.artifactsDestination, '1/abandon'));
    for (const until = Date.now() + 5_000; listing().length > 1 && Date.now() < until; ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.deepEqual(listing(), ['file.bin']);
    assert.equal((await rawRequest(keel.url, 'GET', `${PROXY}/1/abandon/file.bin`)).text(), 'old');
    const lines = (keel.server.deps.logger as ReturnType<typeof memoryLogger>).lines;
    assert.deepEqual(
      lines.filter((line) => line.startsWith('error')),
      [],
    );
  });

  it('stops a download the client abandons and releases the file', async () => {
    await put('1/abandon/big.bin', Buffer.alloc(32 * 1024 * 1024, 7));
    const openFiles = () => (existsSync('/proc/self/fd') ? readdirSync('/proc/self/fd').length : 0);
    const before = openFiles();
    const url = new URL(keel.url);
    await new Promise<void>((resolve) => {
      const req = request({ host: url.hostname, port: url.port, method: 'GET', path: `${PROXY}/1/abandon/big.bin` });
      req.on('error', () => {});
      req.on('response', (res) => {
        res.once('data', () => {
          req.destroy();
          setTimeout(resolve, 300);
        });
      });
      req.end();
    });
    assert.ok(openFiles() <= before, 'the artifact file was closed');
    const lines = (keel.server.deps.logger as ReturnType<typeof memoryLogger>).lines;
    assert.deepEqual(
      lines.filter((line) => line.startsWith('error')),
      [],
    );
    assert.equal((await rawRequest(keel.url, 'GET', `${PROXY}/1/abandon/big.bin`)).body.length, 32 * 1024 * 1024);
  });

  it('answers HEAD with the headers only', async () => {
    await put('1/head/file.csv', 'a,b\n1,2\n', 'text/csv');
    const head = await rawRequest(keel.url, 'HEAD', `${PROXY}/1/head/file.csv`);
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-length'], '8');
    assert.equal(head.headers['content-disposition'], 'attachment; filename=file.csv');
    assert.equal(head.body.length, 0);
  });

  it('keeps non-ASCII names and sends them with an RFC 5987 filename', async () => {
    const encoded = `1/unicode/${encodeURIComponent('données')}/${encodeURIComponent('été 2024.txt')}`;
    assert.equal((await put(encoded, 'ü', 'text/plain')).status, 200);
    assert.ok(existsSync(join(keel.config.artifactsDestination, '1/unicode/données/été 2024.txt')));
    const down = await rawRequest(keel.url, 'GET', `${PROXY}/${encoded}`);
    assert.equal(down.text(), 'ü');
    assert.equal(
      down.headers['content-disposition'],
      `attachment; filename="ete 2024.txt"; filename*=UTF-8''%C3%A9t%C3%A9%202024.txt`,
    );
    const list = await rawRequest(keel.url, 'GET', `${PROXY}?path=${encodeURIComponent('1/unicode/données')}`);
    assert.deepEqual(list.json(), { files: [{ path: 'été 2024.txt', is_dir: false, file_size: 2 }] });
  });

  it('works the same under /ajax-api', async () => {
    const up = await rawRequest(keel.url, 'PUT', `${AJAX_PROXY}/1/ajax/a.txt`, { body: 'ajax' });
    assert.equal(up.status, 200);
    assert.equal((await rawRequest(keel.url, 'GET', `${AJAX_PROXY}/1/ajax/a.txt`)).text(), 'ajax');
    assert.deepEqual((await rawRequest(keel.url, 'GET', `${AJAX_PROXY}?path=1/ajax`)).json(), {
      files: [{ path: 'a.txt', is_dir: false, file_size: 4 }],
    });
  });
});

describe('artifact proxy: listing', () => {
  before(async () => {
    await put('2/run/artifacts/b.txt', 'bb');
    await put('2/run/artifacts/a.txt', 'a');
    await put('2/run/artifacts/empty', '');
    await put('2/run/artifacts/sub/deep.txt', 'deep');
  });

  it('lists immediate children by name, sorted, with sizes for non-empty files only', async () => {
    const list = await rawRequest(keel.url, 'GET', `${PROXY}?path=2/run/artifacts`);
    assert.equal(list.status, 200);
    assert.deepEqual(list.json(), {
      files: [
        { path: 'a.txt', is_dir: false, file_size: 1 },
        { path: 'b.txt', is_dir: false, file_size: 2 },
        { path: 'empty', is_dir: false },
        { path: 'sub', is_dir: true },
      ],
    });
  });

  it('lists the destination root when path is absent', async () => {
    const names = (
      (await rawRequest(keel.url, 'GET', PROXY)).json() as { files: { path: string; is_dir: boolean }[] }
    ).files.map((f) => f.path);
    assert.ok(names.includes('1') && names.includes('2'));
  });

  it('answers {} for a missing directory or a file path', async () => {
    assert.deepEqual((await rawRequest(keel.url, 'GET', `${PROXY}?path=does/not/exist`)).json(), {});
    assert.deepEqual((await rawRequest(keel.url, 'GET', `${PROXY}?path=2/run/artifacts/a.txt`)).json(), {});
  });
});

describe('artifact proxy: deletes and errors', () => {
  it('deletes a file, a directory recursively, and a missing path', async () => {
    await put('3/d/keep.txt', 'k');
    await put('3/d/sub/x.txt', 'x');
    for (const path of ['3/d/keep.txt', '3/d/sub', '3/d/never-existed.txt']) {
      const del = await rawRequest(keel.url, 'DELETE', `${PROXY}/${path}`);
      assert.equal(del.status, 200);
      assert.deepEqual(del.json(), {});
    }
    assert.deepEqual((await rawRequest(keel.url, 'GET', `${PROXY}?path=3/d`)).json(), {});
  });

  it('answers 404 RESOURCE_DOES_NOT_EXIST JSON for a missing file and for a directory', async () => {
    await put('3/dir/inside.txt', 'i');
    for (const path of ['3/nope.txt', '3/dir', '3/dir/inside.txt/below']) {
      const res = await rawRequest(keel.url, 'GET', `${PROXY}/${path}`);
      assert.equal(res.status, 404, path);
      assert.equal((res.json() as { error_code: string }).error_code, 'RESOURCE_DOES_NOT_EXIST');
      assert.ok(!res.text().includes(keel.config.artifactsDestination), 'no server paths in messages');
    }
  });

  it('refuses to address the destination root as a file', async () => {
    for (const method of ['GET', 'PUT', 'DELETE']) {
      for (const path of [`${PROXY}/`, `${PROXY}/.`, `${PROXY}/./`, `${PROXY}/%2e`]) {
        const res = await rawRequest(keel.url, method, path, method === 'PUT' ? { body: 'x' } : {});
        assert.equal(res.status, 400, `${method} ${path}`);
        assert.deepEqual(res.json(), INVALID_PATH);
      }
    }
    assert.ok(existsSync(keel.config.artifactsDestination));
  });

  it('reports a write over a directory as a client error', async () => {
    await put('3/taken/file.txt', 'f');
    const res = await put('3/taken', 'x');
    assert.equal(res.status, 400);
    assert.equal((res.json() as { error_code: string }).error_code, 'INVALID_PARAMETER_VALUE');
  });
});

describe('artifact proxy: multipart upload on local disk', () => {
  const message = (res: { json(): unknown }) => (res.json() as { message: string }).message;
  for (const [route, body] of [
    ['create', { path: 'big.bin', num_parts: 2 }],
    ['complete', { path: 'big.bin', upload_id: 'u', parts: [{ part_number: 1, etag: 'e', url: 'x' }] }],
    ['abort', { path: 'big.bin', upload_id: 'u' }],
  ] as const) {
    it(`answers 501 NOT_IMPLEMENTED for mpu/${route} so clients fall back to one PUT`, async () => {
      for (const prefix of ['/api/2.0/mlflow-artifacts', '/ajax-api/2.0/mlflow-artifacts']) {
        const res = await rawRequest(keel.url, 'POST', `${prefix}/mpu/${route}/1/run/artifacts/big`, {
          body: JSON.stringify(body),
          headers: { 'content-type': 'application/json' },
        });
        assert.equal(res.status, 501);
        assert.equal((res.json() as { error_code: string }).error_code, 'NOT_IMPLEMENTED');
        assert.ok(message(res).startsWith(MULTIPART_UNSUPPORTED_MESSAGE));
      }
    });
  }

  it('validates the directory and the request before answering', async () => {
    const traversal = await rawRequest(keel.url, 'POST', '/api/2.0/mlflow-artifacts/mpu/create/..%2F..%2Fx', {
      body: JSON.stringify({ path: 'big.bin', num_parts: 2 }),
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(traversal.status, 400);
    assert.deepEqual(traversal.json(), INVALID_PATH);
    const noType = await rawRequest(keel.url, 'POST', '/api/2.0/mlflow-artifacts/mpu/create/1/x', {
      body: JSON.stringify({ path: 'big.bin', num_parts: 2 }),
    });
    assert.equal(noType.status, 400);
    assert.equal(message(noType), 'Bad Request. Content-Type header is missing.');
    const missing = await rawRequest(keel.url, 'POST', '/api/2.0/mlflow-artifacts/mpu/create/1/x', {
      body: JSON.stringify({ num_parts: 2 }),
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(missing.status, 400);
    assert.match(message(missing), /Missing value for required parameter 'path'/);
  });
});
