/**
 * Artifacts on a local disk (embedded mode, or experiments whose root is a shared path): files
 * are written and read directly, with no server in between.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { dirname, relative, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { fileURLToPath } from 'node:url';
import { type FileInfo, invalidParameter, notFound } from '@keel/contract';
import type { ArtifactSource, ArtifactStore } from '../artifacts/artifact-store.js';
import { joinArtifactPath, validateArtifactPath } from '../artifacts/artifact-uri.js';

/**
 * A store rooted at a local directory (`/abs/path` or `file:///abs/path`).
 *
 * @example
 * const store = new LocalArtifactStore('/data/mlartifacts/1/abc/artifacts');
 * await store.write('notes.txt', bytesSource('hi'));
 */
export class LocalArtifactStore implements ArtifactStore {
  readonly root: string;

  constructor(readonly rootUri: string) {
    this.root = rootUri.startsWith('file:') ? fileURLToPath(rootUri) : resolve(rootUri);
  }

  /** The absolute path of `path`, refusing anything that would leave the root. */
  private locate(path: string): string {
    validateArtifactPath(path);
    const full = resolve(this.root, path);
    const back = relative(this.root, full);
    if (back.startsWith('..') || back.startsWith(sep)) throw invalidParameter(`Invalid artifact path: '${path}'`);
    return full;
  }

  async list(path = ''): Promise<FileInfo[]> {
    const dir = this.locate(path);
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return [];
    }
    const out: FileInfo[] = [];
    for (const entry of entries) {
      const rel = joinArtifactPath(path, entry.name);
      if (entry.isDirectory()) out.push({ path: rel, is_dir: true });
      else if (entry.isFile())
        out.push({ path: rel, is_dir: false, file_size: (await stat(resolve(dir, entry.name))).size });
    }
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async read(path: string): Promise<ReadableStream<Uint8Array>> {
    const full = this.locate(path);
    const info = await stat(full).catch(() => undefined);
    if (info === undefined || !info.isFile()) throw notFound(`No artifact file at '${path}' under ${this.rootUri}`);
    return Readable.toWeb(createReadStream(full)) as unknown as ReadableStream<Uint8Array>;
  }

  async write(path: string, source: ArtifactSource): Promise<void> {
    const full = this.locate(path);
    await mkdir(dirname(full), { recursive: true });
    if (source.localPath !== undefined) {
      await copyFile(source.localPath, full);
      return;
    }
    const body = source.open();
    if (typeof body === 'string' || body instanceof Uint8Array) {
      await writeFile(full, body);
      return;
    }
    await pipeline(Readable.fromWeb(body as unknown as NodeReadableStream<Uint8Array>), createWriteStream(full));
  }
}
