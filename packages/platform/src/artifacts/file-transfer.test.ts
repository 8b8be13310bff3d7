import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { pumpFileToWritable, writeStreamToFile } from './file-transfer.js';

const dir = mkdtempSync(join(tmpdir(), 'keel-file-transfer-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Chunks of uneven sizes, so buffer boundaries fall inside chunks. */
function unevenChunks(data: Buffer): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0, size = 1; at < data.length; size = (size * 7 + 3) % 5000) {
    chunks.push(data.subarray(at, at + size + 1));
    at += size + 1;
  }
  return chunks;
}

describe('writeStreamToFile', () => {
  it('writes every byte across buffer boundaries and reports the count', async () => {
    const data = randomBytes(300_001);
    const path = join(dir, 'uneven.bin');
    const handle = await open(path, 'w');
    const written = await writeStreamToFile(Readable.from(unevenChunks(data)), handle, 4096);
    await handle.close();
    assert.equal(written, data.length);
    assert.deepEqual(readFileSync(path), data);
  });

  it('accepts strings and Uint8Arrays, and writes an empty stream as an empty file', async () => {
    const path = join(dir, 'mixed.bin');
    let handle = await open(path, 'w');
    await writeStreamToFile(Readable.from(['ab', new Uint8Array([99, 100])]), handle, 3);
    await handle.close();
    assert.equal(readFileSync(path, 'utf8'), 'abcd');
    handle = await open(path, 'w');
    assert.equal(await writeStreamToFile(Readable.from([]), handle), 0);
    await handle.close();
    assert.equal(readFileSync(path).length, 0);
  });

  it('rejects when the body fails', async () => {
    const handle = await open(join(dir, 'failed.bin'), 'w');
    const body = new PassThrough();
    body.write(Buffer.alloc(10));
    setImmediate(() => body.destroy(new Error('client went away')));
    await assert.rejects(writeStreamToFile(body, handle, 4), /client went away/);
    await handle.close();
  });
});

describe('pumpFileToWritable', () => {
  const data = randomBytes(1_000_003);
  const read = async (buffer: Buffer, length: number, position: number) => {
    const end = Math.min(position + length, data.length);
    data.copy(buffer, 0, position, end);
    return end - position;
  };

  it('sends the whole file through reused buffers and ends the sink', async () => {
    const received: Buffer[] = [];
    let ended = false;
    const sink = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _encoding, callback) {
        // Copy: the pump may reuse the buffer once the callback ran.
        received.push(Buffer.from(chunk));
        setImmediate(callback);
      },
      final(callback) {
        ended = true;
        callback();
      },
    });
    await pumpFileToWritable(read, data.length, sink, { buffers: 2, bufferBytes: 65536 });
    await new Promise((resolve) => sink.on('finish', resolve));
    assert.equal(ended, true);
    assert.deepEqual(Buffer.concat(received), data);
  });

  it('stops quietly when the sink closes early', async () => {
    let writes = 0;
    const sink = new Writable({
      write(_chunk, _encoding, callback) {
        writes++;
        if (writes === 2) sink.destroy();
        else callback();
      },
    });
    await pumpFileToWritable(read, data.length, sink, { buffers: 2, bufferBytes: 65536 });
    assert.ok(writes < 16, `stopped after ${writes} writes`);
  });

  it('fails when the file is shorter than announced', async () => {
    const sink = new Writable({ write: (_c, _e, callback) => callback() });
    await assert.rejects(pumpFileToWritable(read, data.length + 10, sink, { bufferBytes: 65536 }), /File ended/);
  });
});
