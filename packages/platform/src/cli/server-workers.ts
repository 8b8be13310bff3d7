/**
 * `keel server --workers N`: N server processes sharing one port (node:cluster; the primary
 * accepts connections and hands them to the workers in turn). The primary opens the store once
 * first, so migrations run once and a wrong URI fails with one message, then forks the workers
 * and sends each the resolved configuration over the IPC channel (never through the
 * environment). Workers keep no state of their own that another could need: everything lives in
 * the database, so any worker may answer any request. A worker that dies is replaced; SIGINT or
 * SIGTERM on the primary drains every worker, then exits.
 */
import cluster, { type Worker } from 'node:cluster';
import type { ServerConfig } from '../config/server-config.js';
import type { Logger } from '../server/deps.js';

/** Messages between the primary and a worker. */
type PrimaryMessage = { readonly type: 'start'; readonly config: ServerConfig } | { readonly type: 'shutdown' };
type WorkerMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'listening'; readonly address: string }
  | { readonly type: 'failed'; readonly message: string };

/** Whether this process is a worker forked by `runServerWorkers`. */
export function isServerWorker(): boolean {
  return cluster.isWorker;
}

/** A worker is replaced at most this often, so a crash loop does not spin the CPU. */
const RESPAWN_DELAY_MS = 1000;
/** How long in-flight requests may take to finish on shutdown before workers are killed. */
const DRAIN_TIMEOUT_MS = 30_000;

export interface PrimaryHandlers {
  /** Called once every worker listens, with the shared address. */
  readonly onListening: (address: string) => void;
  /** Resolves when the server should stop (a signal). */
  readonly untilShutdown: Promise<void>;
}

/**
 * Runs the primary: prepares the store, forks `config.workers` workers, waits for all to listen,
 * and on shutdown drains them. Rejects when a worker cannot start.
 */
export async function runServerWorkers(config: ServerConfig, logger: Logger, handlers: PrimaryHandlers): Promise<void> {
  const { openStores } = await import('../compose.js');
  // Migrate (and create the Default experiment) once, before any worker races to.
  const stores = await openStores(config.backendStoreUri, {
    defaultArtifactRoot: config.defaultArtifactRoot,
    poolSize: 1,
  });
  await stores.close();

  let stopping = false;
  const live = new Set<Worker>();
  /** Workers that listen for messages (one sent before would be lost). */
  const ready = new Set<Worker>();
  const fork = (): Promise<string> =>
    new Promise((resolve, reject) => {
      const worker = cluster.fork();
      live.add(worker);
      worker.on('message', (message: WorkerMessage) => {
        // The worker asks once it listens for messages (one sent earlier would be lost).
        if (message.type === 'ready') {
          ready.add(worker);
          worker.send((stopping ? { type: 'shutdown' } : { type: 'start', config }) satisfies PrimaryMessage);
        } else if (message.type === 'listening') resolve(message.address);
        else if (message.type === 'failed') reject(new Error(message.message));
      });
      worker.on('exit', (code, signal) => {
        live.delete(worker);
        ready.delete(worker);
        reject(new Error(`worker ${worker.process.pid} exited during start-up (${signal ?? `code ${code}`})`));
        if (stopping) return;
        logger.warn(`worker ${worker.process.pid} exited (${signal ?? `code ${code}`}); starting a new one`);
        setTimeout(() => {
          if (!stopping) fork().catch((error: Error) => logger.error('a replacement worker failed to start', error));
        }, RESPAWN_DELAY_MS);
      });
    });

  const drain = async () => {
    stopping = true;
    const exits = [...live].map((worker) => new Promise((resolve) => worker.once('exit', resolve)));
    // Workers not ready yet are told when they ask for their configuration.
    for (const worker of ready) {
      if (worker.isConnected()) worker.send({ type: 'shutdown' } satisfies PrimaryMessage);
    }
    const patience = setTimeout(() => {
      for (const worker of live) worker.kill('SIGKILL');
    }, DRAIN_TIMEOUT_MS);
    await Promise.all(exits);
    clearTimeout(patience);
  };

  const shutdown = handlers.untilShutdown.then(() => 'shutdown' as const);
  try {
    const started = Promise.all(Array.from({ length: config.workers }, fork));
    // A shutdown during start-up ends the workers, which then reject `started`: nobody waits for it.
    started.catch(() => {});
    const outcome = await Promise.race([started, shutdown]);
    if (outcome !== 'shutdown') {
      handlers.onListening(outcome[0] as string);
      await shutdown;
    }
  } finally {
    await drain();
  }
}

/**
 * Runs a worker: waits for its configuration from the primary, serves until told to stop (or
 * until the primary goes away), then closes its server and stores.
 */
export async function runServerWorker(logger: Logger): Promise<void> {
  const send = (message: WorkerMessage) => process.send?.(message);
  // Ctrl-C reaches every process of the terminal's group; the primary decides when workers stop.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => {});
  let onConfig: (config: ServerConfig) => void = () => {};
  const configured = new Promise<ServerConfig>((resolve) => {
    onConfig = resolve;
  });
  const stopped = new Promise<void>((resolve) => {
    process.on('message', (message: PrimaryMessage) => {
      if (message.type === 'start') onConfig(message.config);
      else if (message.type === 'shutdown') resolve();
    });
    // The primary went away without a word (killed): stop serving too.
    process.once('disconnect', () => resolve());
  });
  send({ type: 'ready' });
  const config = await Promise.race([configured, stopped.then(() => undefined)]);
  if (config === undefined) {
    if (process.connected) process.disconnect();
    return;
  }

  const { createServer } = await import('../compose.js');
  let server: Awaited<ReturnType<typeof createServer>>;
  try {
    server = await createServer(config, logger);
    const address = await server.app.listen({ host: config.host, port: config.port });
    send({ type: 'listening', address });
  } catch (error) {
    send({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
    if (process.connected) process.disconnect();
    return;
  }
  await stopped;
  await server.close();
  if (process.connected) process.disconnect();
}
