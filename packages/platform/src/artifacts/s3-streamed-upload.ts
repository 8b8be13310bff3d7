/**
 * Streams one body into an S3 object: bodies up to one part go up in a single PutObject, larger
 * ones as a multipart upload with at most `queueSize` parts in flight, so memory stays bounded
 * by `(queueSize + 1) * partBytes` whatever the body's size, and reading stops (backpressure)
 * while every slot is busy. A failed upload aborts its parts, so no partial object appears.
 *
 * Parts are assembled by copying the body's chunks into part buffers taken from a
 * `PartBufferPool` and given back once S3 has acknowledged the part. Reusing them is the point:
 * a fresh multi-megabyte buffer per part (what `@aws-sdk/lib-storage` allocates, through
 * `Buffer.concat`) costs a page fault per 4 KiB when it is first written, which on a virtual
 * machine made assembling parts cost more CPU than sending them.
 */
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  type CompletedPart,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { invalidParameter } from '@keel/contract';

/** S3's largest part count. */
export const S3_MAX_PARTS = 10_000;

/**
 * Part buffers of one size, reused across uploads. At most `maxIdle` free buffers are kept;
 * more are allocated while many uploads run at once and dropped when they come back.
 *
 * @example
 * const pool = new PartBufferPool(8 * 1024 * 1024, 5);
 * const part = pool.acquire();
 * // ... fill and send it ...
 * pool.release(part);
 */
export class PartBufferPool {
  readonly partBytes: number;
  readonly #maxIdle: number;
  readonly #idle: Buffer[] = [];

  constructor(partBytes: number, maxIdle: number) {
    this.partBytes = partBytes;
    this.#maxIdle = maxIdle;
  }

  acquire(): Buffer {
    return this.#idle.pop() ?? Buffer.allocUnsafe(this.partBytes);
  }

  release(buffer: Buffer): void {
    if (buffer.length === this.partBytes && this.#idle.length < this.#maxIdle) this.#idle.push(buffer);
  }
}

/** Where the object goes: bucket, key and the fields sent with PutObject / CreateMultipartUpload. */
export interface StreamedUploadTarget {
  readonly Bucket: string;
  readonly Key: string;
  /** `MLFLOW_S3_UPLOAD_EXTRA_ARGS` fields (SSE, ACL, metadata...). */
  readonly extra: Readonly<Record<string, unknown>>;
  /** `ExpectedBucketOwner` when the operator pinned it. */
  readonly owner: { readonly ExpectedBucketOwner?: string };
  /** Sign headers only, not the payload's SHA-256 (for TLS connections, see `usesTls`). */
  readonly unsignedPayload: boolean;
}

const PAYLOAD_HASH_HEADER = 'x-amz-content-sha256';

/** The part of an SDK command's middleware stack used here (a build-step middleware). */
type BuildHandler = (args: { request: unknown }) => Promise<unknown>;
interface BuildStack {
  add(middleware: (next: BuildHandler) => BuildHandler, options: { step: 'build'; name: string }): void;
}

/**
 * `command`, sent with `UNSIGNED-PAYLOAD` when the target asks for it: SigV4 then signs the
 * headers without hashing the body, which otherwise costs more CPU than sending it.
 */
function signed<C extends PutObjectCommand | UploadPartCommand>(command: C, target: StreamedUploadTarget): C {
  if (target.unsignedPayload) {
    (command.middlewareStack as unknown as BuildStack).add(
      (next) => async (args) => {
        const request = args.request as { headers?: Record<string, string> };
        if (request.headers !== undefined) request.headers[PAYLOAD_HASH_HEADER] = 'UNSIGNED-PAYLOAD';
        return next(args);
      },
      { step: 'build', name: 'keelUnsignedPayload' },
    );
  }
  return command;
}

/** The multipart upload in progress: its parts in flight and the first failure among them. */
class PartUploads {
  readonly #client: S3Client;
  readonly #target: StreamedUploadTarget;
  readonly #pool: PartBufferPool;
  readonly #queueSize: number;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #done: CompletedPart[] = [];
  #failure: { error: unknown } | undefined;
  readonly uploadId: string;
  #next = 1;

  constructor(
    client: S3Client,
    target: StreamedUploadTarget,
    uploadId: string,
    pool: PartBufferPool,
    queueSize: number,
  ) {
    this.#client = client;
    this.#target = target;
    this.uploadId = uploadId;
    this.#pool = pool;
    this.#queueSize = queueSize;
  }

