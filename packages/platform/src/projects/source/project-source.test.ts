import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { crc32, deflateRawSync } from 'node:zlib';
import { ProjectError } from '../errors.js';
import { fetchProject } from './project-source.js';

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Keel Test',
  GIT_AUTHOR_EMAIL: 'test@keel.invalid',
  GIT_COMMITTER_NAME: 'Keel Test',
  GIT_COMMITTER_EMAIL: 'test@keel.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
};

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8' }).trim();
}

function write(dir: string, file: string, text: string): void {
  mkdirSync(join(dir, file, '..'), { recursive: true });
  writeFileSync(join(dir, file), text);
}

/** Writes a ZIP archive (deflated entries): entry name -> text. */
function makeZip(path: string, entries: Record<string, string>): void {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, text] of Object.entries(entries)) {
    const data = Buffer.from(text);
    const packed = deflateRawSync(data);
    const nameBytes = Buffer.from(name);
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(20, 4);
    header.writeUInt16LE(0x800, 6);
    header.writeUInt16LE(8, 8);
    header.writeUInt32LE(crc32(data), 14);
    header.writeUInt32LE(packed.length, 18);
    header.writeUInt32LE(data.length, 22);
    header.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    header.copy(central, 8, 6, 30);
    central.writeUInt32LE(offset, 42);
    locals.push(header, nameBytes, packed);
    centrals.push(central, nameBytes);
    offset += header.length + nameBytes.length + packed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(entries).length, 8);
  end.writeUInt16LE(Object.keys(entries).length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  writeFileSync(path, Buffer.concat([...locals, directory, end]));
}

function projectError(message: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof ProjectError, String(error));
    assert.match(error.message, message);
    return true;
  };
}

