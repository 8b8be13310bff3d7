/**
 * The behaviour every `ArtifactRepository` must show, as one suite each implementation runs:
 * `describeArtifactRepository('local disk', async () => ({ repo, cleanup }))`.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { MlflowError } from '@keel/contract';
import { type ArtifactRepository, supportsPositionalRead } from './artifact-repository.js';

/** A fresh, empty repository and how to dispose of it. */
export interface ArtifactRepositoryFixture {
  readonly repo: ArtifactRepository;
  cleanup(): Promise<void>;
}

function bytes(text: string): Readable {
  return Readable.from([Buffer.from(text)]);
}

async function readAll(repo: ArtifactRepository, path: string): Promise<Buffer> {
  const { stream } = await repo.read(path);
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => error instanceof MlflowError && error.code === code);
}

/** A stream of `total` pseudo-random bytes in 256 KiB chunks, generated on demand. */
function generated(total: number, hash: ReturnType<typeof createHash>): Readable {
  let sent = 0;
  const chunk = randomBytes(256 * 1024);
  return new Readable({
    read() {
      if (sent >= total) return void this.push(null);
      const piece = chunk.subarray(0, Math.min(chunk.length, total - sent));
      sent += piece.length;
      hash.update(piece);
      this.push(piece);
    },
  });
}

