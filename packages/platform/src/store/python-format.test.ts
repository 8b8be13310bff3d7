import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pythonJsonDumps, pythonRepr, pythonStr, pythonStringRepr } from './python-format.js';

describe('python-format', () => {
  it('prints strings as repr() does', () => {
    assert.equal(pythonStringRepr('bad/name'), "'bad/name'");
    assert.equal(pythonStringRepr("it's"), `"it's"`);
    assert.equal(pythonStringRepr(`it's "x"`), `'it\\'s "x"'`);
    assert.equal(pythonStringRepr('a\\b\n'), "'a\\\\b\\n'");
  });

  it('prints None, booleans, lists and dicts', () => {
    assert.equal(pythonRepr(null), 'None');
    assert.equal(pythonRepr([{ field_name: 'x', ascending: true }]), "[{'field_name': 'x', 'ascending': True}]");
    assert.equal(pythonStr('plain'), 'plain');
    assert.equal(pythonStr(['1']), "['1']");
  });

  it('dumps JSON with Python separators and ASCII escapes', () => {
    assert.equal(pythonJsonDumps({ a: [1, 'é'], b: null, c: false }), '{"a": [1, "\\u00e9"], "b": null, "c": false}');
    assert.equal(pythonJsonDumps('q"\\'), '"q\\"\\\\"');
  });
});
