import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { echoValue, invalidParameterValue, JsonNumberText, pythonFloatRepr, pythonTypeName } from './errors.js';

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

describe('JsonNumberText and pythonFloatRepr', () => {
  it('print a float as Python’s repr() does', () => {
    const cases: [number, string][] = [
      [9, '9.0'],
      [2.5, '2.5'],
      [0.0001, '0.0001'],
      [0.00001, '1e-05'],
      [1e-7, '1e-07'],
      [1e15, '1000000000000000.0'],
      [1e16, '1e+16'],
      [1.5e300, '1.5e+300'],
      [123456789012345680, '1.2345678901234568e+17'],
      [-0.5, '-0.5'],
      [-0, '-0.0'],
      [0.1 + 0.2, '0.30000000000000004'],
      [Number.POSITIVE_INFINITY, 'Infinity'],
      [Number.NaN, 'NaN'],
    ];
    for (const [value, expected] of cases) assert.equal(pythonFloatRepr(value), expected, String(value));
  });

  it('keep the client’s int or float, as json.loads reads it', () => {
    assert.equal(new JsonNumberText('9.0').asPython(), '9.0');
    assert.equal(pythonTypeName(new JsonNumberText('9.0')), 'float');
    assert.equal(new JsonNumberText('1E2').asPython(), '100.0');
    assert.equal(new JsonNumberText('-1e400').asPython(), '-Infinity');
    assert.equal(new JsonNumberText('99999999999999999999').asPython(), '99999999999999999999');
    assert.equal(pythonTypeName(new JsonNumberText('99999999999999999999')), 'int');
    assert.equal(new JsonNumberText('-0').asPython(), '0');
    assert.equal(echoValue({ b: new JsonNumberText('1.0'), a: [new JsonNumberText('3')] }), '{"a":[3],"b":1.0}');
  });
});
