/**
 * `keel models serve`: MLflow's scoring server protocol (models.md §8) for any model URI, on a
 * plain Node HTTP server around the scoring app. `--workers N` runs N server processes sharing
 * the port (node:cluster), each with its own copy of the model, as MLflow's uvicorn workers do.
 * `--watch` follows a `models:/<name>@<alias>` URI: a moved alias is loaded beside the version in
 * use, checked with its input example and swapped in with no failed request.
 */
import cluster from 'node:cluster';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KEEL_VERSION, parseModelUri } from '@keel/contract';
import type { Command } from 'commander';
import { readEnv } from '../../config/env.js';
import type { CliContext } from '../connect.js';
import { addModelOptions, fetchModel, type ModelFlags, openModel, runtimeOptions } from '../model-loading.js';
import { examples, positiveInt } from '../options.js';
import { usageError } from '../output.js';

interface ServeFlags extends ModelFlags {
  port?: number;
  host?: string;
  timeout?: number;
  workers?: number;
  watch?: boolean;
  watchInterval?: number;
  maxRequestSize?: number;
}

function port(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw usageError(`Invalid port '${value}'.`);
  return n;
}

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw usageError(`Expected a positive number of seconds, got '${value}'.`);
  return n;
}

/** Resolves on the first SIGINT or SIGTERM. */
function waitForSignal(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (signal: string) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve(signal);
    };
    const onInt = () => stop('SIGINT');
    const onTerm = () => stop('SIGTERM');
    process.once('SIGINT', onInt);
    process.once('SIGTERM', onTerm);
  });
}

/** The primary of `--workers N`: forks the servers, restarts one that dies, stops them all on a signal. */
async function runPrimary(flags: ServeFlags, context: CliContext, workers: number): Promise<void> {
  const { io } = context;
  let stopping = false;
  let listening = 0;
  const started = performance.now();
  cluster.on('listening', (_worker, address) => {
    listening++;
    if (listening === workers) {
      const host = address.address === null || address.address === '' ? '127.0.0.1' : address.address;
      io.err(
        `Keel ${KEEL_VERSION} scoring server for ${flags.modelUri} listening on http://${host}:${address.port} with ${workers} workers (ready in ${Math.round(performance.now() - started)} ms); Ctrl-C stops it`,
      );
    }
  });
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    io.err(`Worker ${worker.process.pid} exited (${signal ?? `code ${code}`}); starting another.`);
    listening = Math.max(0, listening - 1);
    cluster.fork();
  });
  for (let i = 0; i < workers; i++) cluster.fork();
  const signal = await waitForSignal();
  stopping = true;
  io.err(`Received ${signal}, stopping ${workers} workers...`);
  const exits = Object.values(cluster.workers ?? {}).map(
    (worker) =>
      new Promise<void>((resolve) => {
        if (worker === undefined || worker.isDead()) return resolve();
        worker.once('exit', () => resolve());
        worker.process.kill('SIGTERM');
      }),
  );
  await Promise.all(exits);
  io.err('Keel scoring server stopped.');
}

