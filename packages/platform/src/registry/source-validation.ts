/**
 * Model-version source checks (registry-api.md MV1, artifacts.md §7): whatever its encoding,
 * scheme or tags, a source must not let the server read files outside artifact storage. Local
 * paths are accepted only inside the owning run's or logged model's local artifact directory;
 * remote URIs must carry no relative-path tricks once fully decoded; and every source then
 * passes the server's artifact-location policy (storable schemes, local paths inside the
 * artifact roots). No tag exempts a source: a prompt's placeholder source is accepted only
 * because it is a bare label that names no location, and it is never read as a path.
 */
import { realpathSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { invalidParameter } from '@keel/contract';
import type { ArtifactResolver } from '../artifacts/artifact-resolver.js';
import { uriScheme } from '../artifacts/uri.js';
import { normalizePosixPath } from '../store/validation.js';

/** Tag marking prompt versions (MLflow 3), whose sources are not artifact locations. */
export const PROMPT_TAG = 'mlflow.prompt.is_prompt';

/** The checks every stored location passes (the artifact resolver's location policy). */
export type LocationChecks = Pick<ArtifactResolver, 'checkNewLocation'>;

/**
 * A source that names no location at all: a bare word such as MLflow's prompt placeholder
 * `dummy-source`. It has no scheme, separator, escape or dot segment, and a relative path is
 * never opened as a stored location, so it is recorded and never read.
 */
const BARE_LABEL = /^[A-Za-z0-9][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)*$/;

/** Whether the request is a prompt version whose source is only a label (MLflow sends `dummy-source`). */
export function isPromptLabel(request: SourceRequest): boolean {
  return (request.tags?.some((tag) => tag.key === PROMPT_TAG) ?? false) && BARE_LABEL.test(request.source);
}

/** Where the artifacts of a source's owner live; answered from the tracking store (or its API). */
export interface SourceOwnerLookup {
  /** The run's `artifact_uri`; unknown run -> RESOURCE_DOES_NOT_EXIST. */
  runArtifactUri(runId: string): Promise<string>;
  /** The logged model's `artifact_uri`; unknown model -> RESOURCE_DOES_NOT_EXIST. */
  loggedModelArtifactUri(modelId: string): Promise<string>;
}

export interface SourceValidationOptions {
  /** `MLFLOW_CREATE_MODEL_VERSION_SOURCE_VALIDATION_REGEX`: every source must contain a match. */
  readonly pattern?: RegExp;
  /** Directory relative local paths are resolved against (the server's working directory). */
  readonly cwd: string;
}

/** The fields of a create-version request that the checks look at. */
export interface SourceRequest {
  readonly source: string;
  readonly run_id?: string;
  readonly model_id?: string;
  readonly tags?: readonly { readonly key: string }[];
}

/**
 * Validates a model version source: MLflow's checks in MLflow's order (the configured pattern,
 * then local-path containment or remote-URI hygiene), then the server's location policy. A
 * prompt's bare label source is the one thing accepted without naming a location. Throws
 * INVALID_PARAMETER_VALUE.
 */
export async function validateModelVersionSource(
  request: SourceRequest,
  owners: SourceOwnerLookup,
  options: SourceValidationOptions,
  locations: LocationChecks,
): Promise<void> {
  const { source } = request;
  if (options.pattern !== undefined && !options.pattern.test(source)) {
    throw invalidParameter(`Invalid model version source: '${source}'.`);
  }
  if (isPromptLabel(request)) return;
  if (isLocalSource(source)) {
    await checkLocalSource(request, owners, options.cwd);
    // What was checked is the resolved path (`<run artifacts>/model/..` is the run's directory,
    // as MLflow resolves it); readers resolve stored paths the same way, so it is that path the
    // location policy must accept.
    await locations.checkNewLocation(localPath(source, options.cwd), 'model-version-source');
    return;
  }
  checkRemoteSource(source);
  await locations.checkNewLocation(source, 'model-version-source');
}

const LOCAL_HOST = /^(localhost|127\.0\.0\.1)/i;

/**
 * Whether a source names the server's own disk: a plain path or a `file:` URI. A `file:` URI
 * with a remote host is refused outright, as MLflow does.
 */
export function isLocalSource(source: string): boolean {
  const scheme = uriScheme(source);
  if (scheme === '') return true;
  if (scheme !== 'file') return false;
  const host = splitUri(source).authority.replace(/^[^@]*@/, '');
  if (host !== '' && host !== '.' && !LOCAL_HOST.test(host)) {
    throw invalidParameter(
      `${source} is not a valid remote uri. For remote access on windows, please consider using a different scheme such as SMB (e.g. smb://<hostname>/<path>).`,
    );
  }
  return true;
}

function localPath(source: string, cwd: string): string {
  if (uriScheme(source) !== 'file') return resolve(cwd, source);
  const { path } = splitUri(source);
  try {
    return resolve(cwd, fileURLToPath(`file://${path}`));
  } catch {
    // Not a well-formed file URL (e.g. bad escapes): treat the path text literally.
    return resolve(cwd, path);
  }
}

/** The path with symlinks resolved in its deepest existing ancestor (the rest may not exist yet). */
function realPath(path: string): string {
  for (let existing = path; ; existing = dirname(existing)) {
    try {
      return join(realpathSync.native(existing), relative(existing, path));
    } catch {
      if (dirname(existing) === existing) return path;
    }
  }
}

function isInside(child: string, dir: string): boolean {
  const root = dir.endsWith(sep) ? dir : dir + sep;
  return child === dir || child.startsWith(root);
}

/** Whether `path` lies inside the local directory behind `artifactUri` (false for remote URIs). */
function containedIn(path: string, artifactUri: string, cwd: string): boolean {
  if (uriScheme(artifactUri) !== '' && uriScheme(artifactUri) !== 'file') return false;
  const dir = localPath(artifactUri, cwd);
  // Lexically inside, and still inside once symlinks are followed (defence in depth).
  return isInside(path, dir) && isInside(realPath(path), realPath(dir));
}

async function checkLocalSource(request: SourceRequest, owners: SourceOwnerLookup, cwd: string): Promise<void> {
  const { source } = request;
  // A NUL byte, even encoded, makes what we check and what a reader opens disagree.
  const hasNul = unquoteFully(source).includes('\u0000');
  if (request.model_id) {
    const path = hasNul ? source : localPath(source, cwd);
    const artifactUri = await owners.loggedModelArtifactUri(request.model_id);
    if (!hasNul && containedIn(path, artifactUri, cwd)) return;
    throw invalidParameter(
      `Invalid model version source: '${path}'. To use a local path as a model version source, the model_id request parameter has to be specified and the local path has to be contained within the artifact directory of the model specified by the model_id.`,
    );
  }
  let shown = source;
  if (request.run_id && !hasNul) {
    const path = localPath(source, cwd);
    shown = path;
    const artifactUri = await owners.runArtifactUri(request.run_id);
    if (containedIn(path, artifactUri, cwd)) return;
  }
  throw invalidParameter(
    `Invalid model version source: '${shown}'. To use a local path as a model version source, the run_id request parameter has to be specified and the local path has to be contained within the artifact directory of the run specified by the run_id.`,
  );
}

/**
 * Python's `unquote_plus`: `+` is a space, `%XX` runs are UTF-8 bytes (invalid ones become
 * U+FFFD); malformed escapes stay as they are.
 */
export function unquotePlus(text: string): string {
  const spaced = text.replaceAll('+', ' ');
  if (!spaced.includes('%')) return spaced;
  return spaced.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => Buffer.from(run.replaceAll('%', ''), 'hex').toString('utf8'));
}

