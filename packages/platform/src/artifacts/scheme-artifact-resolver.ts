/**
 * The server's `ArtifactResolver`: picks a repository for an artifact URI by its scheme, from a
 * plain `Map` of factories built in the composition root. Proxied URIs (`mlflow-artifacts:` and
 * `http(s)://.../api/2.0/mlflow-artifacts/artifacts/...`) become views of the proxy destination.
 * Local paths and `file:` URIs always go through the location policy, which confines them to the
 * artifact roots: no factory table can open the disk around it.
 */
import { invalidParameter } from '@keel/contract';
import type { ArtifactLocationPolicy, LocationPurpose } from './artifact-location-policy.js';
import type { ArtifactRepository, ArtifactRepositoryFactory } from './artifact-repository.js';
import type { ArtifactResolver } from './artifact-resolver.js';
import { checkArtifactPath, unquote } from './path-safety.js';
import { ScopedArtifactRepository } from './scoped-artifact-repository.js';
import { proxiedArtifactPath, uriScheme } from './uri.js';

/** How to resolve artifact URIs. */
export interface ArtifactResolverOptions {
  /** Absolute path or URI behind `mlflow-artifacts:`; undefined when artifacts are not served. */
  readonly proxyDestination: string | undefined;
  /** The artifact roots and the rules for local locations; every plain path and `file:` URI opens through it. */
  readonly locations: ArtifactLocationPolicy;
  /**
   * Repository factories for other lower-case URI schemes (not `''` or `file`, which are the
   * policy's). Heavy drivers belong inside their factory behind `import()`, so unused ones are
   * never loaded.
   */
  readonly factories?: ReadonlyMap<string, ArtifactRepositoryFactory>;
}

const PROXY_SCHEMES = ['mlflow-artifacts', 'http', 'https'];
const LOCAL_SCHEMES = ['', 'file'];

function describeSchemes(factories: ReadonlyMap<string, ArtifactRepositoryFactory>): string {
  const names = [...new Set([...factories.keys(), ...PROXY_SCHEMES, ...LOCAL_SCHEMES])].map((s) =>
    s === '' ? '(plain path)' : s,
  );
  return names.sort().join(', ');
}

/** Resolves URIs against a fixed factory table and an optional proxy destination. */
export class SchemeArtifactResolver implements ArtifactResolver {
  readonly #factories: ReadonlyMap<string, ArtifactRepositoryFactory>;
  readonly #locations: ArtifactLocationPolicy;

  private constructor(
    factories: ReadonlyMap<string, ArtifactRepositoryFactory>,
    locations: ArtifactLocationPolicy,
    readonly proxyRepository: ArtifactRepository | undefined,
  ) {
    this.#factories = factories;
    this.#locations = locations;
  }

  /** Builds the resolver, opening the proxy destination's repository up front. */
  static async create(options: ArtifactResolverOptions): Promise<SchemeArtifactResolver> {
    const factories = new Map(options.factories);
    for (const scheme of LOCAL_SCHEMES) {
      // Local storage is the policy's alone, so nothing can open the disk outside the roots.
      if (factories.has(scheme))
        throw new Error(`The '${scheme || 'plain path'}' scheme is opened by the location policy`);
      factories.set(scheme, (uri) => options.locations.openLocal(uri));
    }
    const destination = options.proxyDestination;
    if (destination === undefined) return new SchemeArtifactResolver(factories, options.locations, undefined);
    if (proxiedArtifactPath(destination) !== undefined) {
      throw new Error(`--artifacts-destination cannot itself be a proxied URI, got '${destination}'`);
    }
    const proxy = await SchemeArtifactResolver.#open(factories, destination);
    return new SchemeArtifactResolver(factories, options.locations, proxy);
  }

  checkNewLocation(location: string, purpose: LocationPurpose): Promise<void> {
    return this.#locations.checkNewLocation(location, purpose);
  }

  static async #open(
    factories: ReadonlyMap<string, ArtifactRepositoryFactory>,
    uri: string,
  ): Promise<ArtifactRepository> {
    const scheme = uriScheme(uri);
    const factory = factories.get(scheme);
    if (factory === undefined) {
      throw invalidParameter(
        `No artifact repository is available for scheme '${scheme}' (URI '${uri}'). ` +
          `Known schemes: ${describeSchemes(factories)}.`,
      );
    }
    return factory(uri);
  }

  async repositoryFor(uri: string): Promise<ArtifactRepository> {
    const proxied = proxiedArtifactPath(uri);
    if (proxied !== undefined) {
      if (this.proxyRepository === undefined) {
        throw invalidParameter(
          `Cannot access '${uri}': this server does not serve artifacts (it runs with --no-serve-artifacts).`,
        );
      }
      // The root comes from stored metadata a client chose (experiment artifact_location), so it
      // gets the same checks as any client path, once its URI escapes are decoded.
      const prefix = proxied === '' ? '' : checkArtifactPath(unquote(proxied));
      return new ScopedArtifactRepository(this.proxyRepository, prefix, uri);
    }
    // A stored remote location is opened with the server's credentials: only inside its roots.
    const scheme = uriScheme(uri);
    if (!LOCAL_SCHEMES.includes(scheme) && this.#factories.has(scheme)) this.#locations.checkRemoteLocation(uri);
    return SchemeArtifactResolver.#open(this.#factories, uri);
  }
}

/**
 * Builds the resolver for a server or an embedded store.
 *
 * @example
 * const resolver = await createArtifactResolver({
 *   proxyDestination: '/srv/mlartifacts',
 *   locations: new ArtifactLocationPolicy({ roots: ['/srv/mlartifacts'], allowLocalLocations: false, cwd: '/srv' }),
 * });
 * const repo = await resolver.repositoryFor('mlflow-artifacts:/1/abc/artifacts');
 */
export function createArtifactResolver(options: ArtifactResolverOptions): Promise<ArtifactResolver> {
  return SchemeArtifactResolver.create(options);
}
