/**
 * Artifacts in S3 or an S3-compatible server (MinIO, Ceph, s3rver), through the AWS SDK v3.
 * This module imports the SDK at its top: it is loaded only by the `s3` factory
 * (`s3-factory.ts`) through `import()`, so servers without S3 roots never load the SDK.
 *
 * Uploads are streamed: small bodies go up in one PUT, larger ones as a multipart upload whose
 * memory is bounded by `partBytes * queueSize`; an object appears only when its upload
 * completes, so readers never see a partial file. Downloads are streamed from the GET response
 * (whole files or byte ranges); listings follow continuation tokens; deletes remove a key and
 * everything below it in batches. Every key is built from a checked, normalized relative path
 * joined below the repository's prefix, so no path can name a key outside it.
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { type FileInfo, invalidParameter, MlflowError, notFound } from '@keel/contract';
import type { ArtifactStream, MultipartArtifactRepository, MultipartPartTarget } from './artifact-repository.js';
import { hasControlCharacter, normalizeArtifactPath } from './path-safety.js';
import { formatS3Uri, type S3Location, s3KeyOf } from './s3-location.js';
import { S3_MIN_PART_BYTES, type S3Settings, usesPathStyle, usesTls } from './s3-settings.js';
import { PartBufferPool, S3_MAX_PARTS, uploadStream } from './s3-streamed-upload.js';

/** Keys per DeleteObjects call (S3's limit). */
const DELETE_BATCH = 1000;
/** How long a presigned part URL stays valid. */
const PRESIGN_SECONDS = 3600;

/**
 * An SDK client for these settings: path-style addressing for S3-compatible endpoints,
 * checksums only where S3 requires them (S3-compatible servers reject the newer default
 * ones), and kept-alive connections so transfers don't pay a handshake per request.
 */
export function createS3Client(settings: S3Settings): S3Client {
  const agentOptions = { keepAlive: true, maxSockets: 64 };
  return new S3Client({
    region: settings.region,
    forcePathStyle: usesPathStyle(settings),
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(settings.endpointUrl === undefined ? {} : { endpoint: settings.endpointUrl }),
    // A copy: the SDK annotates the credentials object it is given, and settings are frozen.
    ...(settings.credentials === undefined ? {} : { credentials: { ...settings.credentials } }),
    requestHandler: {
      httpAgent: new HttpAgent(agentOptions),
      httpsAgent: new HttpsAgent({ ...agentOptions, rejectUnauthorized: !settings.ignoreTls }),
    },
  });
}

interface SdkError {
  readonly name?: string;
  readonly code?: string;
  readonly message?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);
const REFUSED = new Set(['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AllAccessDisabled']);
const BAD_PARTS = new Set(['InvalidPart', 'InvalidPartOrder', 'EntityTooSmall', 'MalformedXML']);

/** Turns an SDK failure into the MLflow error a client can act on; `what` names the operation. */
export function translateS3Error(error: unknown, what: string): unknown {
  if (error instanceof MlflowError || typeof error !== 'object' || error === null) return error;
  const sdk = error as SdkError;
  const name = sdk.name ?? '';
  const status = sdk.$metadata?.httpStatusCode;
  const detail = `${what}: ${name === '' ? '' : `${name}: `}${sdk.message ?? ''}`;
  if (name === 'NoSuchBucket') return new MlflowError('RESOURCE_DOES_NOT_EXIST', `${detail}`, { cause: error });
  if (name === 'NoSuchUpload') return new MlflowError('RESOURCE_DOES_NOT_EXIST', detail, { cause: error });
  if (BAD_PARTS.has(name)) return new MlflowError('INVALID_PARAMETER_VALUE', detail, { cause: error });
  // Some S3-compatible servers lack calls (s3rver cannot abort a multipart upload).
  if (name === 'NotImplemented' || name === 'MethodNotAllowed' || status === 501) {
    return new MlflowError('NOT_IMPLEMENTED', `The S3 server does not support this (${detail})`, { cause: error });
  }
  if (REFUSED.has(name) || status === 403) {
    return new MlflowError('PERMISSION_DENIED', `S3 refused the request (${detail})`, { cause: error });
  }
  if (UNREACHABLE.has(sdk.code ?? '') || UNREACHABLE.has(name) || name === 'TimeoutError' || status === 503) {
    return new MlflowError('TEMPORARILY_UNAVAILABLE', `S3 is unreachable or overloaded (${detail})`, { cause: error });
  }
  return new MlflowError('INTERNAL_ERROR', `S3 request failed (${detail})`, { cause: error });
}

function isMissingKey(error: unknown): boolean {
  const sdk = error as SdkError;
  return sdk?.name === 'NoSuchKey' || sdk?.name === 'NotFound' || sdk?.$metadata?.httpStatusCode === 404;
}

/** Whether a listed name can be handed to clients (they refuse `..`, `.` and control characters). */
function isSafeEntryName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !name.includes('\\') && !hasControlCharacter(name);
}

