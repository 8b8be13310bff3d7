/**
 * Errors about the setup rather than the code (no server, a mistyped URI, a missing package)
 * print as one line: the message already says what to do, and a stack trace with nested
 * causes buried it under thirty lines. The details stay readable as non-enumerable properties.
 */
import type { MlflowError } from '@keel/contract';

/**
 * Makes `error` print as one line when uncaught: a one-line stack, and no `{ code, ... }` block.
 *
 * @example
 * throw asOneLine(invalidParameter("Tracking URI '127.0.0.1:5000' has no scheme"));
 */
export function asOneLine<E extends MlflowError>(error: E, name: string = error.name): E {
  const hide = (key: string, value: unknown) =>
    Object.defineProperty(error, key, { value, enumerable: false, writable: false, configurable: true });
  hide('name', name);
  for (const key of ['code', 'rawCode', 'status']) hide(key, (error as unknown as Record<string, unknown>)[key]);
  hide('stack', `${name}: ${error.message}`);
  return error;
}