describe('project sources', () => {
  const root = mkdtempSync(join(tmpdir(), 'keel-sources-'));
  const repo = join(root, 'repo');
  const temps = join(root, 'temps');
  const marker = join(root, 'pwned');
  const options = { env: GIT_ENV, cwd: root, tempRoot: temps };
  const commits: Record<string, string> = {};
  after(() => rmSync(root, { recursive: true, force: true }));

  before(() => {
    mkdirSync(repo);
    mkdirSync(temps);
    git(repo, 'init', '--quiet', '--initial-branch=main');
    write(repo, 'MLproject', 'name: root\nentry_points: {main: {command: "echo root"}}\n');
    write(repo, 'projects/train/MLproject', 'name: train\nentry_points: {main: {command: "echo v1"}}\n');
    git(repo, 'add', '.');
    git(repo, 'commit', '--quiet', '-m', 'v1');
    git(repo, 'tag', 'v1');
    commits.v1 = git(repo, 'rev-parse', 'HEAD');
    git(repo, 'checkout', '--quiet', '-b', 'feature');
    write(repo, 'projects/train/MLproject', 'name: train\nentry_points: {main: {command: "echo feature"}}\n');
    git(repo, 'commit', '--quiet', '-am', 'feature');
    commits.feature = git(repo, 'rev-parse', 'HEAD');
    git(repo, 'checkout', '--quiet', 'main');
    write(repo, 'projects/train/MLproject', 'name: train\nentry_points: {main: {command: "echo main"}}\n');
    git(repo, 'commit', '--quiet', '-am', 'main');
    commits.main = git(repo, 'rev-parse', 'HEAD');
    git(repo, 'remote', 'add', 'origin', 'https://git.example.invalid/team/repo.git');
  });

  const command = (dir: string) => /command: "([^"]+)"/.exec(readFileSync(join(dir, 'MLproject'), 'utf8'))?.[1];

  it('uses a local directory in place, with its git commit, remote and file:// source name', async () => {
    const project = await fetchProject(`${repo}#projects/train`, options);
    assert.equal(project.dir, join(repo, 'projects', 'train'));
    assert.equal(project.isTemporary, false);
    assert.equal(project.sourceName, `file://${repo}#projects/train`);
    assert.deepEqual(project.git, { commit: commits.main, repoUrl: 'https://git.example.invalid/team/repo.git' });
    await project.cleanup();
    assert.ok(existsSync(repo));
    const plain = mkdtempSync(join(root, 'plain-'));
    const outside = await fetchProject(`'${plain}'`, options);
    assert.equal(outside.sourceName, plain);
    assert.equal(outside.git, undefined);
  });

  it('checks out --version (tag, branch, full or short commit) of a local repository into a temporary copy', async () => {
    const cases = [
      ['v1', 'echo v1', commits.v1, undefined],
      ['feature', 'echo feature', commits.feature, 'feature'],
      [commits.v1 as string, 'echo v1', commits.v1, undefined],
      [(commits.feature as string).slice(0, 8), 'echo feature', commits.feature, undefined],
    ] as const;
    for (const [version, expected, commit, branch] of cases) {
      const project = await fetchProject(`${repo}#projects/train`, { ...options, version });
      try {
        assert.equal(project.isTemporary, true);
        assert.ok(project.dir.startsWith(temps), project.dir);
        assert.equal(command(project.dir), expected, version);
        assert.equal(project.git?.commit, commit);
        assert.equal(project.git?.branch, branch);
      } finally {
        await project.cleanup();
      }
      assert.equal(existsSync(project.dir), false);
    }
  });

  it('uses an existing file:// path in place, and clones it for --version', async () => {
    const inPlace = await fetchProject(`file://${repo}#projects/train`, options);
    assert.equal(inPlace.isTemporary, false);
    assert.equal(inPlace.sourceName, `file://${repo}#projects/train`);
    const project = await fetchProject(`file://${repo}#projects/train`, { ...options, version: 'feature' });
    try {
      assert.equal(project.isTemporary, true);
      assert.equal(command(project.dir), 'echo feature');
      assert.equal(project.sourceName, `file://${repo}#projects/train`);
      assert.deepEqual(project.git, {
        commit: commits.feature,
        branch: 'feature',
        repoUrl: 'https://git.example.invalid/team/repo.git',
      });
    } finally {
      await project.cleanup();
    }
  });

  it('never hands git an argument it could read as an option', async () => {
    const hostileVersions = [`--upload-pack=touch ${marker}`, '-b', '--output=/tmp/x', 'a b', 'x..y', 'v1;touch'];
    for (const version of hostileVersions) {
      await assert.rejects(fetchProject(repo, { ...options, version }), projectError(/Invalid --version/));
    }
    const hostileUrls = [
      `--upload-pack=touch ${marker}`,
      `ext::sh -c touch% ${marker}`,
      `fd::17`,
      '-oProxyCommand=touch x',
      'ssh://h/x y',
    ];
    for (const url of hostileUrls) {
      await assert.rejects(fetchProject(url, options), projectError(/Not a project directory or git repository/));
    }
    assert.equal(existsSync(marker), false);
  });

  it('explains unknown versions, bad subdirectories and missing projects', async () => {
    await assert.rejects(
      fetchProject(repo, { ...options, version: 'nope' }),
      projectError(/Unable to checkout version 'nope' of git repo/),
    );
    await assert.rejects(
      fetchProject(`${repo}#../etc`, options),
      projectError(/'\.' is not allowed in project subdirectory paths/),
    );
    await assert.rejects(fetchProject(`${repo}#missing`, options), projectError(/Could not find subdirectory missing/));
    await assert.rejects(fetchProject(`${repo}#a#b`, options), projectError(/only one '#'/));
    const plain = mkdtempSync(join(root, 'nogit-'));
    await assert.rejects(
      fetchProject(plain, { ...options, version: 'v1' }),
      projectError(/--version needs a git repository/),
    );
    await assert.rejects(
      fetchProject('file:///nonexistent/keel-repo', options),
      projectError(/git ls-remote file:\/\/\/nonexistent\/keel-repo failed/),
    );
  });

  it('extracts ZIP archives, local or over HTTP, with a subdirectory', async () => {
    const zip = join(root, 'project.zip');
    makeZip(zip, {
      'p/MLproject': 'entry_points: {main: {command: "echo zipped"}}\n',
      'p/data/x.csv': 'a\n',
      'README.md': 'hi',
    });
    const local = await fetchProject(`${zip}#p`, options);
    try {
      assert.equal(command(local.dir), 'echo zipped');
      assert.equal(readFileSync(join(local.dir, 'data', 'x.csv'), 'utf8'), 'a\n');
      assert.equal(local.isTemporary, true);
    } finally {
      await local.cleanup();
    }
    const server = createServer((req, res) => {
      if (req.url === '/project.zip') res.end(readFileSync(zip));
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const remote = await fetchProject(`${url}/project.zip#p`, options);
      assert.equal(command(remote.dir), 'echo zipped');
      await remote.cleanup();
      await assert.rejects(fetchProject(`${url}/missing.zip`, options), projectError(/HTTP 404/));
    } finally {
      server.close();
    }
  });

  it('refuses archive entries that would land outside the project', async () => {
    for (const name of ['../escape.txt', '/abs.txt', 'a/../../escape.txt']) {
      const zip = join(root, `evil-${name.length}.zip`);
      makeZip(zip, { MLproject: 'x: 1', [name]: 'owned' });
      await assert.rejects(fetchProject(zip, options), projectError(/unsafe entry name/));
    }
    assert.equal(existsSync(join(root, 'escape.txt')), false);
    assert.equal(existsSync(join(temps, 'escape.txt')), false);
  });
});
