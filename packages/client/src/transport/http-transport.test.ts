import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
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
        if (attempts === 1) throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED') });
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
        [1, 2, 'connect ECONNREFUSED'],
        [2, 2, 'HTTP 503'],
      ],
    );
    assert.equal(notices[0]?.url, 'http://keel.invalid/api/2.0/mlflow/experiments/search');
    assert.ok(notices.every((n) => n.delayMs >= 0));
  });
});
