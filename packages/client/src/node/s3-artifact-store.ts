/**
 * Direct S3 access for Node clients that hold storage credentials: `s3://bucket/prefix` roots are
 * listed, read and written with the AWS SDK v3, with no tracking server in between. The SDK is an
 * optional dependency loaded with `import()` on the first S3 operation, so scripts that never
 * meet an S3 root never load it. Settings come from the same variables MLflow's client reads.
 */
import { createReadStream } from 'node:fs';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { type FileInfo, invalidParameter, MlflowError, notFound } from '@keel/contract';
import type { ArtifactSource, ArtifactStore } from '../artifacts/artifact-store.js';
import { joinArtifactPath, validateArtifactPath } from '../artifacts/artifact-uri.js';
import { type EnvSource, readClientEnv } from '../config.js';

/**
 * How a client reaches S3, from `MLFLOW_S3_ENDPOINT_URL`, `MLFLOW_BOTO_CLIENT_ADDRESSING_STYLE`,
 * `MLFLOW_S3_IGNORE_TLS`, `MLFLOW_S3_UPLOAD_EXTRA_ARGS`, `MLFLOW_S3_EXPECTED_BUCKET_OWNER` and the
 * standard AWS variables (credentials absent: the SDK's default chain).
 *
 * @example
 * const settings = s3StoreSettingsFromEnv(process.env);
 */
export interface S3StoreSettings {
  readonly endpointUrl?: string;
  readonly region: string;
  readonly forcePathStyle: boolean;
  readonly ignoreTls: boolean;
  readonly credentials?: {
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    readonly sessionToken?: string;
  };
  readonly uploadExtraArgs: Readonly<Record<string, unknown>>;
  readonly expectedBucketOwner?: string;
  /** Bytes per part of multipart uploads (at least 5 MiB). */
  readonly partBytes: number;
  /** Parts sent at once. */
  readonly queueSize: number;
}

const MIN_PART_BYTES = 5 * 1024 * 1024;

