/**
 * The artifact storage seam. A repository is rooted at one URI (a local directory, an S3
 * prefix, ...); every path it takes is relative to that root and has already passed the
 * path-safety check (`path-safety.ts`). Implementations must still make sure the final
 * location stays inside the root (symlinks on disk, for instance).
 */
import type { Readable } from 'node:stream';
import type { FileInfo } from '@keel/contract';

export interface ArtifactStream {
  readonly stream: Readable;
  /** Bytes, when known in advance. */
  readonly size?: number;
}

/**
 * An optional ability of an opened artifact: reads at a position into the caller's buffer, so a
 * server can send it through a few reused buffers instead of one allocation per chunk. A consumer
 * uses either `stream` or `readAt` + `close`, not both.
 */
export interface PositionalArtifactStream extends ArtifactStream {
  readonly size: number;
  /** Reads up to `length` bytes at byte `position` into `buffer`; resolves 0 at end of file. */
  readAt(buffer: Buffer, length: number, position: number): Promise<number>;
  /** Releases the artifact when `stream` was never used. */
  close(): Promise<void>;
}

export function supportsPositionalRead(artifact: ArtifactStream): artifact is PositionalArtifactStream {
  const candidate = artifact as Partial<PositionalArtifactStream>;
  return typeof candidate.readAt === 'function' && typeof candidate.size === 'number';
}

export interface ArtifactRepository {
  /** The URI this repository is rooted at. */
  readonly rootUri: string;
  /**
   * Immediate children of the directory `path` (root when empty), sorted by path, each
   * `path` relative to the repository root. A missing directory or a file path gives [].
   */
  list(path?: string): Promise<FileInfo[]>;
  /** Opens one file for streaming; a missing file or a directory -> RESOURCE_DOES_NOT_EXIST. */
  read(path: string): Promise<ArtifactStream>;
  /** Streams `body` into the file `path`, creating parents and replacing any existing file. */
  write(path: string, body: Readable): Promise<void>;
  /** Deletes a file, or a directory recursively; a missing path is not an error. */
  delete(path: string): Promise<void>;
}

/** One part of a multipart upload: where the client PUTs it directly. */
export interface MultipartPartTarget {
  readonly url: string;
  readonly part_number: number;
  readonly headers?: Readonly<Record<string, string>>;
}

/** An optional ability: stores that can hand out presigned part URLs (S3 and friends). */
export interface MultipartArtifactRepository extends ArtifactRepository {
  createMultipartUpload(path: string, numParts: number): Promise<{ uploadId: string; parts: MultipartPartTarget[] }>;
  completeMultipartUpload(
    path: string,
    uploadId: string,
    parts: readonly { readonly part_number: number; readonly etag: string }[],
  ): Promise<void>;
  abortMultipartUpload(path: string, uploadId: string): Promise<void>;
}

export function supportsMultipart(repository: ArtifactRepository): repository is MultipartArtifactRepository {
  return typeof (repository as Partial<MultipartArtifactRepository>).createMultipartUpload === 'function';
}

/** Builds a repository for a URI of one scheme. */
export type ArtifactRepositoryFactory = (uri: string) => ArtifactRepository | Promise<ArtifactRepository>;
