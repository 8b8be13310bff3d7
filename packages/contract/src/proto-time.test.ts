import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MlflowError } from './errors.js';
import {
  decodeMessage,
  f,
  formatDuration,
  formatTimestamp,
  message,
  parseDuration,
  parseTimestamp,
} from './message.js';

describe('protobuf Timestamp and Duration JSON forms', () => {
  it('parses RFC 3339 timestamps with fractions and offsets', () => {
    assert.equal(parseTimestamp('2023-11-14T22:13:20Z'), 1_700_000_000_000);
    assert.equal(parseTimestamp('2023-11-14T22:13:20.5Z'), 1_700_000_000_500);
    assert.equal(parseTimestamp('2023-11-14T22:13:20.123456789Z'), 1_700_000_000_123);
    assert.equal(parseTimestamp('2023-11-14T23:13:20+01:00'), 1_700_000_000_000);
    for (const bad of ['2023-11-14', '2023-02-30T00:00:00Z', '2023-11-14T25:00:00Z', '1700000000000', '']) {
      assert.equal(parseTimestamp(bad), undefined, bad);
    }
  });

  it('formats as protobuf does: no fraction for whole seconds, milliseconds otherwise', () => {
    assert.equal(formatTimestamp(1_700_000_000_000), '2023-11-14T22:13:20Z');
    assert.equal(formatTimestamp(1_700_000_000_196), '2023-11-14T22:13:20.196Z');
    assert.equal(formatDuration(2000), '2s');
    assert.equal(formatDuration(1250), '1.250s');
    assert.equal(formatDuration(10), '0.010s');
    assert.equal(parseDuration('1.250s'), 1250);
    assert.equal(parseDuration('2s'), 2000);
    assert.equal(parseDuration('-0.5s'), -500);
    assert.equal(parseDuration('1.5'), undefined);
  });

  it('decodes timestamp, duration, map and value fields, refusing wrong types', () => {
    const spec = message('T', { at: f.timestamp(), took: f.duration(), tags: f.map(), any: f.value() });
    assert.deepEqual(
      decodeMessage(spec, { at: '2023-11-14T22:13:20Z', took: '1s', tags: { a: 'b' }, any: { x: [1, null] } }),
      { at: '2023-11-14T22:13:20Z', took: '1s', tags: { a: 'b' }, any: { x: [1, null] } },
    );
    for (const bad of [{ at: 1700000000000 }, { took: '1 second' }, { tags: { a: 1 } }, { tags: ['a'] }]) {
      assert.throws(
        () => decodeMessage(spec, bad),
        (e: unknown) => e instanceof MlflowError && e.code === 'INVALID_PARAMETER_VALUE',
      );
    }
  });
});
