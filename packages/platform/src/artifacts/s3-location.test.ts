import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MlflowError } from '@keel/contract';
import { formatS3Uri, isS3LocationInside, parseS3Uri, s3KeyOf } from './s3-location.js';

function invalid(error: unknown): boolean {
  return error instanceof MlflowError && error.code === 'INVALID_PARAMETER_VALUE';
}

describe('S3 locations', () => {
  it('parses s3://bucket/prefix, normalizing empty segments', () => {
    assert.deepEqual(parseS3Uri('s3://ml-art/team/a'), { bucket: 'ml-art', prefix: 'team/a' });
    assert.deepEqual(parseS3Uri('S3://ml-art//team//a/'), { bucket: 'ml-art', prefix: 'team/a' });
    assert.deepEqual(parseS3Uri('s3://ml-art'), { bucket: 'ml-art', prefix: '' });
    assert.deepEqual(parseS3Uri('s3://ml-art/'), { bucket: 'ml-art', prefix: '' });
    // Keys are literal: an escape is three characters of the key, not what it decodes to.
    assert.deepEqual(parseS3Uri('s3://b1/a%20b'), { bucket: 'b1', prefix: 'a%20b' });
    assert.equal(formatS3Uri(parseS3Uri('s3://ml-art//team/')), 's3://ml-art/team');
  });

  it('refuses what is not a bucket and prefix', () => {
    for (const bad of [
      's3://',
      's3:///prefix',
      's3:bucket/x',
      's3://-bad/x',
      's3://b/a/../c',
      's3://b/./c',
      's3://b/a?versionId=1',
      's3://b/a#frag',
      's3://b/a\\c',
      's3://b/a\u0001',
      'gs://b/a',
    ]) {
      assert.throws(() => parseS3Uri(bad), invalid, bad);
    }
  });

  it('compares containment by whole segments, in one bucket', () => {
    const root = parseS3Uri('s3://ml/artifacts');
    assert.equal(isS3LocationInside(root, parseS3Uri('s3://ml/artifacts')), true);
    assert.equal(isS3LocationInside(root, parseS3Uri('s3://ml/artifacts/1/run')), true);
    assert.equal(isS3LocationInside(root, parseS3Uri('s3://ml//artifacts//1')), true);
    assert.equal(isS3LocationInside(root, parseS3Uri('s3://ml/artifacts-other/1')), false);
    assert.equal(isS3LocationInside(root, parseS3Uri('s3://ml/art')), false);
    assert.equal(isS3LocationInside(root, parseS3Uri('s3://other/artifacts/1')), false);
    assert.equal(isS3LocationInside(parseS3Uri('s3://ml'), parseS3Uri('s3://ml/anything')), true);
  });

  it('builds keys below the prefix', () => {
    assert.equal(s3KeyOf('p/q', 'a/b.txt'), 'p/q/a/b.txt');
    assert.equal(s3KeyOf('', 'a/b.txt'), 'a/b.txt');
    assert.equal(s3KeyOf('p', ''), 'p');
  });
});
