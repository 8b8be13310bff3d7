import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { inspect } from 'node:util';
import { ConnectionFailedError, NO_SERVER_HINT } from './connection-error.js';
import { HttpTransport, type RetryNotice } from './http-transport.js';

describe('HttpTransport retry notices', () => {
  test('each retry is announced with its reason and wait, before the final error', async () => {
    const notices: RetryNotice[] = [];
    let attempts = 0;
    const transport = new HttpTransport({
      baseUrl: 'http://keel.invalid',
      retry: { maxRetries: 2, backoffFactorMs: 1, backoffJitterMs: 0 },
      fetch: async () => {
        attempts++;
        if (attempts === 1) throw new TypeError('fetch failed', { cause: new Error('read ECONNRESET') });
        return new Response('busy', { status: 503 });
      },
      onRetry: (n) => notices.push(n),
    });
    const response = await transport.request({ method: 'GET', path: '/api/2.0/mlflow/experiments/search' });
    assert.equal(response.status, 503);
    assert.equal(attempts, 3);
    assert.deepEqual(
      notices.map((n) => [n.retry, n.maxRetries, n.reason]),
      [
        [1, 2, 'read ECONNRESET'],
        [2, 2, 'HTTP 503'],
      ],
    );
    assert.equal(notices[0]?.url, 'http://keel.invalid/api/2.0/mlflow/experiments/search');
    assert.ok(notices.every((n) => n.delayMs >= 0));
  });
});

describe('HttpTransport connection failures', () => {
  const refused = () =>
    new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    });

  test('a refused connection is retried briefly and silently, then fails in one line with a hint', async () => {
    const notices: RetryNotice[] = [];
    let attempts = 0;
    const transport = new HttpTransport({
      baseUrl: 'http://127.0.0.1:5999',
      refusedRetryMs: 800,
      fetch: async () => {
        attempts++;
        throw refused();
      },
      onRetry: (n) => notices.push(n),
    });
    const started = Date.now();
    const error = await transport
      .request({ method: 'GET', path: '/api/2.0/mlflow/experiments/search' })
      .catch((e) => e);
    const elapsed = Date.now() - started;
    // Waits of 250 then 500 ms; the next (1000 ms) is cut to what is left of the 800 ms budget,
    // so a last attempt lands at its end.
    assert.equal(attempts, 4);
    assert.ok(elapsed >= 700 && elapsed < 2000, `${elapsed} ms`);
    assert.deepEqual(notices, []);
    assert.ok(error instanceof ConnectionFailedError);
    assert.equal(error.reason, 'refused');
    assert.equal(error.code, 'TEMPORARILY_UNAVAILABLE');
    assert.equal(error.status, 0);
    assert.match(
      error.message,
      /^Could not connect to http:\/\/127\.0\.0\.1:5999\/api\/2\.0\/mlflow\/experiments\/search \(connection refused, 4 attempts in \d+\.\d s\): /,
    );
    assert.ok(error.message.endsWith(NO_SERVER_HINT));
    // Printed as one line: no stack frames, no nested causes, no property block.
    assert.equal(inspect(error).split('\n').length, 1, inspect(error));
  });

  test('no retries at all when maxRetries is 0', async () => {
    let attempts = 0;
    const transport = new HttpTransport({
      baseUrl: 'http://127.0.0.1:5999',
      retry: { maxRetries: 0 },
      fetch: async () => {
        attempts++;
        throw refused();
      },
    });
    await assert.rejects(transport.request({ method: 'GET', path: '/x' }), /1 attempt in/);
    assert.equal(attempts, 1);
  });

  test('https:// spoken to a plain-HTTP server names the mismatch and is not retried', async () => {
    let attempts = 0;
    const transport = new HttpTransport({
      baseUrl: 'https://127.0.0.1:5999/base',
      fetch: async () => {
        attempts++;
        throw new TypeError('fetch failed', {
          cause: Object.assign(new Error('ssl3_get_record:wrong version number'), {
            code: 'ERR_SSL_WRONG_VERSION_NUMBER',
          }),
        });
      },
    });
    const error = await transport.request({ method: 'GET', path: '/x' }).catch((e) => e);
    assert.equal(attempts, 1);
    assert.ok(error instanceof ConnectionFailedError);
    assert.equal(error.reason, 'tls-mismatch');
    assert.match(error.message, /speaks plain HTTP, not HTTPS; use http:\/\/127\.0\.0\.1:5999 as the tracking URI/);
  });
});

describe('HttpTransport URLs fetch refuses', () => {
  test('a blocked port is named at once, not retried for minutes', async () => {
    const transport = new HttpTransport({ baseUrl: 'http://127.0.0.1:9' });
    const started = Date.now();
    const error = await transport.request({ method: 'GET', path: '/x' }).catch((e) => e);
    assert.ok(Date.now() - started < 2000);
    assert.ok(error instanceof ConnectionFailedError);
    assert.equal(error.reason, 'invalid-url');
    assert.match(
      error.message,
      /^Could not connect to http:\/\/127\.0\.0\.1:9\/x: fetch refuses its port \(one of the Fetch standard's blocked ports, which browsers refuse too\); run the server on another port, such as 5000, and point the tracking URI there$/,
    );
  });
});