/** Unquotes until nothing changes, so `%252e%252e` is seen as `..`. */
export function unquoteFully(text: string): string {
  let current = text;
  // Every effective round shortens the text, so this ends; the bound is only a guard.
  for (let round = 0; round < 64; round++) {
    const next = unquotePlus(current);
    if (next === current) return current;
    current = next;
  }
  return current;
}

/** `scheme:[//authority]path[?query][#fragment]`, split as Python's `urlsplit` does. */
export function splitUri(uri: string): { scheme: string; authority: string; path: string } {
  const scheme = uriScheme(uri);
  let rest = scheme === '' ? uri : uri.slice(scheme.length + 1);
  let authority = '';
  if (rest.startsWith('//')) {
    const end = rest.slice(2).search(/[/?#]/);
    authority = end < 0 ? rest.slice(2) : rest.slice(2, end + 2);
    rest = end < 0 ? '' : rest.slice(end + 2);
  }
  const path = rest.split('#', 1)[0]?.split('?', 1)[0] ?? '';
  return { scheme, authority, path };
}

/**
 * Refuses a remote source that could step out of its root once decoded: a `..` segment anywhere
 * (either slash, `;params` ignored), a NUL byte, a relative or empty path, a path opening with
 * `//`, `.` segments. Trailing slashes are ignored and inner runs of slashes count as one, as
 * MLflow reads them.
 */
export function checkRemoteSource(source: string): void {
  const decoded = unquoteFully(source);
  const path = splitUri(decoded).path;
  // Trailing slashes name the same place (MLflow strips them, and so refuses a bare root); a
  // run of slashes inside the path is one separator, as MLflow reads it. A path that starts
  // with an empty segment (`s3://b//etc`) is still refused: it reads as a second root.
  const trimmed = path.replace(/\/+$/, '');
  const collapsed = trimmed.replace(/\/{2,}/g, '/');
  const segments = decoded.split(/[/\\]/).map((s) => s.split(';', 1)[0]);
  const unsafe =
    decoded.includes('\u0000') ||
    segments.includes('..') ||
    !trimmed.startsWith('/') ||
    trimmed.startsWith('//') ||
    normalizePosixPath(collapsed) !== collapsed;
  if (unsafe) {
    throw invalidParameter(
      `Invalid model version source: '${source}'. If supplying a source as an http, https, local file path, ftp, objectstore, or mlflow-artifacts uri, an absolute path must be provided without relative path references present. Please provide an absolute path.`,
    );
  }
}
