/**
 * The client-side artifact seam: a store rooted at one artifact URI that lists, reads and
 * writes files by paths relative to that root. The proxy store works everywhere; Node adds a
 * local-disk store for local roots.
 */
import type { FileInfo } from '@keel/contract';
import type { TransportBody } from '../transport/transport.js';

/**
 * Bytes to upload. `open` is called once per attempt (and once per part for multipart
 * uploads), so it must return a fresh body each time.
 *
 * @example
 * const source = bytesSource(JSON.stringify({ a: 1 }));
 */
export interface ArtifactSource {
  /** Size in bytes when known (needed for multipart uploads and progress). */
  readonly size?: number;
  /** A local file holding the bytes, so a local store can copy it instead of streaming. */
  readonly localPath?: string;
  /** Opens bytes `[start, end)`, or everything when both are omitted. */
  open(start?: number, end?: number): TransportBody;
}

/**
 * An artifact store rooted at one URI.
 *
 * @example
 * const files = await store.list('model');
 */
export interface ArtifactStore {
  readonly rootUri: string;
  /** Immediate children of directory `path` (root when empty), sorted, each path relative to the root. */
  list(path?: string): Promise<FileInfo[]>;
  /** Streams one file; a missing file is RESOURCE_DOES_NOT_EXIST. */
  read(path: string, signal?: AbortSignal): Promise<ReadableStream<Uint8Array>>;
  /** Writes one file, creating parent directories and replacing an existing file. */
  write(path: string, source: ArtifactSource): Promise<void>;
}

/**
 * An upload source over bytes or text held in memory.
 *
 * @example
 * await store.write('notes.txt', bytesSource('hello'));
 */
export function bytesSource(data: string | Uint8Array): ArtifactSource {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  return {
    size: bytes.byteLength,
    open: (start = 0, end = bytes.byteLength) => bytes.subarray(start, end),
  };
}
