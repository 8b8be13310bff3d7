/**
 * Artifacts through a tracking server's `mlflow-artifacts` proxy (artifacts.md §3): list,
 * stream downloads, single-PUT uploads, and multipart uploads for large files when the server's
 * destination supports them (falling back to one PUT on the documented 501 answer).
 */
import {
  ARTIFACT_ROUTES,
  ARTIFACTS_PREFIX,
  type CreateMultipartUploadResponse,
  encodeArtifactPath,
  type FileInfo,
  MlflowError,
  MULTIPART_UNSUPPORTED_MESSAGE,
  type ProxyListResponse,
  proxyArtifactPath,
} from '@keel/contract';
import { errorFromResponse } from '../client/errors.js';
import { readBodyText, type Transport, type TransportResponse, toByteStream } from '../transport/transport.js';
import type { ArtifactSource, ArtifactStore } from './artifact-store.js';
import { baseName, dirName, guessContentType, joinArtifactPath, type ProxyLocation } from './artifact-uri.js';

/**
 * When uploads go multipart. MLflow's defaults: files from 500 MiB, in 10 MiB parts.
 *
 * @example
 * { thresholdBytes: 100 * 2 ** 20, partBytes: 8 * 2 ** 20 }
 */
export interface MultipartOptions {
  readonly thresholdBytes: number;
  readonly partBytes: number;
}

/**
 * MLflow's multipart defaults (`MLFLOW_MULTIPART_UPLOAD_MINIMUM_FILE_SIZE`, `..._CHUNK_SIZE`).
 *
 * @example
 * new Tracker({ multipart: { ...DEFAULT_MULTIPART, thresholdBytes: 64 * 2 ** 20 } });
 */
export const DEFAULT_MULTIPART: MultipartOptions = Object.freeze({
  thresholdBytes: 500 * 1024 * 1024,
  partBytes: 10 * 1024 * 1024,
});

/**
 * An artifact store behind a tracking server's proxy.
 *
 * @example
 * const store = new ProxyArtifactStore(client.transport, run.info.artifact_uri, resolveProxyLocation(uri, trackingUri));
 * await store.write('notes.txt', bytesSource('hello'));
 */
export class ProxyArtifactStore implements ArtifactStore {
  /** Set once a server answered that it cannot do multipart, so later large files skip the attempt. */
  private multipartUnsupported = false;

  constructor(
    private readonly transport: Transport,
    readonly rootUri: string,
    private readonly location: ProxyLocation,
    private readonly multipart: MultipartOptions = DEFAULT_MULTIPART,
  ) {}

  private full(path: string): string {
    return joinArtifactPath(this.location.path, path);
  }

  private async check(response: TransportResponse, what: string): Promise<void> {
    if (response.status === 200) return;
    throw errorFromResponse(response.status, await readBodyText(response.body), what);
  }

  async list(path = ''): Promise<FileInfo[]> {
    const target = this.full(path);
    const response = await this.transport.request({
      method: 'GET',
      path: `${this.location.base}${ARTIFACTS_PREFIX}${ARTIFACT_ROUTES.artifacts}`,
      query: target === '' ? [] : [['path', target]],
    });
    await this.check(response, `Listing artifacts of '${target}'`);
    const text = await readBodyText(response.body);
    const body = (text.trim() === '' ? {} : JSON.parse(text)) as ProxyListResponse;
    // The proxy answers bare entry names; callers want paths relative to the store root.
    return (body.files ?? [])
      .map((f) => ({ ...f, path: joinArtifactPath(path, f.path) }))
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async read(path: string, signal?: AbortSignal): Promise<ReadableStream<Uint8Array>> {
    const response = await this.transport.request({
      method: 'GET',
      path: this.location.base + proxyArtifactPath(this.full(path)),
      stream: true,
      ...(signal === undefined ? {} : { signal }),
    });
    await this.check(response, `Downloading artifact '${path}' of ${this.rootUri}`);
    return toByteStream(response.body);
  }

  async write(path: string, source: ArtifactSource): Promise<void> {
    const size = source.size ?? 0;
    if (!this.multipartUnsupported && size >= this.multipart.thresholdBytes && size > 0) {
      if (await this.writeMultipart(path, source, size)) return;
    }
    const response = await this.transport.request({
      method: 'PUT',
      path: this.location.base + proxyArtifactPath(this.full(path)),
      headers: { 'content-type': guessContentType(path) },
      body: () => source.open(),
    });
    await this.check(response, `Uploading artifact '${path}' to ${this.rootUri}`);
  }

  /** Uploads in parts; false when the server cannot do multipart (the caller then PUTs once). */
  private async writeMultipart(path: string, source: ArtifactSource, size: number): Promise<boolean> {
    const full = this.full(path);
    const route = (family: string) =>
      `${this.location.base}${ARTIFACTS_PREFIX}${family}/${encodeArtifactPath(dirName(full))}`;
    const json = { 'content-type': 'application/json' };
    const name = baseName(full);
    const numParts = Math.ceil(size / this.multipart.partBytes);
    const created = await this.transport.request({
      method: 'POST',
      path: route(ARTIFACT_ROUTES.mpuCreate),
      headers: json,
      body: JSON.stringify({ path: name, num_parts: numParts }),
    });
    const createdText = await readBodyText(created.body);
    if (created.status !== 200) {
      const error = errorFromResponse(created.status, createdText, `Starting a multipart upload of '${path}'`);
      if (error.code === 'NOT_IMPLEMENTED' && error.message.startsWith(MULTIPART_UNSUPPORTED_MESSAGE)) {
        this.multipartUnsupported = true;
        return false;
      }
      throw error;
    }
    const { upload_id, credentials } = JSON.parse(createdText) as CreateMultipartUploadResponse;
    try {
      const parts: { part_number: number; etag: string; url: string }[] = [];
      for (const credential of credentials) {
        const start = (credential.part_number - 1) * this.multipart.partBytes;
        const end = Math.min(size, start + this.multipart.partBytes);
        const response = await this.transport.request({
          method: 'PUT',
          path: credential.url,
          headers: { ...credential.headers },
          body: () => source.open(start, end),
          // Presigned part URLs carry their own authorisation; a tracking token would be refused.
          anonymous: /^https?:\/\//i.test(credential.url),
        });
        await this.check(response, `Uploading part ${credential.part_number} of '${path}'`);
        parts.push({ part_number: credential.part_number, etag: response.headers.etag ?? '', url: credential.url });
      }
      const completed = await this.transport.request({
        method: 'POST',
        path: route(ARTIFACT_ROUTES.mpuComplete),
        headers: json,
        body: JSON.stringify({ path: name, upload_id, parts }),
      });
      await this.check(completed, `Completing the multipart upload of '${path}'`);
      return true;
    } catch (error) {
      await this.transport
        .request({
          method: 'POST',
          path: route(ARTIFACT_ROUTES.mpuAbort),
          headers: json,
          body: JSON.stringify({ path: name, upload_id }),
        })
        .catch(() => undefined);
      throw error instanceof MlflowError ? error : new MlflowError('INTERNAL_ERROR', String(error), { cause: error });
    }
  }
}
