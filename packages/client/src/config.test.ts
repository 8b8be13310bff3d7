import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkTrackingUri, DEFAULT_TRACKING_URI, resolveClientConfig } from './config.js';

describe('resolveClientConfig', () => {
  test('explicit options win over the environment, which wins over defaults', () => {
    const env = { MLFLOW_TRACKING_URI: 'http://env:5000', MLFLOW_HTTP_REQUEST_TIMEOUT: '7' };
    assert.equal(resolveClientConfig({}, env).trackingUri, 'http://env:5000');
    assert.equal(resolveClientConfig({ trackingUri: 'http://opt' }, env).trackingUri, 'http://opt');
    assert.equal(resolveClientConfig({}, {}).trackingUri, DEFAULT_TRACKING_URI);
    assert.equal(resolveClientConfig({}, env).requestTimeoutMs, 7000);
    assert.equal(resolveClientConfig({ requestTimeoutMs: 50 }, env).requestTimeoutMs, 50);
  });

  test('basic credentials take precedence over a token', () => {
    const token = resolveClientConfig({}, { MLFLOW_TRACKING_TOKEN: 't0k' });
    assert.equal(token.headers.authorization, 'Bearer t0k');
    const both = resolveClientConfig(
      {},
      { MLFLOW_TRACKING_TOKEN: 't0k', MLFLOW_TRACKING_USERNAME: 'ana', MLFLOW_TRACKING_PASSWORD: 'pässword' },
    );
    assert.equal(both.headers.authorization, `Basic ${Buffer.from('ana:pässword').toString('base64')}`);
    assert.equal(both.username, 'ana');
  });

  test('retry settings come from MLFLOW_HTTP_REQUEST_* (seconds) and options (milliseconds)', () => {
    const config = resolveClientConfig(
      { retry: { maxRetries: 3 } },
      {
        MLFLOW_HTTP_REQUEST_MAX_RETRIES: '1',
        MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: '0.5',
        MLFLOW_HTTP_REQUEST_BACKOFF_JITTER: '0',
        MLFLOW_HTTP_RESPECT_RETRY_AFTER_HEADER: 'false',
      },
    );
    assert.equal(config.retry.maxRetries, 3);
    assert.equal(config.retry.backoffFactorMs, 500);
    assert.equal(config.retry.backoffJitterMs, 0);
    assert.equal(config.retry.respectRetryAfter, false);
  });

  test('bad values name the variable; insecure TLS cannot be combined with certificates', () => {
    assert.throws(
      () => resolveClientConfig({}, { MLFLOW_HTTP_REQUEST_MAX_RETRIES: 'many' }),
      /MLFLOW_HTTP_REQUEST_MAX_RETRIES/,
    );
    assert.throws(
      () => resolveClientConfig({}, { MLFLOW_TRACKING_INSECURE_TLS: 'true', MLFLOW_TRACKING_SERVER_CERT_PATH: '/ca' }),
      /cannot be combined/,
    );
  });
});

describe('checkTrackingUri', () => {
  test('names a server given without a scheme instead of taking it as a directory', () => {
    for (const uri of [
      '127.0.0.1:5000',
      'localhost:5000',
      'localhost',
      '10.0.0.7',
      'ml.example.com:443/base',
      '[::1]:5000',
    ]) {
      assert.throws(() => resolveClientConfig({ trackingUri: uri }), {
        code: 'INVALID_PARAMETER_VALUE',
        message: `Tracking URI '${uri}' has no scheme: did you mean http://${uri}? (a local store is written sqlite:///path/to/file.db)`,
      });
    }
    assert.throws(() => resolveClientConfig({}, { MLFLOW_TRACKING_URI: '127.0.0.1:5000' }), /did you mean/);
  });

  test('keeps URIs with a scheme and plain local paths', () => {
    for (const uri of [
      'http://127.0.0.1:5000',
      'sqlite:///mlflow.db',
      'mlruns',
      './mlruns',
      'runs.db',
      '/data/keel',
      'C:\\keel',
    ]) {
      assert.equal(checkTrackingUri(uri), uri);
    }
  });
});