async function runServer(flags: ServeFlags, context: CliContext): Promise<void> {
  const { io, env } = context;
  const log = (line: string) => io.err(line);
  const started = performance.now();
  if (flags.watch && parseModelUri(flags.modelUri).kind !== 'alias') {
    throw usageError('--watch follows a registered model alias: give -m models:/<name>@<alias>.');
  }
  const [{ ModelSlot, modelVersionLabel }, { createScoringApp }, { AliasWatcher }, { readServingExample }] =
    await Promise.all([
      import('../../models/scoring/model-slot.js'),
      import('../../models/scoring/scoring-app.js'),
      import('../../models/scoring/alias-watcher.js'),
      import('../../models/input-example.js'),
    ]);
  const { loaded, fetched } = await openModel(flags, context, { log });
  const slot = new ModelSlot(loaded.served(fetched.info));
  const timeoutSeconds = flags.timeout ?? readEnv(env, 'MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT') ?? 60;
  const app = createScoringApp({
    model: slot,
    limits: {
      timeoutMs: timeoutSeconds * 1000,
      ...(flags.maxRequestSize === undefined ? {} : { maxRequestBytes: flags.maxRequestSize }),
    },
    warn: (m) => log(`warning: ${m}`),
    logError: (m, cause) => log(`error: ${m}: ${cause instanceof Error ? cause.message : String(cause)}`),
  });
  // The scoring server's tags: MLflow sets this in its process; models may read it.
  process.env._MLFLOW_IS_IN_SERVING_ENVIRONMENT = 'true';
  const server = createServer({ keepAliveTimeout: 65_000 }, app.handle);
  const host = flags.host ?? readEnv(env, 'MLFLOW_HOST') ?? '127.0.0.1';
  const portNumber = flags.port ?? readEnv(env, 'MLFLOW_PORT') ?? 5000;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(portNumber, host, () => resolve());
    });
  } catch (error) {
    // A Python worker left running would keep this process alive after the error.
    await slot.close();
    await fetched.local.remove();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      throw usageError(`Port ${portNumber} on ${host} is already in use; choose another with -p.`);
    throw error;
  }
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${shownHost}:${address.port}`;

  let watcher: InstanceType<typeof AliasWatcher> | undefined;
  try {
    if (flags.watch) {
      const parsed = fetched.parsed;
      if (parsed.kind !== 'alias')
        throw usageError('--watch follows a registered model alias: give -m models:/<name>@<alias>.');
      const { openClient } = await import('../connect.js');
      const { createFlavorRegistry } = await import('../../models/compose.js');
      const { loadModelDirectory } = await import('../../models/load-model.js');
      const flavors = createFlavorRegistry(runtimeOptions(flags, context, { log }));
      watcher = new AliasWatcher({
        slot,
        intervalMs: (flags.watchInterval ?? 10) * 1000,
        log,
        cleanupInitial: () => fetched.local.remove(),
        aliasVersion: async () => {
          const client = await openClient(flags, context);
          try {
            return (await client.getModelVersionByAlias({ name: parsed.name, alias: parsed.alias })).model_version
              .version;
          } finally {
            await client.close();
          }
        },
        loadVersion: async (version) => {
          const next = await fetchModel(`models:/${parsed.name}/${version}`, flags, context);
          try {
            const model = await loadModelDirectory(next.local.dir, {
              flavors,
              warn: log,
              ...(flags.flavor === undefined ? {} : { flavor: flags.flavor }),
            });
            const example = await readServingExample(model.directory);
            return {
              served: model.served({ ...fetched.info, name: parsed.name, version }),
              ...(example === undefined ? {} : { example }),
              cleanup: () => next.local.remove(),
            };
          } catch (error) {
            await next.local.remove();
            throw error;
          }
        },
      });
      watcher.start();
    }
  } catch (error) {
    // Nothing may keep listening once start-up failed.
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await slot.close();
    await fetched.local.remove();
    throw error;
  }

  const info = slot.current.info;
  const quiet = cluster.isWorker; // the primary announces the workers
  const what = [info.version === undefined ? undefined : `version ${info.version}`, `flavor ${info.flavor}`]
    .filter(Boolean)
    .join(', ');
  if (!quiet) {
    io.err(
      [
        `Keel ${KEEL_VERSION} scoring server for ${flags.modelUri} (${what}) listening on ${url} (ready in ${Math.round(performance.now() - started)} ms)`,
        `  POST ${url}/invocations  (application/json or text/csv); GET /ping, /health, /version`,
        ...(watcher === undefined ? [] : [`  following the alias every ${flags.watchInterval ?? 10} s`]),
        `  model version header: x-keel-model-version: ${modelVersionLabel(info)}; Ctrl-C stops the server`,
      ].join('\n'),
    );
  }
  const signal = await waitForSignal();
  if (!quiet) io.err(`Received ${signal}, finishing in-flight requests...`);
  await watcher?.stop();
  server.closeIdleConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await slot.close();
  await watcher?.cleanup();
  if (watcher === undefined) await fetched.local.remove();
  if (!quiet) io.err('Keel scoring server stopped.');
}

/** Registers `keel models serve`. */
export function registerServeCommand(models: Command, context: CliContext): void {
  addModelOptions(
    models
      .command('serve')
      .description(
        "Serve a model over MLflow's scoring protocol: POST /invocations (dataframe_split, dataframe_records, instances, inputs, CSV), GET /ping, /health, /version",
      )
      .option('-p, --port <port>', 'port to listen on (env MLFLOW_PORT) [default: 5000]', port)
      .option('-h, --host <host>', 'address to listen on (env MLFLOW_HOST) [default: 127.0.0.1]')
      .option(
        '-t, --timeout <seconds>',
        'per-request time limit; slower requests get 504 (env MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT) [default: 60]',
        seconds,
      )
      .option(
        '-w, --workers <n>',
        'server processes sharing the port, each with the model (env MLFLOW_MODELS_WORKERS) [default: 1]',
        positiveInt,
      )
      .option('--watch', 'follow a models:/<name>@<alias> URI: load, check and swap in the version the alias moves to')
      .option('--watch-interval <seconds>', 'how often --watch reads the alias [default: 10]', seconds)
      .option(
        '--max-request-size <bytes>',
        'largest request body accepted (413 beyond) [default: 104857600]',
        positiveInt,
      ),
  )
    .addHelpText(
      'after',
      examples(
        'keel models serve -m ./model -p 5001',
        'keel models serve -m models:/churn@champion -p 5001 --watch --tracking-uri http://127.0.0.1:5000',
        'curl -s localhost:5001/invocations -H "Content-Type: application/json" -d \'{"inputs": [[5.1, 3.5, 1.4, 0.2]]}\'',
      ),
    )
    .action(async (flags: ServeFlags) => {
      const workers = flags.workers ?? readEnv(context.env, 'MLFLOW_MODELS_WORKERS') ?? 1;
      if (!Number.isInteger(workers) || workers < 1) throw usageError('--workers must be at least 1.');
      if (workers > 1 && cluster.isPrimary) {
        await runPrimary(flags, context, workers);
        return;
      }
      try {
        await runServer(flags, context);
      } finally {
        // A cluster worker stays connected to its primary until it lets go.
        if (cluster.isWorker) cluster.worker?.disconnect();
      }
    });
}
