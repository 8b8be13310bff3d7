/**
 * Moving files and directories between the local disk and an artifact store: uploads stream
 * from disk (reopened per attempt, sliced per multipart part), downloads stream to disk with
 * progress, and directories are walked (uploads) or listed recursively (downloads).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { type FileInfo, notFound } from '@keel/contract';
import type { ArtifactSource, ArtifactStore } from '../artifacts/artifact-store.js';
import { dirName, joinArtifactPath, validateArtifactPath } from '../artifacts/artifact-uri.js';

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
    open: (start, end) =>
      Readable.toWeb(
        createReadStream(path, {
          ...(start === undefined ? {} : { start }),
          ...(end === undefined ? {} : { end: end - 1 }),
        }),
      ) as unknown as ReadableStream<Uint8Array>,
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
 * Uploads one file to `<artifactPath>/<file name>` (or the root).
 *
 * @example
 * await uploadFile(store, 'plots/loss.png', 'plots');
 */
export async function uploadFile(store: ArtifactStore, localPath: string, artifactPath = ''): Promise<void> {
  validateArtifactPath(artifactPath);
  await store.write(joinArtifactPath(artifactPath, basename(localPath)), await fileSource(localPath));
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
export async function uploadDirectory(store: ArtifactStore, localDir: string, artifactPath = ''): Promise<void> {
  validateArtifactPath(artifactPath);
  const files = await walkFiles(localDir);
  await eachLimited(files, 4, async (file) => {
    const rel = relative(localDir, file).split(sep).join('/');
    await store.write(joinArtifactPath(artifactPath, rel), await fileSource(file));
  });
}

/**
 * Progress of a download: bytes moved so far out of the total listed.
 *
 * @example
 * downloadArtifacts(runId, 'model', './out', { onProgress: (p) => console.log(`${p.bytes}/${p.totalBytes}`) });
 */
export interface DownloadProgress {
  /** The file being transferred (artifact path). */
  readonly path: string;
  readonly bytes: number;
  readonly totalBytes: number;
  readonly filesDone: number;
  readonly filesTotal: number;
}

async function collectFiles(store: ArtifactStore, dir: string, files: FileInfo[], dirs: string[]): Promise<void> {
  for (const entry of await store.list(dir)) {
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
