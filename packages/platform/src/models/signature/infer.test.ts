import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Tensor } from '../data/tensor.js';
import { inferParams, inferSchema, inferSignature } from './infer.js';
import { schemaToJson } from './schema.js';

describe('signature inference', () => {
  it('infers columns from row objects; a column with nulls is optional', () => {
    const schema = inferSchema([
      { x: 1.5, n: 2, label: 'a', ok: true, tags: ['a'], loc: { lat: 1 } },
      { x: 2, n: 3, label: null, ok: false, tags: [], loc: { lat: 2, tag: 'z' } },
    ]);
    assert.deepEqual(schemaToJson(schema), [
      { type: 'double', name: 'x', required: true },
      { type: 'long', name: 'n', required: true },
      { type: 'string', name: 'label', required: false },
      { type: 'boolean', name: 'ok', required: true },
      { type: 'array', items: { type: 'string' }, name: 'tags', required: true },
      {
        type: 'object',
        properties: { lat: { type: 'long', required: true }, tag: { type: 'string', required: false } },
        name: 'loc',
        required: true,
      },
    ]);
  });

  it('infers tensors with a variable first dimension', () => {
    assert.deepEqual(
      schemaToJson(
        inferSchema([
          [0.1, 0.2],
          [0.3, 0.4],
        ]),
      ),
      [{ type: 'tensor', 'tensor-spec': { dtype: 'float64', shape: [-1, 2] } }],
    );
    assert.deepEqual(schemaToJson(inferSchema({ a: Tensor.fromNested([[1, 2]], 'float32') })), [
      { name: 'a', type: 'tensor', 'tensor-spec': { dtype: 'float32', shape: [-1, 2] } },
    ]);
    assert.deepEqual(
      schemaToJson(inferSchema({ a: [1, 2], b: ['x', 'y'] })).map((c) => c.type),
      ['long', 'string'],
    );
  });

  it('infers params with their example values as defaults', () => {
    assert.deepEqual(
      inferParams({ temperature: 0.5, stop: ['\n'] }).map((p) => [p.name, p.type.type, p.default, p.shape]),
      [
        ['temperature', 'double', 0.5, null],
        ['stop', 'string', ['\n'], [-1]],
      ],
    );
    assert.equal(inferSignature([{ x: 1 }], { params: { k: 2 } }).params?.[0]?.type.type, 'long');
  });

  it('refuses examples it cannot type', () => {
    assert.throws(() => inferSchema([{ x: 1 }, { x: 'a' }]), /column 'x' mixes value types/);
    assert.throws(() => inferSchema([]), /empty input example/);
  });
});
