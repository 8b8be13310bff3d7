import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonTypeName, mergeSchema, readSchema } from './dataset-schema.js';

describe('dataset schema', () => {
  it('names JSON types', () => {
    assert.deepEqual(['s', 1, 1.5, true, null, [1], { a: 1 }].map(jsonTypeName), [
      'string',
      'integer',
      'float',
      'boolean',
      'null',
      'array',
      'object',
    ]);
  });

  it('adds new fields, keeps the first type seen, and leaves out empty sections', () => {
    const first = mergeSchema(undefined, [{ inputs: { q: 'x' }, expectations: { a: 1 } }]);
    assert.deepEqual(first, { inputs: { q: 'string' }, expectations: { a: 'integer' }, version: '1.0' });
    const second = mergeSchema(first, [{ inputs: { q: 3, extra: [1] }, outputs: { y: 0.5 } }]);
    assert.deepEqual(second, {
      inputs: { q: 'string', extra: 'array' },
      outputs: { y: 'float' },
      expectations: { a: 'integer' },
      version: '1.0',
    });
    assert.deepEqual(mergeSchema(undefined, []), { version: '1.0' });
  });

  it('reads back a stored schema, and ignores an unreadable one', () => {
    assert.deepEqual(readSchema('{"version": "1.0", "inputs": {"q": "string"}}'), {
      version: '1.0',
      inputs: { q: 'string' },
    });
    assert.equal(readSchema('not json'), undefined);
    assert.equal(readSchema(null), undefined);
  });
});
