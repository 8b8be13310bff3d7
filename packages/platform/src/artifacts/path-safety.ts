/**
 * Path safety for client-supplied artifact paths (artifacts.md §7), in two layers:
 *
 * 1. `checkArtifactPath` runs MLflow's `validate_path_is_safe` on the string (decode until
 *    stable, refuse `#`, `..` segments, backslashes and absolute paths) and then insists that the
 *    name needed no further decoding: HTTP decodes a name once, and a name that would decode
 *    again (`a%2541.txt` -> `a%41.txt` -> `aA.txt`) or lose characters on the way (control
 *    characters, an empty `?`) is refused, so two different names never land on one file. It
 *    is what the HTTP layer runs on every `path`-like value.
 * 2. `joinInsideRoot` / `assertRealPathInside` are the storage side's defence in depth: the joined
 *    location, and its real location once symlinks are followed, must stay inside the root.
 */
import { realpath } from 'node:fs/promises';
import { dirname, basename as nativeBasename, resolve, sep } from 'node:path';
import { invalidParameter, MlflowError } from '@keel/contract';

/** MLflow's error for every unsafe path. */
export function invalidPath(): MlflowError {
  return invalidParameter('Invalid path');
}

const MAX_DECODE_ROUNDS = 10;
const PERCENT_RUNS = /(?:%[0-9a-fA-F]{2})+/g;
const SCHEME_CHARS = /^[a-zA-Z0-9+.-]+$/;
// Python's urllib tables: schemes whose URLs carry `;params` / a `//netloc`.
// The leading space makes '' (no scheme) a member of both.
const USES_PARAMS = new Set(
  ' ftp hdl prospero http imap https shttp rtsp rtsps rtspu sip sips mms sftp tel'.split(' '),
);
const USES_NETLOC = new Set(
  ' ftp http gopher nntp telnet imap wais file mms https shttp snews prospero rtsp rtsps rtspu rsync svn svn+ssh sftp nfs git git+ssh ws wss itms-services'.split(
    ' ',
  ),
);

/**
 * Python's `urllib.parse.unquote`: each run of `%XX` escapes is decoded as UTF-8, invalid byte
 * sequences become U+FFFD, and a `%` that starts no valid escape stays as it is.
 */
export function unquote(text: string): string {
  if (!text.includes('%')) return text;
  return text.replace(PERCENT_RUNS, (run) => Buffer.from(run.replaceAll('%', ''), 'hex').toString('utf8'));
}

interface ParsedUrl {
  scheme: string;
  netloc: string;
  path: string;
  params: string;
  query: string;
  fragment: string;
}

