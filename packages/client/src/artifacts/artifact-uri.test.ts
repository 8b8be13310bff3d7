import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MlflowError } from '@keel/contract';
import {
  guessContentType,
  isLocalArtifactUri,
  isProxyArtifactUri,
  resolveProxyLocation,
  validateArtifactPath,
} from './artifact-uri.js';

describe('artifact URIs', () => {
  test('mlflow-artifacts roots without a host go to the tracking server itself', () => {
    assert.deepEqual(resolveProxyLocation('mlflow-artifacts:/3/abc/artifacts', 'http://h:5000'), {
      base: '',
      path: '3/abc/artifacts',
    });
    assert.deepEqual(resolveProxyLocation('mlflow-artifacts:///0/x', 'sqlite:///x.db'), { base: '', path: '0/x' });
  });

  test('a host in the URI wins; scheme and base path come from the tracking URI', () => {
    assert.deepEqual(resolveProxyLocation('mlflow-artifacts://other:7000/1/r/artifacts', 'https://keel/base/'), {
      base: 'https://other:7000/base',
      path: '1/r/artifacts',
    });
  });

  test('fully qualified proxy URLs are split at the proxy route', () => {
    const uri = 'http://h:5000/p/api/2.0/mlflow-artifacts/artifacts/2/run/artifacts';
    assert.equal(isProxyArtifactUri(uri), true);
    assert.deepEqual(resolveProxyLocation(uri, 'http://elsewhere'), {
      base: 'http://h:5000/p',
      path: '2/run/artifacts',
    });
  });

  test('a port without a host, or a host with a non-http tracking URI, is refused', () => {
    assert.throws(() => resolveProxyLocation('mlflow-artifacts://:5000/x', 'http://h'), MlflowError);
    assert.throws(() => resolveProxyLocation('mlflow-artifacts://5000/x', 'http://h'), MlflowError);
    assert.throws(() => resolveProxyLocation('mlflow-artifacts://h:1/x', 'sqlite:///x.db'), MlflowError);
  });

  test('local roots are paths and file: URIs; cloud schemes are neither', () => {
    assert.equal(isLocalArtifactUri('/data/a'), true);
    assert.equal(isLocalArtifactUri('file:///data/a'), true);
    assert.equal(isLocalArtifactUri('C:\\data'), true);
    assert.equal(isLocalArtifactUri('s3://b/p'), false);
    assert.equal(isProxyArtifactUri('s3://b/p'), false);
  });

  test('artifact paths must already be normalised', () => {
    for (const ok of ['', 'a', 'a/b.txt', 'model/MLmodel']) validateArtifactPath(ok);
    for (const bad of ['/a', 'a/../b', './a', '..', '.', 'a//b', 'a/']) {
      assert.throws(() => validateArtifactPath(bad), /Invalid artifact path/, bad);
    }
  });

  test('text-like names are uploaded as text/plain', () => {
    assert.equal(guessContentType('a/b.json'), 'text/plain');
    assert.equal(guessContentType('MLmodel'), 'text/plain');
    assert.equal(guessContentType('p.png'), 'image/png');
    assert.equal(guessContentType('weights.bin'), 'application/octet-stream');
  });
});
