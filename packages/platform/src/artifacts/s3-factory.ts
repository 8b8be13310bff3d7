/**
 * The `s3` entry of the artifact factory table. The AWS SDK is loaded with `import()` on the
 * first S3 URI the server opens, never before, and one SDK client (with its connection pool)
 * serves every S3 repository of the process, as does one pool of upload part buffers.
 */
import type { ArtifactRepository, ArtifactRepositoryFactory } from './artifact-repository.js';
import { parseS3Uri } from './s3-location.js';
import type { S3Settings } from './s3-settings.js';

type S3Module = typeof import('./s3-artifact-repository.js');

/** Loads the S3 repository module, with a clear message when the SDK is not installed. */
async function loadS3Module(): Promise<S3Module> {
  try {
    return await import('./s3-artifact-repository.js');
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw error;
    throw new Error(
      's3:// artifact locations need the AWS SDK packages @aws-sdk/client-s3, @aws-sdk/lib-storage and ' +
        '@aws-sdk/s3-request-presigner (npm install them next to @keel/platform).',
      { cause: error },
    );
  }
}

/** An artifact factory that holds connections, released by `close`. */
export interface ClosableArtifactRepositoryFactory extends ArtifactRepositoryFactory {
  close(): Promise<void>;
}

/**
 * A factory opening `s3://bucket/prefix` URIs with `settings`.
 *
 * @example
 * const s3 = s3ArtifactRepositoryFactory(resolveS3Config(process.env));
 * const factories = new Map([['s3', s3]]);
 * // ... on shutdown:
 * await s3.close();
 */
export function s3ArtifactRepositoryFactory(settings: S3Settings): ClosableArtifactRepositoryFactory {
  let opened:
    | Promise<{
        module: S3Module;
        client: ReturnType<S3Module['createS3Client']>;
        partPool: ReturnType<S3Module['createPartBufferPool']>;
      }>
    | undefined;
  const factory = async (uri: string): Promise<ArtifactRepository> => {
    const location = parseS3Uri(uri);
    opened ??= loadS3Module().then((module) => ({
      module,
      client: module.createS3Client(settings),
      partPool: module.createPartBufferPool(settings),
    }));
    const { module, client, partPool } = await opened;
    return new module.S3ArtifactRepository(client, location, { rootUri: uri, settings, partPool });
  };
  return Object.assign(factory, {
    async close() {
      const current = opened;
      opened = undefined;
      if (current !== undefined) (await current.catch(() => undefined))?.client.destroy();
    },
  });
}
