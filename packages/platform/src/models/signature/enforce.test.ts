import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MlflowError } from '@keel/contract';
import { DataFrame } from '../data/data-frame.js';
import type { Tensor } from '../data/tensor.js';
import { enforceInput } from './enforce.js';
import { type Schema, schemaFromJson } from './schema.js';

const columns = (specs: object[]): Schema => schemaFromJson(specs);
const XY = columns([
  { type: 'double', name: 'x' },
  { type: 'long', name: 'n' },
  { type: 'string', name: 'note', required: false },
]);

function rejects(fn: () => unknown, code: string, message: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof MlflowError, String(e));
    assert.equal(e.code, code);
    assert.match(e.message, message);
    return true;
  });
}

describe('enforcing column schemas', () => {
  it('converts to the declared types, drops extra columns with a warning, reorders to the schema', () => {
    const warnings: string[] = [];
    const frame = enforceInput([{ extra: 1, n: 3, x: 2 }], XY, (w) => warnings.push(w)) as DataFrame;
    assert.deepEqual(frame.columns, ['x', 'n']);
    assert.equal(frame.dtype('x'), 'float64');
    assert.ok(frame.column('x') instanceof Float64Array);
    assert.deepEqual(frame.records(), [{ x: 2, n: 3 }]);
    assert.match(warnings[0] ?? '', /extra inputs .*\['extra'\].*will be ignored/);
  });

  it('accepts an optional column when present and absent', () => {
    const frame = enforceInput({ x: [1, 2], n: [1, 2], note: ['a', null] }, XY) as DataFrame;
    assert.deepEqual(frame.column('note'), ['a', null]);
    assert.deepEqual((enforceInput([{ x: 1, n: 1 }], XY) as DataFrame).columns, ['x', 'n']);
  });

  it('names missing required columns (and the extra ones) as MLflow does', () => {
    rejects(
      () => enforceInput([{ x: 1, other: 2 }], XY),
      'INVALID_PARAMETER_VALUE',
      /^Failed to enforce schema of data '.*' with schema '\['x': double \(required\), 'n': long \(required\), 'note': string \(optional\)\]'\. Error: Model is missing inputs \['n'\]\. Note that there were extra inputs: \['other'\]$/,
    );
  });

  it('converts losslessly and refuses lossy conversions with MLflow texts', () => {
    assert.deepEqual((enforceInput([{ x: '2.5', n: '7' }], XY) as DataFrame).records(), [{ x: 2.5, n: 7 }]);
    rejects(
      () => enforceInput([{ x: 1, n: 1.5 }], XY),
      'INVALID_PARAMETER_VALUE',
      /Incompatible input types for column n\. Can not safely convert float64 to int64\.$/,
    );
    rejects(
      () => enforceInput([{ x: true, n: 1 }], XY),
      'INVALID_PARAMETER_VALUE',
      /Can not safely convert bool to float64/,
    );
    rejects(
      () => enforceInput([{ x: 'abc', n: 1 }], XY),
      'BAD_REQUEST',
      /^Invalid input\. Data is not compatible with model signature\. Failed to convert column x to type 'float64'\. Error: 'ValueError\("could not convert string to float: 'abc'"\)'$/,
    );
    rejects(
      () =>
        enforceInput(
          [
            { x: 1, n: 1 },
            { x: 2, n: null },
          ],
          XY,
        ),
      'INVALID_PARAMETER_VALUE',
      /Hint: the type mismatch is likely caused by missing values/,
    );
  });

  it('rounds doubles to float32 and range-checks integers', () => {
    const schema = columns([
      { type: 'float', name: 'f' },
      { type: 'integer', name: 'i' },
    ]);
    const frame = enforceInput([{ f: 0.1, i: 5 }], schema) as DataFrame;
    assert.equal(frame.value('f', 0), Math.fround(0.1));
    assert.ok(frame.column('i') instanceof Int32Array);
    rejects(
      () => enforceInput([{ f: 1, i: 2 ** 40 }], schema),
      'INVALID_PARAMETER_VALUE',
      /Can not safely convert int64 to int32/,
    );
  });

  it('decodes binary from base64 and parses datetimes', () => {
    const schema = columns([
      { type: 'binary', name: 'b' },
      { type: 'datetime', name: 'd' },
      { type: 'boolean', name: 'ok' },
    ]);
    const frame = enforceInput(
      [{ b: Buffer.from('hi').toString('base64'), d: '2024-05-01T10:00:00', ok: 'True' }],
      schema,
    ) as DataFrame;
    assert.equal(Buffer.from(frame.value('b', 0) as Uint8Array).toString(), 'hi');
    assert.equal((frame.value('d', 0) as Date).toISOString(), '2024-05-01T10:00:00.000Z');
    assert.equal(frame.value('ok', 0), true);
    rejects(
      () => enforceInput([{ b: 'not base64!', d: '2024-05-01', ok: true }], schema),
      'BAD_REQUEST',
      /Failed to convert column b/,
    );
  });

  it('enforces arrays, objects and maps with MLflow messages', () => {
    const schema = columns([
      { type: 'array', items: { type: 'long' }, name: 'ids' },
      {
        type: 'object',
        properties: { lat: { type: 'double', required: true }, tag: { type: 'string', required: false } },
        name: 'loc',
      },
      { type: 'map', values: { type: 'string' }, name: 'attrs' },
      { type: 'any', name: 'extra', required: false },
    ]);
    const ok = enforceInput(
      [{ ids: [1, 2], loc: { lat: 1 }, attrs: { a: 'b' }, extra: [{ x: 1 }] }],
      schema,
    ) as DataFrame;
    assert.deepEqual(ok.records(), [{ ids: [1, 2], loc: { lat: 1 }, attrs: { a: 'b' }, extra: [{ x: 1 }] }]);
    const row = { ids: [1], loc: { lat: 1 }, attrs: {} };
    rejects(
      () => enforceInput([{ ...row, ids: 'x' }], schema),
      'INVALID_PARAMETER_VALUE',
      /Expected data to be list or numpy array, got str/,
    );
    rejects(
      () => enforceInput([{ ...row, loc: { tag: 'x' } }], schema),
      'INVALID_PARAMETER_VALUE',
      /Missing required properties: \{'lat'\}/,
    );
    rejects(
      () => enforceInput([{ ...row, loc: { lat: 1, zz: 2 } }], schema),
      'INVALID_PARAMETER_VALUE',
      /Invalid properties not defined in the schema found: \{'zz'\}/,
    );
    rejects(
      () => enforceInput([{ ...row, loc: { lat: 'n' } }], schema),
      'INVALID_PARAMETER_VALUE',
      /Failed to enforce schema for key `lat`\. Expected type double, received type str/,
    );
    rejects(
      () => enforceInput([{ ...row, attrs: [1] }], schema),
      'INVALID_PARAMETER_VALUE',
      /Expected data to be a dict, got list/,
    );
  });

  it('checks the column count of unnamed schemas', () => {
    const schema = columns([{ type: 'double' }, { type: 'double' }]);
    assert.deepEqual((enforceInput([[1, 2, 3]], schema) as DataFrame).columns, ['0', '1']);
    rejects(
      () => enforceInput([[1]], schema),
      'INVALID_PARAMETER_VALUE',
      /The model signature declares 2 inputs {2}but the provided value only has 1 inputs/,
    );
  });
});

