import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isPythonFloat, isPythonInt, pythonFloatRepr } from './python-values.js';

describe('Python value spellings', () => {
  it('prints floats as repr(float) does', () => {
    const cases: [number, string][] = [
      [1, '1.0'],
      [0.5, '0.5'],
      [0.1, '0.1'],
      [-2, '-2.0'],
      [1e-7, '1e-07'],
      [1.5e-5, '1.5e-05'],
      [0.0001, '0.0001'],
      [1e16, '1e+16'],
      [123456789012345.6, '123456789012345.6'],
      [Number.NaN, 'nan'],
      [Number.POSITIVE_INFINITY, 'inf'],
      [0, '0.0'],
    ];
    for (const [value, text] of cases) assert.equal(pythonFloatRepr(value), text, String(value));
  });

  it('accepts what int() and float() accept, and nothing else', () => {
    for (const ok of ['1', '-3', '+7', ' 42 ', '1_000']) assert.ok(isPythonInt(ok), ok);
    for (const bad of ['1.0', '1e3', 'abc', '', '1__0', '_1', '0x10']) assert.ok(!isPythonInt(bad), bad);
    for (const ok of ['1', '1.', '.5', '-2.5e-3', '1E5', 'inf', '-Infinity', 'nan', '1_0.5'])
      assert.ok(isPythonFloat(ok), ok);
    for (const bad of ['', 'abc', '1.2.3', 'e5', '1e', '$(id)', '0.5;']) assert.ok(!isPythonFloat(bad), bad);
  });
});
