/** Shared pieces of the `TrackingStore` contract suite's files. */
import assert from 'node:assert/strict';
import { type ErrorCode, MlflowError } from '@keel/contract';
import type { TrackingStore } from './tracking-store.js';

export interface StoreUnderTest {
  readonly store: TrackingStore;
  close(): Promise<void>;
}

/** Asserts that `promise` rejects with an `MlflowError` of `code` whose message matches `message`. */
export async function rejectsWith(
  promise: Promise<unknown>,
  code: ErrorCode,
  message?: RegExp | string,
): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof MlflowError, `expected MlflowError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (typeof message === 'string') assert.equal(error.message, message);
    else if (message) assert.match(error.message, message);
    return true;
  });
}
