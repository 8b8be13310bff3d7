/**
 * How a local artifact write is made durable. Renaming a finished temporary file into place
 * makes the write atomic against a crash of the process, but not against power loss: the data
 * may still sit in the page cache, and the rename itself lives in the parent directory, which is
 * also cached. A durable write therefore fsyncs the file before the rename and the directory
 * after it (and any directory it had to create, in its own parent).
 */
import { type FileHandle, open } from 'node:fs/promises';

/** The two flushes of a durable write; a seam so tests can watch them and `relaxed` can skip them. */
export interface FileSyncer {
  /** Flushes an open file's data and metadata to stable storage. */
  syncFile(handle: FileHandle): Promise<void>;
  /** Flushes a directory's entries, so a file created or renamed in it survives power loss. */
  syncDirectory(path: string): Promise<void>;
}

/**
 * Errors meaning "this platform or file system cannot fsync a directory" (Windows cannot open
 * one; some network and FUSE file systems answer EINVAL): there is nothing stronger to do there,
 * so the directory flush is skipped. A failing file flush is always an error.
 */
const DIRECTORY_SYNC_UNSUPPORTED = new Set(['EISDIR', 'EPERM', 'EINVAL', 'ENOTSUP', 'EOPNOTSUPP']);

/** fsync for real: the default. */
export const fsyncFileSyncer: FileSyncer = Object.freeze({
  syncFile: (handle: FileHandle) => handle.sync(),
  async syncDirectory(path: string) {
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      if (DIRECTORY_SYNC_UNSUPPORTED.has((error as NodeJS.ErrnoException).code ?? '')) return;
      throw error;
    }
    try {
      await handle.sync();
    } catch (error) {
      if (!DIRECTORY_SYNC_UNSUPPORTED.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
    } finally {
      await handle.close();
    }
  },
});

/** No flushes (`--durability relaxed`): a process crash still loses nothing, a power cut may. */
export const noFileSyncer: FileSyncer = Object.freeze({
  syncFile: async () => undefined,
  syncDirectory: async () => undefined,
});
