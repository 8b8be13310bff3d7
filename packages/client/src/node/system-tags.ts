/**
 * The context tags MLflow's client puts on new runs (cli-and-env.md §6.1): who (`mlflow.user`),
 * what (`mlflow.source.name`, `mlflow.source.type`) and which code (`mlflow.source.git.commit`).
 * The commit is read from the `.git` files directly (worktrees and packed refs included), so
 * no `git` process is spawned.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** The git directory of the work tree holding `start`: `.git` itself or what a `.git` file points to. */
function findGitDir(start: string): string | undefined {
  let dir = resolve(start);
  for (;;) {
    const candidate = join(dir, '.git');
    if (existsSync(candidate)) {
      if (statSync(candidate).isDirectory()) return candidate;
      // Worktrees and submodules: the file reads `gitdir: <path>`.
      const pointer = /^gitdir:\s*(.+)$/m.exec(readText(candidate) ?? '')?.[1]?.trim();
      if (pointer !== undefined) return isAbsolute(pointer) ? pointer : resolve(dir, pointer);
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * The commit checked out in the work tree holding `start`, or undefined outside git.
 *
 * @example
 * gitCommit(process.cwd()); // '3f2a...'
 */
export function gitCommit(start: string): string | undefined {
  const gitDir = findGitDir(start);
  if (gitDir === undefined) return undefined;
  const head = readText(join(gitDir, 'HEAD'));
  if (head === undefined) return undefined;
  if (/^[0-9a-f]{40,64}$/.test(head)) return head;
  const ref = /^ref:\s*(.+)$/.exec(head)?.[1]?.trim();
  if (ref === undefined) return undefined;
  // A worktree keeps HEAD in its own directory and shares refs through `commondir`.
  const common = readText(join(gitDir, 'commondir'));
  const commonDir = common === undefined ? gitDir : resolve(gitDir, common);
  for (const dir of [gitDir, commonDir]) {
    const sha = readText(join(dir, ref));
    if (sha !== undefined && /^[0-9a-f]{40,64}$/.test(sha)) return sha;
  }
  for (const line of (readText(join(commonDir, 'packed-refs')) ?? '').split('\n')) {
    const [sha, name] = line.trim().split(' ');
    if (name === ref && sha !== undefined && /^[0-9a-f]{40,64}$/.test(sha)) return sha;
  }
  return undefined;
}

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
}

/**
 * `mlflow.user`, `mlflow.source.name`, `mlflow.source.type` (`LOCAL`) and, inside a git work
 * tree, `mlflow.source.git.commit`, for a script at `sourceName`.
 *
 * @example
 * nodeContextTags(process.argv[1] ?? '', undefined);
 */
export function nodeContextTags(sourceName: string, trackingUsername: string | undefined): Record<string, string> {
  const tags: Record<string, string> = {
    'mlflow.user': trackingUsername ?? osUser(),
    'mlflow.source.name': sourceName,
    'mlflow.source.type': 'LOCAL',
  };
  const commit = gitCommit(sourceName === '' ? process.cwd() : dirname(resolve(sourceName)));
  if (commit !== undefined) tags['mlflow.source.git.commit'] = commit;
  return tags;
}
