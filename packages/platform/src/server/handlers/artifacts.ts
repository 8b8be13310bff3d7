/** Artifact listings through the tracking API: runs (A1) and logged models (G9). */
import { type FileInfo, tracking } from '@keel/contract';
import { checkOptionalArtifactPath, normalizeArtifactPath } from '../../artifacts/path-safety.js';
import type { AppDeps } from '../deps.js';
import { bind } from '../handler.js';

/**
 * A listing entry as MLflow sends it, optionally under another `path`: a zero `file_size` is
 * left out (protobuf omits unset numbers), so an empty file shows only `path` and `is_dir`.
 */
export function toWireFileInfo(file: FileInfo, path: string = file.path): FileInfo {
  return file.is_dir || !file.file_size
    ? { path, is_dir: file.is_dir }
    : { path, is_dir: false, file_size: file.file_size };
}

/** `{root_uri, files}` for the directory `path` below `rootUri`; `files` omitted when empty. */
async function listBelow(deps: AppDeps, rootUri: string, path: string) {
  const repository = await deps.artifacts.repositoryFor(rootUri);
  const files = await repository.list(path);
  return files.length === 0
    ? { root_uri: rootUri }
    : { root_uri: rootUri, files: files.map((file) => toWireFileInfo(file)) };
}

export const artifactRoutes = [
  bind(tracking.listArtifacts, async (req, { deps }) => {
    // MLflow checks the path before it looks the run up.
    const path = normalizeArtifactPath(checkOptionalArtifactPath(req.path));
    const run = await deps.tracking.getRun(req.run_id);
    return listBelow(deps, run.info.artifact_uri, path);
  }),
  bind(tracking.listLoggedModelArtifacts, async (req, { deps }) => {
    const path = normalizeArtifactPath(checkOptionalArtifactPath(req.artifact_directory_path));
    const model = await deps.tracking.getLoggedModel(req.model_id);
    return listBelow(deps, model.info.artifact_uri, path);
  }),
];
