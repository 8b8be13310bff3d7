/**
 * Local store URIs in Node: the optional `@keel/platform` package is loaded with a dynamic
 * `import()` only when such a URI is used, so browser bundles and HTTP-only installs never
 * load (or need) the server.
 */
import { KEEL_VERSION, MlflowError } from '@keel/contract';
import { asOneLine } from '../client/one-line-error.js';
import type { Transport, TransportRequest, TransportResponse } from '../transport/transport.js';

/** What the client needs from `@keel/platform` (its `openEmbeddedTransport`). */
interface EmbeddedModule {
  openEmbeddedTransport(uri: string, options?: { cwd?: string }): Promise<Transport>;
}

// A variable specifier: bundlers must not try to pull the server into client bundles.
const PLATFORM_PACKAGE = '@keel/platform';

/**
 * Opens the store named by a local URI in-process.
 *
 * @example
 * const transport = await openLocalStore('sqlite:///mlflow.db');
 */
export async function openLocalStore(uri: string, cwd: string = process.cwd()): Promise<Transport> {
  let platform: EmbeddedModule;
  try {
    platform = (await import(PLATFORM_PACKAGE)) as EmbeddedModule;
  } catch (error) {
    const code = (error as { code?: string }).code;
    // Only the platform itself missing gets the install hint; a module missing inside it is its own error.
    const missing =
      (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
      String((error as Error).message).includes(`'${PLATFORM_PACKAGE}'`);
    if (!missing) throw error;
    throw asOneLine(
      new MlflowError(
        'INVALID_PARAMETER_VALUE',
        `Tracking URI '${uri}' is a local store, which needs Keel's platform package beside @keel/client: install it as you installed the client (npm install ./keel-platform-${KEEL_VERSION}.tgz, a tarball npm run pack writes in Keel's repository), or run keel server and set MLFLOW_TRACKING_URI=http://127.0.0.1:5000.`,
      ),
    );
  }
  return platform.openEmbeddedTransport(uri, { cwd });
}

/**
 * A transport opened on first use, so that creating a client stays synchronous.
 *
 * @example
 * const transport = new LazyTransport('sqlite:///x.db', () => openLocalStore('sqlite:///x.db'));
 */
export class LazyTransport implements Transport {
  private opened: Promise<Transport> | undefined;

  constructor(
    readonly uri: string,
    private readonly open: () => Promise<Transport>,
  ) {}

  async request(request: TransportRequest): Promise<TransportResponse> {
    this.opened ??= this.open();
    return (await this.opened).request(request);
  }

  async close(): Promise<void> {
    const opened = this.opened;
    this.opened = undefined;
    if (opened !== undefined) await (await opened).close?.();
  }
}
