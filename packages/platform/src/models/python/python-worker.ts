/**
 * One Python worker process (see `worker-source.ts`): started with an argument array in the
 * model's environment, it loads the model and answers framed requests in order. Requests may be
 * pipelined; answers are matched first-in first-out. A worker that exits fails its pending
 * requests with the last lines it wrote to stderr.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { MlflowError } from '@keel/contract';
import { encodeFrame, FrameDecoder } from './frames.js';

/** A worker's answer to one request. */
export interface WorkerReply {
  readonly id: number;
  readonly ok: boolean;
  readonly predictions?: unknown;
  readonly predict_us?: number;
  readonly info?: Readonly<Record<string, unknown>>;
  readonly error?: {
    readonly type: string;
    readonly message: string;
    readonly error_code?: string;
    readonly traceback?: string;
  };
}

/** How to start a worker. */
export interface PythonWorkerOptions {
  /** Command prefix that runs Python, then the worker script path is appended. */
  readonly command: readonly string[];
  readonly script: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The load request (first frame). */
  readonly load: Readonly<Record<string, unknown>>;
  /** How long loading may take. */
  readonly loadTimeoutMs: number;
  /** Receives the worker's stderr lines (model logs and prints). */
  readonly onLog?: (line: string) => void;
}

const STDERR_TAIL_LINES = 20;

/**
 * A running worker.
 *
 * @example
 * const worker = await PythonWorker.start({ command: ['python3'], script, env: {}, load, loadTimeoutMs: 60_000 });
 * const reply = await worker.request({ op: 'predict', input, params: null });
 */
export class PythonWorker {
  private readonly pending: { id: number; resolve: (r: WorkerReply) => void; reject: (e: Error) => void }[] = [];
  private readonly decoder = new FrameDecoder();
  private readonly stderrTail: string[] = [];
  private nextId = 1;
  private exited: Error | undefined;
  private exitPromise: Promise<void>;
  /** What the worker said about itself after loading (loader, Python version). */
  info: Readonly<Record<string, unknown>> = {};

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    onLog: ((line: string) => void) | undefined,
  ) {
    let partial = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        this.stderrTail.push(line);
        if (this.stderrTail.length > STDERR_TAIL_LINES) this.stderrTail.shift();
        onLog?.(line);
      }
    });
    child.stdout.on('data', (chunk: Buffer) => {
      let messages: unknown[];
      try {
        messages = this.decoder.push(chunk);
      } catch (error) {
        this.fail(new Error(`The Python worker broke the protocol: ${(error as Error).message}`));
        child.kill('SIGKILL');
        return;
      }
      for (const message of messages) this.pending.shift()?.resolve(message as WorkerReply);
    });
    // A write to a worker that just died must not crash the server.
    child.stdin.on('error', () => {});
    this.exitPromise = new Promise((resolve) => {
      child.on('close', (code, signal) => {
        this.fail(
          new Error(
            `The Python worker exited (${signal ?? `code ${code}`})${this.stderrTail.length > 0 ? `:\n${this.stderrTail.join('\n')}` : ''}`,
          ),
        );
        resolve();
      });
    });
  }

  /** Starts a worker and waits until its model is loaded. */
  static async start(options: PythonWorkerOptions): Promise<PythonWorker> {
    const [file, ...args] = options.command as [string, ...string[]];
    const child = spawn(file, [...args, '-u', options.script], {
      env: options.env as NodeJS.ProcessEnv,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const spawned = new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    const worker = new PythonWorker(child, options.onLog);
    try {
      await spawned;
    } catch (error) {
      throw new MlflowError(
        'INVALID_PARAMETER_VALUE',
        `Could not start Python (${options.command.join(' ')}): ${(error as Error).message}`,
      );
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), options.loadTimeoutMs);
    try {
      const reply = await worker.send({ ...options.load, id: 0 }, false);
      if (!reply.ok) {
        const e = reply.error;
        throw new MlflowError(
          'INVALID_PARAMETER_VALUE',
          `The Python worker could not load the model: ${e?.type}: ${e?.message}${e?.traceback ? `\n${e.traceback}` : ''}`,
        );
      }
      worker.info = reply.info ?? {};
      return worker;
    } catch (error) {
      child.kill('SIGKILL');
      if (error instanceof MlflowError) throw error;
      throw new MlflowError(
        'INVALID_PARAMETER_VALUE',
        `The Python worker could not load the model: ${(error as Error).message}`,
      );
    } finally {
      clearTimeout(timer);
    }
  }

  /** Requests in flight. */
  get inFlight(): number {
    return this.pending.length;
  }

  /** Whether the process is still running. */
  get alive(): boolean {
    return this.exited === undefined;
  }

  /** Sends one request; resolves with its reply. `id` is the request's number (see `isComputing`). */
  request(message: Readonly<Record<string, unknown>>): { readonly id: number; readonly reply: Promise<WorkerReply> } {
    const id = this.nextId++;
    return { id, reply: this.send({ ...message, id }, true) };
  }

  /** Whether request `id` is the one the worker is working on (the oldest unanswered). */
  isComputing(id: number): boolean {
    return this.pending[0]?.id === id;
  }

  private send(message: Readonly<Record<string, unknown>>, checkAlive: boolean): Promise<WorkerReply> {
    if (checkAlive && this.exited !== undefined) return Promise.reject(this.exited);
    return new Promise((resolve, reject) => {
      this.pending.push({ id: Number(message.id), resolve, reject });
      this.child.stdin.write(encodeFrame(message));
    });
  }

  private fail(error: Error): void {
    this.exited ??= error;
    for (const p of this.pending.splice(0)) p.reject(this.exited);
  }

  /** Kills the worker at once (a request it is stuck in timed out); it takes no more requests. */
  kill(): void {
    this.fail(new Error('The Python worker was stopped: a prediction took longer than the time limit'));
    this.child.kill('SIGKILL');
  }

  /** Ends the worker: closes its stdin, then kills it if it has not exited within `graceMs`. */
  async close(graceMs = 5000): Promise<void> {
    if (this.exited !== undefined) return;
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exitPromise;
    clearTimeout(timer);
  }
}
