// The client-certificate setting (MLFLOW_TRACKING_CLIENT_CERT_PATH: one PEM with the
// certificate and its key) against an HTTPS server that requires a client certificate: the
// configured certificate is presented, and without it (or with one the server does not trust)
// the call fails without the server ever handling a request.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { MlflowError } from '@keel/client';
import { createClient } from '@keel/client/node';
import { json } from './support.js';

const OK_RUN = { run: { info: { run_id: 'r' }, data: {} } };

/** Makes a self-signed certificate; returns the paths of its certificate and key. */
function selfSigned(dir: string, name: string, subject: string, extra: string[] = []): { cert: string; key: string } {
  const cert = join(dir, `${name}.pem`);
  const key = join(dir, `${name}-key.pem`);
  const made = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      subject,
      ...extra,
    ],
    { stdio: 'ignore' },
  );
  assert.equal(made.status, 0, 'openssl makes the test certificates (.ci/run installs it)');
  return { cert, key };
}

describe('client certificate', () => {
  let dir: string;
  let server: Server;
  let url: string;
  let serverCert: string;
  let clientPem: string;
  let strangerPem: string;
  const handled: string[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'keel-mtls-'));
    const srv = selfSigned(dir, 'server', '/CN=127.0.0.1', ['-addext', 'subjectAltName=IP:127.0.0.1']);
    const client = selfSigned(dir, 'client', '/CN=keel-test-client');
    const stranger = selfSigned(dir, 'stranger', '/CN=stranger');
    // MLflow's client certificate file holds the certificate and its key together.
    clientPem = join(dir, 'client-combined.pem');
    writeFileSync(clientPem, readFileSync(client.cert, 'utf8') + readFileSync(client.key, 'utf8'));
    strangerPem = join(dir, 'stranger-combined.pem');
    writeFileSync(strangerPem, readFileSync(stranger.cert, 'utf8') + readFileSync(stranger.key, 'utf8'));
    serverCert = srv.cert;
    server = createServer(
      {
        key: readFileSync(srv.key),
        cert: readFileSync(srv.cert),
        ca: readFileSync(client.cert),
        requestCert: true,
        rejectUnauthorized: true,
      },
      (req, res) => {
        const peer = (req.socket as TLSSocket).getPeerCertificate();
        handled.push(`${req.url} from ${peer.subject?.CN}`);
        json(res, 200, OK_RUN);
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  const env = (extra: Record<string, string>) => ({
    MLFLOW_TRACKING_URI: url,
    MLFLOW_TRACKING_SERVER_CERT_PATH: serverCert,
    MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0',
    ...extra,
  });

  test('presents the certificate named by MLFLOW_TRACKING_CLIENT_CERT_PATH', async () => {
    handled.length = 0;
    const client = createClient({ env: env({ MLFLOW_TRACKING_CLIENT_CERT_PATH: clientPem }) });
    assert.deepEqual(await client.getRun({ run_id: 'r' }), OK_RUN);
    assert.deepEqual(handled, ['/api/2.0/mlflow/runs/get?run_id=r from keel-test-client']);
  });

  test('the clientCertPath option does the same', async () => {
    handled.length = 0;
    const client = createClient({ env: env({}), clientCertPath: clientPem });
    assert.deepEqual(await client.getRun({ run_id: 'r' }), OK_RUN);
    assert.equal(handled.length, 1);
  });

  test('without a client certificate the server refuses the connection', async () => {
    handled.length = 0;
    const client = createClient({ env: env({}) });
    await assert.rejects(client.getRun({ run_id: 'r' }), (error: unknown) => error instanceof MlflowError);
    assert.deepEqual(handled, []);
  });

  test('a certificate the server does not trust is refused too', async () => {
    handled.length = 0;
    const client = createClient({ env: env({ MLFLOW_TRACKING_CLIENT_CERT_PATH: strangerPem }) });
    await assert.rejects(client.getRun({ run_id: 'r' }), (error: unknown) => error instanceof MlflowError);
    assert.deepEqual(handled, []);
  });

  test('a client certificate path that does not exist is a clear error', () => {
    assert.throws(() => createClient({ env: env({ MLFLOW_TRACKING_CLIENT_CERT_PATH: join(dir, 'missing.pem') }) }), {
      code: 'INVALID_PARAMETER_VALUE',
      message: /^Cannot read the client certificate \(MLFLOW_TRACKING_CLIENT_CERT_PATH\) at '.*missing\.pem': ENOENT/,
    });
  });
});
