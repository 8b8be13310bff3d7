/**
 * Moving files and directories between the local disk and an artifact store: uploads stream
 * from disk (reopened per attempt, sliced per multipart part), downloads stream to disk with
 * progress, and directories are walked (uploads) or listed recursively (downloads).
 */
import { createWriteStream } from 'node:fs';
import { type FileHandle, mkdir, open as openFile, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { type FileInfo, notFound } from '@keel/contract';
import type { ArtifactSource, ArtifactStore } from '../artifacts/artifact-store.js';
import { dirName, joinArtifactPath, validateArtifactPath } from '../artifacts/artifact-uri.js';

/** Bytes read from disk per chunk of an upload. */
const READ_CHUNK_BYTES = 256 * 1024;

/**
 * Bytes `[start, end)` of a file as a stream that reads the next chunk only when the consumer
 * asks for it (a pull source with no read-ahead), so an upload holds a chunk or two in memory
 * whatever the file's size. (`Readable.toWeb` of a file stream reads ahead without bound on
 * Node 20.)
 *
 * @example
 * const body = fileByteStream('model.bin', 0, 10 * 2 ** 20);
 */
export function fileByteStream(path: string, start = 0, end = Number.POSITIVE_INFINITY): ReadableStream<Uint8Array> {
  let handle: FileHandle | undefined;
  let position = start;
  const close = async () => {
    const open = handle;
    handle = undefined;
    await open?.close();
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          handle ??= await openFile(path, 'r');
          const length = Math.min(READ_CHUNK_BYTES, end - position);
          const { bytesRead, buffer } =
            length <= 0
              ? { bytesRead: 0, buffer: undefined }
              : await handle.read(Buffer.allocUnsafe(length), 0, length, position);
          if (bytesRead === 0 || buffer === undefined) {
            await close();
            controller.close();
            return;
          }
          position += bytesRead;
          controller.enqueue(new Uint8Array(buffer.buffer, buffer.byteOffset, bytesRead));
        } catch (error) {
          await close().catch(() => undefined);
          controller.error(error);
        }
      },
      cancel: close,
    },
    { highWaterMark: 0 },
  );
}

/**
 * An upload source reading a local file.
 *
 * @example
 * await store.write('model.json', await fileSource('out/model.json'));
 */
export async function fileSource(path: string): Promise<ArtifactSource> {
  const { size } = await stat(path);
  return {
    size,
    localPath: path,
    open: (start, end) => fileByteStream(path, start, end),
  };
}

/** Runs `task` over `items` with at most `limit` running at once. */
async function eachLimited<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await task(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * Upload options.
 *
 * @example
 * await uploadDirectory(store, 'out/model', 'model', { onProgress: (p) => console.log(`${p.bytes}/${p.totalBytes}`) });
 */
export interface UploadOptions {
  /** Called as bytes go out (and once per finished file). */
  readonly onProgress?: (progress: TransferProgress) => void;
}

/**
 * Counts the bytes an upload pulls from `source`. A range opened again (a retry) starts its
 * count again, so the total never runs past the file size.
 */
function countingSource(source: ArtifactSource, onBytes: (delta: number) => void): ArtifactSource {
  const readPerRange = new Map<number, number>();
  const counted = (start: number, n: number) => {
    readPerRange.set(start, (readPerRange.get(start) ?? 0) + n);
    onBytes(n);
  };
  return {
    ...source,
    open(start, end) {
      const key = start ?? 0;
      onBytes(-(readPerRange.get(key) ?? 0));
      readPerRange.set(key, 0);
      const body = source.open(start, end);
      if (!(body instanceof ReadableStream)) {
        counted(key, typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength);
        return body;
      }
      return body.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            counted(key, chunk.byteLength);
            controller.enqueue(chunk);
          },
        }),
      );
    },
  };
}

/** Uploads `files` (local path -> artifact path), a few at a time, reporting progress. */
async function uploadFiles(
  store: ArtifactStore,
  files: readonly { readonly local: string; readonly target: string }[],
  options: UploadOptions,
): Promise<void> {
  const sources = await Promise.all(files.map(async (f) => ({ ...f, source: await fileSource(f.local) })));
  const totalBytes = sources.reduce((sum, f) => sum + (f.source.size ?? 0), 0);
  let bytes = 0;
  let filesDone = 0;
  const onProgress = options.onProgress;
  await eachLimited(sources, 4, async ({ target, source }) => {
    let fileBytes = 0;
    const report = () => onProgress?.({ path: target, bytes, totalBytes, filesDone, filesTotal: sources.length });
    const tracked =
      onProgress === undefined
        ? source
        : countingSource(source, (delta) => {
            fileBytes += delta;
            bytes += delta;
            report();
          });
    await store.write(target, tracked);
    // Local copies never open the stream: account for the whole file once it is written.
    bytes += (source.size ?? fileBytes) - fileBytes;
    filesDone++;
    report();
  });
}

