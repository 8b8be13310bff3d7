/**
 * Artifacts on a local (or NFS) file system, rooted at one directory. Reads and writes are
 * streamed; a write goes to a temporary file next to its target and is renamed into place, so
 * a reader sees either the old file or the complete new one, never a partial upload. By default
 * the file is fsynced before the rename and its directory after it (`file-sync.ts`), so a write
 * that was acknowledged survives power loss too.
 */
import { randomBytes } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { type FileHandle, mkdir, open, readdir, realpath, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type FileInfo, invalidParameter, notFound } from '@keel/contract';
import type { ArtifactRepository, PositionalArtifactStream } from './artifact-repository.js';
import { type FileSyncer, fsyncFileSyncer } from './file-sync.js';
import { writeStreamToFile } from './file-transfer.js';
import { assertRealPathInside, clientPathError, joinInsideRoot, normalizeArtifactPath, shown } from './path-safety.js';

/** Chunk size of `stream` reads: few syscalls per GiB, bounded memory through backpressure. */
const READ_CHUNK_BYTES = 1024 * 1024;

/** Name of an in-progress upload; hidden from listings. */
export const PARTIAL_PREFIX = '.keel-partial-';
export const PARTIAL_NAME = /^\.keel-partial-[0-9a-f]{16}$/;

const MISSING = new Set(['ENOENT', 'ENOTDIR']);

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

function isMissing(error: unknown): boolean {
  const code = errorCode(error);
  return code !== undefined && MISSING.has(code);
}

/** An open file offered both ways: as a lazily created stream, or for positional reads. */
function openedFile(handle: FileHandle, size: number): PositionalArtifactStream {
  let stream: Readable | undefined;
  return {
    size,
    get stream(): Readable {
      stream ??= handle.createReadStream({ highWaterMark: READ_CHUNK_BYTES, autoClose: true });
      return stream;
    },
    readAt: async (buffer, length, position) => (await handle.read(buffer, 0, length, position)).bytesRead,
    close: () => handle.close(),
  };
}

export interface LocalArtifactRepositoryOptions {
  /** The URI reported as `rootUri` (defaults to the `file://` URL of the directory). */
  readonly rootUri?: string;
  /** How writes are flushed (default: fsync, so acknowledged writes survive power loss). */
  readonly fileSync?: FileSyncer;
}

/**
 * An `ArtifactRepository` over a directory. The directory need not exist: listings of a
 * missing root are empty and the first write creates it.
 *
 * @example
 * const repo = new LocalArtifactRepository('/srv/mlartifacts');
 * await repo.write('1/abc/artifacts/hello.txt', Readable.from(['hi']));
 */
export class LocalArtifactRepository implements ArtifactRepository {
  readonly rootUri: string;
  /** Absolute directory every path is relative to. */
  readonly rootDirectory: string;
  /** How writes are flushed to stable storage (`fsyncFileSyncer` unless configured otherwise). */
  readonly fileSync: FileSyncer;

  constructor(rootDirectory: string, options: LocalArtifactRepositoryOptions = {}) {
    if (!isAbsolute(rootDirectory)) throw new Error(`Artifact root must be an absolute path, got '${rootDirectory}'`);
    this.rootDirectory = resolve(rootDirectory);
    this.rootUri = options.rootUri ?? pathToFileURL(this.rootDirectory).href;
    this.fileSync = options.fileSync ?? fsyncFileSyncer;
  }

  /** A repository for a plain path or a `file:` URI; relative paths resolve against `cwd`. */
  static fromUri(
    uri: string,
    cwd: string = process.cwd(),
    options: Omit<LocalArtifactRepositoryOptions, 'rootUri'> = {},
  ): LocalArtifactRepository {
    let directory: string;
    if (/^file:/i.test(uri)) {
      try {
        directory = fileURLToPath(uri);
      } catch (error) {
        throw invalidParameter(`Cannot use '${uri}' as a local artifact location: ${(error as Error).message}`);
      }
    } else {
      directory = resolve(cwd, uri);
    }
    return new LocalArtifactRepository(directory, { ...options, rootUri: uri });
  }

  async list(path = ''): Promise<FileInfo[]> {
    const relative = normalizeArtifactPath(path);
    try {
      return await this.#list(relative);
    } catch (error) {
      throw clientPathError(error, relative);
    }
  }

