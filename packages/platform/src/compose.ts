/**
 * The composition root: turns a resolved configuration into concrete stores, repositories and
 * the HTTP app. Nothing else constructs stores for the server.
 */
import { fileURLToPath } from 'node:url';
import { invalidParameter, MlflowError } from '@keel/contract';
import type { FastifyInstance } from 'fastify';
import type { ArtifactRepositoryFactory } from './artifacts/artifact-repository.js';
import type { ArtifactResolver } from './artifacts/artifact-resolver.js';
import { fsyncFileSyncer, noFileSyncer } from './artifacts/file-sync.js';
import { ArtifactLocationPolicy, createArtifactResolver, uriScheme } from './artifacts/index.js';
import { type PartialUploadSweeper, startPartialUploadSweeper } from './artifacts/partial-uploads.js';
import { type ClosableArtifactRepositoryFactory, s3ArtifactRepositoryFactory } from './artifacts/s3-factory.js';
import type { ServerConfig } from './config/server-config.js';
import type { Durability } from './durability.js';
import { createApp } from './server/app.js';
import type { AppDeps, Logger } from './server/deps.js';
import { createPrometheusMetrics, timedStore } from './server/metrics.js';
import type { EvaluationDatasetStore } from './store/evaluation-dataset-store.js';
import type { RegistryStore } from './store/registry-store.js';
import type { ScorerStore } from './store/scorer-store.js';
import { SqlEvaluationDatasetStore } from './store/sql/genai/sql-evaluation-dataset-store.js';
import { SqlScorerStore } from './store/sql/genai/sql-scorer-store.js';
import { openSqlDatabase, sqlitePathFromUri, storeScheme } from './store/sql/open-database.js';
import type { KeelSchema } from './store/sql/registry/schema.js';
import { SqlRegistryStore } from './store/sql/registry/sql-registry-store.js';
import type { SqlDatabase } from './store/sql/sql-database.js';
import { SqlTraceStore } from './store/sql/traces/sql-trace-store.js';
import { SqlTrackingStore } from './store/sql/tracking/sql-tracking-store.js';
import type { TraceStore } from './store/trace-store.js';
import type { TrackingStore } from './store/tracking-store.js';

export interface StoreOptions {
  readonly defaultArtifactRoot: string;
  readonly truncateLongValues?: boolean;
  readonly artifactLocationMaxLength?: number;
  readonly cwd?: string;
  /** Checks a client-given experiment artifact location (the server's artifact-location policy). */
  readonly checkArtifactLocation?: (location: string) => Promise<void>;
  /** Most pooled database connections (PostgreSQL). */
  readonly poolSize?: number;
  /**
   * The registry's own store (`--registry-store-uri`), when it is not the backend store. MLflow
   * allows the registry to live in another database; by default it shares the backend's.
   */
  readonly registryUri?: string;
  /** Whether commits must survive power loss (default) or only a process crash. */
  readonly durability?: Durability;
}

export interface OpenedStores {
  readonly tracking: TrackingStore;
  readonly registry: RegistryStore;
  /** GenAI evaluation datasets and scorers, in the backend store's database (they hang off experiments). */
  readonly datasets: EvaluationDatasetStore;
  readonly scorers: ScorerStore;
  /** Traces, spans and assessments, in the backend store's database. */
  readonly traces: TraceStore;
  /** Closes the database(s) of the stores. */
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
  const database = await openSqlDatabase<KeelSchema>(uri, cwd, {
    durability: options.durability ?? 'durable',
    ...(options.poolSize === undefined ? {} : { poolSize: options.poolSize }),
  });
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
      ...(options.checkArtifactLocation === undefined ? {} : { checkArtifactLocation: options.checkArtifactLocation }),
    });
    if (options.registryUri !== undefined && !isSameStore(options.registryUri, uri, cwd)) {
      registryDatabase = await openRegistryDatabase(options.registryUri, cwd);
    }
    // The registry store reaches tracking data only through the TrackingStore seam, so it can
    // live in a database of its own.
    const registry = await SqlRegistryStore.open(registryDatabase ?? database);
    const traces = await SqlTraceStore.open(database);
    const datasets = await SqlEvaluationDatasetStore.open(database);
    const scorers = await SqlScorerStore.open(database);
    return { tracking, registry, traces, datasets, scorers, close: closeAll };
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

/**
 * Artifact repositories for remote URI schemes. Plain paths and `file:` URIs are the location
 * policy's alone; a cloud driver joins as a factory that `import()`s its module, so local-only
 * setups never load it. Each factory holds connections, released by its `close`.
 */
function artifactRepositoryFactories(
  config: Pick<ServerConfig, 's3'>,
): ReadonlyMap<string, ClosableArtifactRepositoryFactory> {
  return new Map([['s3', s3ArtifactRepositoryFactory(config.s3)]]);
}

/** Artifact URIs opened by the location policy rather than by a repository factory. */
const LOCAL_SCHEMES = ['', 'file'];
/** Artifact URIs served through the proxy rather than by a repository factory. */
const PROXY_SCHEMES = ['mlflow-artifacts', 'http', 'https'];

