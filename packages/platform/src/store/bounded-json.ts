/**
 * JSON from clients with a bound on nesting. `JSON.parse` itself copes with any depth, but every
 * recursive walk over the result afterwards (`JSON.stringify` in an error message, Python-style
 * dumps of a stored document, canonical comparisons of page tokens) overflows the stack on a
 * value nested a few thousand levels deep. Refusing such text once, where it is parsed, keeps
 * every later walk safe.
 */
import { invalidParameter } from '@keel/contract';

/** Deepest nesting of arrays and objects accepted; protobuf's JSON parser stops at 100 as well. */
export const MAX_JSON_DEPTH = 100;

/**
 * Whether JSON text nests arrays and objects deeper than `limit`. A linear scan over the text
 * (brackets inside strings do not count); it stops as soon as the limit is crossed.
 */
export function exceedsJsonDepth(text: string, limit: number = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return false;
}

/**
 * `JSON.parse` for text a client sent: nesting deeper than `MAX_JSON_DEPTH` is refused with
 * INVALID_PARAMETER_VALUE naming `what`; a syntax error is left to the caller (it is thrown as
 * the usual `SyntaxError`), since each caller words that error its own way.
 */
export function parseJsonWithinDepth(text: string, what: string): unknown {
  if (exceedsJsonDepth(text)) {
    throw invalidParameter(`${what} is nested more than ${MAX_JSON_DEPTH} levels deep.`);
  }
  return JSON.parse(text);
}