  async #list(relative: string): Promise<FileInfo[]> {
    const directory = joinInsideRoot(this.rootDirectory, relative);
    let entries: Dirent[];
    try {
      const real = await realpath(directory);
      await assertRealPathInside(this.rootDirectory, real);
      entries = await readdir(real, { withFileTypes: true });
    } catch (error) {
      if (isMissing(error)) return [];
      throw error;
    }
    const infos = await Promise.all(entries.map((entry) => this.#describe(directory, relative, entry)));
    return infos.filter((info) => info !== undefined).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /** One listing entry; undefined for partial uploads, special files and links leaving the root. */
  async #describe(directory: string, relative: string, entry: Dirent): Promise<FileInfo | undefined> {
    if (PARTIAL_NAME.test(entry.name)) return undefined;
    const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
    let isDirectory = entry.isDirectory();
    let isFile = entry.isFile();
    let size: number | undefined;
    try {
      const full = resolve(directory, entry.name);
      if (entry.isSymbolicLink()) {
        // A link is listed as what it points to, and only when that stays inside the root.
        await assertRealPathInside(this.rootDirectory, await realpath(full));
        const target = await stat(full);
        isDirectory = target.isDirectory();
        isFile = target.isFile();
        size = target.size;
      } else if (isFile) {
        size = (await stat(full)).size;
      }
    } catch {
      return undefined;
    }
    if (isDirectory) return { path, is_dir: true };
    if (isFile) return { path, is_dir: false, file_size: size ?? 0 };
    return undefined;
  }

  async read(path: string): Promise<PositionalArtifactStream> {
    const relative = normalizeArtifactPath(path);
    try {
      return await this.#read(relative);
    } catch (error) {
      throw clientPathError(error, relative);
    }
  }

  async #read(relative: string): Promise<PositionalArtifactStream> {
    // An upload in progress is not an artifact yet (listings hide it too).
    if (PARTIAL_NAME.test(basename(relative))) throw notFound(`Artifact '${shown(relative)}' does not exist.`);
    const target = joinInsideRoot(this.rootDirectory, relative);
    let real: string;
    try {
      real = await realpath(target);
    } catch (error) {
      if (isMissing(error)) throw notFound(`Artifact '${shown(relative)}' does not exist.`);
      throw error;
    }
    await assertRealPathInside(this.rootDirectory, real);
    // Open the resolved file once and stat the open handle, so the checks and the bytes agree.
    const handle = await open(real, 'r');
    let size: number;
    try {
      const info = await handle.stat();
      if (!info.isFile()) {
        throw notFound(`Artifact '${relative}' is a directory, not a file; list it and download each file.`);
      }
      size = info.size;
    } catch (error) {
      await handle.close();
      throw error;
    }
    return openedFile(handle, size);
  }

  async write(path: string, body: Readable): Promise<void> {
    const relative = normalizeArtifactPath(path);
    if (relative === '') throw invalidParameter('An artifact path must name a file, not the root directory.');
    // Such a file would be hidden from listings and removed by the sweeper of interrupted uploads.
    if (PARTIAL_NAME.test(basename(relative)))
      throw invalidParameter(
        `Invalid artifact name '${basename(relative)}': names of the form ${PARTIAL_PREFIX}<16 hex digits> are reserved for Keel's temporary upload files.`,
      );
    try {
      await this.#write(relative, body);
    } catch (error) {
      throw clientPathError(error, relative);
    }
  }

  async #write(relative: string, body: Readable): Promise<void> {
    const target = joinInsideRoot(this.rootDirectory, relative);
    const parent = dirname(target);
    // Check before creating directories (a symlinked parent must not make us mkdir outside), and
    // again after, in case the tree changed in between.
    await assertRealPathInside(this.rootDirectory, parent);
    let created: string | undefined;
    try {
      created = await mkdir(parent, { recursive: true });
    } catch (error) {
      if (errorCode(error) === 'EEXIST' || errorCode(error) === 'ENOTDIR') {
        throw invalidParameter(`Cannot write '${relative}': a parent path is a file, not a directory.`);
      }
      throw error;
    }
    const realParent = await assertRealPathInside(this.rootDirectory, parent);
    const partial = resolve(realParent, PARTIAL_PREFIX + randomBytes(8).toString('hex'));
    try {
      // `wx` refuses to follow a symlink planted at the temporary name.
      const handle = await open(partial, 'wx');
      try {
        await writeStreamToFile(body, handle);
        await this.fileSync.syncFile(handle);
      } finally {
        await handle.close();
      }
      await rename(partial, resolve(realParent, basename(target)));
      await this.#syncNewEntries(realParent, parent, created);
    } catch (error) {
      await rm(partial, { force: true });
      const code = errorCode(error);
      if (code === 'EISDIR' || code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'ENOTDIR') {
        throw invalidParameter(`Cannot write '${relative}': a directory exists at that path.`);
      }
      throw error;
    }
  }

  /**
   * Flushes the directory a file was renamed into and, when the write had to create directories
   * (`parent` and its ancestors up to `created`, the first one `mkdir` made), the parent of each.
   */
  async #syncNewEntries(realParent: string, parent: string, created: string | undefined): Promise<void> {
    await this.fileSync.syncDirectory(realParent);
    if (created === undefined) return;
    for (let directory = parent; ; directory = dirname(directory)) {
      const above = dirname(directory);
      if (above === directory) return;
      await this.fileSync.syncDirectory(above);
      if (directory === created) return;
    }
  }

  async delete(path = ''): Promise<void> {
    const relative = normalizeArtifactPath(path);
    const target = joinInsideRoot(this.rootDirectory, relative);
    try {
      // The parent must really be inside the root; the target itself may be a symlink, and `rm`
      // removes a link without following it.
      if (relative !== '') await assertRealPathInside(this.rootDirectory, dirname(target));
      await rm(target, { recursive: true, force: true });
    } catch (error) {
      // `file.txt/x` names nothing (a file is not a directory): like any missing path, a no-op.
      if (isMissing(error)) return;
      throw clientPathError(error, relative);
    }
  }
}
