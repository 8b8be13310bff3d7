import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DataFrame } from '../data/data-frame.js';
import { Tensor } from '../data/tensor.js';
import { predictionsJson, responseBody } from './predictions.js';

describe('predictions as JSON (models.md §8.3)', () => {
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
