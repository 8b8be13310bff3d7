/**
 * The composition root: turns a resolved configuration into concrete stores, repositories and
 * the HTTP app. Nothing else constructs stores for the server.
 */
import type { FastifyInstance } from 'fastify';
import type { ArtifactRepositoryFactory } from './artifacts/artifact-repository.js';
import { createArtifactResolver, LocalArtifactRepository } from './artifacts/index.js';
import { uriScheme } from './artifacts/uri.js';
import type { ServerConfig } from './config/server-config.js';
import { createApp } from './server/app.js';
import type { AppDeps, Logger } from './server/deps.js';
import { createPrometheusMetrics, timedStore } from './server/metrics.js';
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
function artifactRepositoryFactories(cwd: string): Map<string, ArtifactRepositoryFactory> {
  const local: ArtifactRepositoryFactory = (uri) => LocalArtifactRepository.fromUri(uri, cwd);
  return new Map([
    ['', local],
    ['file', local],
  ]);
}

/** Artifact URIs served through the proxy rather than by a repository factory. */
const PROXY_SCHEMES = ['mlflow-artifacts', 'http', 'https'];

/**
 * Fails at start, not at the first artifact call, when an artifact location names a scheme
 * that no repository factory handles (e.g. `s3://` before an S3 factory is registered).
 */
function checkArtifactLocations(config: ServerConfig, factories: ReadonlyMap<string, ArtifactRepositoryFactory>): void {
  const locations: [string, string][] = [['--default-artifact-root', config.defaultArtifactRoot]];
  if (config.serveArtifacts) locations.push(['--artifacts-destination', config.artifactsDestination]);
  for (const [flag, uri] of locations) {
    const scheme = uriScheme(uri);
    if (factories.has(scheme)) continue;
    if (flag === '--default-artifact-root' && PROXY_SCHEMES.includes(scheme)) continue;
    const known = [...factories.keys()].map((s) => (s === '' ? 'a local path' : `${s}:`));
    if (flag === '--default-artifact-root') known.push(...PROXY_SCHEMES.map((s) => `${s}:`));
    throw new Error(
      `${flag} '${uri}' uses the scheme '${scheme}:', for which this Keel has no artifact repository; use ${known.join(', ')}.`,
    );
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
  const factories = artifactRepositoryFactories(cwd);
  checkArtifactLocations(config, factories);
  const metrics = config.exposePrometheus === undefined ? undefined : await createPrometheusMetrics();
  const stores = await openStores(config.backendStoreUri, {
    defaultArtifactRoot: config.defaultArtifactRoot,
    truncateLongValues: config.truncateLongValues,
    artifactLocationMaxLength: config.artifactLocationMaxLength,
    cwd,
  });
  const deps: AppDeps = {
    tracking: metrics === undefined ? stores.tracking : timedStore(stores.tracking, 'tracking', metrics),
    registry: metrics === undefined ? stores.registry : timedStore(stores.registry, 'registry', metrics),
    artifacts: await createArtifactResolver({
      proxyDestination: config.serveArtifacts ? config.artifactsDestination : undefined,
      factories,
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
    ...(metrics === undefined ? {} : { metrics }),
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
