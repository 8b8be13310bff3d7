import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FileInfo } from '@keel/contract';
import type { ArtifactSource, ArtifactStore } from '../artifacts/artifact-store.js';
import { readBodyText } from '../transport/transport.js';
import { downloadFromStore, type TransferProgress, uploadDirectory, uploadFile } from './file-artifacts.js';
import { LocalArtifactStore } from './local-artifact-store.js';

/** A store that streams each upload, reading the first one twice as a retried request would. */
function streamingStore(): ArtifactStore & { readonly written: Map<string, string> } {
  const written = new Map<string, string>();
  let retried = false;
  return {
    rootUri: 'memory:/',
    written,
    list: async (): Promise<FileInfo[]> => [],
    read: async () => new ReadableStream(),
    async write(path: string, source: ArtifactSource) {
      if (!retried) {
        retried = true;
        await readBodyText(source.open()); // the attempt that "failed"
      }
      written.set(path, await readBodyText(source.open()));
    },
  };
}

describe('uploads with progress', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'keel-upload-'));
    mkdirSync(join(dir, 'src', 'nested'), { recursive: true });
    writeFileSync(join(dir, 'src', 'a.txt'), 'alpha');
    writeFileSync(join(dir, 'src', 'nested', 'b.bin'), Buffer.alloc(200_000, 1));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('streamed uploads count bytes as they are read, and a retried file is not counted twice', async () => {
    const store = streamingStore();
    const seen: TransferProgress[] = [];
    await uploadDirectory(store, join(dir, 'src'), 'model', { onProgress: (p) => seen.push(p) });
    assert.deepEqual([...store.written.keys()].sort(), ['model/a.txt', 'model/nested/b.bin']);
    assert.ok(seen.every((p) => p.bytes <= p.totalBytes));
    assert.deepEqual(seen.at(-1), {
      path: seen.at(-1)?.path,
      bytes: 200_005,
      totalBytes: 200_005,
      filesDone: 2,
      filesTotal: 2,
    });
  });

  test('local copies report each file once it is written', async () => {
    const root = join(dir, 'root');
    const seen: TransferProgress[] = [];
    await uploadFile(new LocalArtifactStore(root), join(dir, 'src', 'a.txt'), 'notes', {
      onProgress: (p) => seen.push(p),
    });
    assert.equal(readFileSync(join(root, 'notes', 'a.txt'), 'utf8'), 'alpha');
    assert.deepEqual(seen, [{ path: 'notes/a.txt', bytes: 5, totalBytes: 5, filesDone: 1, filesTotal: 1 }]);
  });
});

/** A store whose listing is chosen by the test, as a hostile or broken server could answer. */
function listingStore(listing: Readonly<Record<string, readonly FileInfo[]>>): ArtifactStore {
  return {
    rootUri: 'memory:/',
    list: async (path = '') => [...(listing[path] ?? [])],
    read: async () => new Response('pwned').body as ReadableStream<Uint8Array>,
    write: async () => {},
  };
}

describe('downloads stay inside their destination', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'keel-download-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const [name, listing] of [
    ['a parent segment', { '': [{ path: '../../escaped.txt', is_dir: false, file_size: 5 }] }],
    ['an absolute path', { '': [{ path: '/tmp/escaped.txt', is_dir: false, file_size: 5 }] }],
    [
      'a path outside the listed directory',
      { '': [{ path: 'sub', is_dir: true }], sub: [{ path: 'other/x.txt', is_dir: false }] },
    ],
    [
      'a parent segment below a directory',
      { '': [{ path: 'sub', is_dir: true }], sub: [{ path: 'sub/../../../x', is_dir: false }] },
    ],
    ['a directory listing itself', { '': [{ path: 'sub', is_dir: true }], sub: [{ path: 'sub', is_dir: true }] }],
  ] as const) {
    test(`a listing with ${name} is refused and nothing is written`, async () => {
      const dst = join(dir, name.replaceAll(' ', '-'), 'deep', 'dst');
      mkdirSync(dst, { recursive: true });
      await assert.rejects(downloadFromStore(listingStore(listing), '', dst), /not inside|Invalid artifact path/);
      assert.deepEqual(readdirSync(join(dst, '..', '..')), ['deep']);
      assert.deepEqual(readdirSync(dst), []);
      assert.equal(existsSync('/tmp/escaped.txt'), false);
    });
  }
});
