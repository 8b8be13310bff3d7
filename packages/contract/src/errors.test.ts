import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { echoValue, invalidParameterValue, pythonTypeName } from './errors.js';

describe('echoValue', () => {
  it("spells values as MLflow's json.dumps(sort_keys=True, separators=(',', ':'))", () => {
    assert.equal(echoValue({ b: 1, a: [true, null, 'x'] }), '{"a":[true,null,"x"],"b":1}');
    assert.equal(echoValue({ outer: { z: 1, y: { b: 2, a: 1 } } }), '{"outer":{"y":{"a":1,"b":2},"z":1}}');
    assert.equal(echoValue('héllo \u2603'), '"h\\u00e9llo \\u2603"');
    assert.equal(echoValue('tab\tquote"'), '"tab\\tquote\\""');
    assert.equal(echoValue('\u007f'), '"\u007f"');
    assert.equal(echoValue(31), '31');
    assert.equal(echoValue(2.5), '2.5');
    assert.equal(echoValue(null), 'null');
    assert.equal(echoValue([]), '[]');
    assert.equal(echoValue({ é: 1 }), '{"\\u00e9":1}');
  });

  it('is what the type-error message echoes', () => {
    const error = invalidParameterValue('tags', { b: '2', a: '1' });
    assert.equal(
      error.message,
      `Invalid value {"a":"1","b":"2"} for parameter 'tags' supplied:  Hint: Value was of type 'dict'. See the API docs for more information about request parameters.`,
    );
    assert.equal(error.status, 400);
    assert.equal(pythonTypeName([1]), 'list');
  });
});

describe('echoValue on hostile input', () => {
  it('elides nesting beyond any real request instead of overflowing the stack', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const text = echoValue(deep);
    assert.ok(text.includes('...'));
    assert.ok(text.length < 1000);
  });
});
