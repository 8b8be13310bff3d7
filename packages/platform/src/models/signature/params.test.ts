import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { enforceParams } from './params.js';
import { paramsFromJson } from './schema.js';

describe('params enforcement', () => {
  const schema = paramsFromJson([
    { name: 'temperature', type: 'double', default: 0.7, shape: null },
    { name: 'k', type: 'long', default: 3, shape: null },
    { name: 'stop', type: 'string', default: ['\n'], shape: [-1] },
    {
      name: 'opts',
      type: 'object',
      properties: { top: { type: 'long', required: true } },
      default: { top: 1 },
      shape: null,
    },
  ]);

  it('fills defaults, converts allowed types, and drops unknown params with a warning', () => {
    const warnings: string[] = [];
    const params = enforceParams({ temperature: 1, unknown: 'x' }, schema, (w) => warnings.push(w));
    assert.deepEqual(params, { temperature: 1, k: 3, stop: ['\n'], opts: { top: 1 } });
    assert.match(warnings[0] ?? '', /Unrecognized params \["unknown"\] are ignored/);
  });

  it('reports every invalid param in one INVALID_PARAMETER_VALUE error', () => {
    assert.throws(
      () => enforceParams({ k: 1.5, stop: 'x', temperature: 'hot' }, schema),
      (e: Error & { code?: string }) =>
        e.code === 'INVALID_PARAMETER_VALUE' &&
        /^Invalid parameters found: \{/.test(e.message) &&
        e.message.includes("('k', 'Can not safely convert `<class 'float'>` to `long` for value `1.5`')") &&
        e.message.includes('Value must be a 1D array with shape (-1,)') &&
        e.message.includes('to `double` for value `hot`'),
    );
    assert.throws(() => enforceParams([1], schema), /Parameters must be a dictionary\. Got type 'list'/);
  });

  it('ignores params (with a warning) when the model declares none', () => {
    const warnings: string[] = [];
    assert.equal(
      enforceParams({ a: 1 }, undefined, (w) => warnings.push(w)),
      undefined,
    );
    assert.match(warnings[0] ?? '', /does not define a params schema\. Ignoring provided params/);
    assert.equal(
      enforceParams({}, undefined, (w) => warnings.push(w)),
      undefined,
    );
    assert.equal(warnings.length, 1);
  });
});
