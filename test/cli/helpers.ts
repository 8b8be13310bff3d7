// Helpers of the CLI suites: run the real `keel` binary against a tracking URI and read its answers.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { type CliResult, runKeel } from '../support/cli.js';

/**
 * Retries short enough that an unreachable server fails in well under a second. The per-request
 * timeout stays generous: on a loaded machine the test's server can take seconds to answer, and a
 * timed-out write that is retried would then fail as a duplicate.
 */
export const QUICK_RETRY_ENV = {
  MLFLOW_HTTP_REQUEST_MAX_RETRIES: '1',
  MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: '0',
  MLFLOW_HTTP_REQUEST_BACKOFF_JITTER: '0',
  MLFLOW_HTTP_REQUEST_TIMEOUT: '50',
} as const;

/** Runs `keel` with a fixed time zone and no tracking settings inherited from the test runner. */
export function keel(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  return runKeel(args, {
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    env: {
      TZ: 'UTC',
      MLFLOW_TRACKING_URI: '',
      MLFLOW_EXPERIMENT_ID: '',
      MLFLOW_EXPERIMENT_NAME: '',
      MLFLOW_TRACKING_USERNAME: '',
      MLFLOW_TRACKING_PASSWORD: '',
      ...QUICK_RETRY_ENV,
      ...options.env,
    },
  });
}

/** A `keel` bound to one tracking URI: `run('experiments', 'search')`. */
export function keelAt(uri: string, env: NodeJS.ProcessEnv = {}) {
  return (...args: string[]) => keel([...args, '--tracking-uri', uri], { env });
}

/** Asserts a clean success and returns stdout. */
export function ok(result: CliResult): string {
  assert.equal(result.code, 0, `exit ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  return result.stdout;
}

/** Asserts success and parses stdout as JSON. */
// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary wire shapes
export function json(result: CliResult): any {
  return JSON.parse(ok(result));
}

/** Asserts a failure with `code` and one error line on stderr matching `message`, with no stack trace. */
export function fails(result: CliResult, code: number, message: RegExp): void {
  assert.equal(
    result.code,
    code,
    `expected exit ${code}, got ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`,
  );
  assert.match(result.stderr, message);
  assert.doesNotMatch(result.stderr, /\n\s+at .+:\d+:\d+/, 'no stack trace without --debug');
}

/** The lines of a table printed on stdout, split into cells (two or more spaces separate cells). */
export function tableRows(stdout: string): string[][] {
  return stdout
    .trimEnd()
    .split('\n')
    .map((line) => line.trim().split(/\s{2,}/));
}

/** A local TCP port that nothing listens on (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