  /** Throws the first part failure, if any (the caller then stops reading the body). */
  check(): void {
    if (this.#failure !== undefined) throw this.#failure.error;
  }

  /** Sends `length` bytes of `buffer` as the next part; the buffer goes back to the pool after. */
  send(buffer: Buffer, length: number): void {
    if (this.#next > S3_MAX_PARTS) {
      throw invalidParameter(
        `The file is larger than ${S3_MAX_PARTS} parts of ${this.#pool.partBytes} bytes; raise KEEL_S3_UPLOAD_PART_SIZE.`,
      );
    }
    const PartNumber = this.#next++;
    const { Bucket, Key, owner } = this.#target;
    const sent = this.#client
      .send(
        signed(
          new UploadPartCommand({
            Bucket,
            Key,
            UploadId: this.uploadId,
            PartNumber,
            Body: length === buffer.length ? buffer : buffer.subarray(0, length),
            ContentLength: length,
            ...owner,
          }),
          this.#target,
        ),
      )
      .then(
        (answer) => {
          this.#done.push({ PartNumber, ETag: answer.ETag });
        },
        (error: unknown) => {
          this.#failure ??= { error };
        },
      )
      .finally(() => {
        this.#pool.release(buffer);
        this.#inFlight.delete(sent);
      });
    this.#inFlight.add(sent);
  }

  /** A part buffer to fill, once fewer than `queueSize` parts are in flight. */
  async nextBuffer(): Promise<Buffer> {
    while (this.#inFlight.size >= this.#queueSize) await Promise.race(this.#inFlight);
    this.check();
    return this.#pool.acquire();
  }

  /** Waits for every part in flight; throws the first failure. */
  async settle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.race(this.#inFlight);
    this.check();
  }

  async complete(): Promise<void> {
    await this.settle();
    const { Bucket, Key, owner } = this.#target;
    const Parts = [...this.#done].sort((a, b) => (a.PartNumber ?? 0) - (b.PartNumber ?? 0));
    await this.#client.send(
      new CompleteMultipartUploadCommand({
        Bucket,
        Key,
        UploadId: this.uploadId,
        MultipartUpload: { Parts },
        ...owner,
      }),
    );
  }

  /** Drops the parts sent so far (best effort: some S3-compatible servers cannot abort). */
  async abort(): Promise<void> {
    await Promise.allSettled(this.#inFlight);
    const { Bucket, Key, owner } = this.#target;
    await this.#client
      .send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId: this.uploadId, ...owner }))
      .catch(() => undefined);
  }
}

async function startMultipart(
  client: S3Client,
  target: StreamedUploadTarget,
  pool: PartBufferPool,
  queueSize: number,
): Promise<PartUploads> {
  const { Bucket, Key, extra, owner } = target;
  const created = await client.send(new CreateMultipartUploadCommand({ ...extra, Bucket, Key, ...owner }));
  if (created.UploadId === undefined) throw new Error('S3 answered CreateMultipartUpload without an upload id.');
  return new PartUploads(client, target, created.UploadId, pool, queueSize);
}

/**
 * Uploads `body` to `target`. The body's own failure (a client that went away) is thrown as it
 * is; after any failure the body is left undestroyed and drained, so an HTTP caller can still
 * answer on the connection.
 */
export async function uploadStream(
  client: S3Client,
  target: StreamedUploadTarget,
  body: Readable,
  options: { readonly pool: PartBufferPool; readonly queueSize: number },
): Promise<void> {
  const { pool, queueSize } = options;
  const partBytes = pool.partBytes;
  // Chunks of a body that may still fit in one PutObject: kept as they came, not copied.
  const head: Buffer[] = [];
  let headBytes = 0;
  let parts: PartUploads | undefined;
  let part: Buffer | undefined;
  let filled = 0;
  const copyIn = async (uploads: PartUploads, data: Buffer) => {
    let at = 0;
    while (at < data.length) {
      const current = part ?? (await uploads.nextBuffer());
      part = current;
      const copied = data.copy(current, filled, at);
      filled += copied;
      at += copied;
      if (filled === partBytes) {
        uploads.send(current, filled);
        part = undefined;
        filled = 0;
      }
    }
  };
  try {
    for await (const chunk of body.iterator({ destroyOnReturn: false })) {
      const data = chunk as Buffer;
      if (parts !== undefined) {
        parts.check();
        await copyIn(parts, data);
        continue;
      }
      head.push(data);
      headBytes += data.length;
      if (headBytes <= partBytes) continue;
      // More than one part: from here on, bytes are copied into pooled part buffers.
      parts = await startMultipart(client, target, pool, queueSize);
      for (const held of head.splice(0)) await copyIn(parts, held);
    }
  } catch (error) {
    if (part !== undefined) pool.release(part);
    await parts?.abort();
    if (!body.destroyed) body.resume();
    throw error;
  }
  if (parts === undefined) {
    const { Bucket, Key, extra, owner } = target;
    const Body = head.length === 1 ? (head[0] as Buffer) : Buffer.concat(head, headBytes);
    await client.send(
      signed(new PutObjectCommand({ ...extra, Bucket, Key, Body, ContentLength: headBytes, ...owner }), target),
    );
    return;
  }
  try {
    if (part !== undefined) {
      if (filled > 0) parts.send(part, filled);
      else pool.release(part);
    }
    await parts.complete();
  } catch (error) {
    await parts.abort();
    throw error;
  }
}
