/**
 * A view of another repository below one of its sub-paths. A run whose root is
 * `mlflow-artifacts:/3/<run>/artifacts` is served by the proxy destination's repository scoped
 * to `3/<run>/artifacts`; containment is still enforced by the destination repository, so a
 * crafted root cannot reach outside the destination either.
 */
import type { Readable } from 'node:stream';
import type { FileInfo } from '@keel/contract';
import type { ArtifactRepository, ArtifactStream } from './artifact-repository.js';
import { normalizeArtifactPath } from './path-safety.js';

/** `ArtifactRepository` whose paths are relative to `prefix` inside `inner`. */
export class ScopedArtifactRepository implements ArtifactRepository {
  readonly #inner: ArtifactRepository;
  readonly #prefix: string;

  /**
   * @param inner the repository holding the bytes
   * @param prefix a safe relative path inside `inner` ('' for its root)
   * @param rootUri the URI this view stands for (e.g. the run's `artifact_uri`)
   */
  constructor(
    inner: ArtifactRepository,
    prefix: string,
    readonly rootUri: string,
  ) {
    this.#inner = inner;
    this.#prefix = normalizeArtifactPath(prefix);
  }

  #inside(path: string | undefined): string {
    const relative = normalizeArtifactPath(path ?? '');
    if (this.#prefix === '') return relative;
    return relative === '' ? this.#prefix : `${this.#prefix}/${relative}`;
  }

  async list(path?: string): Promise<FileInfo[]> {
    const files = await this.#inner.list(this.#inside(path));
    if (this.#prefix === '') return files;
    const cut = this.#prefix.length + 1;
    return files.map((file) => ({ ...file, path: file.path.slice(cut) }));
  }

  read(path: string): Promise<ArtifactStream> {
    return this.#inner.read(this.#inside(path));
  }

  write(path: string, body: Readable): Promise<void> {
    return this.#inner.write(this.#inside(path), body);
  }

  delete(path?: string): Promise<void> {
    return this.#inner.delete(this.#inside(path));
  }
}
