/**
 * The framing of the Python worker protocol: a 4-byte big-endian length, then that many bytes
 * of UTF-8 JSON. `FrameDecoder` reassembles frames from arbitrary chunks of a stream.
 */

/** Largest frame accepted from a worker (a runaway length field must not allocate gigabytes). */
export const MAX_FRAME_BYTES = 1024 * 1024 * 1024;

/** Encodes one message as a frame. */
export function encodeFrame(message: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(message), 'utf8');
  const header = Buffer.allocUnsafe(4);
  header.writeUInt32BE(body.length, 0);
  return Buffer.concat([header, body]);
}

/**
 * Collects bytes and yields complete decoded frames.
 *
 * @example
 * const decoder = new FrameDecoder();
 * child.stdout.on('data', (chunk) => { for (const message of decoder.push(chunk)) handle(message); });
 */
export class FrameDecoder {
  private buffered: Buffer[] = [];
  private size = 0;

  /** Adds a chunk; returns the messages it completed. Throws on a malformed stream. */
  push(chunk: Buffer): unknown[] {
    this.buffered.push(chunk);
    this.size += chunk.length;
    const out: unknown[] = [];
    for (;;) {
      if (this.size < 4) break;
      const head = this.peek(4);
      const length = head.readUInt32BE(0);
      if (length > MAX_FRAME_BYTES) throw new Error(`frame of ${length} bytes is larger than the protocol allows`);
      if (this.size < 4 + length) break;
      const frame = this.take(4 + length);
      out.push(JSON.parse(frame.subarray(4).toString('utf8')));
    }
    return out;
  }

  private peek(n: number): Buffer {
    const first = this.buffered[0] as Buffer;
    if (first.length >= n) return first.subarray(0, n);
    const joined = Buffer.concat(this.buffered);
    this.buffered = [joined];
    return joined.subarray(0, n);
  }

  private take(n: number): Buffer {
    const joined = this.buffered.length === 1 ? (this.buffered[0] as Buffer) : Buffer.concat(this.buffered);
    const taken = joined.subarray(0, n);
    const rest = joined.subarray(n);
    this.buffered = rest.length === 0 ? [] : [rest];
    this.size -= n;
    return taken;
  }
}
