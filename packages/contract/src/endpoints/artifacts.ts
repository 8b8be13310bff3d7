/**
 * Artifact proxy routes (artifacts.md §3) and the UI's single-file download/upload routes
 * (tracking-api.md §11). Transfers are raw byte streams, so only the multipart control calls
 * are JSON message endpoints; the rest are described as path builders used by both sides.
 */
import type { FileInfo } from '../entities/tracking.js';
import { f, message } from '../message.js';

export const ARTIFACTS_PREFIX = '/api/2.0/mlflow-artifacts';
export const ARTIFACTS_AJAX_PREFIX = '/ajax-api/2.0/mlflow-artifacts';

/** Proxy route families below each prefix. */
export const ARTIFACT_ROUTES = {
  /** `GET ?path=` lists; `GET|PUT|DELETE /artifacts/<path>` downloads, uploads, deletes. */
  artifacts: '/artifacts',
  mpuCreate: '/mpu/create',
  mpuComplete: '/mpu/complete',
  mpuAbort: '/mpu/abort',
} as const;

/** UI routes that download one file as an attachment, or upload a small one. */
export const UI_ARTIFACT_ROUTES = {
  getArtifact: '/get-artifact',
  getModelVersionArtifact: '/model-versions/get-artifact',
  loggedModelArtifactFile: '/ajax-api/2.0/mlflow/logged-models/{model_id}/artifacts/files',
  uploadArtifact: '/ajax-api/2.0/mlflow/upload-artifact',
} as const;

/** Response of the proxy listing: entry names only, not full paths. */
export interface ProxyListResponse {
  readonly files?: readonly FileInfo[];
}

/** Encodes a relative artifact path for a URL, keeping `/` separators. */
export function encodeArtifactPath(relativePath: string): string {
  return relativePath.split('/').map(encodeURIComponent).join('/');
}

/** The URL path that downloads, uploads or deletes one artifact through the proxy. */
export function proxyArtifactPath(relativePath: string): string {
  return `${ARTIFACTS_PREFIX}${ARTIFACT_ROUTES.artifacts}/${encodeArtifactPath(relativePath)}`;
}

export const CreateMultipartUploadMsg = message('CreateMultipartUpload', {
  path: f.string({ required: true }),
  num_parts: f.int64({ required: true }),
});
export const CompleteMultipartUploadMsg = message('CompleteMultipartUpload', {
  path: f.string({ required: true }),
  upload_id: f.string({ required: true }),
  parts: f.list(
    f.message(
      message('MultipartUploadPart', {
        part_number: f.int64({ required: true }),
        etag: f.string(),
        url: f.string(),
      }),
    ),
  ),
});
export const AbortMultipartUploadMsg = message('AbortMultipartUpload', {
  path: f.string({ required: true }),
  upload_id: f.string({ required: true }),
});

export interface MultipartUploadCredential {
  readonly url: string;
  readonly part_number: number;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface CreateMultipartUploadResponse {
  readonly upload_id: string;
  readonly credentials: readonly MultipartUploadCredential[];
}

/** The Python client checks this exact prefix before falling back to a single PUT. */
export const MULTIPART_UNSUPPORTED_MESSAGE = 'Multipart upload is not supported for the current artifact repository';
