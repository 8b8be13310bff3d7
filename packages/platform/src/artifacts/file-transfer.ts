/**
 * Moving bytes between streams and files through a few reused buffers.
 *
 * Node hands every HTTP body chunk over in a freshly allocated Buffer, and fs read streams
 * allocate one per read. At hundreds of MiB/s those short-lived off-heap allocations drive V8 into
 * back-to-back full collections whenever a chunk lives long enough to be promoted (for example
 * while it waits in a write queue), and throughput then depends on the size of the whole heap.
 * Copying each incoming chunk into a reused buffer right away lets it die young, and reading
 * files into reused buffers allocates nothing per chunk at all.
 */
import type { FileHandle } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';

/** Size of each reused buffer: large enough that per-write overhead vanishes. */
export const TRANSFER_BUFFER_BYTES = 1024 * 1024;

async function writeFully(handle: FileHandle, buffer: Buffer, length: number): Promise<void> {
  let offset = 0;
  while (offset < length) {
    const { bytesWritten } = await handle.write(buffer, offset, length - offset);
    offset += bytesWritten;
  }
}

/**
 * Streams `body` into `handle` and resolves with the number of bytes written. Two buffers
 * alternate: one fills from the stream while the other is being written, so disk and network
 * overlap and at most two buffers' worth of data is in memory. Backpressure is natural: the
 * next chunk is pulled only once there is room for it.
 */
export async function writeStreamToFile(
  body: Readable,
  handle: FileHandle,
  bufferBytes: number = TRANSFER_BUFFER_BYTES,
): Promise<number> {
  let filling = Buffer.allocUnsafeSlow(bufferBytes);
  let spare = Buffer.allocUnsafeSlow(bufferBytes);
  let used = 0;
  let total = 0;
  let pending: Promise<void> = Promise.resolve();
  for await (const data of body) {
    // Request bodies yield Buffers; strings and plain Uint8Arrays come from in-process callers.
    const chunk = Buffer.isBuffer(data) ? data : Buffer.from(data as string | Uint8Array);
    let offset = 0;
    while (offset < chunk.length) {
      const copied = chunk.copy(filling, used, offset);
      used += copied;
      offset += copied;
      if (used === filling.length) {
        await pending;
        const full = filling;
        pending = writeFully(handle, full, full.length);
        // Observed by the next `await pending`; without this a failed write that happens while
        // the loop waits for network data would be an unhandled rejection.
        pending.catch(() => {});
        filling = spare;
        spare = full;
        used = 0;
      }
    }
    total += chunk.length;
  }
  await pending;
  if (used > 0) await writeFully(handle, filling, used);
  return total;
}

/** Reads `length` bytes at `position` into `buffer`; 0 at end of file. */
export type PositionalRead = (buffer: Buffer, length: number, position: number) => Promise<number>;

/**
 * Sends `size` bytes read through `read` into `sink` (an HTTP response), cycling `buffers`
 * buffers. A buffer is refilled only after the sink's write callback says it has been handed to
 * the kernel, so no chunk is ever allocated per read and none is overwritten while queued.
 * Stops early (without error) if the sink closes, e.g. when the client disconnects.
 */
export async function pumpFileToWritable(
  read: PositionalRead,
  size: number,
  sink: Writable,
  options: { readonly buffers?: number; readonly bufferBytes?: number } = {},
): Promise<void> {
  const free: Buffer[] = [];
  for (let i = 0; i < (options.buffers ?? 3); i++)
    free.push(Buffer.allocUnsafeSlow(options.bufferBytes ?? TRANSFER_BUFFER_BYTES));
  let wake: (() => void) | undefined;
  let closed = false;
  let failure: Error | undefined;
  const onClose = () => {
    closed = true;
    wake?.();
  };
  const onError = (error: Error) => {
    failure = error;
    onClose();
  };
  sink.once('close', onClose);
  sink.once('error', onError);
  const waitFor = () =>
    new Promise<void>((resolve) => {
      wake = resolve;
    });
  try {
    let position = 0;
    while (position < size && !closed) {
      const buffer = free.pop();
      if (buffer === undefined) {
        await waitFor();
        continue;
      }
      const count = await read(buffer, Math.min(buffer.length, size - position), position);
      if (count === 0) throw new Error(`File ended after ${position} of ${size} bytes`);
      position += count;
      const writable = sink.write(count === buffer.length ? buffer : buffer.subarray(0, count), () => {
        free.push(buffer);
        wake?.();
      });
      // Respect the sink's own buffer limit too (keeps a slow client from queueing all buffers).
      if (!writable && !closed) {
        sink.once('drain', () => wake?.());
        await waitFor();
      }
    }
    if (failure !== undefined) throw failure;
    if (!closed) sink.end();
  } finally {
    sink.off('close', onClose);
    sink.off('error', onError);
  }
}
