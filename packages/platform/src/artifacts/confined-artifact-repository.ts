/**
 * A local repository whose every access is checked against the server's artifact roots at the
 * moment it happens: the final location, symlinks followed, must lie inside a root. The wrapped
 * repository already keeps paths inside its own directory; this adds the roots, so a run
 * directory that is (or later becomes) a link to elsewhere serves nothing. It can also be
 * read-only, for local locations an operator allowed outside the roots.
 */
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { type FileInfo, MlflowError } from '@keel/contract';
import type { ArtifactRepository, ArtifactStream } from './artifact-repository.js';
import type { FileSyncer } from './file-sync.js';
import type { LocalArtifactRepository } from './local-artifact-repository.js';
import {
  clientPathError,
  invalidPath,
  isInside,
  joinInsideRoot,
  normalizeArtifactPath,
  realPathOfNearest,
} from './path-safety.js';

export interface ConfinedArtifactRepositoryOptions {
  /** Directories every access must really lie in; omitted, only the repository's own root confines it. */
  readonly roots?: readonly string[];
  /** Whether uploads and deletes are allowed; refused ones are PERMISSION_DENIED. */
  readonly writable: boolean;
}

/** `ArtifactRepository` over a `LocalArtifactRepository`, confined to the artifact roots. */
export class ConfinedArtifactRepository implements ArtifactRepository {
  readonly #inner: LocalArtifactRepository;
  readonly #roots: readonly string[] | undefined;
  readonly #writable: boolean;

  constructor(inner: LocalArtifactRepository, options: ConfinedArtifactRepositoryOptions) {
    this.#inner = inner;
    this.#roots = options.roots;
    this.#writable = options.writable;
  }

  get rootUri(): string {
    return this.#inner.rootUri;
  }

  /** How the wrapped repository flushes what it writes (the server's durability mode). */
  get fileSync(): FileSyncer {
    return this.#inner.fileSync;
  }

  /**
   * Refuses unless the repository's directory and the real location of `path` (or of its nearest
   * existing ancestor) are both inside a root: a directory outside is PERMISSION_DENIED, a path
   * that a link leads out of is "Invalid path", as the wrapped repository answers.
   */
  async #checkContained(path: string): Promise<void> {
    if (this.#roots === undefined) return;
    const target = joinInsideRoot(this.#inner.rootDirectory, normalizeArtifactPath(path));
    const [realDirectory, realTarget, realRoots] = await Promise.all([
      realPathOfNearest(this.#inner.rootDirectory),
      realPathOfNearest(target).catch((error: unknown) => {
        throw clientPathError(error, path);
      }),
      Promise.all(this.#roots.map((root) => realPathOfNearest(root))),
    ]);
    if (!realRoots.some((root) => isInside(root, realDirectory))) {
      throw new MlflowError(
        'PERMISSION_DENIED',
        `The artifact location '${this.rootUri}' leads outside this server's artifact storage, so it is not read.`,
      );
    }
    if (!realRoots.some((root) => isInside(root, realTarget))) throw invalidPath();
  }

  #checkWritable(): void {
    if (this.#writable) return;
    throw new MlflowError(
      'PERMISSION_DENIED',
      `Uploads go only into this server's artifact storage; '${this.rootUri}' is outside it.`,
    );
  }

  async list(path = ''): Promise<FileInfo[]> {
    await this.#checkContained(path);
    return this.#inner.list(path);
  }

  async read(path: string): Promise<ArtifactStream> {
    await this.#checkContained(path);
    return this.#inner.read(path);
  }

  async write(path: string, body: Readable): Promise<void> {
    this.#checkWritable();
    await this.#checkContained(dirname(normalizeArtifactPath(path)));
    return this.#inner.write(path, body);
  }

  async delete(path = ''): Promise<void> {
    this.#checkWritable();
    await this.#checkContained(dirname(normalizeArtifactPath(path)));
    return this.#inner.delete(path);
  }
}
