/**
 * The composition root: turns a resolved configuration into concrete stores, repositories and
 * the HTTP app. Nothing else constructs stores for the server.
 */
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { ArtifactResolver } from './artifacts/artifact-resolver.js';
import { ArtifactLocationPolicy, createArtifactResolver, uriScheme } from './artifacts/index.js';
import { s3ArtifactRepositoryFactory } from './artifacts/s3-factory.js';
import type { ServerConfig } from './config/server-config.js';
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
  /** Checks a client-given experiment artifact location (the server's artifact-location policy). */
  readonly checkArtifactLocation?: (location: string) => Promise<void>;
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
  const database = await openSqlDatabase<KeelSchema>(uri, cwd);
  try {
    const tracking = await SqlTrackingStore.open(database, {
      defaultArtifactRoot: options.defaultArtifactRoot,
      truncateLongValues: options.truncateLongValues ?? true,
      artifactLocationMaxLength: options.artifactLocationMaxLength ?? 2048,
      cwd,
      ...(options.checkArtifactLocation === undefined ? {} : { checkArtifactLocation: options.checkArtifactLocation }),
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
 * The local directories artifacts live in: the proxy's destination when it is served, and the
 * default artifact root when it is local. Stored locations are read only inside these.
 */
function artifactRoots(
  config: Pick<ServerConfig, 'defaultArtifactRoot' | 'serveArtifacts' | 'artifactsDestination'>,
): string[] {
  const locations = [config.defaultArtifactRoot, ...(config.serveArtifacts ? [config.artifactsDestination] : [])];
  return locations.flatMap((location) => {
    const scheme = uriScheme(location);
    if (scheme === 'file') return [fileURLToPath(location)];
    return scheme === '' ? [location] : [];
  });
}

/** The object-store roots (`s3://...`) among the default root and the served destination. */
function remoteArtifactRoots(
  config: Pick<ServerConfig, 'defaultArtifactRoot' | 'serveArtifacts' | 'artifactsDestination'>,
): string[] {
  const locations = [config.defaultArtifactRoot, ...(config.serveArtifacts ? [config.artifactsDestination] : [])];
  return locations.filter((location) => uriScheme(location) === 's3');
}

/** The artifact resolver of a configuration, and how to release its storage connections. */
export interface ArtifactAccess {
  readonly resolver: ArtifactResolver;
  close(): Promise<void>;
}

/**
 * Builds the artifact resolver the server (and `keel gc`) uses: the location policy over the
 * configured roots, the proxy destination, and the repository factories by scheme.
 */
export async function createArtifactAccess(
  config: Pick<
    ServerConfig,
    'defaultArtifactRoot' | 'serveArtifacts' | 'artifactsDestination' | 'allowLocalArtifactLocations' | 's3'
  >,
  cwd: string,
): Promise<ArtifactAccess> {
  // Cloud drivers join as factories that `import()` their module, so local setups never load them.
  const s3 = s3ArtifactRepositoryFactory(config.s3);
  try {
    const resolver = await createArtifactResolver({
      proxyDestination: config.serveArtifacts ? config.artifactsDestination : undefined,
      locations: new ArtifactLocationPolicy({
        roots: artifactRoots(config),
        allowLocalLocations: config.allowLocalArtifactLocations,
        cwd,
        remoteRoots: remoteArtifactRoots(config),
      }),
      factories: new Map([['s3', s3]]),
    });
    return { resolver, close: () => s3.close() };
  } catch (error) {
    await s3.close();
    throw error;
  }
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
  const access = await createArtifactAccess(config, cwd);
  const artifacts = access.resolver;
  const stores = await openStores(config.backendStoreUri, {
    defaultArtifactRoot: config.defaultArtifactRoot,
    truncateLongValues: config.truncateLongValues,
    artifactLocationMaxLength: config.artifactLocationMaxLength,
    cwd,
    checkArtifactLocation: (location) => artifacts.checkNewLocation(location, 'experiment'),
  }).catch(async (error: unknown) => {
    await access.close();
    throw error;
  });
  const deps: AppDeps = {
    tracking: stores.tracking,
    registry: stores.registry,
    artifacts,
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
  return {
    app,
    deps,
    async close() {
      await app.close();
      await stores.close();
      await access.close();
    },
  };
}

export type { SqlDatabase };
