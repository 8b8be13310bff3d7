import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { pumpFileToWritable, pumpStreamToWritable, writeStreamToFile } from './file-transfer.js';

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

/** A sink that completes each write after `delayMs`, recording write sizes and the most bytes queued at once. */
function slowSink(delayMs: number) {
  const received: Buffer[] = [];
  let queued = 0;
  let mostQueued = 0;
  const sink = new Writable({
    highWaterMark: 1,
    write(chunk: Buffer, _encoding, callback) {
      // A copy: the pump reuses its buffers once a write has completed.
      received.push(Buffer.from(chunk));
      queued += chunk.length;
      mostQueued = Math.max(mostQueued, queued);
      setTimeout(() => {
        queued -= chunk.length;
        callback();
      }, delayMs);
    },
  });
  return { sink, received, mostQueued: () => mostQueued };
}

describe('pumpStreamToWritable', () => {
  it('sends every byte in order through a few reused buffers, in fewer and larger writes', async () => {
    const data = randomBytes(200_003);
    const chunks = unevenChunks(data);
    const { sink, received, mostQueued } = slowSink(1);
    const finished = new Promise((resolve) => sink.once('finish', resolve));
    await pumpStreamToWritable(Readable.from(chunks), sink, { buffers: 2, bufferBytes: 16_384 });
    // Ended by the pump; the last writes complete after it returns.
    await finished;
    assert.deepEqual(Buffer.concat(received), data);
    assert.ok(received.length < chunks.length / 4, `${received.length} writes for ${chunks.length} chunks`);
    // Two buffers of 16 KiB at most are ever waiting in the sink: the source was held back.
    assert.ok(mostQueued() <= 2 * 16_384, `${mostQueued()} bytes queued`);
  });

  it('sends what a slow source has so far instead of waiting for a full buffer', async () => {
    const source = new PassThrough();
    const { sink, received } = slowSink(0);
    const done = pumpStreamToWritable(source, sink, { bufferBytes: 1024 * 1024 });
    source.write(Buffer.from('first'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(Buffer.concat(received).toString(), 'first');
    source.end(Buffer.from(' second'));
    await done;
    assert.equal(Buffer.concat(received).toString(), 'first second');
  });

  it('rejects when the source fails, and stops reading when the sink closes', async () => {
    const failing = new PassThrough();
    const { sink } = slowSink(0);
    const failed = pumpStreamToWritable(failing, sink);
    failing.write(Buffer.from('partial'));
    failing.destroy(new Error('connection reset'));
    await assert.rejects(failed, /connection reset/);

    const endless = new PassThrough();
    const closing = new PassThrough();
    const stopped = pumpStreamToWritable(endless, closing);
    endless.write(Buffer.alloc(10));
    closing.destroy();
    await stopped;
    assert.equal(endless.destroyed, true, 'the source is released');
  });
});