describe('enforcing tensor schemas', () => {
  const unnamed = schemaFromJson([{ type: 'tensor', 'tensor-spec': { dtype: 'float32', shape: [-1, 2] } }]);
  const named = schemaFromJson([
    { type: 'tensor', name: 'a', 'tensor-spec': { dtype: 'int64', shape: [-1] } },
    { type: 'tensor', name: 'b', 'tensor-spec': { dtype: 'float64', shape: [-1, 2] } },
  ]);

  it('converts nested lists and DataFrames to the declared dtype', () => {
    const t = enforceInput(
      [
        [1, 2],
        [3, 4],
      ],
      unnamed,
    ) as Tensor;
    assert.equal(t.dtype, 'float32');
    assert.deepEqual(t.shape, [2, 2]);
    const fromFrame = enforceInput(DataFrame.fromRows([[1, 2]], ['p', 'q']), unnamed) as Tensor;
    assert.deepEqual(fromFrame.toJSON(), [[1, 2]]);
    const map = enforceInput(
      {
        a: [1, 2],
        b: [
          [1, 2],
          [3, 4],
        ],
      },
      named,
    ) as Record<string, Tensor>;
    assert.equal(map.a?.dtype, 'int64');
    assert.deepEqual(map.b?.shape, [2, 2]);
  });

  it('refuses wrong shapes, missing names and lossy values', () => {
    rejects(
      () => enforceInput([[1, 2, 3]], unnamed),
      'INVALID_PARAMETER_VALUE',
      /Shape of input \(1, 3\) does not match expected shape \(-1, 2\)\.$/,
    );
    rejects(() => enforceInput({ a: [1] }, named), 'INVALID_PARAMETER_VALUE', /Model is missing inputs \['b'\]/);
    rejects(
      () => enforceInput({ a: [1.5], b: [[1, 2]] }, named),
      'INVALID_PARAMETER_VALUE',
      /Failed to convert 1\.5 to int64/,
    );
    rejects(
      () => enforceInput(DataFrame.fromRows([[1, 2, 3]]), unnamed),
      'INVALID_PARAMETER_VALUE',
      /\(-1, number_of_dataframe_columns\)/,
    );
    rejects(
      () => enforceInput([[1, 2], [3]], unnamed),
      'INVALID_PARAMETER_VALUE',
      /inhomogeneous shape after 1 dimensions/,
    );
  });

  it('passes any input through when the model has no signature', () => {
    const input = { anything: [1, 'a'] };
    assert.equal(enforceInput(input, undefined), input);
  });
});
