import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { type FileSyncer, fsyncFileSyncer, noFileSyncer } from './file-sync.js';
import { LocalArtifactRepository } from './local-artifact-repository.js';

type Event =
  | { readonly kind: 'file'; readonly targetExists: boolean }
  | { readonly kind: 'dir'; readonly path: string };

/** A syncer that records each flush (and whether the target was already in place at the time). */
function recordingSyncer(target: () => string): { syncer: FileSyncer; events: Event[] } {
  const events: Event[] = [];
  return {
    events,
    syncer: {
      async syncFile(_handle: FileHandle) {
        events.push({ kind: 'file', targetExists: existsSync(target()) });
      },
      async syncDirectory(path: string) {
        events.push({ kind: 'dir', path });
      },
    },
  };
}

describe('durable local artifact writes', () => {
  let base: string;
  let root: string;

  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'keel-fsync-'));
    root = join(base, 'root');
    mkdirSync(root);
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  it('fsyncs the file before the rename, then its directory and every directory it created', async () => {
    let target = join(root, 'a/b/c.txt');
    const { syncer, events } = recordingSyncer(() => target);
    const repo = new LocalArtifactRepository(root, { fileSync: syncer });
    await repo.write('a/b/c.txt', Readable.from(['hello']));
    assert.equal(readFileSync(target, 'utf8'), 'hello');
    // The data is flushed while it still sits under its temporary name; then the rename's
    // directory; then a/b's entry in a and a's entry in the root, both created by this write.
    assert.deepEqual(events, [
      { kind: 'file', targetExists: false },
      { kind: 'dir', path: join(root, 'a/b') },
      { kind: 'dir', path: join(root, 'a') },
      { kind: 'dir', path: root },
    ]);

    events.length = 0;
    target = join(root, 'a/b/d.txt');
    await repo.write('a/b/d.txt', Readable.from(['again']));
    assert.deepEqual(events, [
      { kind: 'file', targetExists: false },
      { kind: 'dir', path: join(root, 'a/b') },
    ]);
  });

  it('fsyncs for real by default, and leaves no temporary file behind', async () => {
    const repo = new LocalArtifactRepository(root);
    await repo.write('x/y.bin', Readable.from([Buffer.alloc(3 * 1024 * 1024, 7)]));
    assert.equal(readFileSync(join(root, 'x/y.bin')).length, 3 * 1024 * 1024);
    assert.deepEqual(readdirSync(join(root, 'x')), ['y.bin']);
    // The real syncer flushes files and directories without error.
    await fsyncFileSyncer.syncDirectory(root);
  });

  it('flushes once for the file and once for its directory when no directory is created', async () => {
    let calls = 0;
    const counting: FileSyncer = {
      syncFile: async (handle) => {
        calls++;
        await noFileSyncer.syncFile(handle);
      },
      syncDirectory: async (path) => {
        calls++;
        await noFileSyncer.syncDirectory(path);
      },
    };
    await new LocalArtifactRepository(root, { fileSync: counting }).write('k.txt', Readable.from(['k']));
    assert.equal(calls, 2);
    // Relaxed: the same write, no flushes at all.
    await new LocalArtifactRepository(root, { fileSync: noFileSyncer }).write('n/m.txt', Readable.from(['m']));
    assert.equal(readFileSync(join(root, 'n/m.txt'), 'utf8'), 'm');
    assert.equal(new LocalArtifactRepository(root).fileSync, fsyncFileSyncer);
  });

  it('removes the temporary file when the flush fails, and reports the failure', async () => {
    const failing: FileSyncer = {
      syncFile: async () => {
        throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
      },
      syncDirectory: async () => undefined,
    };
    const repo = new LocalArtifactRepository(root, { fileSync: failing });
    await assert.rejects(repo.write('f.txt', Readable.from(['x'])), /EIO/);
    assert.deepEqual(readdirSync(root), []);
  });
});
