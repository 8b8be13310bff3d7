// Browser-facing headers (issue 7): a wildcard CORS setting never hands out credentials, a Host
// with the DNS root dot is the same host, a request with two Host headers is refused, and a
// malformed Content-Type is INVALID_PARAMETER_VALUE like every other client mistake.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '@keel/platform/testing';
import { send } from '../support/http.js';

/** Sends raw bytes (Node's client would merge or refuse duplicate headers) and returns the status line and body. */
function rawHttp(url: string, head: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let out = '';
    socket.on('data', (chunk) => {
      out += chunk;
    });
    socket.on('error', reject);
    socket.on('close', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(out)?.[1] ?? 0);
      resolve({ status, body: out.slice(out.indexOf('\r\n\r\n') + 4) });
    });
    // Not end(): a half-closed request may be abandoned by Node before it is answered. Every
    // request here says `Connection: close`, so the server closes after its answer.
    socket.write(head);
  });
}

const SEARCH = '/api/2.0/mlflow/experiments/search?max_results=1';

describe('browser-facing headers', () => {
  describe("with --cors-allowed-origins '*'", () => {
    let keel: TestServer;
    before(async () => {
      keel = await startTestServer({ corsAllowedOrigins: ['*', 'https://app.example.com'] });
    });
    after(() => keel.close());

    it('lets any origin call without credentials, never reflecting it', async () => {
      const res = await send(keel.url, { path: SEARCH, headers: { origin: 'https://evil.example' } });
      assert.equal(res.status, 200);
      assert.equal(res.headers['access-control-allow-origin'], '*');
      assert.equal(res.headers['access-control-allow-credentials'], undefined);
      const preflight = await send(keel.url, {
        method: 'OPTIONS',
        path: '/api/2.0/mlflow/runs/create',
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
      });
      assert.equal(preflight.status, 204);
      assert.equal(preflight.headers['access-control-allow-origin'], '*');
      assert.equal(preflight.headers['access-control-allow-credentials'], undefined);
    });

    it('gives credentials only to origins listed by name (and local ones)', async () => {
      for (const origin of ['https://app.example.com', 'http://localhost:3000', 'http://127.0.0.1:8080']) {
        const res = await send(keel.url, { path: SEARCH, headers: { origin } });
        assert.equal(res.headers['access-control-allow-origin'], origin);
        assert.equal(res.headers['access-control-allow-credentials'], 'true');
        assert.match(String(res.headers.vary), /Origin/);
      }
    });
  });

  describe('with the default settings', () => {
    let keel: TestServer;
    before(async () => {
      keel = await startTestServer();
    });
    after(() => keel.close());

    it('treats localhost. (the DNS root dot) as localhost, and nothing else', async () => {
      const port = new URL(keel.url).port;
      for (const host of ['localhost.', `localhost.:${port}`, `LOCALHOST.:${port}`]) {
        const res = await send(keel.url, { path: SEARCH, headers: { host } });
        assert.equal(res.status, 200, `${host}: ${res.text}`);
      }
      for (const host of ['evil.example.', `evil.example.:${port}`, 'localhost..', 'localhost.evil.example']) {
        assert.equal((await send(keel.url, { path: SEARCH, headers: { host } })).status, 403, host);
      }
      // A same-origin page served as http://localhost.:port may write.
      const write = await send(keel.url, {
        method: 'POST',
        path: '/api/2.0/mlflow/experiments/create',
        headers: {
          host: `localhost.:${port}`,
          origin: `http://localhost.:${port}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ name: 'dotted-host' }),
      });
      assert.equal(write.status, 200, write.text);
    });

    it('refuses a request with two Host headers, whichever comes first', async () => {
      for (const hosts of [
        ['localhost', 'evil.example'],
        ['evil.example', 'localhost'],
        ['localhost', 'localhost'],
      ]) {
        const res = await rawHttp(
          keel.url,
          `GET ${SEARCH} HTTP/1.1\r\nHost: ${hosts[0]}\r\nHost: ${hosts[1]}\r\nConnection: close\r\n\r\n`,
        );
        assert.equal(res.status, 400, hosts.join(' + '));
        assert.equal(JSON.parse(res.body).error_code, 'INVALID_PARAMETER_VALUE');
      }
      const one = await rawHttp(keel.url, `GET ${SEARCH} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
      assert.equal(one.status, 200);
    });

    it('answers a malformed Content-Type with INVALID_PARAMETER_VALUE on every JSON route', async () => {
      const body = JSON.stringify({ name: 'never-created' });
      for (const type of [
        '/',
        'application/',
        ';;;',
        'application/json charset',
        'application/json, text/plain',
        'application/json; charset="',
        'application/json; =x',
      ]) {
        for (const path of ['/api/2.0/mlflow/experiments/create', '/api/2.0/mlflow-artifacts/mpu/create/x']) {
          const res = await send(keel.url, { method: 'POST', path, headers: { 'content-type': type }, body });
          assert.equal(res.status, 400, `${type} ${path}: ${res.text}`);
          assert.equal(res.json?.error_code, 'INVALID_PARAMETER_VALUE', `${type} ${path}: ${res.text}`);
          assert.match(res.json.message, /Content-Type/);
        }
      }
      const found = await send(keel.url, {
        path: '/api/2.0/mlflow/experiments/get-by-name?experiment_name=never-created',
      });
      assert.equal(found.status, 404);
      // Uploads take any bytes under any label, well-formed or not.
      const upload = await send(keel.url, {
        method: 'PUT',
        path: '/api/2.0/mlflow-artifacts/artifacts/labelled.bin',
        headers: { 'content-type': ';;;' },
        body: 'bytes',
      });
      assert.equal(upload.status, 200);
    });
  });

  describe('with the security middleware disabled', () => {
    let keel: TestServer;
    before(async () => {
      keel = await startTestServer({ disableSecurityMiddleware: true });
    });
    after(() => keel.close());

    it('still refuses two Host headers (RFC 9112 asks for a 400)', async () => {
      const res = await rawHttp(
        keel.url,
        `GET ${SEARCH} HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\nConnection: close\r\n\r\n`,
      );
      assert.equal(res.status, 400);
    });
  });
});
