import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DataFrame } from '../data/data-frame.js';
import { Tensor } from '../data/tensor.js';
import { predictionsJson, responseBody } from './predictions.js';

describe('predictions as JSON (models.md §8.3)', () => {
  it('writes tensors of any shape as their nested lists, NaN and infinities as null', () => {
    const data = Float32Array.from([0.5, Number.NaN, 3, -0, Number.POSITIVE_INFINITY, 1e-7, 2, 4, 8, 16, 32, 64]);
    for (const shape of [[12], [3, 4], [2, 3, 2], [1, 12], [12, 1], [2, 2, 3, 1]]) {
      const tensor = new Tensor('float32', shape, data);
      assert.equal(predictionsJson(tensor), JSON.stringify(tensor.toArray()), `shape ${shape}`);
      assert.equal(
        predictionsJson({ a: tensor, b: new Tensor('int64', [2], Float64Array.from([1, 2])) }),
        `{"a":${JSON.stringify(tensor.toArray())},"b":[1,2]}`,
      );
    }
    assert.equal(predictionsJson(new Tensor('float64', [0, 3], new Float64Array(0))), '[]');
    assert.equal(predictionsJson(new Tensor('float64', [2, 0], new Float64Array(0))), '[[],[]]');
    assert.equal(predictionsJson(new Tensor('bool', [2], Uint8Array.from([1, 0]))), '[true,false]');
    assert.equal(predictionsJson(new Tensor('float64', [], Float64Array.from([2.5]))), '2.5');
  });

  it('writes a frame as records, the same as JSON.stringify of its rows, NaN as null', () => {
    const frame = DataFrame.fromColumns({
      label: Float64Array.from([1, Number.NaN]),
      name: ['a "quoted"', null],
      probabilities: [
        [0.25, 0.75],
        [1, 0],
      ],
    });
    assert.equal(predictionsJson(frame), JSON.stringify(frame.records()));
    assert.equal(
      predictionsJson(frame),
      '[{"label":1,"name":"a \\"quoted\\"","probabilities":[0.25,0.75]},{"label":null,"name":null,"probabilities":[1,0]}]',
    );
    assert.equal(predictionsJson(DataFrame.fromColumns({})), '[]');
  });

  it('writes tensors as nested lists, bytes as base64, dates as ISO text', () => {
    assert.equal(predictionsJson(Tensor.fromNested([[1, 2]], 'float32')), '[[1,2]]');
    assert.equal(
      predictionsJson({ label: Tensor.fromNested([0, 2], 'int64'), ok: Tensor.fromNested([true, false]) }),
      '{"label":[0,2],"ok":[true,false]}',
    );
    assert.equal(
      predictionsJson([{ b: Uint8Array.from([104, 105]), at: new Date(0) }]),
      '[{"b":"aGk=","at":"1970-01-01T00:00:00.000Z"}]',
    );
    assert.equal(responseBody([1], false), '{"predictions":[1]}');
    assert.equal(responseBody({ id: 'x' }, true), '{"id":"x"}');
  });
});
