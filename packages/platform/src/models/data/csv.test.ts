import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CsvParser, csvLine, parseCsvFrame } from './csv.js';

describe('CSV', () => {
  it('splits records across any chunk boundary, quotes and CRLF included', () => {
    const text = 'a,b,c\r\n1,"x, ""quoted""",3\r\n4,"multi\nline",6\n7,,9';
    const whole = new CsvParser();
    const expected = [...whole.push(text), ...whole.end()];
    assert.deepEqual(expected, [
      ['a', 'b', 'c'],
      ['1', 'x, "quoted"', '3'],
      ['4', 'multi\nline', '6'],
      ['7', '', '9'],
    ]);
    for (let size = 1; size <= 7; size++) {
      const parser = new CsvParser();
      const records: string[][] = [];
      for (let i = 0; i < text.length; i += size) records.push(...parser.push(text.slice(i, i + size)));
      records.push(...parser.end());
      assert.deepEqual(records, expected, `chunks of ${size}`);
    }
  });

  it('infers column types as pandas read_csv does, and names the index column', () => {
    const frame = parseCsvFrame(',i,f,b,s,m\n0,1,1.5,True,x,\n1,2,,False,y,3\n');
    assert.deepEqual(frame.columns, ['Unnamed: 0', 'i', 'f', 'b', 's', 'm']);
    assert.deepEqual(
      frame.columns.map((c) => frame.dtype(c)),
      ['int64', 'int64', 'float64', 'bool', 'object', 'float64'],
    );
    assert.ok(Number.isNaN(frame.value('f', 1)));
    assert.equal(frame.value('b', 1), false);
  });

  it('uses declared types and refuses what pandas refuses', () => {
    const frame = parseCsvFrame(
      'x,n\n1,2\n',
      new Map([
        ['x', 'float'],
        ['n', 'long'],
      ]),
    );
    assert.ok(frame.column('x') instanceof Float32Array);
    assert.throws(
      () => parseCsvFrame('x,n\n1,\n', new Map([['n', 'long']])),
      /Integer column has NA values in column n/,
    );
    assert.throws(
      () => parseCsvFrame('x\nabc\n', new Map([['x', 'double']])),
      /Failed to parse input as a Pandas DataFrame.*could not convert string to float: 'abc'/,
    );
    assert.throws(() => parseCsvFrame('a,b\n1,2,3\n'), /Expected 2 fields in line 2, saw 3/);
    assert.throws(() => parseCsvFrame(''), /No columns to parse from file/);
    assert.throws(() => parseCsvFrame('a\n"open'), /unclosed quote/);
  });

  it('writes CSV lines that read back the same', () => {
    const line = csvLine(['a,b', 'say "hi"', 1.5, null, true]);
    assert.equal(line, '"a,b","say ""hi""",1.5,,True\n');
    const parser = new CsvParser();
    assert.deepEqual(parser.push(line), [['a,b', 'say "hi"', '1.5', '', 'True']]);
  });
});
