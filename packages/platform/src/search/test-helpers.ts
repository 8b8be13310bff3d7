/** Assertions shared by the grammar tests. */
import assert from 'node:assert/strict';
import { MlflowError } from '@keel/contract';

/** Runs `fn`, expects an INVALID_PARAMETER_VALUE, and returns its message. */
export function invalidMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof MlflowError, `expected an MlflowError, got ${String(error)}`);
    assert.equal(error.code, 'INVALID_PARAMETER_VALUE');
    return error.message;
  }
  assert.fail('expected INVALID_PARAMETER_VALUE, but nothing was thrown');
}

/** The items of a Python set literal inside `message` (`{'a', 'b'}`), sorted. */
export function setItems(message: string): string[] {
  const match = /\{([^}]*)\}/.exec(message);
  assert.ok(match, `no set in: ${message}`);
  return (match[1] ?? '')
    .split(', ')
    .map((s) => s.replace(/^'|'$/g, ''))
    .sort();
}
