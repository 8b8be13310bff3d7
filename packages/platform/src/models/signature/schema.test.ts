import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  paramsFromJson,
  schemaFromJson,
  schemaRepr,
  schemaToJson,
  signatureFromMlModel,
  signatureToMlModel,
} from './schema.js';

describe('signature schemas', () => {
  const columns = [
    { type: 'double', name: 'sepal_length', required: true },
    { type: 'string', name: 'note', required: false },
    { type: 'array', items: { type: 'long' }, name: 'ids', required: true },
    {
      type: 'object',
      properties: { lat: { type: 'double', required: true }, tag: { type: 'string', required: false } },
      name: 'location',
      required: true,
    },
    { type: 'map', values: { type: 'string' }, name: 'attrs', required: true },
    { type: 'any', name: 'extra', required: false },
  ];

  it('round-trips every column type through the MLmodel JSON strings', () => {
    const block = { inputs: JSON.stringify(columns), outputs: null, params: null };
    const signature = signatureFromMlModel(block);
    assert.deepEqual(JSON.parse(signatureToMlModel(signature ?? {}).inputs ?? ''), columns);
    assert.equal(
      schemaRepr(schemaFromJson(columns)),
      "['sepal_length': double (required), 'note': string (optional), 'ids': Array(long) (required), 'location': {lat: double (required), tag: string (optional)} (required), 'attrs': Map(str -> string) (required), 'extra': Any (optional)]",
    );
  });

  it('round-trips tensor specs with MLflow key order', () => {
    const tensors = [{ name: 'image', type: 'tensor', 'tensor-spec': { dtype: 'float32', shape: [-1, 28, 28] } }];
    assert.deepEqual(schemaToJson(schemaFromJson(tensors)), tensors);
    assert.equal(schemaRepr(schemaFromJson(tensors)), "['image': Tensor('float32', (-1, 28, 28))]");
  });

  it('parses params with defaults and shapes', () => {
    const params = paramsFromJson([
      { name: 'temperature', type: 'double', default: 0.7, shape: null },
      { name: 'stop', type: 'string', default: ['\n'], shape: [-1] },
    ]);
    assert.deepEqual(
      params.map((p) => [p.name, p.type.type, p.shape]),
      [
        ['temperature', 'double', null],
        ['stop', 'string', [-1]],
      ],
    );
  });

  it('refuses invalid schemas with a reason', () => {
    const refuse = (json: unknown, message: RegExp) => assert.throws(() => schemaFromJson(json), message);
    refuse([], /non-empty list/);
    refuse(
      [
        { type: 'double', name: 'a' },
        { type: 'tensor', 'tensor-spec': { dtype: 'float32', shape: [-1] } },
      ],
      /mixes column and tensor/,
    );
    refuse([{ type: 'double', name: 'a' }, { type: 'double' }], /either every input is named or none/);
    refuse([{ type: 'tensor', 'tensor-spec': { dtype: '<U10', shape: [-1] } }], /unsupported tensor dtype "<U10"/);
    refuse([{ type: 'double', required: false }], /unnamed columns cannot be optional/);
    refuse(
      [
        { type: 'double', name: 'a' },
        { type: 'long', name: 'a' },
      ],
      /names a column twice/,
    );
    assert.throws(() => paramsFromJson([{ name: 'p', type: 'double' }]), /needs a 'default'/);
    assert.throws(
      () => paramsFromJson([{ name: 'p', type: 'double', default: 1, shape: [2, 2] }]),
      /only null and \[-1\]/,
    );
  });
});
