import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { MlflowError } from '@keel/contract';
import { describeArtifactRepository } from './artifact-repository.contract.js';
import { LocalArtifactRepository } from './local-artifact-repository.js';

describeArtifactRepository('LocalArtifactRepository', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'keel-local-repo-'));
  return {
    repo: new LocalArtifactRepository(join(dir, 'root-created-on-demand')),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

function isInvalidPath(error: unknown): boolean {
  return error instanceof MlflowError && error.message === 'Invalid path';
}

describe('LocalArtifactRepository on disk', () => {
  let base: string;
  let root: string;
  let outside: string;
  let repo: LocalArtifactRepository;

  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'keel-local-repo-'));
    root = join(base, 'root');
    outside = join(base, 'outside');
    mkdirSync(join(root, 'run'), { recursive: true });
    mkdirSync(outside);
    writeFileSync(join(outside, 'secret.txt'), 'top secret');
    repo = new LocalArtifactRepository(root);
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  it('builds from plain paths and file: URIs, keeping the given URI as rootUri', () => {
    const fromUri = LocalArtifactRepository.fromUri(pathToFileURL(root).href);
    assert.equal(fromUri.rootDirectory, root);
    assert.equal(fromUri.rootUri, pathToFileURL(root).href);
    assert.equal(LocalArtifactRepository.fromUri('rel/dir', base).rootDirectory, join(base, 'rel/dir'));
    assert.throws(() => LocalArtifactRepository.fromUri('file://remote-host/x'), MlflowError);
    assert.throws(() => new LocalArtifactRepository('relative'), /absolute/);
  });

  it('refuses to read, list, write or delete through a directory symlink leading outside', async () => {
    symlinkSync(outside, join(root, 'run/escape'));
    await assert.rejects(repo.read('run/escape/secret.txt'), isInvalidPath);
    await assert.rejects(repo.list('run/escape'), isInvalidPath);
    await assert.rejects(repo.write('run/escape/planted.txt', Readable.from(['x'])), isInvalidPath);
    await assert.rejects(repo.write('run/escape/new/dir/planted.txt', Readable.from(['x'])), isInvalidPath);
    await assert.rejects(repo.delete('run/escape/secret.txt'), isInvalidPath);
    assert.equal(existsSync(join(outside, 'planted.txt')), false);
    assert.equal(existsSync(join(outside, 'new')), false);
    assert.equal(readFileSync(join(outside, 'secret.txt'), 'utf8'), 'top secret');
  });

  it('refuses to read a file symlink leading outside and hides it from listings', async () => {
    symlinkSync(join(outside, 'secret.txt'), join(root, 'run/secret-link'));
    writeFileSync(join(root, 'run/ok.txt'), 'ok');
    await assert.rejects(repo.read('run/secret-link'), isInvalidPath);
    assert.deepEqual(await repo.list('run'), [{ path: 'run/ok.txt', is_dir: false, file_size: 2 }]);
  });

  it('replaces a symlink target on write instead of writing through it', async () => {
    symlinkSync(join(outside, 'secret.txt'), join(root, 'run/overwrite-me'));
    await repo.write('run/overwrite-me', Readable.from(['mine']));
    assert.equal(readFileSync(join(outside, 'secret.txt'), 'utf8'), 'top secret');
    assert.equal(readFileSync(join(root, 'run/overwrite-me'), 'utf8'), 'mine');
  });

  it('deletes a symlink itself, never what it points to', async () => {
    symlinkSync(outside, join(root, 'run/escape'));
    await repo.delete('run/escape');
    assert.equal(existsSync(join(root, 'run/escape')), false);
    assert.equal(readFileSync(join(outside, 'secret.txt'), 'utf8'), 'top secret');
  });

  it('follows symlinks that stay inside the root', async () => {
    writeFileSync(join(root, 'run/real.txt'), 'real');
    symlinkSync(join(root, 'run/real.txt'), join(root, 'run/alias.txt'));
    symlinkSync(join(root, 'run'), join(root, 'run-alias'));
    assert.deepEqual(await repo.list('run-alias'), [
      { path: 'run-alias/alias.txt', is_dir: false, file_size: 4 },
      { path: 'run-alias/real.txt', is_dir: false, file_size: 4 },
    ]);
    const { size } = await repo.read('run/alias.txt');
    assert.equal(size, 4);
  });

  it('works when the root itself is reached through a symlink', async () => {
    symlinkSync(root, join(base, 'root-link'));
    const linked = new LocalArtifactRepository(join(base, 'root-link'));
    await linked.write('run/x.txt', Readable.from(['x']));
    assert.deepEqual(await linked.list('run'), [{ path: 'run/x.txt', is_dir: false, file_size: 1 }]);
  });

  it('reports a write over a directory, or under a file, as a client error', async () => {
    writeFileSync(join(root, 'run/file.txt'), 'f');
    await assert.rejects(
      repo.write('run', Readable.from(['x'])),
      (e: unknown) => e instanceof MlflowError && e.code === 'INVALID_PARAMETER_VALUE',
    );
    await assert.rejects(
      repo.write('run/file.txt/below.txt', Readable.from(['x'])),
      (e: unknown) => e instanceof MlflowError && e.code === 'INVALID_PARAMETER_VALUE',
    );
    await assert.rejects(repo.write('', Readable.from(['x'])), MlflowError);
  });

  it('refuses a name of its own temporary files, which listings hide and the sweeper removes', async () => {
    // An upload in progress: neither readable by name nor something a client may create itself.
    writeFileSync(join(root, 'run/.keel-partial-00112233445566aa'), 'half');
    await assert.rejects(
      repo.read('run/.keel-partial-00112233445566aa'),
      (e: unknown) => e instanceof MlflowError && e.code === 'RESOURCE_DOES_NOT_EXIST',
    );
    await assert.rejects(
      repo.write('run/.keel-partial-0011223344556677', Readable.from(['x'])),
      (e: unknown) => e instanceof MlflowError && e.code === 'INVALID_PARAMETER_VALUE' && /reserved/.test(e.message),
    );
    assert.equal(existsSync(join(root, 'run/.keel-partial-0011223344556677')), false);
    // Names that only look alike are ordinary artifacts.
    await repo.write('run/.keel-partial-notes', Readable.from(['y']));
    assert.deepEqual(
      (await repo.list('run')).map((f) => f.path),
      ['run/.keel-partial-notes'],
    );
  });

  it('deletes the whole root for an empty path', async () => {
    writeFileSync(join(root, 'run/file.txt'), 'f');
    await repo.delete('');
    assert.equal(existsSync(root), false);
    assert.deepEqual(await repo.list(), []);
  });
});
