/**
 * Where a project comes from (projects.md §4): a local directory (used in place), a git
 * repository (local path with `--version`, `file://`, `https://`, ssh) fetched shallowly into a
 * temporary directory, or a ZIP archive (local or over HTTP) extracted into one; `#sub/dir`
 * selects a subdirectory. The result says what to record: `mlflow.source.name` and the git
 * commit, branch and remote.
 */
import { createWriteStream, existsSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { fileURLToPath } from 'node:url';
import { ProjectError } from '../errors.js';
import { checkRepositoryUrl, checkVersion, git, parseLsRemote, tryGit } from './git.js';
import { extractZip } from './zip-archive.js';

/** Git facts of a project's code. */
export interface GitInfo {
  readonly commit: string;
  /** The `--version` value when it names a branch. */
  readonly branch?: string;
  readonly repoUrl?: string;
}

/** A project ready on the local disk. */
export interface FetchedProject {
  /** Absolute directory of the project (the subdirectory, when one was given). */
  readonly dir: string;
  /** `mlflow.source.name`. */
  readonly sourceName: string;
  readonly git?: GitInfo;
  /** Whether `dir` is a temporary copy (a clone or an extracted archive). */
  readonly isTemporary: boolean;
  /** The temporary directory holding the copy (`dir` or a parent of it), which `cleanup` deletes. */
  readonly tempRoot?: string;
  /** Deletes the temporary copy (nothing for a directory used in place). */
  cleanup(): Promise<void>;
}

/** Fetch settings. */
export interface FetchOptions {
  /** Git commit, branch or tag. */
  readonly version?: string;
  /** The environment git runs with (credentials helpers, SSH agent). */
  readonly env: NodeJS.ProcessEnv;
  /** Directory relative paths are resolved against. */
  readonly cwd: string;
  /** Parent of temporary copies (default: the system temp directory). */
  readonly tempRoot?: string;
  readonly onProgress?: (message: string) => void;
}

/** Splits `uri#sub/dir`; the subdirectory may not contain '.'. */
export function splitSubdirectory(uri: string): { base: string; subdirectory: string } {
  const parts = uri.split('#');
  if (parts.length > 2) throw new ProjectError(`Invalid project URI '${uri}': only one '#' is allowed.`);
  const subdirectory = (parts[1] ?? '').replace(/^\/+|\/+$/g, '');
  if (subdirectory.includes('.')) throw new ProjectError("'.' is not allowed in project subdirectory paths.");
  return { base: parts[0] as string, subdirectory };
}

function stripQuotes(uri: string): string {
  const trimmed = uri.trim();
  const match = /^(['"])(.*)\1$/s.exec(trimmed);
  return match === null ? trimmed : (match[2] as string);
}

function withSubdirectory(root: string, subdirectory: string, what: string): string {
  const dir = subdirectory === '' ? root : join(root, ...subdirectory.split('/'));
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new ProjectError(`Could not find subdirectory ${subdirectory} of ${what}`);
  }
  return dir;
}

function localPathOf(base: string, cwd: string): string | undefined {
  let path = base;
  if (/^file:/i.test(base)) {
    try {
      path = fileURLToPath(base);
    } catch {
      return undefined;
    }
  } else if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(base)) return undefined;
  const absolute = resolve(cwd, path);
  return existsSync(absolute) ? absolute : undefined;
}

async function tempDir(options: FetchOptions): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(options.tempRoot ?? tmpdir(), 'keel-project-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Git facts of a directory used in place, when it is inside a work tree and git is installed. */
async function localGitInfo(dir: string, env: NodeJS.ProcessEnv): Promise<{ root: string; info: GitInfo } | undefined> {
  const top = await tryGit(['rev-parse', '--show-toplevel'], dir, env).catch(() => undefined);
  if (top === undefined || top.code !== 0) return undefined;
  const commit = await tryGit(['rev-parse', '--verify', '--quiet', 'HEAD'], dir, env);
  if (commit.code !== 0) return undefined;
  const remote = await tryGit(['config', '--get', 'remote.origin.url'], dir, env);
  const repoUrl = remote.code === 0 ? remote.stdout.trim() : '';
  return {
    root: top.stdout.trim(),
    info: { commit: commit.stdout.trim(), ...(repoUrl === '' ? {} : { repoUrl }) },
  };
}

/** Clones `url` at `version` (or its default branch) into a fresh temporary directory, shallowly. */
async function cloneRepository(url: string, version: string | undefined, options: FetchOptions, isLocalPath = false) {
  // A local repository is passed as its absolute path (it starts with '/', so it is no option).
  if (!isLocalPath) checkRepositoryUrl(url);
  if (version !== undefined) checkVersion(version);
  const temp = await tempDir(options);
  const env = options.env;
  try {
    options.onProgress?.(`Fetching ${url}${version === undefined ? '' : ` at ${version}`}`);
    await git(['init', '--quiet', '--', temp.dir], temp.dir, env, 'git init');
    await git(['remote', 'add', 'origin', '--', url], temp.dir, env, 'git remote add');
    const listed = await git(['ls-remote', '--symref', 'origin'], temp.dir, env, `git ls-remote ${url}`);
    const remote = parseLsRemote(listed.stdout);
    let ref: string;
    let branch: string | undefined;
    if (version === undefined) {
      if (remote.headBranch === undefined) throw new ProjectError(`Git repository ${url} has no default branch.`);
      ref = `refs/heads/${remote.headBranch}`;
    } else if (remote.refs.has(`refs/heads/${version}`)) {
      ref = `refs/heads/${version}`;
      branch = version;
    } else if (remote.refs.has(`refs/tags/${version}`)) {
      ref = `refs/tags/${version}`;
    } else if (/^[0-9a-f]{4,64}$/.test(version)) {
      ref = version;
    } else {
      throw new ProjectError(
        `Unable to checkout version '${version}' of git repo ${url}: no such branch, tag or commit.`,
      );
    }
    const shallow = await tryGit(['fetch', '--quiet', '--depth', '1', 'origin', '--', ref], temp.dir, env);
    if (shallow.code === 0) {
      await git(['checkout', '--quiet', '--detach', 'FETCH_HEAD'], temp.dir, env, 'git checkout');
    } else {
      // An abbreviated commit cannot be fetched by name: fetch everything, then resolve it.
      const full = await tryGit(['fetch', '--quiet', '--tags', 'origin'], temp.dir, env);
      const resolved =
        full.code === 0
          ? await tryGit(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], temp.dir, env)
          : full;
      if (resolved.code !== 0) {
        throw new ProjectError(`Unable to checkout version '${version ?? ref}' of git repo ${url}.`);
      }
      await git(['checkout', '--quiet', '--detach', resolved.stdout.trim()], temp.dir, env, 'git checkout');
    }
    await git(['submodule', 'update', '--init', '--recursive', '--quiet'], temp.dir, env, 'git submodule update');
    const commit = (await git(['rev-parse', 'HEAD'], temp.dir, env, 'git rev-parse')).stdout.trim();
    return { ...temp, git: { commit, ...(branch === undefined ? {} : { branch }), repoUrl: url } satisfies GitInfo };
  } catch (error) {
    await temp.cleanup();
    throw error;
  }
}

async function downloadZip(url: string, target: string): Promise<void> {
  const response = await fetch(url, { redirect: 'follow' });
  if (!response.ok || response.body === null)
    throw new ProjectError(`Could not download ${url}: HTTP ${response.status}`);
  await pipeline(
    Readable.fromWeb(response.body as unknown as NodeReadableStream<Uint8Array>),
    createWriteStream(target),
  );
}

/**
 * Makes the project at `uri` available on the local disk.
 *
 * @example
 * const project = await fetchProject('https://github.com/org/repo#examples/train', { env: process.env, cwd: process.cwd(), version: 'v1.2' });
 * try { ... } finally { await project.cleanup(); }
 */
export async function fetchProject(uri: string, options: FetchOptions): Promise<FetchedProject> {
  const given = stripQuotes(uri);
  if (given === '') throw new ProjectError('No project URI given.');
  const { base, subdirectory } = splitSubdirectory(given);
  const local = localPathOf(base, options.cwd);

  if (/\.zip$/i.test(base)) {
    const temp = await tempDir(options);
    try {
      let archive = local;
      if (archive === undefined) {
        if (!/^https?:\/\//i.test(base)) throw new ProjectError(`ZIP archive ${base} does not exist.`);
        options.onProgress?.(`Downloading ${base}`);
        archive = join(temp.dir, '.keel-download.zip');
        await downloadZip(base, archive);
      }
      const root = join(temp.dir, 'project');
      options.onProgress?.(`Extracting ${archive}`);
      await extractZip(archive, root);
      return {
        dir: withSubdirectory(root, subdirectory, given),
        sourceName: given,
        isTemporary: true,
        tempRoot: temp.dir,
        cleanup: temp.cleanup,
      };
    } catch (error) {
      await temp.cleanup();
      throw error;
    }
  }

  if (local !== undefined && options.version === undefined) {
    if (!statSync(local).isDirectory())
      throw new ProjectError(`Project ${local} is not a directory (nor a .zip archive).`);
    const dir = withSubdirectory(local, subdirectory, local);
    const repo = await localGitInfo(dir, options.env);
    let sourceName = dir;
    if (repo !== undefined) {
      const inside = relative(repo.root, dir).split(sep).join('/');
      sourceName = `file://${repo.root}${inside === '' ? '' : `#${inside}`}`;
    }
    return {
      dir,
      sourceName,
      ...(repo === undefined ? {} : { git: repo.info }),
      isTemporary: false,
      cleanup: async () => undefined,
    };
  }

  if (local !== undefined) {
    // A local path with --version: a fresh checkout of that version, like a remote.
    const repo = await localGitInfo(local, options.env);
    if (repo === undefined) throw new ProjectError(`--version needs a git repository, and ${local} is not one.`);
    const cloned = await cloneRepository(repo.root, options.version, options, true);
    const inside = relative(repo.root, local).split(sep).join('/');
    const sub = [inside, subdirectory].filter((s) => s !== '').join('/');
    return {
      dir: withSubdirectory(cloned.dir, sub, given),
      sourceName: given,
      git: { ...cloned.git, ...(repo.info.repoUrl === undefined ? {} : { repoUrl: repo.info.repoUrl }) },
      isTemporary: true,
      tempRoot: cloned.dir,
      cleanup: cloned.cleanup,
    };
  }

  const cloned = await cloneRepository(base, options.version, options);
  try {
    return {
      dir: withSubdirectory(cloned.dir, subdirectory, given),
      sourceName: given,
      git: cloned.git,
      isTemporary: true,
      tempRoot: cloned.dir,
      cleanup: cloned.cleanup,
    };
  } catch (error) {
    await cloned.cleanup();
    throw error;
  }
}
