/**
 * The composition root: turns a resolved configuration into concrete stores, repositories and
 * the HTTP app. Nothing else constructs stores for the server.
 */
import type { FastifyInstance } from 'fastify';
import type { ArtifactRepositoryFactory } from './artifacts/artifact-repository.js';
import { type FileSyncer, fsyncFileSyncer, noFileSyncer } from './artifacts/file-sync.js';
import { createArtifactResolver, LocalArtifactRepository, uriScheme } from './artifacts/index.js';
import { type PartialUploadSweeper, startPartialUploadSweeper } from './artifacts/partial-uploads.js';
import type { ServerConfig } from './config/server-config.js';
import type { Durability } from './durability.js';
import { createApp } from './server/app.js';
import type { AppDeps, Logger } from './server/deps.js';
import type { RegistryStore } from './store/registry-store.js';
import { openSqlDatabase } from './store/sql/open-database.js';
import type { KeelSchema } from './store/sql/registry/schema.js';
import { SqlRegistryStore } from './store/sql/registry/sql-registry-store.js';
import type { SqlDatabase } from './store/sql/sql-database.js';
import { SqlTrackingStore } from './store/sql/tracking/sql-tracking-store.js';
import type { TrackingStore } from './store/tracking-store.js';

export interface StoreOptions {
  readonly defaultArtifactRoot: string;
  readonly truncateLongValues?: boolean;
  readonly artifactLocationMaxLength?: number;
  readonly cwd?: string;
  /** Whether commits must survive power loss (default) or only a process crash. */
  readonly durability?: Durability;
}

export interface OpenedStores {
  readonly tracking: TrackingStore;
  readonly registry: RegistryStore;
  /** Closes the database shared by both stores. */
  close(): Promise<void>;
}

/** Opens the tracking and registry stores of a backend store URI, migrating its schema. */
export async function openStores(uri: string, options: StoreOptions): Promise<OpenedStores> {
  const cwd = options.cwd ?? process.cwd();
  const database = await openSqlDatabase<KeelSchema>(uri, cwd, { durability: options.durability ?? 'durable' });
  try {
    const tracking = await SqlTrackingStore.open(database, {
      defaultArtifactRoot: options.defaultArtifactRoot,
      truncateLongValues: options.truncateLongValues ?? true,
      artifactLocationMaxLength: options.artifactLocationMaxLength ?? 2048,
      cwd,
    });
    // The registry shares the tracking store's database (`--registry-store-uri` defaults to it).
    const registry = await SqlRegistryStore.open(database);
    return { tracking, registry, close: () => database.close() };
  } catch (error) {
    await database.close();
    throw error;
  }
}

/** Compiles MLflow's source-validation regex once, failing at start-up when it is not valid. */
function compileSourcePattern(pattern: string | undefined): RegExp | undefined {
  if (pattern === undefined || pattern === '') return undefined;
  try {
    return new RegExp(pattern);
  } catch (error) {
    throw new Error(
      `MLFLOW_CREATE_MODEL_VERSION_SOURCE_VALIDATION_REGEX is not a valid regular expression: ${(error as Error).message}`,
    );
  }
}

/**
 * Artifact repositories by URI scheme ('' = plain path). A cloud driver is added as a factory
 * that `import()`s its module, so local-only setups never load it.
 */
function artifactRepositoryFactories(cwd: string, fileSync: FileSyncer): Map<string, ArtifactRepositoryFactory> {
  const local: ArtifactRepositoryFactory = (uri) => LocalArtifactRepository.fromUri(uri, cwd, { fileSync });
  return new Map([
    ['', local],
    ['file', local],
  ]);
}

export interface KeelServer {
  readonly app: FastifyInstance;
  readonly deps: AppDeps;
  /** Stops accepting requests, finishes in-flight ones, then closes the stores. */
  close(): Promise<void>;
}

/** Builds the whole server (stores, artifact access, app) from a resolved configuration. */
export async function createServer(
  config: ServerConfig,
  logger: Logger,
  cwd: string = process.cwd(),
): Promise<KeelServer> {
  const sourcePattern = compileSourcePattern(config.modelVersionSourceRegex);
  const stores = await openStores(config.backendStoreUri, {
    defaultArtifactRoot: config.defaultArtifactRoot,
    truncateLongValues: config.truncateLongValues,
    artifactLocationMaxLength: config.artifactLocationMaxLength,
    cwd,
    durability: config.durability,
  });
  const fileSync = config.durability === 'durable' ? fsyncFileSyncer : noFileSyncer;
  const deps: AppDeps = {
    tracking: stores.tracking,
    registry: stores.registry,
    artifacts: await createArtifactResolver({
      proxyDestination: config.serveArtifacts ? config.artifactsDestination : undefined,
      factories: artifactRepositoryFactories(cwd, fileSync),
    }),
    options: Object.freeze({
      serveArtifacts: config.serveArtifacts,
      artifactsOnly: config.artifactsOnly,
      staticPrefix: config.staticPrefix,
      maxJsonBodyBytes: 32 * 1024 * 1024,
      modelVersionSources: Object.freeze({
        cwd,
        ...(sourcePattern === undefined ? {} : { pattern: sourcePattern }),
      }),
      security: Object.freeze({
        disabled: config.disableSecurityMiddleware,
        allowedHosts: config.allowedHosts,
        corsAllowedOrigins: config.corsAllowedOrigins,
        xFrameOptions: config.xFrameOptions,
      }),
    }),
    logger,
  };
  const app = await createApp(deps);
  const sweeper = sweepPartialUploads(config, deps, cwd);
  return {
    app,
    deps,
    async close() {
      await app.close();
      await sweeper.stop();
      await stores.close();
    },
  };
}

/**
 * Removes temporary files of interrupted uploads from the local artifact directories: the proxy
 * destination and the default artifact root, when they are on local disk.
 */
function sweepPartialUploads(config: ServerConfig, deps: AppDeps, cwd: string): PartialUploadSweeper {
  const roots = new Set<string>();
  if (deps.artifacts.proxyRepository instanceof LocalArtifactRepository) {
    roots.add(deps.artifacts.proxyRepository.rootDirectory);
  }
  if (['', 'file'].includes(uriScheme(config.defaultArtifactRoot))) {
    try {
      roots.add(LocalArtifactRepository.fromUri(config.defaultArtifactRoot, cwd).rootDirectory);
    } catch {
      // Not a usable local path (a remote file: host): nothing to sweep there.
    }
  }
  return startPartialUploadSweeper([...roots], {
    onSweep: (root, removed) =>
      deps.logger.info(`Removed ${removed} temporary file(s) of interrupted uploads under ${root}`),
    onError: (root, error) => deps.logger.warn(`Could not clean up interrupted uploads under ${root}: ${error}`),
  });
}

export type { SqlDatabase };
