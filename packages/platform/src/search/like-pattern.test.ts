import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseLikePattern, toEscapedLikePattern, toGlobPattern } from './like-pattern.js';

describe('LIKE patterns', () => {
  it('parses wildcards and backslash escapes', () => {
    assert.deepEqual(parseLikePattern(String.raw`a%b_c\%d\_e\\f\g`), [
      { kind: 'literal', text: 'a' },
      { kind: 'any' },
      { kind: 'literal', text: 'b' },
      { kind: 'one' },
      { kind: 'literal', text: String.raw`c%d_e\fg` },
    ]);
    assert.deepEqual(parseLikePattern('x\\'), [{ kind: 'literal', text: 'x\\' }]);
  });

  it('renders GLOB patterns with every GLOB metacharacter of a literal neutralised', () => {
    assert.equal(toGlobPattern(parseLikePattern('a*b?c[d]%_')), 'a[*]b[?]c[[]d]*?');
  });

  it('renders escaped LIKE patterns', () => {
    assert.equal(toEscapedLikePattern(parseLikePattern(String.raw`50\% of a\_b\\%`)), String.raw`50\% of a\_b\\%`);
  });
});