function parseExtraArgs(raw: string | undefined): Readonly<Record<string, unknown>> {
  if (raw === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw invalidParameter(`MLFLOW_S3_UPLOAD_EXTRA_ARGS must be a JSON object, got '${raw}'`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalidParameter('MLFLOW_S3_UPLOAD_EXTRA_ARGS must be a JSON object of upload fields');
  }
  return Object.freeze({ ...(value as Record<string, unknown>) });
}

/**
 * S3 settings from MLflow's and AWS's environment variables.
 *
 * @example
 * s3StoreSettingsFromEnv({ MLFLOW_S3_ENDPOINT_URL: 'http://127.0.0.1:9000' }).forcePathStyle; // true
 */
export function s3StoreSettingsFromEnv(env: EnvSource): S3StoreSettings {
  const read = (name: Parameters<typeof readClientEnv>[1]) => readClientEnv(env, name) as string | undefined;
  const endpointUrl = read('MLFLOW_S3_ENDPOINT_URL') ?? read('AWS_ENDPOINT_URL_S3') ?? read('AWS_ENDPOINT_URL');
  const style = (read('MLFLOW_BOTO_CLIENT_ADDRESSING_STYLE') ?? 'auto').toLowerCase();
  if (!['auto', 'path', 'virtual'].includes(style)) {
    throw invalidParameter(`MLFLOW_BOTO_CLIENT_ADDRESSING_STYLE must be auto, path or virtual, got '${style}'`);
  }
  const accessKeyId = read('AWS_ACCESS_KEY_ID');
  const secretAccessKey = read('AWS_SECRET_ACCESS_KEY');
  const sessionToken = read('AWS_SESSION_TOKEN');
  const owner = read('MLFLOW_S3_EXPECTED_BUCKET_OWNER');
  return Object.freeze({
    region: read('AWS_REGION') ?? read('AWS_DEFAULT_REGION') ?? 'us-east-1',
    forcePathStyle: style === 'path' || (style === 'auto' && endpointUrl !== undefined),
    ignoreTls: readClientEnv(env, 'MLFLOW_S3_IGNORE_TLS') ?? false,
    uploadExtraArgs: parseExtraArgs(read('MLFLOW_S3_UPLOAD_EXTRA_ARGS')),
    partBytes: Math.max(MIN_PART_BYTES, readClientEnv(env, 'MLFLOW_MULTIPART_UPLOAD_CHUNK_SIZE') ?? 8 * 1024 * 1024),
    queueSize: 4,
    ...(endpointUrl === undefined ? {} : { endpointUrl }),
    ...(owner === undefined ? {} : { expectedBucketOwner: owner }),
    ...(accessKeyId === undefined || secretAccessKey === undefined
      ? {}
      : { credentials: { accessKeyId, secretAccessKey, ...(sessionToken === undefined ? {} : { sessionToken }) } }),
  });
}

type ClientS3 = typeof import('@aws-sdk/client-s3');
type LibStorage = typeof import('@aws-sdk/lib-storage');

interface S3Sdk {
  readonly s3: ClientS3;
  readonly storage: LibStorage;
  readonly client: InstanceType<ClientS3['S3Client']>;
}

// Variable specifiers: bundlers must not pull the SDK into client bundles.
const CLIENT_S3 = '@aws-sdk/client-s3';
const LIB_STORAGE = '@aws-sdk/lib-storage';

async function loadSdk(settings: S3StoreSettings): Promise<S3Sdk> {
  let s3: ClientS3;
  let storage: LibStorage;
  try {
    [s3, storage] = await Promise.all([
      import(CLIENT_S3) as Promise<ClientS3>,
      import(LIB_STORAGE) as Promise<LibStorage>,
    ]);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw error;
    throw invalidParameter(
      's3:// artifact roots need the optional packages @aws-sdk/client-s3 and @aws-sdk/lib-storage (npm install them).',
    );
  }
  const agent = { keepAlive: true, maxSockets: 32 };
  const client = new s3.S3Client({
    region: settings.region,
    forcePathStyle: settings.forcePathStyle,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(settings.endpointUrl === undefined ? {} : { endpoint: settings.endpointUrl }),
    // A copy: the SDK annotates the credentials object it is given, and settings are frozen.
    ...(settings.credentials === undefined ? {} : { credentials: { ...settings.credentials } }),
    requestHandler: {
      httpAgent: new HttpAgent(agent),
      httpsAgent: new HttpsAgent({ ...agent, rejectUnauthorized: !settings.ignoreTls }),
    },
  });
  return { s3, storage, client };
}

/**
 * Opens S3 stores that share one SDK client (loaded on first use).
 *
 * @example
 * const s3 = new S3StoreOpener(s3StoreSettingsFromEnv(process.env));
 * const store = s3.open('s3://ml-artifacts/1/abc/artifacts');
 */
export class S3StoreOpener {
  private sdk: Promise<S3Sdk> | undefined;

  constructor(readonly settings: S3StoreSettings) {}

  /** The store rooted at `uri` (`s3://bucket[/prefix]`). */
  open(uri: string): S3ArtifactStore {
    return new S3ArtifactStore(
      uri,
      () => {
        this.sdk ??= loadSdk(this.settings);
        return this.sdk;
      },
      this.settings,
    );
  }

  /** Closes the SDK client's connections, if it was ever loaded. */
  async close(): Promise<void> {
    const sdk = this.sdk;
    this.sdk = undefined;
    if (sdk !== undefined) (await sdk.catch(() => undefined))?.client.destroy();
  }
}

function translate(error: unknown, what: string): unknown {
  if (error instanceof MlflowError || typeof error !== 'object' || error === null) return error;
  const sdk = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = sdk.$metadata?.httpStatusCode;
  const detail = `${what}: ${sdk.name ?? 'Error'}: ${sdk.message ?? ''}`;
  if (sdk.name === 'NoSuchKey' || sdk.name === 'NoSuchBucket' || status === 404) {
    return new MlflowError('RESOURCE_DOES_NOT_EXIST', detail, { cause: error });
  }
  if (status === 403) return new MlflowError('PERMISSION_DENIED', detail, { cause: error });
  return new MlflowError('INTERNAL_ERROR', detail, { cause: error });
}

/**
 * An artifact store over an S3 prefix, reached with the client's own credentials.
 *
 * @example
 * const store = new S3StoreOpener(s3StoreSettingsFromEnv(process.env)).open('s3://ml/1/abc/artifacts');
 * await store.write('notes.txt', bytesSource('hi'));
 */
export class S3ArtifactStore implements ArtifactStore {
  private readonly bucket: string;
  private readonly prefix: string;

  constructor(
    readonly rootUri: string,
    private readonly sdk: () => Promise<S3Sdk>,
    private readonly settings: S3StoreSettings,
  ) {
    const match = /^s3:\/\/([^/?#]+)(\/[^?#]*)?$/i.exec(rootUri);
    if (match === null)
      throw invalidParameter(`Invalid S3 artifact URI '${rootUri}': expected s3://<bucket>/<prefix>.`);
    this.bucket = match[1] as string;
    const segments = (match[2] ?? '').split('/').filter((s) => s !== '');
    if (segments.some((s) => s === '.' || s === '..')) {
      throw invalidParameter(`Invalid S3 artifact URI '${rootUri}': '.' and '..' segments are not allowed.`);
    }
    this.prefix = segments.join('/');
  }

  private key(path: string): string {
    validateArtifactPath(path);
    return joinArtifactPath(this.prefix, path);
  }

  private get owner(): { ExpectedBucketOwner?: string } {
    const owner = this.settings.expectedBucketOwner;
    return owner === undefined ? {} : { ExpectedBucketOwner: owner };
  }

  async list(path = ''): Promise<FileInfo[]> {
    const key = this.key(path);
    const listPrefix = key === '' ? '' : `${key}/`;
    const { s3, client } = await this.sdk();
    const out: FileInfo[] = [];
    let token: string | undefined;
    do {
      const page = await client
        .send(
          new s3.ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: listPrefix,
            Delimiter: '/',
            ...(token === undefined ? {} : { ContinuationToken: token }),
            ...this.owner,
          }),
        )
        .catch((error: unknown) => {
          throw translate(error, `Listing ${this.rootUri}/${path}`);
        });
      for (const common of page.CommonPrefixes ?? []) {
        const name = (common.Prefix ?? '').slice(listPrefix.length, -1);
        if (name !== '' && name !== '.' && name !== '..')
          out.push({ path: joinArtifactPath(path, name), is_dir: true });
      }
      for (const object of page.Contents ?? []) {
        const name = (object.Key ?? '').slice(listPrefix.length);
        if (name !== '' && name !== '.' && name !== '..') {
          out.push({ path: joinArtifactPath(path, name), is_dir: false, file_size: object.Size ?? 0 });
        }
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async read(path: string, signal?: AbortSignal): Promise<ReadableStream<Uint8Array>> {
    const key = this.key(path);
    if (path === '') throw notFound(`The root of ${this.rootUri} is a directory, not a file.`);
    const { s3, client } = await this.sdk();
    try {
      const response = await client.send(
        new s3.GetObjectCommand({ Bucket: this.bucket, Key: key, ...this.owner }),
        signal === undefined ? {} : { abortSignal: signal },
      );
      return Readable.toWeb(response.Body as Readable) as unknown as ReadableStream<Uint8Array>;
    } catch (error) {
      if ((error as { name?: string }).name === 'NoSuchKey')
        throw notFound(`No artifact file at '${path}' under ${this.rootUri}`);
      throw translate(error, `Reading ${this.rootUri}/${path}`);
    }
  }

  async write(path: string, source: ArtifactSource): Promise<void> {
    if (path === '') throw invalidParameter('An artifact path must name a file.');
    const key = this.key(path);
    const { storage, client } = await this.sdk();
    const body = source.localPath !== undefined ? createReadStream(source.localPath) : toNodeBody(source.open());
    const upload = new storage.Upload({
      client,
      params: { ...this.settings.uploadExtraArgs, Bucket: this.bucket, Key: key, Body: body, ...this.owner },
      partSize: Math.max(MIN_PART_BYTES, this.settings.partBytes),
      queueSize: this.settings.queueSize,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (error) {
      throw translate(error, `Uploading ${this.rootUri}/${path}`);
    }
  }
}

function toNodeBody(body: string | Uint8Array | ReadableStream<Uint8Array>): string | Uint8Array | Readable {
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  return Readable.fromWeb(body as unknown as NodeReadableStream<Uint8Array>);
}
