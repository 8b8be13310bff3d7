import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MlflowError } from '@keel/contract';
import {
  canonicalJson,
  datasetDigest,
  inputHash,
  MAX_RECORDS_PER_UPSERT,
  parseRecordsJson,
  parseTagsJson,
  toPythonJson,
} from './dataset-json.js';

const refused = (fn: () => unknown, message?: RegExp) =>
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof MlflowError);
    assert.equal(e.code, 'INVALID_PARAMETER_VALUE');
    if (message) assert.match(e.message, message);
    return true;
  });

describe('parseTagsJson', () => {
  it('reads a JSON object of tags; numbers and booleans keep their JSON spelling', () => {
    assert.deepEqual(parseTagsJson('{"a": "1", "b": 2, "c": true}', 'tags'), { a: '1', b: '2', c: 'true' });
    assert.deepEqual(parseTagsJson('{"a": null}', 'tags', true), { a: null });
  });

  it('refuses what is not an object of string-like values', () => {
    refused(() => parseTagsJson('a=b', 'tags'), /'tags'.*JSON/);
    refused(() => parseTagsJson('[]', 'tags'));
    refused(() => parseTagsJson('{"a": {"b": 1}}', 'tags'), /string value/);
    refused(() => parseTagsJson('{"a": null}', 'tags'), /string value/);
    refused(() => parseTagsJson('{"": "x"}', 'tags'), /empty/);
    refused(() => parseTagsJson(JSON.stringify({ ['k'.repeat(251)]: 'v' }), 'tags'), /maximum length of 250/);
    refused(() => parseTagsJson(JSON.stringify({ k: 'v'.repeat(8001) }), 'tags'), /maximum length of 8000/);
  });
});

describe('parseRecordsJson', () => {
  it('reads records, defaulting absent inputs to {}', () => {
    const [first, second] = parseRecordsJson(
      JSON.stringify([
        {
          inputs: { q: 1 },
          expectations: { a: 2 },
          tags: { t: 'x' },
          source: { source_type: 'TRACE', source_data: { trace_id: 'tr-1' } },
        },
        { outputs: { y: 1 } },
      ]),
    );
    assert.deepEqual(first, {
      inputs: { q: 1 },
      expectations: { a: 2 },
      tags: { t: 'x' },
      source: { source_type: 'TRACE', source_data: { trace_id: 'tr-1' } },
    });
    assert.deepEqual(second, { inputs: {}, outputs: { y: 1 } });
  });

  it('names the record and the field that is wrong', () => {
    refused(() => parseRecordsJson('{}'), /array of records/);
    refused(() => parseRecordsJson('[[]]'), /Record 0/);
    refused(() => parseRecordsJson('[{}, {"expectations": 3}]'), /Record 1 .*'expectations' must be a JSON object/);
    refused(() => parseRecordsJson('[{"source": {"source_type": "X"}}]'), /unknown source_type "X"/);
    refused(() => parseRecordsJson('[{"tags": {"a": []}}]'), /string value/);
    refused(() => parseRecordsJson(JSON.stringify(new Array(MAX_RECORDS_PER_UPSERT + 1).fill({}))), /at most 10000/);
  });
});

describe('canonical forms', () => {
  it('hashes equal inputs alike whatever their key order', () => {
    assert.equal(canonicalJson({ b: [2, { d: 1, c: 0 }], a: 'x' }), '{"a":"x","b":[2,{"c":0,"d":1}]}');
    assert.equal(inputHash({ a: 1, b: 2 }), inputHash({ b: 2, a: 1 }));
    assert.notEqual(inputHash({ a: 1 }), inputHash({ a: '1' }));
    assert.match(inputHash({}), /^[0-9a-f]{64}$/);
  });

  it('writes JSON as Python’s json.dumps does', () => {
    assert.equal(toPythonJson({ a: [1, 'é'], b: { c: null } }), '{"a": [1, "\\u00e9"], "b": {"c": null}}');
    assert.equal(toPythonJson([]), '[]');
  });

  it('makes a digest that changes with the update time', () => {
    assert.match(datasetDigest('d', 1), /^[0-9a-f]{8}$/);
    assert.notEqual(datasetDigest('d', 1), datasetDigest('d', 2));
  });
});

describe('nesting bounds', () => {
  it('refuses record values nested deeper than the limit, before hashing them', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 70; i++) deep = { a: deep };
    refused(() => parseRecordsJson(JSON.stringify([{ inputs: deep }])), /nested more than 64 levels/);
    let fine: unknown = 1;
    for (let i = 0; i < 60; i++) fine = [fine];
    assert.equal(parseRecordsJson(JSON.stringify([{ outputs: { x: fine } }])).length, 1);
  });
});
