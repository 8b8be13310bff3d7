/**
 * Git for project sources. Every call is an argument vector; user input (repository URLs,
 * versions) is validated first and always placed after `--` where git takes one, so no value
 * can be read as an option (`--upload-pack=...`). Transports that run programs (`ext::`, `fd::`)
 * are refused, and git never prompts for credentials.
 */
import { ProjectError } from '../errors.js';
import { type ProcessResult, runChecked, runProcess } from '../process.js';

/** Settings that hold for every git call. */
const SAFE_CONFIG = [
  '-c',
  'protocol.ext.allow=never',
  '-c',
  'protocol.fd.allow=never',
  '-c',
  'advice.detachedHead=false',
];

/** Runs `git <args>` in `cwd`; throws a `ProjectError` naming `what` on failure. */
export function git(
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  what: string,
): Promise<ProcessResult> {
  return runChecked(['git', ...SAFE_CONFIG, ...args], { cwd, env: gitEnv(env) }, what);
}

/** Runs `git <args>` and resolves with the result, whatever the exit status. */
export function tryGit(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): Promise<ProcessResult> {
  return runProcess(['git', ...SAFE_CONFIG, ...args], { cwd, env: gitEnv(env) });
}

function gitEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' };
}

/**
 * Throws unless `url` is a repository address git treats as one: `https://`, `http://`,
 * `ssh://`, `git://`, `file://`, or `user@host:path`.
 */
export function checkRepositoryUrl(url: string): void {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(url)?.[1]?.toLowerCase();
  const scpLike = /^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^\s]/.test(url);
  const allowed = ['https', 'http', 'ssh', 'git', 'file', 'git+ssh', 'ssh+git'];
  if (url.startsWith('-') || /[\s\0]/.test(url) || (!scpLike && (scheme === undefined || !allowed.includes(scheme)))) {
    throw new ProjectError(
      `Not a project directory or git repository: '${url}'. Give a local directory, a .zip archive, or a git URL (https://, ssh://, git://, file://, user@host:path).`,
    );
  }
}

/** Throws unless `version` can only name a commit, branch or tag. */
export function checkVersion(version: string): void {
  const valid =
    /^[A-Za-z0-9_][A-Za-z0-9._/+@-]*$/.test(version) &&
    !version.includes('..') &&
    !version.includes('//') &&
    !version.endsWith('/') &&
    !version.endsWith('.lock') &&
    !version.includes('@{');
  if (!valid) throw new ProjectError(`Invalid --version '${version}': give a commit, a branch or a tag name.`, true);
}

/** The refs a remote advertises: name -> commit, plus the branch its HEAD points to. */
export interface RemoteRefs {
  readonly refs: ReadonlyMap<string, string>;
  readonly headBranch?: string;
}

/** Parses `git ls-remote --symref` output. */
export function parseLsRemote(output: string): RemoteRefs {
  const refs = new Map<string, string>();
  let headBranch: string | undefined;
  for (const line of output.split('\n')) {
    const symref = /^ref: refs\/heads\/(\S+)\tHEAD$/.exec(line);
    if (symref !== null) {
      headBranch = symref[1];
      continue;
    }
    const match = /^([0-9a-f]{40,64})\t(\S+)$/.exec(line);
    if (match !== null) refs.set(match[2] as string, match[1] as string);
  }
  return { refs, ...(headBranch === undefined ? {} : { headBranch }) };
}