type ArtifactConfig = Pick<
  ServerConfig,
  | 'defaultArtifactRoot'
  | 'serveArtifacts'
  | 'artifactsDestination'
  | 'allowLocalArtifactLocations'
  | 's3'
  | 'durability'
>;

/**
 * Fails at start, not at the first artifact call, when an artifact location names a scheme
 * that no repository factory handles.
 */
function checkArtifactLocations(
  config: ArtifactConfig,
  factories: ReadonlyMap<string, ArtifactRepositoryFactory>,
): void {
  const locations: [string, string][] = [['--default-artifact-root', config.defaultArtifactRoot]];
  if (config.serveArtifacts) locations.push(['--artifacts-destination', config.artifactsDestination]);
  for (const [flag, uri] of locations) {
    const scheme = uriScheme(uri);
    if (factories.has(scheme) || LOCAL_SCHEMES.includes(scheme)) continue;
    if (flag === '--default-artifact-root' && PROXY_SCHEMES.includes(scheme)) continue;
    const known = [...LOCAL_SCHEMES, ...factories.keys()].map((s) => (s === '' ? 'a local path' : `${s}:`));
    if (flag === '--default-artifact-root') known.push(...PROXY_SCHEMES.map((s) => `${s}:`));
    throw new Error(
      `${flag} '${uri}' uses the scheme '${scheme}:', for which this Keel has no artifact repository; use ${known.join(', ')}.`,
    );
  }
}

/** The artifact resolver of a configuration, and how to release its storage connections. */
export interface ArtifactAccess {
  readonly resolver: ArtifactResolver;
  close(): Promise<void>;
}

/**
 * Builds the artifact resolver the server (and `keel gc`, `keel import-mlflow`) uses: the
 * location policy over the configured roots, the proxy destination, and the repository
 * factories by scheme. Fails when a configured location has no repository.
 */
export async function createArtifactAccess(config: ArtifactConfig, cwd: string): Promise<ArtifactAccess> {
  const factories = artifactRepositoryFactories(config);
  const close = async () => {
    await Promise.all([...factories.values()].map((factory) => factory.close()));
  };
  try {
    checkArtifactLocations(config, factories);
    const resolver = await createArtifactResolver({
      proxyDestination: config.serveArtifacts ? config.artifactsDestination : undefined,
      locations: new ArtifactLocationPolicy({
        roots: artifactRoots(config),
        allowLocalLocations: config.allowLocalArtifactLocations,
        cwd,
        remoteRoots: remoteArtifactRoots(config),
        fileSync: config.durability === 'durable' ? fsyncFileSyncer : noFileSyncer,
      }),
      factories,
    });
    return { resolver, close };
  } catch (error) {
    await close();
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
  const metrics = config.exposePrometheus === undefined ? undefined : await createPrometheusMetrics();
  const stores = await openStores(config.backendStoreUri, {
    defaultArtifactRoot: config.defaultArtifactRoot,
    truncateLongValues: config.truncateLongValues,
    artifactLocationMaxLength: config.artifactLocationMaxLength,
    cwd,
    checkArtifactLocation: (location) => artifacts.checkNewLocation(location, 'experiment'),
    ...(config.dbPoolSize === undefined ? {} : { poolSize: config.dbPoolSize }),
    registryUri: config.registryStoreUri,
    durability: config.durability,
  }).catch(async (error: unknown) => {
    await access.close();
    throw error;
  });
  const deps: AppDeps = {
    tracking: metrics === undefined ? stores.tracking : timedStore(stores.tracking, 'tracking', metrics),
    registry: metrics === undefined ? stores.registry : timedStore(stores.registry, 'registry', metrics),
    traces: metrics === undefined ? stores.traces : timedStore(stores.traces, 'traces', metrics),
    datasets: metrics === undefined ? stores.datasets : timedStore(stores.datasets, 'datasets', metrics),
    scorers: metrics === undefined ? stores.scorers : timedStore(stores.scorers, 'scorers', metrics),
    artifacts,
    options: Object.freeze({
      serveArtifacts: config.serveArtifacts,
      artifactsOnly: config.artifactsOnly,
      staticPrefix: config.staticPrefix,
      maxJsonBodyBytes: 32 * 1024 * 1024,
      graphql: Object.freeze({ maxAliases: config.graphqlMaxAliases, maxRootFields: config.graphqlMaxRootFields }),
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
    ...(metrics === undefined ? {} : { metrics }),
  };
  const app = await createApp(deps);
  const sweeper = sweepPartialUploads(config, deps);
  return {
    app,
    deps,
    async close() {
      await app.close();
      await sweeper.stop();
      await stores.close();
      await access.close();
    },
  };
}

/**
 * Removes temporary files of interrupted uploads from the local artifact directories: the proxy
 * destination and the default artifact root, when they are on local disk.
 */
function sweepPartialUploads(config: ServerConfig, deps: AppDeps): PartialUploadSweeper {
  const roots = artifactRoots(config);
  return startPartialUploadSweeper(roots, {
    onSweep: (root, removed) =>
      deps.logger.info(`Removed ${removed} temporary file(s) of interrupted uploads under ${root}`),
    onError: (root, error) => deps.logger.warn(`Could not clean up interrupted uploads under ${root}: ${error}`),
  });
}

export type { SqlDatabase };