/**
 * Uploads one file to `<artifactPath>/<file name>` (or the root).
 *
 * @example
 * await uploadFile(store, 'plots/loss.png', 'plots');
 */
export async function uploadFile(
  store: ArtifactStore,
  localPath: string,
  artifactPath = '',
  options: UploadOptions = {},
): Promise<void> {
  validateArtifactPath(artifactPath);
  await uploadFiles(
    store,
    [{ local: localPath, target: joinArtifactPath(artifactPath, basename(localPath)) }],
    options,
  );
}

async function walkFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walkFiles(full)));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

/**
 * Uploads a directory tree, mirrored under `artifactPath`, a few files at a time.
 *
 * @example
 * await uploadDirectory(store, 'out/model', 'model');
 */
export async function uploadDirectory(
  store: ArtifactStore,
  localDir: string,
  artifactPath = '',
  options: UploadOptions = {},
): Promise<void> {
  validateArtifactPath(artifactPath);
  const files = (await walkFiles(localDir)).map((local) => ({
    local,
    target: joinArtifactPath(artifactPath, relative(localDir, local).split(sep).join('/')),
  }));
  await uploadFiles(store, files, options);
}

/**
 * Progress of a transfer: bytes moved so far out of the total listed (downloads) or found on
 * disk (uploads).
 *
 * @example
 * downloadArtifacts(runId, 'model', './out', { onProgress: (p) => console.log(`${p.bytes}/${p.totalBytes}`) });
 */
export interface TransferProgress {
  /** The file being transferred (artifact path). */
  readonly path: string;
  readonly bytes: number;
  readonly totalBytes: number;
  readonly filesDone: number;
  readonly filesTotal: number;
}

/**
 * Progress of a download (the same shape as any transfer).
 *
 * @example
 * const onProgress = (p: DownloadProgress) => console.log(`${p.filesDone}/${p.filesTotal} files`);
 */
export type DownloadProgress = TransferProgress;

/**
 * A listed entry must name a path strictly below the directory listed: a hostile or broken
 * server must not make a download write outside its destination (`../x`, `/etc/x`), nor loop
 * (a directory listing itself).
 */
function checkListedPath(entry: FileInfo, dir: string): void {
  const prefix = dir === '' ? '' : `${dir}/`;
  if (!entry.path.startsWith(prefix) || entry.path.length === prefix.length) {
    throw new Error(
      `The artifact listing of '${dir}' named '${entry.path}', which is not inside it; nothing downloaded.`,
    );
  }
  validateArtifactPath(entry.path);
}

async function collectFiles(store: ArtifactStore, dir: string, files: FileInfo[], dirs: string[]): Promise<void> {
  for (const entry of await store.list(dir)) {
    checkListedPath(entry, dir);
    if (entry.is_dir) {
      dirs.push(entry.path);
      await collectFiles(store, entry.path, files, dirs);
    } else files.push(entry);
  }
}

/**
 * Downloads a file or a directory (listed recursively) from `store` into `dst`, keeping the
 * artifact path below it; returns the local path of what was downloaded.
 *
 * @example
 * const local = await downloadFromStore(store, 'model', '/tmp/out'); // '/tmp/out/model'
 */
export async function downloadFromStore(
  store: ArtifactStore,
  path: string,
  dst: string,
  options: { readonly onProgress?: (progress: DownloadProgress) => void; readonly signal?: AbortSignal } = {},
): Promise<string> {
  validateArtifactPath(path);
  const files: FileInfo[] = [];
  const dirs: string[] = [];
  let isDir = path === '';
  if (!isDir) {
    const entry = (await store.list(dirName(path))).find((f) => f.path === path);
    if (entry === undefined) throw notFound(`No artifact at '${path}' under ${store.rootUri}`);
    isDir = entry.is_dir;
    if (!isDir) files.push(entry);
  }
  if (isDir) {
    dirs.push(path);
    await collectFiles(store, path, files, dirs);
  }
  for (const dir of dirs) await mkdir(join(dst, ...dir.split('/')), { recursive: true });
  const totalBytes = files.reduce((sum, f) => sum + (f.file_size ?? 0), 0);
  let bytes = 0;
  let filesDone = 0;
  const report = (file: string) =>
    options.onProgress?.({ path: file, bytes, totalBytes, filesDone, filesTotal: files.length });
  await eachLimited(files, 4, async (file) => {
    const target = join(dst, ...file.path.split('/'));
    await mkdir(dirname(target), { recursive: true });
    const stream = await store.read(file.path, options.signal);
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        bytes += chunk.length;
        report(file.path);
        done(null, chunk);
      },
    });
    await pipeline(
      Readable.fromWeb(stream as unknown as NodeReadableStream<Uint8Array>),
      counter,
      createWriteStream(target),
    );
    filesDone++;
    report(file.path);
  });
  return path === '' ? dst : join(dst, ...path.split('/'));
}
