/** Artifact storage: the repository seam, local-disk storage, path safety, URI helpers, and the resolver. */

export {
  ArtifactLocationPolicy,
  type ArtifactLocationPolicyOptions,
  type LocationPurpose,
} from './artifact-location-policy.js';
export type {
  ArtifactRepository,
  ArtifactRepositoryFactory,
  ArtifactStream,
  MultipartArtifactRepository,
  MultipartPartTarget,
} from './artifact-repository.js';
export { supportsMultipart } from './artifact-repository.js';
export type { ArtifactResolver } from './artifact-resolver.js';
export { ConfinedArtifactRepository, type ConfinedArtifactRepositoryOptions } from './confined-artifact-repository.js';
export { type FileSyncer, fsyncFileSyncer, noFileSyncer } from './file-sync.js';
export { LocalArtifactRepository, type LocalArtifactRepositoryOptions } from './local-artifact-repository.js';
export {
  DEFAULT_PARTIAL_MAX_AGE_MS,
  type PartialUploadSweeper,
  removeStalePartialUploads,
  startPartialUploadSweeper,
} from './partial-uploads.js';
export { checkArtifactPath, checkOptionalArtifactPath, type PathSafetyOptions } from './path-safety.js';
// S3: the factory loads the AWS SDK on first use; these modules do not import it.
export { s3ArtifactRepositoryFactory } from './s3-factory.js';
export { formatS3Uri, isS3LocationInside, parseS3Uri, type S3Location } from './s3-location.js';
export { type S3AddressingStyle, type S3Credentials, type S3Settings, s3Settings } from './s3-settings.js';
export {
  type ArtifactResolverOptions,
  createArtifactResolver,
  SchemeArtifactResolver,
} from './scheme-artifact-resolver.js';
export { ScopedArtifactRepository } from './scoped-artifact-repository.js';
export { appendToUri, proxiedArtifactPath, uriScheme } from './uri.js';
