import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeFrame, FrameDecoder } from './frames.js';

describe('worker protocol frames', () => {
  it('reassembles messages split across any chunk boundary', () => {
    const messages = [
      { id: 1, op: 'predict', input: { type: 'json', value: 'é' } },
      { id: 2 },
      { big: 'x'.repeat(70_000) },
    ];
    const bytes = Buffer.concat(messages.map(encodeFrame));
    for (const size of [1, 3, 4, 5, 64, 65_537, bytes.length]) {
      const decoder = new FrameDecoder();
      const out: unknown[] = [];
      for (let i = 0; i < bytes.length; i += size) out.push(...decoder.push(bytes.subarray(i, i + size)));
      assert.deepEqual(out, messages, `chunks of ${size}`);
    }
  });

  it('refuses a frame longer than the protocol allows', () => {
    const header = Buffer.alloc(4);
    header.writeUInt32BE(0xffffffff, 0);
    assert.throws(() => new FrameDecoder().push(header), /larger than the protocol allows/);
  });
});
