/**
 * Where an imported item's artifacts go. With `--artifacts <MLflow artifact root>`, files under
 * that root are copied into Keel's artifact destination, and their locations are stored as
 * `mlflow-artifacts:/<same relative path>` so Keel's proxy serves them: proxied MLflow URIs keep
 * their text, local paths and `s3://` URIs under the root are rewritten. Locations elsewhere (or
 * every location, without `--artifacts`) are kept as they are.
 *
 * Copies are idempotent (a file already there with the same size is skipped), so an interrupted
 * import copies only what is missing when it runs again.
 */
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ArtifactRepository } from '../artifacts/artifact-repository.js';
import { checkArtifactPath, unquote } from '../artifacts/path-safety.js';
import { isS3LocationInside, parseS3Uri } from '../artifacts/s3-location.js';
import { proxiedArtifactPath, uriScheme } from '../artifacts/uri.js';

/** What relocating one location decided. */
export interface Relocated {
  /** The location Keel stores. */
  readonly uri: string;
  /** The path below both the MLflow root and Keel's destination whose files are copied. */
  readonly copyPath: string;
}

export interface CopyStats {
  files: number;
  bytes: number;
  skipped: number;
}

/** Maps a location below `root` (a local directory or `s3://` prefix) to its relative path. */
function relativeToRoot(uri: string, root: string): string | undefined {
  const scheme = uriScheme(uri);
  if (uriScheme(root) === 's3') {
    if (scheme !== 's3') return undefined;
    const base = parseS3Uri(root);
    const location = parseS3Uri(uri);
    if (!isS3LocationInside(base, location)) return undefined;
    return base.prefix === '' ? location.prefix : location.prefix.slice(base.prefix.length + 1);
  }
  if (scheme !== '' && scheme !== 'file') return undefined;
  const path = scheme === 'file' ? fileURLToPath(uri) : uri;
  const rootDir = uriScheme(root) === 'file' ? fileURLToPath(root) : resolve(root);
  if (!isAbsolute(path)) return undefined;
  const rel = relative(rootDir, resolve(path));
  if (rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel))) return rel.split(sep).join('/');
  return undefined;
}

/** Relocates and copies artifacts from an MLflow artifact root into Keel's destination. */
export class ArtifactRelocation {
  readonly stats: CopyStats = { files: 0, bytes: 0, skipped: 0 };
  /** Locations kept as they were (outside the root, or no root given). */
  kept = 0;

  /**
   * @param root the MLflow artifact root (`--artifacts`), undefined to keep every location
   * @param source a repository over `root`
   * @param destination Keel's artifact destination (`--artifacts-destination`)
   * @param sameStorage whether both are the same storage, so nothing needs copying
   */
  constructor(
    private readonly root: string | undefined,
    private readonly source: ArtifactRepository | undefined,
    private readonly destination: ArtifactRepository | undefined,
    private readonly sameStorage: boolean,
  ) {}

  /** The location Keel stores for `uri`, and what to copy; undefined: keep `uri`. */
  relocate(uri: string): Relocated | undefined {
    if (this.root === undefined || uri === '') return undefined;
    const proxied = proxiedArtifactPath(uri);
    if (proxied !== undefined) return { uri, copyPath: proxied === '' ? '' : checkArtifactPath(unquote(proxied)) };
    const rel = relativeToRoot(uri, this.root);
    if (rel === undefined) return undefined;
    return { uri: rel === '' ? 'mlflow-artifacts:/' : `mlflow-artifacts:/${rel}`, copyPath: checkArtifactPath(rel) };
  }

  /** The location to store for `uri`, counting the ones kept as they are. */
  storedUri(uri: string): string {
    const relocated = this.relocate(uri);
    if (relocated === undefined) {
      // `runs:/` and `models:/` sources are indirections, not storage.
      if (uri !== '' && !['runs', 'models'].includes(uriScheme(uri))) this.kept++;
      return uri;
    }
    return relocated.uri;
  }

  /** Copies the files below `uri`'s location, when it is relocated and storage differs. */
  async copy(uri: string, onFile?: (path: string, bytes: number) => void): Promise<void> {
    const relocated = this.relocate(uri);
    if (relocated === undefined || this.sameStorage || this.source === undefined || this.destination === undefined)
      return;
    await this.#copyTree(relocated.copyPath, onFile);
  }

  async #copyTree(path: string, onFile?: (path: string, bytes: number) => void): Promise<void> {
    const [entries, existing] = await Promise.all([this.source?.list(path) ?? [], this.destination?.list(path) ?? []]);
    const present = new Map(existing.map((e) => [e.path, e]));
    for (const entry of entries) {
      if (entry.is_dir) {
        await this.#copyTree(entry.path, onFile);
        continue;
      }
      const there = present.get(entry.path);
      if (there !== undefined && !there.is_dir && there.file_size === entry.file_size) {
        this.stats.skipped++;
        continue;
      }
      const { stream } = await (this.source as ArtifactRepository).read(entry.path);
      await (this.destination as ArtifactRepository).write(entry.path, stream);
      this.stats.files++;
      this.stats.bytes += entry.file_size ?? 0;
      onFile?.(entry.path, entry.file_size ?? 0);
    }
  }
}
