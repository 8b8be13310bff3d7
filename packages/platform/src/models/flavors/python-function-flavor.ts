/**
 * The `python_function` flavor: models made by MLflow in Python, run by Python worker
 * processes (never inside the Keel process) in the environment an environment manager prepares.
 * Every path handed to the worker is resolved by `ModelDirectory`, so it is inside the model;
 * a custom `loader_module` must be a module of the model's `code` directory (MLflow's own
 * `mlflow.*` loaders excepted).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { invalidParameter, MlflowError } from '@keel/contract';
import { type ModelEnvironmentSpec, readModelEnvironment } from '../environment.js';
import { type Flavor, ModelError, type PredictOptions, type Predictor } from '../flavor.js';
import type { ModelDirectory } from '../model-directory.js';
import { encodeInput } from '../python/input-encoding.js';
import type { PythonEnvironment } from '../python/python-environment.js';
import { PythonWorker, type WorkerReply } from '../python/python-worker.js';
import { PYTHON_WORKER_SOURCE } from '../python/worker-source.js';
import type { Params } from '../signature/params.js';

/** What the flavor needs of an environment (a `ModelPythonEnvironment`). */
export interface PythonEnvironmentProvider {
  prepare(spec: ModelEnvironmentSpec): Promise<PythonEnvironment>;
}

/** Options of the flavor. */
export interface PythonFunctionFlavorOptions {
  /** The environment manager that provides the interpreter. */
  readonly environment: PythonEnvironmentProvider;
  /** Worker processes per model (default 1). */
  readonly workers?: number;
  /** `auto` uses mlflow when importable; `builtin` never does; `mlflow` requires it. */
  readonly loader?: 'auto' | 'mlflow' | 'builtin';
  readonly loadTimeoutMs?: number;
  /** The environment of worker processes (default: this process's). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Receives worker log lines and warnings. */
  readonly onLog?: (line: string) => void;
}

const MODULE_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/**
 * The python_function flavor.
 *
 * @example
 * new PythonFunctionFlavor({ environment: new ModelPythonEnvironment(new LocalEnvManager(), { python: '/usr/bin/python3' }) });
 */
export class PythonFunctionFlavor implements Flavor {
  readonly name = 'python_function';
  private readonly prepared = new Map<string, Promise<PythonEnvironment>>();

  constructor(private readonly options: PythonFunctionFlavorOptions) {}

  private environmentFor(model: ModelDirectory): Promise<PythonEnvironment> {
    let env = this.prepared.get(model.dir);
    if (env === undefined) {
      env = readModelEnvironment(model).then((spec) => this.options.environment.prepare(spec));
      env.catch(() => this.prepared.delete(model.dir));
      this.prepared.set(model.dir, env);
    }
    return env;
  }

  async unavailableReason(model: ModelDirectory): Promise<string | undefined> {
    try {
      await this.environmentFor(model);
      return undefined;
    } catch (error) {
      return (error as Error).message;
    }
  }

  /** The paths the worker needs, each checked to be inside the model. */
  private async workerPaths(model: ModelDirectory): Promise<Record<string, string>> {
    const pyfunc = model.flavor('python_function') ?? {};
    const loader = pyfunc.loader_module;
    if (typeof loader !== 'string' || !MODULE_NAME.test(loader)) {
      throw invalidParameter(
        `Refusing to load the model: flavors.python_function.loader_module must be a Python module name, got ${JSON.stringify(loader)}`,
      );
    }
    const paths: Record<string, string> = {};
    if (pyfunc.code !== undefined && pyfunc.code !== null) {
      paths.code = await model.resolveExisting(pyfunc.code, 'flavors.python_function.code');
    }
    if (pyfunc.data !== undefined && pyfunc.data !== null) {
      paths.data = await model.resolveExisting(pyfunc.data, 'flavors.python_function.data');
    }
    if (loader === 'mlflow.sklearn') {
      const sklearn = model.flavor('sklearn') ?? {};
      const pickled = sklearn.pickled_model ?? pyfunc.model_path ?? pyfunc.data ?? 'model.pkl';
      paths.pickled_model = await model.resolveExisting(pickled, 'flavors.sklearn.pickled_model');
    } else if (!loader.startsWith('mlflow.') && loader !== 'mlflow') {
      // A custom loader runs code: it must come from the model's own code directory.
      const code = pyfunc.code;
      const base = typeof code === 'string' ? `${code}/` : '';
      const relative = loader.replaceAll('.', '/');
      const candidates = [`${base}${relative}.py`, `${base}${relative}/__init__.py`];
      let found = false;
      for (const candidate of candidates) {
        try {
          await model.resolveExisting(candidate, 'flavors.python_function.loader_module');
          found = true;
          break;
        } catch (error) {
          if (error instanceof MlflowError && error.message.startsWith('Refusing')) throw error;
        }
      }
      if (!found || base === '') {
        throw invalidParameter(
          `Refusing to load the model: loader_module '${loader}' is not a module inside the model's code directory (flavors.python_function.code)`,
        );
      }
    }
    return paths;
  }