/** Registers the shared suite for one implementation. */
export function describeArtifactRepository(name: string, makeRepo: () => Promise<ArtifactRepositoryFixture>): void {
  describe(`ArtifactRepository contract: ${name}`, () => {
    let fixture: ArtifactRepositoryFixture;
    let repo: ArtifactRepository;
    beforeEach(async () => {
      fixture = await makeRepo();
      repo = fixture.repo;
    });
    afterEach(async () => fixture.cleanup());

    it('writes and reads a file back, reporting its size', async () => {
      await repo.write('hello.txt', bytes('hello artifacts\n'));
      const { size } = await repo.read('hello.txt');
      assert.equal(size, 16);
      assert.equal((await readAll(repo, 'hello.txt')).toString(), 'hello artifacts\n');
    });

    it('keeps binary bytes intact, including an empty file', async () => {
      const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      await repo.write('bin/all.bin', Readable.from([all]));
      await repo.write('empty.txt', Readable.from([]));
      assert.deepEqual(await readAll(repo, 'bin/all.bin'), all);
      assert.equal((await readAll(repo, 'empty.txt')).length, 0);
    });

    it('creates parent directories and overwrites an existing file', async () => {
      await repo.write('a/b/c/deep.txt', bytes('one'));
      await repo.write('a/b/c/deep.txt', bytes('two, longer'));
      assert.equal((await readAll(repo, 'a/b/c/deep.txt')).toString(), 'two, longer');
    });

    it('lists immediate children sorted, with paths relative to the root', async () => {
      await repo.write('run/model/MLmodel', bytes('flavors: {}\n'));
      await repo.write('run/b.txt', bytes('bb'));
      await repo.write('run/a.txt', bytes('a'));
      await repo.write('run/empty', Readable.from([]));
      assert.deepEqual(await repo.list('run'), [
        { path: 'run/a.txt', is_dir: false, file_size: 1 },
        { path: 'run/b.txt', is_dir: false, file_size: 2 },
        { path: 'run/empty', is_dir: false, file_size: 0 },
        { path: 'run/model', is_dir: true },
      ]);
      assert.deepEqual(await repo.list(), [{ path: 'run', is_dir: true }]);
      assert.deepEqual(await repo.list('run/model'), [{ path: 'run/model/MLmodel', is_dir: false, file_size: 12 }]);
    });

    it('lists a missing directory or a file path as empty', async () => {
      await repo.write('x/file.txt', bytes('x'));
      assert.deepEqual(await repo.list('nope'), []);
      assert.deepEqual(await repo.list('x/file.txt'), []);
      assert.deepEqual(await repo.list('x/file.txt/below'), []);
    });

    it('keeps unicode and space-containing names', async () => {
      await repo.write('données/résumé été.txt', bytes('ü'));
      assert.deepEqual(await repo.list('données'), [{ path: 'données/résumé été.txt', is_dir: false, file_size: 2 }]);
      assert.equal((await readAll(repo, 'données/résumé été.txt')).toString(), 'ü');
    });

    it('answers RESOURCE_DOES_NOT_EXIST for a missing file and for a directory', async () => {
      await repo.write('dir/f.txt', bytes('f'));
      await rejectsWith(repo.read('missing.txt'), 'RESOURCE_DOES_NOT_EXIST');
      await rejectsWith(repo.read('dir/f.txt/below'), 'RESOURCE_DOES_NOT_EXIST');
      await rejectsWith(repo.read('dir'), 'RESOURCE_DOES_NOT_EXIST');
    });

    it('deletes a file, a directory recursively, and ignores a missing path', async () => {
      await repo.write('d/keep.txt', bytes('k'));
      await repo.write('d/sub/one.txt', bytes('1'));
      await repo.write('d/sub/deeper/two.txt', bytes('2'));
      await repo.delete('d/keep.txt');
      await rejectsWith(repo.read('d/keep.txt'), 'RESOURCE_DOES_NOT_EXIST');
      await repo.delete('d/sub');
      assert.deepEqual(await repo.list('d'), []);
      await repo.delete('never/existed.txt');
    });

    it('streams a large file without holding it whole', async () => {
      const size = 24 * 1024 * 1024 + 123;
      const inHash = createHash('sha256');
      await repo.write('big/blob.bin', generated(size, inHash));
      const { stream, size: reported } = await repo.read('big/blob.bin');
      assert.equal(reported, size);
      const outHash = createHash('sha256');
      let total = 0;
      for await (const chunk of stream) {
        total += (chunk as Buffer).length;
        outHash.update(chunk as Buffer);
      }
      assert.equal(total, size);
      assert.equal(outHash.digest('hex'), inHash.digest('hex'));
    });

    it('never exposes a partial upload, and a failed upload leaves the old file', async () => {
      await repo.write('atomic.txt', bytes('old'));
      let release: () => void = () => {};
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const body = new Readable({ read() {} });
      body.push(Buffer.from('new first half, '));
      const writing = repo.write('atomic.txt', body);
      const failing = repo.write('atomic-failed.txt', failingBody(gate));
      await new Promise((resolve) => setTimeout(resolve, 50));
      // Mid-upload: readers and listings still see the old state only.
      assert.equal((await readAll(repo, 'atomic.txt')).toString(), 'old');
      assert.deepEqual(
        (await repo.list()).map((f) => f.path),
        ['atomic.txt'],
      );
      body.push(Buffer.from('second half'));
      body.push(null);
      await writing;
      assert.equal((await readAll(repo, 'atomic.txt')).toString(), 'new first half, second half');
      release();
      // The body's own failure surfaces, not some other error of the repository.
      await assert.rejects(failing, /client went away/);
      await rejectsWith(repo.read('atomic-failed.txt'), 'RESOURCE_DOES_NOT_EXIST');
      assert.deepEqual(
        (await repo.list()).map((f) => f.path),
        ['atomic.txt'],
      );
    });

    it('offers positional reads consistently with the stream, when it offers them', async () => {
      const data = randomBytes(70_000);
      await repo.write('positional.bin', Readable.from([data]));
      const artifact = await repo.read('positional.bin');
      if (!supportsPositionalRead(artifact)) {
        artifact.stream.destroy();
        return;
      }
      assert.equal(artifact.size, data.length);
      const buffer = Buffer.alloc(50_000);
      assert.equal(await artifact.readAt(buffer, 50_000, 0), 50_000);
      assert.deepEqual(buffer, data.subarray(0, 50_000));
      assert.equal(await artifact.readAt(buffer, 50_000, 50_000), 20_000);
      assert.deepEqual(buffer.subarray(0, 20_000), data.subarray(50_000));
      assert.equal(await artifact.readAt(buffer, 10, data.length), 0);
      await artifact.close();
    });

    it('refuses paths that leave the root', async () => {
      for (const bad of ['../escape.txt', 'a/../../escape.txt', '/etc/passwd']) {
        await rejectsWith(repo.write(bad, bytes('x')), 'INVALID_PARAMETER_VALUE');
        await rejectsWith(repo.read(bad), 'INVALID_PARAMETER_VALUE');
        await rejectsWith(repo.list(bad), 'INVALID_PARAMETER_VALUE');
        await rejectsWith(repo.delete(bad), 'INVALID_PARAMETER_VALUE');
      }
    });
  });
}

/** A body that sends a few bytes, then fails once `gate` opens (a client that disconnects). */
function failingBody(gate: Promise<void>): Readable {
  const body = new Readable({ read() {} });
  body.push(Buffer.from('partial bytes'));
  void gate.then(() => body.destroy(new Error('client went away')));
  return body;
}