function byPath(a: FileInfo, b: FileInfo): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

export interface S3ArtifactRepositoryOptions {
  /** The URI reported as `rootUri` (defaults to the canonical `s3://bucket/prefix`). */
  readonly rootUri?: string;
  readonly settings: S3Settings;
  /** Keys per listing page (S3's maximum, 1000, when absent). */
  readonly pageSize?: number;
  /** Part buffers shared by the repositories of one client (a pool of its own when absent). */
  readonly partPool?: PartBufferPool;
}

/** A pool of part buffers for these settings: enough idle ones for one upload at full concurrency. */
export function createPartBufferPool(settings: S3Settings): PartBufferPool {
  return new PartBufferPool(Math.max(S3_MIN_PART_BYTES, settings.partBytes), settings.queueSize + 1);
}

/**
 * An `ArtifactRepository` over `s3://bucket/prefix`, with presigned multipart uploads.
 *
 * @example
 * const client = createS3Client(settings);
 * const repo = new S3ArtifactRepository(client, parseS3Uri('s3://ml/artifacts'), { settings });
 * await repo.write('1/abc/artifacts/model.pkl', createReadStream('model.pkl'));
 */
export class S3ArtifactRepository implements MultipartArtifactRepository {
  readonly rootUri: string;
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #prefix: string;
  readonly #settings: S3Settings;
  /** Sent with every call when the operator pinned the bucket's owner. */
  readonly #owner: { ExpectedBucketOwner?: string };
  readonly #pageSize: { MaxKeys?: number };
  readonly #partPool: PartBufferPool;

  constructor(client: S3Client, location: S3Location, options: S3ArtifactRepositoryOptions) {
    this.#client = client;
    this.#bucket = location.bucket;
    this.#prefix = location.prefix;
    this.#settings = options.settings;
    this.rootUri = options.rootUri ?? formatS3Uri(location);
    const owner = options.settings.expectedBucketOwner;
    this.#owner = owner === undefined ? {} : { ExpectedBucketOwner: owner };
    this.#pageSize = options.pageSize === undefined ? {} : { MaxKeys: options.pageSize };
    this.#partPool = options.partPool ?? createPartBufferPool(options.settings);
  }