  async load(model: ModelDirectory): Promise<Predictor> {
    const paths = await this.workerPaths(model);
    const environment = await this.environmentFor(model);
    const scriptDir = await mkdtemp(join(tmpdir(), 'keel-python-'));
    const script = join(scriptDir, 'keel_worker.py');
    await writeFile(script, PYTHON_WORKER_SOURCE, { mode: 0o600 });
    const start = () =>
      PythonWorker.start({
        command: environment.command,
        script,
        env: {
          ...(this.options.env ?? process.env),
          ...environment.env,
          _MLFLOW_IS_IN_SERVING_ENVIRONMENT: 'true',
          PYTHONDONTWRITEBYTECODE: '1',
        },
        load: {
          op: 'load',
          model_dir: model.dir,
          loader: this.options.loader ?? 'auto',
          pyfunc: model.flavor('python_function') ?? {},
          sklearn: model.flavor('sklearn') ?? null,
          paths,
        },
        loadTimeoutMs: this.options.loadTimeoutMs ?? 300_000,
        ...(this.options.onLog === undefined
          ? {}
          : { onLog: (line: string) => this.options.onLog?.(`[python] ${line}`) }),
      });
    try {
      const count = Math.max(1, this.options.workers ?? 1);
      const started = await Promise.allSettled(Array.from({ length: count }, start));
      const workers = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      const failed = started.find((r) => r.status === 'rejected');
      if (failed !== undefined) {
        await Promise.all(workers.map((w) => w.close()));
        throw failed.reason;
      }
      return new PythonPredictor(workers, start, () => rm(scriptDir, { recursive: true, force: true }));
    } catch (error) {
      await rm(scriptDir, { recursive: true, force: true });
      throw error;
    }
  }
}

/** The predictor over a pool of workers: each request goes to the least busy live worker; dead ones restart. */
class PythonPredictor implements Predictor {
  private readonly starting = new Map<number, Promise<PythonWorker>>();
  private closed = false;

  constructor(
    private readonly workers: PythonWorker[],
    private readonly start: () => Promise<PythonWorker>,
    private readonly cleanup: () => Promise<void>,
  ) {}

  private async pick(): Promise<PythonWorker> {
    let best: PythonWorker | undefined;
    for (let i = 0; i < this.workers.length; i++) {
      const worker = this.workers[i] as PythonWorker;
      if (!worker.alive) {
        this.restart(i);
        continue;
      }
      if (best === undefined || worker.inFlight < best.inFlight) best = worker;
    }
    if (best !== undefined) return best;
    return (await Promise.race(this.starting.values())) as PythonWorker;
  }

  private restart(index: number): void {
    if (this.closed || this.starting.has(index)) return;
    const started = this.start().then(
      (worker) => {
        this.workers[index] = worker;
        this.starting.delete(index);
        return worker;
      },
      (error: unknown) => {
        this.starting.delete(index);
        throw error;
      },
    );
    started.catch(() => {});
    this.starting.set(index, started);
  }

  async predict(input: unknown, params?: Params, options: PredictOptions = {}): Promise<unknown> {
    const worker = await this.pick();
    const sent = worker.request({ op: 'predict', input: encodeInput(input), params: params ?? null });
    // A timed-out request still computing means a stuck worker: restart it. One still queued
    // behind others is left to run; its answer is ignored.
    const onAbort = () => {
      if (worker.isComputing(sent.id)) worker.kill();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    let reply: WorkerReply;
    try {
      reply = await sent.reply;
    } catch (error) {
      throw new MlflowError('INTERNAL_ERROR', (error as Error).message);
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
    if (reply.predict_us !== undefined) options.onModelTime?.(reply.predict_us / 1000);
    if (reply.ok) return reply.predictions;
    const e = reply.error ?? { type: 'Error', message: 'unknown error' };
    // MLflow's own validation errors (schema, params) keep their code, as its server answers.
    if (e.error_code === 'INVALID_PARAMETER_VALUE' || e.error_code === 'BAD_REQUEST') {
      throw new MlflowError(e.error_code, e.message);
    }
    throw new ModelError(`${e.type}: ${e.message}`, e.traceback ?? '');
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.close()));
    await Promise.all(
      [...this.starting.values()].map((p) =>
        p.then(
          (w) => w.close(),
          () => {},
        ),
      ),
    );
    await this.cleanup();
  }
}
