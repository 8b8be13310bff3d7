import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MlflowError } from '@keel/contract';
import { decodeOffsetToken, encodeOffsetToken } from './page-token.js';

function messageOf(token: string): string {
  try {
    decodeOffsetToken(token);
  } catch (error) {
    assert.ok(error instanceof MlflowError && error.code === 'INVALID_PARAMETER_VALUE');
    return error.message;
  }
  assert.fail('expected an error');
}

describe('offset page tokens', () => {
  it('round-trips offsets and reads MLflow-made tokens', () => {
    assert.equal(decodeOffsetToken(encodeOffsetToken(42)), 42);
    assert.equal(decodeOffsetToken('eyJvZmZzZXQiOiA1fQ=='), 5);
  });

  it("refuses garbage with MLflow's messages", () => {
    assert.equal(messageOf('garbage'), 'Invalid page token, could not base64-decode');
    assert.equal(messageOf('not base64!'), 'Invalid page token, could not base64-decode');
    assert.match(messageOf('Z2FyYmFnZQ=='), /^Invalid page token, decoded value=garbage/);
    assert.match(messageOf(encodeOffsetToken(-1)), /^Invalid page token, parsed value=/);
  });
});
