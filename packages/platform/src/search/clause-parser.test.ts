import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseClauses, parseOrderByItem } from './clause-parser.js';
import { invalidMessage } from './test-helpers.js';
import { tokenize } from './tokenizer.js';

describe('tokenize', () => {
  it('reads words, dotted and quoted identifiers, strings, numbers, operators and lists', () => {
    const tokens = tokenize("tags.`a.b` != 'x''y' AND metrics.\"val loss\" <= -1e-3 AND run_id IN ('a','b')");
    assert.deepEqual(
      tokens.map((t) => [t.kind, t.raw]),
      [
        ['identifier', 'tags.`a.b`'],
        ['operator', '!='],
        ['string', "'x''y'"],
        ['identifier', 'AND'],
        ['identifier', 'metrics."val loss"'],
        ['operator', '<='],
        ['number', '-1e-3'],
        ['identifier', 'AND'],
        ['identifier', 'run_id'],
        ['identifier', 'IN'],
        ['punctuation', '('],
        ['string', "'a'"],
        ['punctuation', ','],
        ['string', "'b'"],
        ['punctuation', ')'],
      ],
    );
    const string = tokens[2];
    assert.equal(string?.kind === 'string' && string.value, "x'y");
  });

  it('unescapes backslash-quote and backslash-backslash but keeps other backslashes', () => {
    const [token] = tokenize(String.raw`'it\'s C:\dir \\ end'`);
    assert.equal(token?.kind === 'string' && token.value, String.raw`it's C:\dir \ end`);
  });

  it('reads a lone double-quoted run as a string and a lone backticked run as a key', () => {
    const [dq, bt] = tokenize('"x y" `Run name`');
    assert.equal(dq?.kind, 'string');
    assert.equal(bt?.kind, 'identifier');
  });

  it('reads a minus after a word as a separate token, after an operator as a sign', () => {
    assert.deepEqual(
      tokenize('a-1 = -2').map((t) => t.kind),
      ['identifier', 'other', 'number', 'operator', 'number'],
    );
  });

  it('turns an unterminated quote into one "other" token', () => {
    assert.deepEqual(
      tokenize("name = 'abc").map((t) => t.kind),
      ['identifier', 'operator', 'other'],
    );
  });
});

describe('parseClauses', () => {
  it('splits at AND in any case and keeps entity/key split at the first dot', () => {
    const clauses = parseClauses("tags.mlflow.runName = 'a' and x != 'b' And params.`p-1` LIKE \"c\"", 'quoted');
    assert.deepEqual(
      clauses.map((c) => [c.identifier.entity, c.identifier.key, c.operator, c.value.kind]),
      [
        ['tags', 'mlflow.runName', '=', 'string'],
        [undefined, 'x', '!=', 'string'],
        ['params', 'p-1', 'LIKE', 'string'],
      ],
    );
  });

  it('reads IN, NOT IN, like and ilike case-insensitively', () => {
    const clauses = parseClauses("a in ('x') AND b not in ('y', 'z') AND c like 'q' AND d IlIkE 'r'", 'quoted');
    assert.deepEqual(
      clauses.map((c) => c.operator),
      ['IN', 'NOT IN', 'LIKE', 'ILIKE'],
    );
  });

  it('reports OR, NOT and grouping as invalid clauses, quoted or plain', () => {
    assert.equal(
      invalidMessage(() => parseClauses("params.alpha = '0.5' OR params.alpha = '0.1'", 'quoted')),
      "Invalid clause(s) in filter string: 'OR'",
    );
    assert.equal(
      invalidMessage(() => parseClauses("name = 'a' OR name = 'b'", 'plain')),
      'Invalid clause(s) in filter string: OR',
    );
    assert.equal(
      invalidMessage(() => parseClauses("NOT a = 'x'", 'quoted')),
      "Invalid clause(s) in filter string: 'NOT'",
    );
    assert.equal(
      invalidMessage(() => parseClauses("(a = 'x' OR b = 'y')", 'quoted')),
      "Invalid clause(s) in filter string: '(a = 'x' OR b = 'y')'",
    );
    assert.equal(
      invalidMessage(() => parseClauses("a = 'x' AND", 'plain')),
      'Invalid clause(s) in filter string: AND',
    );
    assert.match(
      invalidMessage(() => parseClauses('a =', 'quoted')),
      /Invalid clause/,
    );
    assert.match(
      invalidMessage(() => parseClauses("a 'x'", 'quoted')),
      /Invalid clause/,
    );
  });

  it('keeps list items and notices malformed lists', () => {
    const [ok, bad] = parseClauses("a IN ('x', 'y') AND b IN ('x',, 'y')", 'quoted');
    assert.ok(ok?.value.kind === 'list' && ok.value.wellFormed && ok.value.items.length === 2);
    assert.ok(bad?.value.kind === 'list' && !bad.value.wellFormed);
  });
});

describe('parseOrderByItem', () => {
  it('reads identifier and direction', () => {
    const item = parseOrderByItem('metrics.`val loss` desc');
    assert.deepEqual([item.identifier.entity, item.identifier.key, item.ascending], ['metrics', 'val loss', false]);
    assert.equal(parseOrderByItem('name').ascending, true);
    assert.equal(parseOrderByItem('name ASC').ascending, true);
  });

  it("refuses extra words and unknown directions with MLflow's messages", () => {
    assert.equal(
      invalidMessage(() => parseOrderByItem('metrics.loss DESC extra')),
      "Invalid order_by clause 'metrics.loss DESC extra'. Could not be parsed.",
    );
    assert.equal(
      invalidMessage(() => parseOrderByItem('metrics.loss UP')),
      "Invalid ordering key in order_by clause 'metrics.loss UP'.",
    );
    assert.match(
      invalidMessage(() => parseOrderByItem('')),
      /Could not be parsed/,
    );
  });
});
