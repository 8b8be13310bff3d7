/**
 * The composition root: turns a resolved configuration into concrete stores, repositories and
 * the HTTP app. Nothing else constructs stores for the server.
 */
import { invalidParameter, MlflowError } from '@keel/contract';
import type { FastifyInstance } from 'fastify';
import type { ArtifactRepositoryFactory } from './artifacts/artifact-repository.js';
import { createArtifactResolver, LocalArtifactRepository } from './artifacts/index.js';
import type { ServerConfig } from './config/server-config.js';
import { createApp } from './server/app.js';
import type { AppDeps, Logger } from './server/deps.js';
import type { RegistryStore } from './store/registry-store.js';
import { openSqlDatabase, sqlitePathFromUri, storeScheme } from './store/sql/open-database.js';
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
  /**
   * The registry's own store (`--registry-store-uri`), when it is not the backend store. MLflow
   * allows the registry to live in another database; by default it shares the backend's.
   */
  readonly registryUri?: string;
}

export interface OpenedStores {
  readonly tracking: TrackingStore;
  readonly registry: RegistryStore;
  /** Closes the database(s) of both stores. */
  close(): Promise<void>;
}

/** Whether two store URIs name the same database (`sqlite:///a.db` and `sqlite:////cwd/a.db` do). */
function isSameStore(a: string, b: string, cwd: string): boolean {
  if (storeScheme(a) === 'sqlite' && storeScheme(b) === 'sqlite') {
    return sqlitePathFromUri(a, cwd) === sqlitePathFromUri(b, cwd);
  }
  return a === b;
}

/** Opens the registry's own database, naming the setting when the URI is refused. */
async function openRegistryDatabase(uri: string, cwd: string): Promise<SqlDatabase<KeelSchema>> {
  try {
    return await openSqlDatabase<KeelSchema>(uri, cwd);
  } catch (error) {
    if (error instanceof MlflowError) throw invalidParameter(`Registry store URI: ${error.message}`);
    throw error;
  }
}

/**
 * Opens the tracking and registry stores of a backend store URI (and of the registry's own URI,
 * if it has one), migrating their schemas.
 */
export async function openStores(uri: string, options: StoreOptions): Promise<OpenedStores> {
  const cwd = options.cwd ?? process.cwd();
  const database = await openSqlDatabase<KeelSchema>(uri, cwd);
  let registryDatabase: SqlDatabase<KeelSchema> | undefined;
  const closeAll = async () => {
    await database.close();
    await registryDatabase?.close();
  };
  try {
    const tracking = await SqlTrackingStore.open(database, {
      defaultArtifactRoot: options.defaultArtifactRoot,
      truncateLongValues: options.truncateLongValues ?? true,
      artifactLocationMaxLength: options.artifactLocationMaxLength ?? 2048,
      cwd,
    });
    if (options.registryUri !== undefined && !isSameStore(options.registryUri, uri, cwd)) {
      registryDatabase = await openRegistryDatabase(options.registryUri, cwd);
    }
    // The registry store reaches tracking data only through the TrackingStore seam, so it can
    // live in a database of its own.
    const registry = await SqlRegistryStore.open(registryDatabase ?? database);
    return { tracking, registry, close: closeAll };
  } catch (error) {
    await closeAll();
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
function artifactRepositoryFactories(cwd: string): Map<string, ArtifactRepositoryFactory> {
  const local: ArtifactRepositoryFactory = (uri) => LocalArtifactRepository.fromUri(uri, cwd);
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
    registryUri: config.registryStoreUri,
  });
  const deps: AppDeps = {
    tracking: stores.tracking,
    registry: stores.registry,
    artifacts: await createArtifactResolver({
      proxyDestination: config.serveArtifacts ? config.artifactsDestination : undefined,
      factories: artifactRepositoryFactories(cwd),
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
  return {
    app,
    deps,
    async close() {
      await app.close();
      await stores.close();
    },
  };
}

export type { SqlDatabase };