/** Python's `urlparse` (3.12+), which MLflow runs between decoding rounds. */
function urlparse(input: string): ParsedUrl {
  // urlsplit drops leading C0 controls and spaces, and removes every tab, CR and LF.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: Python strips exactly these.
  let url = input.replace(/^[\x00-\x20]+/, '').replace(/[\t\r\n]/g, '');
  let scheme = '';
  let netloc = '';
  let query = '';
  let fragment = '';
  let params = '';
  const colon = url.indexOf(':');
  if (colon > 0 && /^[a-zA-Z]/.test(url) && SCHEME_CHARS.test(url.slice(0, colon))) {
    // Python lower-cases the scheme; keeping its case keeps a file name like `Notes:Q1.txt` intact.
    scheme = url.slice(0, colon);
    url = url.slice(colon + 1);
  }
  if (url.startsWith('//')) {
    const rest = url.slice(2);
    const end = rest.search(/[/?#]/);
    netloc = end < 0 ? rest : rest.slice(0, end);
    url = end < 0 ? '' : rest.slice(end);
    // Python raises ValueError for these; MLflow then fails the request.
    if (netloc.includes('[') !== netloc.includes(']')) throw invalidPath();
    checkNetlocNormalisation(netloc);
  }
  const hash = url.indexOf('#');
  if (hash >= 0) [url, fragment] = [url.slice(0, hash), url.slice(hash + 1)];
  const question = url.indexOf('?');
  if (question >= 0) [url, query] = [url.slice(0, question), url.slice(question + 1)];
  if (USES_PARAMS.has(scheme.toLowerCase()) && url.includes(';')) {
    const lastSlash = url.lastIndexOf('/');
    const semi = lastSlash >= 0 ? url.indexOf(';', lastSlash) : url.indexOf(';');
    if (semi >= 0) [url, params] = [url.slice(0, semi), url.slice(semi + 1)];
  }
  return { scheme, netloc, path: url, params, query, fragment };
}

/** Python refuses a non-ASCII netloc whose NFKC form gains URL delimiters. */
function checkNetlocNormalisation(netloc: string): void {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: an "is ASCII" test.
  if (/^[\x00-\x7f]*$/.test(netloc)) return;
  const bare = netloc.replace(/[@:#?]/g, '');
  const normalised = bare.normalize('NFKC');
  if (bare !== normalised && /[/?#@:]/.test(normalised)) throw invalidPath();
}

/** Python's `urlunparse` (3.12+). */
function urlunparse(parts: ParsedUrl): string {
  let url = parts.params === '' ? parts.path : `${parts.path};${parts.params}`;
  if (parts.netloc !== '') {
    if (url !== '' && !url.startsWith('/')) url = `/${url}`;
    url = `//${parts.netloc}${url}`;
  } else if (url.startsWith('//')) {
    url = `//${url}`;
  } else if (
    parts.scheme !== '' &&
    USES_NETLOC.has(parts.scheme.toLowerCase()) &&
    (url === '' || url.startsWith('/'))
  ) {
    url = `//${url}`;
  }
  if (parts.scheme !== '') url = `${parts.scheme}:${url}`;
  if (parts.query !== '') url = `${url}?${parts.query}`;
  if (parts.fragment !== '') url = `${url}#${parts.fragment}`;
  return url;
}

/**
 * Step 1 of the algorithm: percent-decode and re-serialise as a URL until the value stops
 * changing. A value still changing after 10 rounds is refused (MLflow raises there too).
 */
export function decodeRepeatedly(value: string): string {
  let current = value;
  for (let round = 0; round < MAX_DECODE_ROUNDS; round++) {
    const next = urlunparse(urlparse(unquote(current)));
    if (next === current) return current;
    current = next;
  }
  throw invalidPath();
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds.
const CONTROL_CHARACTER = /[\x00-\x1f\x7f-\x9f]/;

/** Whether `text` holds a C0 or C1 control character (including DEL). */
export function hasControlCharacter(text: string): boolean {
  return CONTROL_CHARACTER.test(text);
}

/**
 * Whether `text` holds a control character, raw or behind any number of percent-encodings.
 * Checked before URL parsing, which silently drops tabs and newlines.
 */
function revealsControlCharacter(text: string): boolean {
  let current = text;
  for (let round = 0; round <= MAX_DECODE_ROUNDS; round++) {
    if (hasControlCharacter(current)) return true;
    const next = unquote(current);
    if (next === current) return false;
    current = next;
  }
  return false;
}

/** Python's `url2pathname(urlparse(uri).path)` on POSIX. */
function fileUriToPath(uri: string): string {
  return unquote(urlparse(uri).path);
}

export interface PathSafetyOptions {
  /** Apply the Windows-only rule (any value whose second character is `:`). Defaults to the host OS. */
  readonly windows?: boolean;
}

/**
 * Checks one client-supplied relative artifact path, as HTTP delivered it (decoded once), and
 * returns it, or throws INVALID_PARAMETER_VALUE (artifacts.md §7). MLflow's repeated decoding
 * decides what is unsafe; unlike MLflow, the name is then used exactly as received, and a name
 * that this decoding would change is refused rather than stored under another name. Control
 * characters are refused, never escaped or dropped.
 *
 * @example
 * checkArtifactPath('data/train set.csv'); // 'data/train set.csv'
 * checkArtifactPath('..%2F..%2Fetc');      // throws Invalid path
 * checkArtifactPath('a%41.txt');           // throws: it would become 'aA.txt'
 */
export function checkArtifactPath(value: string, options: PathSafetyOptions = {}): string {
  const windows = options.windows ?? process.platform === 'win32';
  if (revealsControlCharacter(value)) throw invalidPath();
  let path = decodeRepeatedly(value);
  if (path.includes('#')) throw invalidPath();
  if (urlparse(path).scheme.toLowerCase() === 'file') path = fileUriToPath(path);
  if (
    path.includes('\\') ||
    path.split('/').includes('..') ||
    path.startsWith('/') ||
    /^[a-zA-Z]:[\\/]/.test(path) ||
    (windows && path.length >= 2 && path[1] === ':')
  ) {
    throw invalidPath();
  }
  if (path !== value) {
    throw invalidParameter(
      `Invalid path: '${value}' is ambiguous, it would also be read as '${path}'. Once HTTP ` +
        "has decoded it, an artifact name must not contain a percent-escape such as '%41', a " +
        "'file:' prefix or an empty '?' or ';'.",
    );
  }
  return path;
}

/** `checkArtifactPath` for optional values: absent or empty means the root (''). */
export function checkOptionalArtifactPath(value: string | undefined, options?: PathSafetyOptions): string {
  return value === undefined || value === '' ? '' : checkArtifactPath(value, options);
}

/**
 * A safe relative path in canonical POSIX form: no empty or `.` segments, no trailing `/`.
 * `'a//b/./c/'` -> `'a/b/c'`; `'.'` -> `''` (the root). Absolute paths, backslashes, NUL and
 * `..` segments -> Invalid path.
 */
export function normalizeArtifactPath(path: string): string {
  // Storage-side defence in depth: these never pass `checkArtifactPath` either.
  if (path.startsWith('/') || path.includes('\\') || path.includes('\0')) throw invalidPath();
  const segments = path.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) throw invalidPath();
  return segments.join('/');
}

/** Whether absolute `target` is `root` or lies below it (lexically; resolve symlinks first). */
export function isInside(root: string, target: string): boolean {
  if (target === root) return true;
  const prefix = root.endsWith(sep) ? root : root + sep;
  return target.startsWith(prefix);
}

/**
 * Joins a relative path to an absolute root directory and checks, lexically, that the result is
 * still inside the root. Absolute or escaping inputs -> Invalid path.
 */
export function joinInsideRoot(root: string, relativePath: string): string {
  const normalized = normalizeArtifactPath(relativePath);
  const target = resolve(root, normalized);
  if (!isInside(resolve(root), target)) throw invalidPath();
  return target;
}

const MISSING = new Set(['ENOENT', 'ENOTDIR']);

/**
 * The real location of `path` with symlinks followed. A path that does not exist (yet) is the
 * real location of its closest existing ancestor plus the missing tail, so it can be checked
 * before a write creates it.
 */
export async function realPathOfNearest(path: string): Promise<string> {
  const tail: string[] = [];
  let current = resolve(path);
  for (;;) {
    try {
      const real = await realpath(current);
      return tail.length === 0 ? real : resolve(real, ...tail.reverse());
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ELOOP') throw invalidPath();
      if (code === undefined || !MISSING.has(code)) throw error;
      const parent = dirname(current);
      if (parent === current) throw error;
      tail.push(nativeBasename(current));
      current = parent;
    }
  }
}

/**
 * Checks that `target`, with every symlink followed, is inside `root` (also followed). Returns the
 * real path of `target` (or of its nearest existing ancestor plus the missing tail).
 */
export async function assertRealPathInside(root: string, target: string): Promise<string> {
  const [realRoot, realTarget] = await Promise.all([realPathOfNearest(root), realPathOfNearest(target)]);
  if (!isInside(realRoot, realTarget)) throw invalidPath();
  return realTarget;
}

/** A path for an error message: long ones are cut, since the point is usually their length. */
export function shown(relative: string): string {
  return relative.length <= 120 ? relative : `${relative.slice(0, 100)}...(${relative.length} characters)`;
}

/**
 * File-system failures that the client's path caused become client errors: a name longer than
 * the file system allows, a symbolic-link loop, or a file where a directory is needed. Anything
 * else (a full disk, a permission problem) is the server's and stays as it is.
 */
export function clientPathError(error: unknown, relative: string): unknown {
  if (error instanceof MlflowError) return error;
  switch ((error as NodeJS.ErrnoException | undefined)?.code) {
    case 'ENAMETOOLONG':
      return invalidParameter(
        `Artifact path '${shown(relative)}' is too long for the file system (at most 255 bytes per name).`,
      );
    case 'ELOOP':
      return invalidParameter(`Artifact path '${shown(relative)}' leads into a loop of symbolic links.`);
    default:
      return error;
  }
}
