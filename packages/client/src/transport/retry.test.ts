import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { backoffDelayMs, DEFAULT_RETRY, parseRetryAfter } from './retry.js';

describe('retry rules', () => {
  test('backoff follows urllib3: none before the first retry, then factor * 2^(n-1) plus jitter, capped', () => {
    const noJitter = () => 0;
    assert.equal(backoffDelayMs(1, DEFAULT_RETRY, noJitter), 0);
    assert.equal(backoffDelayMs(2, DEFAULT_RETRY, noJitter), 4000);
    assert.equal(backoffDelayMs(3, DEFAULT_RETRY, noJitter), 8000);
    assert.equal(backoffDelayMs(7, DEFAULT_RETRY, noJitter), 120_000);
    assert.equal(
      backoffDelayMs(2, DEFAULT_RETRY, () => 0.5),
      4500,
    );
  });

  test('Retry-After is read as seconds or as an HTTP date', () => {
    assert.equal(parseRetryAfter('3'), 3000);
    assert.equal(parseRetryAfter('0.5'), 500);
    assert.equal(parseRetryAfter(undefined), undefined);
    assert.equal(parseRetryAfter('soon'), undefined);
    const now = Date.parse('2025-01-01T00:00:00Z');
    assert.equal(parseRetryAfter('Wed, 01 Jan 2025 00:00:10 GMT', now), 10_000);
  });
});
