/**
 * Type errors with the value as the client spelled it (docs/compat/route-details.md §1). The
 * request decoder sees `JSON.parse`'s numbers, so `9.0` arrives as 9 and `1e400` as Infinity;
 * MLflow's message echoes Python's reading (`9.0`, type `float`). Only when such an error is
 * about to be answered, the body is read again keeping each number's text, and the error is
 * reprinted with the value found at the field's path.
 */
import { InvalidValueError, JsonNumberText } from '@keel/contract';
import type { RawBody } from './request-input.js';

/** Reprints `error` with the client's spelling of its value when that can be found; else returns it as is. */
export function withClientSpelling(error: unknown, body: RawBody): unknown {
  if (!(error instanceof InvalidValueError) || !holdsNumber(error.value) || body === undefined) return error;
  let tree: unknown;
  try {
    tree = parseKeepingNumbers(body.toString('utf8'));
  } catch {
    return error;
  }
  const found = valueAtPath(tree, error.field);
  // Only a value that reads back as the decoded one may stand in for it.
  if (found === undefined || !sameValue(plain(found.value), error.value)) return error;
  return error.withValue(found.value);
}

function holdsNumber(value: unknown): boolean {
  if (typeof value === 'number') return true;
  if (Array.isArray(value)) return value.some(holdsNumber);
  if (value !== null && typeof value === 'object') return Object.values(value).some(holdsNumber);
  return false;
}

function plain(value: unknown): unknown {
  if (value instanceof JsonNumberText) return Number(value.text);
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return Object.is(a, b) || a === b;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => sameValue(v, b[i]));
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a)) {
    const ka = Object.keys(a);
    const rb = b as Record<string, unknown>;
    return ka.length === Object.keys(b).length && ka.every((k) => sameValue((a as Record<string, unknown>)[k], rb[k]));
  }
  return a === b;
}

function camelCase(name: string): string {
  return name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/**
 * The value at an error path such as `metrics[0].value`, `tags` or `trace.trace_info.state`.
 * Object keys may hold dots themselves (map keys), so each key of the object is tried as a
 * prefix of the rest of the path; a field may also have been sent in lowerCamelCase.
 */
export function valueAtPath(node: unknown, path: string): { value: unknown } | undefined {
  if (path === '') return { value: node };
  if (Array.isArray(node)) {
    const m = /^\[(\d+)\]\.?/.exec(path);
    if (m === null) return undefined;
    return valueAtPath(node[Number(m[1])], path.slice(m[0].length));
  }
  if (node === null || typeof node !== 'object' || node instanceof JsonNumberText) return undefined;
  const record = node as Record<string, unknown>;
  const segment = /^[^.[]*/.exec(path)?.[0] ?? '';
  const candidates: [key: string, consumed: number][] = [];
  for (const key of Object.keys(record)) {
    if (path.startsWith(key) && (path.length === key.length || '.['.includes(path[key.length] as string))) {
      candidates.push([key, key.length]);
    } else if (camelCase(segment) === key) {
      candidates.push([key, segment.length]);
    }
  }
  for (const [key, consumed] of candidates) {
    const rest = path.slice(consumed);
    const found = valueAtPath(record[key], rest.startsWith('.') ? rest.slice(1) : rest);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * JSON text parsed like `JSON.parse`, except that numbers become `JsonNumberText`. Only run on
 * a body that has already parsed (and passed the depth limit), so it need not explain errors.
 */
export function parseKeepingNumbers(text: string): unknown {
  let at = 0;
  const skip = () => {
    while (at < text.length && ' \t\n\r'.includes(text[at] as string)) at++;
  };
  const fail = (): never => {
    throw new SyntaxError(`Unexpected input at ${at}`);
  };
  const value = (): unknown => {
    skip();
    const c = text[at];
    if (c === '{') {
      at++;
      const out: Record<string, unknown> = {};
      skip();
      if (text[at] === '}') {
        at++;
        return out;
      }
      for (;;) {
        skip();
        const key = value();
        if (typeof key !== 'string') fail();
        skip();
        if (text[at++] !== ':') fail();
        // Like JSON.parse, the last of repeated keys wins.
        Object.defineProperty(out, key as string, {
          value: value(),
          enumerable: true,
          writable: true,
          configurable: true,
        });
        skip();
        const next = text[at++];
        if (next === '}') return out;
        if (next !== ',') fail();
      }
    }
    if (c === '[') {
      at++;
      const out: unknown[] = [];
      skip();
      if (text[at] === ']') {
        at++;
        return out;
      }
      for (;;) {
        out.push(value());
        skip();
        const next = text[at++];
        if (next === ']') return out;
        if (next !== ',') fail();
      }
    }
    if (c === '"') {
      const start = at;
      at++;
      while (at < text.length && text[at] !== '"') at += text[at] === '\\' ? 2 : 1;
      at++;
      return JSON.parse(text.slice(start, at));
    }
    const literal = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(at, at + 400));
    if (literal === null) return fail();
    at += literal[0].length;
    if (literal[0] === 'true') return true;
    if (literal[0] === 'false') return false;
    if (literal[0] === 'null') return null;
    return new JsonNumberText(literal[0]);
  };
  const result = value();
  skip();
  if (at !== text.length) fail();
  return result;
}
