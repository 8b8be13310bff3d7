// Transport-level behaviour against a tiny scripted HTTP server: MLflow's retry rules,
// Retry-After, per-request timeouts, an unreachable server, credentials and TLS settings.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { KeelClient, MlflowError } from '@keel/client';
import { createClient } from '@keel/client/node';
import { closedPort, json, QUICK_RETRY, scriptedServer } from './support.js';

const OK_RUN = { run: { info: { run_id: 'r' }, data: {} } };

describe('HTTP transport', () => {
  const closers: (() => Promise<void>)[] = [];
  after(async () => {
    for (const close of closers) await close();
  });
  async function server(answer: Parameters<typeof scriptedServer>[0]) {
    const s = await scriptedServer(answer);
    closers.push(s.close);
    return s;
  }

  test('retries 503 and 429 answers, then returns the success', async () => {
    const s = await server((_req, i, res) => {
      if (i === 0) json(res, 503, { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'db locked' });
      else if (i === 1) json(res, 429, { error_code: 'RESOURCE_EXHAUSTED', message: 'slow down' });
      else json(res, 200, OK_RUN);
    });
    const client = new KeelClient({ trackingUri: s.url, retry: QUICK_RETRY });
    assert.deepEqual(await client.getRun({ run_id: 'r' }), OK_RUN);
    assert.equal(s.seen.length, 3);
  });

  test('does not retry caller errors (4xx other than 408/429)', async () => {
    const s = await server((_req, _i, res) => json(res, 400, { error_code: 'INVALID_PARAMETER_VALUE', message: 'no' }));
    const client = new KeelClient({ trackingUri: s.url, retry: QUICK_RETRY });
    await assert.rejects(client.getRun({ run_id: 'r' }), { code: 'INVALID_PARAMETER_VALUE', status: 400 });
    assert.equal(s.seen.length, 1);
  });

  test('gives up after maxRetries and reports the last answer', async () => {
    const s = await server((_req, _i, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<h1>Bad gateway</h1>');
    });
    const client = new KeelClient({ trackingUri: s.url, retry: QUICK_RETRY });
    const error = await client.getRun({ run_id: 'r' }).catch((e: unknown) => e);
    assert.ok(error instanceof MlflowError);
    assert.equal(error.status, 502);
    assert.equal(error.code, 'INTERNAL_ERROR');
    assert.match(error.message, /HTTP 502: Bad gateway/);
    assert.equal(s.seen.length, 1 + QUICK_RETRY.maxRetries);
  });

  test('honours Retry-After instead of the backoff', async () => {
    const s = await server((_req, i, res) => {
      if (i === 0) json(res, 429, { error_code: 'RESOURCE_EXHAUSTED', message: 'wait' }, { 'retry-after': '1' });
      else json(res, 200, OK_RUN);
    });
    const client = new KeelClient({ trackingUri: s.url, retry: { ...QUICK_RETRY, backoffMaxMs: 5000 } });
    await client.getRun({ run_id: 'r' });
    const waited = (s.seen[1]?.at ?? 0) - (s.seen[0]?.at ?? 0);
    assert.ok(waited >= 950, `waited ${waited} ms`);
  });

  test('a slow answer times out per attempt and is retried', async () => {
    const s = await server((_req, i, res) => {
      if (i === 0) setTimeout(() => json(res, 200, OK_RUN), 600);
      else json(res, 200, OK_RUN);
    });
    const client = new KeelClient({ trackingUri: s.url, requestTimeoutMs: 150, retry: QUICK_RETRY });
    assert.deepEqual(await client.getRun({ run_id: 'r' }), OK_RUN);
    assert.equal(s.seen.length, 2);
  });

  test('a refused connection fails after brief retries with one error naming the URL', async () => {
    const port = await closedPort();
    const client = new KeelClient({ trackingUri: `http://127.0.0.1:${port}`, retry: QUICK_RETRY });
    const started = Date.now();
    const error = await client.getExperiment({ experiment_id: '0' }).catch((e: unknown) => e);
    assert.ok(Date.now() - started < 5000);
    assert.ok(error instanceof MlflowError);
    assert.equal(error.code, 'TEMPORARILY_UNAVAILABLE');
    assert.equal(error.status, 0);
    assert.match(error.message, new RegExp(`http://127\\.0\\.0\\.1:${port}/api/2\\.0/mlflow/experiments/get`));
    assert.match(error.message, /connection refused, 3 attempts in/);
    assert.match(error.message, /is a Keel or MLflow server running there\? start one with keel server$/);
  });

  test('MLFLOW_HTTP_REQUEST_* variables configure retries and timeouts (read at construction)', async () => {
    const s = await server((_req, _i, res) => json(res, 500, { error_code: 'INTERNAL_ERROR', message: 'boom' }));
    const env = {
      MLFLOW_TRACKING_URI: s.url,
      MLFLOW_HTTP_REQUEST_MAX_RETRIES: '1',
      MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: '0.001',
      MLFLOW_HTTP_REQUEST_BACKOFF_JITTER: '0',
    };
    const client = createClient({ env });
    env.MLFLOW_HTTP_REQUEST_MAX_RETRIES = '5';
    await assert.rejects(client.getRun({ run_id: 'r' }), { code: 'INTERNAL_ERROR', status: 500 });
    assert.equal(s.seen.length, 2);
  });

  test('sends Bearer tokens, prefers Basic credentials, and lets options override the environment', async () => {
    const s = await server((_req, _i, res) => json(res, 200, OK_RUN));
    await createClient({ env: { MLFLOW_TRACKING_URI: s.url, MLFLOW_TRACKING_TOKEN: 'tok' } }).getRun({ run_id: 'r' });
    await createClient({
      env: {
        MLFLOW_TRACKING_URI: s.url,
        MLFLOW_TRACKING_TOKEN: 'tok',
        MLFLOW_TRACKING_USERNAME: 'ana',
        MLFLOW_TRACKING_PASSWORD: 'pw',
      },
    }).getRun({ run_id: 'r' });
    await createClient({
      env: { MLFLOW_TRACKING_URI: 'http://ignored', MLFLOW_TRACKING_TOKEN: 'tok' },
      trackingUri: s.url,
      token: 'opt',
    }).getRun({ run_id: 'r' });
    assert.deepEqual(
      s.seen.map((r) => r.headers.authorization),
      ['Bearer tok', `Basic ${Buffer.from('ana:pw').toString('base64')}`, 'Bearer opt'],
    );
    assert.match(s.seen[0]?.url ?? '', /^\/api\/2\.0\/mlflow\/runs\/get\?run_id=r$/);
  });

  test('reads credentials from ~/.mlflow/credentials when the environment has none', async () => {
    const home = mkdtempSync(join(tmpdir(), 'keel-home-'));
    mkdirSync(join(home, '.mlflow'));
    writeFileSync(
      join(home, '.mlflow', 'credentials'),
      '[mlflow]\nmlflow_tracking_username = file-user\nmlflow_tracking_password = file-pw\n',
    );
    const s = await server((_req, _i, res) => json(res, 200, OK_RUN));
    const client = createClient({ env: { HOME: home, MLFLOW_TRACKING_URI: s.url } });
    await client.getRun({ run_id: 'r' });
    assert.equal(s.seen[0]?.headers.authorization, `Basic ${Buffer.from('file-user:file-pw').toString('base64')}`);
    assert.equal(client.config.username, 'file-user');
    rmSync(home, { recursive: true, force: true });
  });

  test('MLFLOW_TRACKING_INSECURE_TLS accepts a self-signed certificate; the default refuses it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keel-tls-'));
    const made = spawnSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    assert.equal(made.status, 0, 'openssl makes the test certificate (.ci/run installs it)');
    const tls = createHttpsServer(
      { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
      (_req, res) => json(res, 200, OK_RUN),
    );
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
    closers.push(
      () =>
        new Promise((resolve) => {
          tls.closeAllConnections();
          tls.close(() => resolve());
        }),
    );
    const url = `https://127.0.0.1:${(tls.address() as AddressInfo).port}`;
    // Certificate failures are not retried: the default client fails at once.
    const strict = createClient({ env: { MLFLOW_TRACKING_URI: url } });
    await assert.rejects(
      strict.getRun({ run_id: 'r' }),
      /Could not connect to https:.*: self-signed certificate.*MLFLOW_TRACKING_SERVER_CERT_PATH/,
    );
    const insecure = createClient({ env: { MLFLOW_TRACKING_URI: url, MLFLOW_TRACKING_INSECURE_TLS: 'true' } });
    assert.deepEqual(await insecure.getRun({ run_id: 'r' }), OK_RUN);
    const pinned = createClient({
      env: { MLFLOW_TRACKING_URI: url, MLFLOW_TRACKING_SERVER_CERT_PATH: join(dir, 'cert.pem') },
    });
    assert.deepEqual(await pinned.getRun({ run_id: 'r' }), OK_RUN);
    rmSync(dir, { recursive: true, force: true });
  });
});
