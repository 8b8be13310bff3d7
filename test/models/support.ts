// Helpers of the model suites: the real `keel` binary as a scoring server, and a small load
// generator that records every answer.
import { type ChildProcess, spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { KEEL_BIN } from '../support/cli.js';

export interface ScoringServer {
  readonly url: string;
  readonly child: ChildProcess;
  output(): string;
  stop(): Promise<number | null>;
}

/** Starts `keel models serve <args> -p 0` and waits for its "listening on" line. */
export function startScoringServer(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<ScoringServer> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [KEEL_BIN, 'models', 'serve', '-p', '0', ...args], {
      env: { ...process.env, MLFLOW_TRACKING_URI: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`scoring server did not start:\n${output}`));
    }, 60_000);
    let started = false;
    const onData = (chunk: Buffer) => {
      output += chunk;
      if (started) return;
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        started = true;
        clearTimeout(timer);
        resolve({
          url: match[1] as string,
          child,
          output: () => output,
          stop: async () => {
            child.kill('SIGTERM');
            return exited;
          },
        });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`scoring server exited with ${code} before listening:\n${output}`));
    });
  });
}

export interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** POSTs `body` to `<url>/invocations` over a keep-alive agent (or a fresh connection). */
export function invoke(url: string, body: string, contentType?: string, agent?: Agent): Promise<Answer> {
  const target = new URL(`${url}/invocations`);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        ...(agent === undefined ? {} : { agent }),
        headers: {
          ...(contentType === undefined ? {} : { 'content-type': contentType }),
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => {
          text += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Sends requests from `concurrency` loops until `stop()` is called; every answer (or
 * connection error) is kept.
 */
export function loadGenerator(url: string, body: string, concurrency: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const answers: Answer[] = [];
  const failures: string[] = [];
  let running = true;
  const loops = Array.from({ length: concurrency }, async () => {
    while (running) {
      try {
        answers.push(await invoke(url, body, 'application/json', agent));
      } catch (error) {
        failures.push((error as Error).message);
      }
    }
  });
  return {
    answers,
    failures,
    async stop(): Promise<void> {
      running = false;
      await Promise.all(loops);
      agent.destroy();
    },
  };
}
