/**
 * Where this server keeps artifacts on its own disk, and the rules for every location it stores
 * or opens: validation when a client asks to store a location (an experiment's
 * `artifact_location`, a model version's `source`), containment when a stored location is read.
 * Local directories are served only inside the configured roots (the artifacts destination and
 * a local default artifact root), so no stored URI, whoever wrote it, reads another file of the
 * server. The operator can allow other local directories (`--allow-local-artifact-locations`);
 * they are then readable, but uploads still land only inside the roots.
 */
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { invalidParameter, MlflowError, notFound } from '@keel/contract';
import type { ArtifactRepository } from './artifact-repository.js';
import { ConfinedArtifactRepository } from './confined-artifact-repository.js';
import type { FileSyncer } from './file-sync.js';
import { LocalArtifactRepository } from './local-artifact-repository.js';
import { checkArtifactPath, hasControlCharacter, isInside, realPathOfNearest, unquote } from './path-safety.js';
import { formatS3Uri, isS3LocationInside, parseS3Uri, type S3Location } from './s3-location.js';
import { proxiedArtifactPath, uriScheme } from './uri.js';

/** What a location is stored for; model-version sources may also name runs, models and web URLs. */
export type LocationPurpose = 'experiment' | 'model-version-source';

/** Schemes a client may store, by purpose ('' is a plain path). */
const STORABLE_SCHEMES: Readonly<Record<LocationPurpose, ReadonlySet<string>>> = {
  // http(s) experiment locations are accepted only as proxy URLs (checked below).
  experiment: new Set(['', 'file', 'mlflow-artifacts', 's3', 'http', 'https']),
  // Model-version sources may name any store MLflow has an artifact repository for: they are
  // recorded, never fetched by the server (it opens no outbound connection), and reading them
  // later goes through the resolver, which knows only the schemes it can serve.
  'model-version-source': new Set([
    '',
    'file',
    'mlflow-artifacts',
    's3',
    's3a',
    's3n',
    'gs',
    'wasb',
    'wasbs',
    'abfs',
    'abfss',
    'adl',
    'oss',
    'r2',
    'ftp',
    'sftp',
    'dbfs',
    'hdfs',
    'viewfs',
    'uc-volumes',
    'runs',
    'models',
    'http',
    'https',
  ]),
};

const ALLOW_FLAG = '--allow-local-artifact-locations';
const MAX_DECODE_ROUNDS = 10;
const LOCAL_HOSTS = new Set(['', 'localhost', '127.0.0.1']);

export interface ArtifactLocationPolicyOptions {
  /** Absolute local directories artifacts live in; symlinks in them are resolved when checked. */
  readonly roots: readonly string[];
  /** `--allow-local-artifact-locations`: accept and read local directories outside the roots. */
  readonly allowLocalLocations: boolean;
  /** Directory relative paths are resolved against (the server's working directory). */
  readonly cwd: string;
  /**
   * Object-store roots (`s3://bucket/prefix`: the artifacts destination and the default root
   * when they are remote). The server opens a stored remote location with its own credentials
   * only below one of these.
   */
  readonly remoteRoots?: readonly string[];
  /** How written files and directories are flushed (fsync when durable; the default). */
  readonly fileSync?: FileSyncer;
}

function permissionDenied(message: string): MlflowError {
  return new MlflowError('PERMISSION_DENIED', message);
}

/** `location` percent-decoded until it stops changing (bounded; a value still changing is refused). */
function decodeFully(location: string): string {
  let current = location;
  for (let round = 0; round < MAX_DECODE_ROUNDS; round++) {
    const next = unquote(current);
    if (next === current) return current;
    current = next;
  }
  throw invalidParameter(`Invalid artifact location '${location}': it is percent-encoded too many times.`);
}

/** The local directory behind a plain path or a `file:` URI. */
function localDirectoryOf(uri: string, cwd: string): string {
  if (uriScheme(uri) !== 'file') return resolve(cwd, uri);
  try {
    return fileURLToPath(uri);
  } catch (error) {
    throw invalidParameter(`Cannot use '${uri}' as a local artifact location: ${(error as Error).message}`);
  }
}

/** The rules for storing and opening artifact locations on one server. */
export class ArtifactLocationPolicy {
  readonly roots: readonly string[];
  readonly allowLocalLocations: boolean;
  readonly #cwd: string;
  readonly #s3Roots: readonly S3Location[];
  readonly #fileSync: FileSyncer | undefined;

