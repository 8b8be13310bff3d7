import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'graphql';
import { checkQueryLimits, MAX_DEPTH } from './query-limits.js';

const limits = { maxAliases: 2, maxRootFields: 3 };
const check = (query: string, spent = { rootFields: 0, selections: 0 }) =>
  checkQueryLimits(parse(query), limits, spent);

describe('GraphQL query limits', () => {
  it('counts root fields and selections', () => {
    assert.deepEqual(check('{ a { b c } d }'), { rootFields: 2, selections: 4 });
    assert.deepEqual(check('query A { a } query B { b }'), { rootFields: 2, selections: 2 });
  });

  it('refuses depth over 10, aliases and root fields over the limits', () => {
    const deep = `{ ${'a { '.repeat(MAX_DEPTH)}b${' }'.repeat(MAX_DEPTH)} }`;
    assert.deepEqual(check(deep), { error: 'Query exceeds maximum depth of 10' });
    assert.ok(!('error' in check(`{ ${'a { '.repeat(MAX_DEPTH - 1)}b${' }'.repeat(MAX_DEPTH - 1)} }`)));
    assert.match((check('{ x { a: b c: d e: f } }') as { error: string }).error, /at most 2 aliases, got 3 aliases/);
    assert.match((check('{ a b c d }') as { error: string }).error, /at most 3 root fields, got 4 root fields/);
  });

  it('counts fragments where they are spread, and survives cycles', () => {
    assert.match(
      (check('{ ...F } fragment F on Query { a b c d }') as { error: string }).error,
      /at most 3 root fields, got 4/,
    );
    assert.match(
      (check('{ x { ...G } } fragment G on X { a: b ... on X { c: d e: f } }') as { error: string }).error,
      /at most 2 aliases, got 3/,
    );
    assert.deepEqual(check('{ ...F } fragment F on Query { a ...F }'), { rootFields: 1, selections: 1 });
  });

  it('adds up what a batch spends', () => {
    const after = check('{ a b }');
    assert.ok(!('error' in after));
    assert.match(
      (check('{ c d }', after as { rootFields: number; selections: number }) as { error: string }).error,
      /got 4 root fields/,
    );
    assert.match(
      (check(`{ x { ${'y '.repeat(990)}} }`, { rootFields: 0, selections: 20 }) as { error: string }).error,
      /maximum total selections of 1000/,
    );
  });
});

describe('nesting scan', () => {
  it('counts braces, brackets and parentheses, not those inside strings and comments', async () => {
    const { nestingDepth } = await import('./execute.js');
    assert.equal(nestingDepth('{ a(x: [1]) { b } }'), 3);
    assert.equal(nestingDepth('{ a(x: "{{{{[[[") }'), 2);
    assert.equal(nestingDepth('{ a # {{{{{{\n }'), 1);
    assert.equal(nestingDepth('{ a(x: """ {{{{ \\""" """) }'), 2);
    assert.equal(nestingDepth('{ a(x: "\\"{{") }'), 2);
  });
});
