import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidValueError, invalidParameter, JsonNumberText } from '@keel/contract';
import { parseKeepingNumbers, valueAtPath, withClientSpelling } from './client-spelling.js';

const body = (text: string) => Buffer.from(text);

describe('parseKeepingNumbers', () => {
  it('reads JSON as JSON.parse does, keeping each number’s text', () => {
    const tree = parseKeepingNumbers(' {"a": [1.0, -2e3, 0], "b": {"c": "x\\"y", "d": null, "e": true}} ');
    assert.deepEqual(tree, {
      a: [new JsonNumberText('1.0'), new JsonNumberText('-2e3'), new JsonNumberText('0')],
      b: { c: 'x"y', d: null, e: true },
    });
    // A "__proto__" key is an own key, as with JSON.parse, never the prototype.
    const proto = parseKeepingNumbers('{"__proto__": 1.5}') as Record<string, unknown>;
    assert.deepEqual(Object.keys(proto), ['__proto__']);
    assert.equal(Object.getPrototypeOf(proto), Object.prototype);
  });

  it('refuses what is not JSON', () => {
    for (const text of ['{', '[1,]', '{"a" 1}', '01', '1 2', 'nul']) {
      assert.throws(() => parseKeepingNumbers(text), SyntaxError, text);
    }
  });
});

describe('valueAtPath', () => {
  const tree = { metrics: [{ key: 'm', timestamp: 5 }], tags: { 'a.b': 1 }, runId: 'r' };
  it('follows list indexes, dotted map keys and lowerCamelCase field names', () => {
    assert.deepEqual(valueAtPath(tree, 'metrics[0].timestamp'), { value: 5 });
    assert.deepEqual(valueAtPath(tree, 'tags.a.b'), { value: 1 });
    assert.deepEqual(valueAtPath(tree, 'run_id'), { value: 'r' });
    assert.equal(valueAtPath(tree, 'metrics[3].timestamp'), undefined);
    assert.equal(valueAtPath(tree, 'missing'), undefined);
  });
});

describe('withClientSpelling', () => {
  it('reprints a type error with the number as the client wrote it', () => {
    const error = new InvalidValueError('artifact_location', 9);
    const reprinted = withClientSpelling(error, body('{"name": "x", "artifact_location": 9.0}'));
    assert.ok(reprinted instanceof InvalidValueError);
    assert.match(reprinted.message, /^Invalid value 9\.0 for parameter 'artifact_location' supplied: .*'float'/);
  });

  it('leaves other errors, values without numbers and values it cannot find as they are', () => {
    const other = invalidParameter('no');
    assert.equal(withClientSpelling(other, body('{}')), other);
    const text = new InvalidValueError('name', 'x');
    assert.equal(withClientSpelling(text, body('{"name": "x"}')), text);
    const elsewhere = new InvalidValueError('artifact_location', 9);
    assert.equal(withClientSpelling(elsewhere, body('{"artifact_location": 10.0}')), elsewhere);
    assert.equal(withClientSpelling(elsewhere, body('"{\\"artifact_location\\": 9.0}"')), elsewhere);
    assert.equal(withClientSpelling(elsewhere, undefined), elsewhere);
  });
});