  /** The object key of a client path, after the path-safety normalization. */
  #key(path: string): { relative: string; key: string } {
    const relative = normalizeArtifactPath(path);
    return { relative, key: s3KeyOf(this.#prefix, relative) };
  }

  async #send<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw translateS3Error(error, what);
    }
  }

  /** Every page of a listing below `prefix`. */
  async *#pages(prefix: string, delimiter: boolean): AsyncGenerator<ListObjectsV2CommandOutput> {
    let token: string | undefined;
    do {
      const page = await this.#send(`Listing s3://${this.#bucket}/${prefix}`, () =>
        this.#client.send(
          new ListObjectsV2Command({
            Bucket: this.#bucket,
            Prefix: prefix,
            ...(delimiter ? { Delimiter: '/' } : {}),
            ...(token === undefined ? {} : { ContinuationToken: token }),
            ...this.#pageSize,
            ...this.#owner,
          }),
        ),
      );
      yield page;
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  async list(path = ''): Promise<FileInfo[]> {
    const { relative, key } = this.#key(path);
    const listPrefix = key === '' ? '' : `${key}/`;
    const join = (name: string) => (relative === '' ? name : `${relative}/${name}`);
    const files: FileInfo[] = [];
    for await (const page of this.#pages(listPrefix, true)) {
      for (const common of page.CommonPrefixes ?? []) {
        const name = (common.Prefix ?? '').slice(listPrefix.length, -1);
        if (isSafeEntryName(name)) files.push({ path: join(name), is_dir: true });
      }
      for (const object of page.Contents ?? []) {
        // A key ending in `/` is a console-made "folder" marker, not a file.
        const name = (object.Key ?? '').slice(listPrefix.length);
        if (isSafeEntryName(name)) files.push({ path: join(name), is_dir: false, file_size: object.Size ?? 0 });
      }
    }
    return files.sort(byPath);
  }

  read(path: string): Promise<ArtifactStream> {
    return this.readRange(path);
  }

  /**
   * Streams a file, or bytes `[start, end)` of it when `start` is given (`end` defaults to the end
   * of the file). A missing file (or a "directory") is RESOURCE_DOES_NOT_EXIST.
   */
  async readRange(path: string, start?: number, end?: number): Promise<ArtifactStream> {
    const { relative, key } = this.#key(path);
    if (relative === '') throw notFound('The artifact root is a directory, not a file.');
    const range = start === undefined ? {} : { Range: `bytes=${start}-${end === undefined ? '' : end - 1}` };
    let response: GetObjectCommandOutput;
    try {
      response = await this.#client.send(
        new GetObjectCommand({ Bucket: this.#bucket, Key: key, ...range, ...this.#owner }),
      );
    } catch (error) {
      if (isMissingKey(error)) throw notFound(`Artifact '${relative}' does not exist.`);
      throw translateS3Error(error, `Reading s3://${this.#bucket}/${key}`);
    }
    const stream = response.Body as Readable;
    return response.ContentLength === undefined ? { stream } : { stream, size: response.ContentLength };
  }

  async write(path: string, body: Readable): Promise<void> {
    const { relative, key } = this.#key(path);
    if (relative === '') throw invalidParameter('An artifact path must name a file, not the root directory.');
    const target = {
      Bucket: this.#bucket,
      Key: key,
      extra: this.#settings.uploadExtraArgs,
      owner: this.#owner,
      unsignedPayload: usesTls(this.#settings),
    };
    try {
      // A failed upload leaves nothing behind: its parts are aborted, the old object stays.
      await uploadStream(this.#client, target, body, { pool: this.#partPool, queueSize: this.#settings.queueSize });
    } catch (error) {
      // A body that failed (the client went away) is reported as such by the caller.
      if (body.errored !== null && body.errored !== undefined) throw body.errored;
      throw translateS3Error(error, `Uploading s3://${this.#bucket}/${key}`);
    }
  }

  async delete(path = ''): Promise<void> {
    const { relative, key } = this.#key(path);
    if (relative !== '') {
      await this.#send(`Deleting s3://${this.#bucket}/${key}`, () =>
        this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: key, ...this.#owner })),
      );
    }
    // Then everything below it, as a directory.
    const below = key === '' ? '' : `${key}/`;
    for await (const page of this.#pages(below, false)) {
      const keys = (page.Contents ?? []).map((object) => object.Key).filter((k): k is string => k !== undefined);
      for (let at = 0; at < keys.length; at += DELETE_BATCH) await this.#deleteBatch(keys.slice(at, at + DELETE_BATCH));
    }
  }

  async #deleteBatch(keys: readonly string[]): Promise<void> {
    const result = await this.#send(`Deleting ${keys.length} objects in s3://${this.#bucket}`, () =>
      this.#client.send(
        new DeleteObjectsCommand({
          Bucket: this.#bucket,
          Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true },
          ...this.#owner,
        }),
      ),
    );
    const failed = result.Errors ?? [];
    if (failed.length > 0) {
      const first = failed[0];
      throw translateS3Error(
        { name: first?.Code, message: first?.Message },
        `Deleting ${failed.length} of ${keys.length} objects in s3://${this.#bucket} (first: ${first?.Key})`,
      );
    }
  }

  async createMultipartUpload(
    path: string,
    numParts: number,
  ): Promise<{ uploadId: string; parts: MultipartPartTarget[] }> {
    if (!Number.isInteger(numParts) || numParts < 1 || numParts > S3_MAX_PARTS) {
      throw invalidParameter(`num_parts must be between 1 and ${S3_MAX_PARTS}, got ${numParts}.`);
    }
    const { key } = this.#key(path);
    const created = await this.#send(`Starting a multipart upload of s3://${this.#bucket}/${key}`, () =>
      this.#client.send(
        new CreateMultipartUploadCommand({
          ...this.#settings.uploadExtraArgs,
          Bucket: this.#bucket,
          Key: key,
          ...this.#owner,
        }),
      ),
    );
    const uploadId = created.UploadId;
    if (uploadId === undefined) throw new MlflowError('INTERNAL_ERROR', 'S3 answered without an upload id.');
    const parts = await this.#send('Presigning part URLs', () =>
      Promise.all(
        Array.from({ length: numParts }, async (_, i) => ({
          part_number: i + 1,
          url: await getSignedUrl(
            this.#client,
            new UploadPartCommand({ Bucket: this.#bucket, Key: key, UploadId: uploadId, PartNumber: i + 1 }),
            { expiresIn: PRESIGN_SECONDS },
          ),
          headers: {},
        })),
      ),
    );
    return { uploadId, parts };
  }

  async completeMultipartUpload(
    path: string,
    uploadId: string,
    parts: readonly { readonly part_number: number; readonly etag: string }[],
  ): Promise<void> {
    if (parts.length === 0) throw invalidParameter('A multipart upload needs at least one part to complete.');
    const { key } = this.#key(path);
    const sorted = [...parts].sort((a, b) => a.part_number - b.part_number);
    await this.#send(`Completing the multipart upload of s3://${this.#bucket}/${key}`, () =>
      this.#client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.#bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: sorted.map((p) => ({ PartNumber: p.part_number, ETag: p.etag })) },
          ...this.#owner,
        }),
      ),
    );
  }

  async abortMultipartUpload(path: string, uploadId: string): Promise<void> {
    const { key } = this.#key(path);
    await this.#send(`Aborting the multipart upload of s3://${this.#bucket}/${key}`, () =>
      this.#client.send(
        new AbortMultipartUploadCommand({ Bucket: this.#bucket, Key: key, UploadId: uploadId, ...this.#owner }),
      ),
    );
  }
}