  constructor(options: ArtifactLocationPolicyOptions) {
    for (const root of options.roots) {
      if (!isAbsolute(root)) throw new Error(`An artifact root must be an absolute path, got '${root}'`);
    }
    this.roots = Object.freeze([...new Set(options.roots.map((root) => resolve(root)))]);
    this.allowLocalLocations = options.allowLocalLocations;
    this.#cwd = options.cwd;
    this.#s3Roots = Object.freeze(
      (options.remoteRoots ?? []).map((root) => {
        if (uriScheme(root) !== 's3') throw new Error(`Unsupported remote artifact root '${root}' (only s3:// is)`);
        return parseS3Uri(root);
      }),
    );
    this.#fileSync = options.fileSync;
  }

  /**
   * Checks a stored remote location before the server opens it with its own storage credentials:
   * an `s3://` location must lie, after normalization, below one of the configured S3 roots, so a
   * client cannot point an experiment at another bucket and read it through the server
   * (PERMISSION_DENIED). Other schemes have no roots to check against.
   */
  checkRemoteLocation(uri: string): void {
    if (uriScheme(uri) !== 's3') return;
    const location = parseS3Uri(uri);
    if (this.#s3Roots.some((root) => isS3LocationInside(root, location))) return;
    const roots = this.#s3Roots.map(formatS3Uri);
    throw permissionDenied(
      `The artifact location '${uri}' is outside this server's S3 artifact storage ` +
        `(${roots.length === 0 ? 'none is configured' : roots.join(', ')}), so the server does not read it; ` +
        'clients with their own credentials can.',
    );
  }

  /** Whether `directory`, with every symlink followed, lies inside one of the roots (also followed). */
  async isInsideRoots(directory: string): Promise<boolean> {
    try {
      const [real, roots] = await Promise.all([
        realPathOfNearest(directory),
        Promise.all(this.roots.map((root) => realPathOfNearest(root))),
      ]);
      return roots.some((root) => isInside(root, real));
    } catch {
      // A symlink loop or an unreadable ancestor: nothing this server can vouch for.
      return false;
    }
  }

  /**
   * Checks a location a client asks to store, before anything is written; throws
   * INVALID_PARAMETER_VALUE. Applied to every experiment location and model-version source,
   * whatever the request's tags: no traversal once fully decoded (`;` parameters, `?`, `#` and
   * `%2f` included), no control characters, only schemes Keel stores to, and local directories
   * only inside the roots unless the operator allowed others.
   */
  async checkNewLocation(location: string, purpose: LocationPurpose): Promise<void> {
    const decoded = decodeFully(location);
    if (hasControlCharacter(decoded)) {
      throw invalidParameter(`Invalid artifact location '${location}': it contains a control character.`);
    }
    if (decoded.split(/[/\\?#;&=]/).includes('..')) {
      throw invalidParameter(
        `Invalid artifact location '${location}': it must not contain '..' path segments, in any encoding.`,
      );
    }
    const scheme = uriScheme(location).toLowerCase();
    const proxied = proxiedArtifactPath(location);
    const storable =
      STORABLE_SCHEMES[purpose].has(scheme) &&
      (purpose !== 'experiment' || (scheme !== 'http' && scheme !== 'https') || proxied !== undefined);
    if (!storable) {
      throw invalidParameter(
        `Unsupported artifact location '${location}'. Keel stores artifacts in local directories, file:, ` +
          `mlflow-artifacts: and s3: URIs${purpose === 'experiment' ? ' (and artifact proxy URLs)' : ', and records sources in the other stores MLflow knows (gs:, wasbs:, abfss:, hdfs:, dbfs:, ftp:, runs:, models:, http(s), ...)'}.`,
      );
    }
    if (proxied !== undefined && proxied !== '') checkArtifactPath(unquote(proxied));
    if (scheme === 's3') parseS3Uri(location);
    if (scheme === '' || scheme === 'file') await this.#checkLocalLocation(location);
  }

  async #checkLocalLocation(location: string): Promise<void> {
    if (uriScheme(location) === 'file') {
      const host = /^file:\/\/([^/?#]*)/i.exec(location)?.[1] ?? '';
      if (!LOCAL_HOSTS.has(host.toLowerCase())) {
        throw invalidParameter(`Invalid artifact location '${location}': a file: URI must not name a remote host.`);
      }
    }
    const directory = localDirectoryOf(location, this.#cwd);
    if (this.allowLocalLocations || (await this.isInsideRoots(directory))) return;
    throw invalidParameter(
      `Invalid artifact location '${location}': local artifact locations must be inside the server's artifact ` +
        `storage (${this.#describeRoots()}). An operator can allow other directories with ${ALLOW_FLAG}.`,
    );
  }

  #describeRoots(): string {
    return this.roots.length === 0 ? 'none is configured' : this.roots.join(', ');
  }

  /**
   * Opens a stored plain path or `file:` URI for the server to read: inside the roots it is
   * readable and writable, with every access checked again at its final, symlink-resolved path;
   * elsewhere it is refused (PERMISSION_DENIED), or read-only when the operator allowed local
   * locations. A relative path is never a stored location (a prompt's source label, for one).
   */
  async openLocal(uri: string): Promise<ArtifactRepository> {
    if (uriScheme(uri) === '' && !isAbsolute(uri)) {
      throw notFound(`'${uri}' is not an artifact location; no artifacts are stored there.`);
    }
    const directory = localDirectoryOf(uri, this.#cwd);
    const local = new LocalArtifactRepository(directory, {
      rootUri: uri,
      ...(this.#fileSync === undefined ? {} : { fileSync: this.#fileSync }),
    });
    if (await this.isInsideRoots(directory)) {
      return new ConfinedArtifactRepository(local, { roots: this.roots, writable: true });
    }
    if (!this.allowLocalLocations) {
      throw permissionDenied(
        `The artifact location '${uri}' is outside this server's artifact storage, so it is not read. ` +
          `An operator can allow other local directories with ${ALLOW_FLAG}.`,
      );
    }
    return new ConfinedArtifactRepository(local, { writable: false });
  }
}
