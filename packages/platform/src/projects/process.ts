/**
 * Child processes of the projects module (git, venv, pip, npm, sbatch...): always an argument
 * vector, never a shell; output captured (and optionally streamed as it comes); failures turned
 * into one `ProjectError` that quotes the last lines the tool printed.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { ProjectError } from './errors.js';

/** How a tool is run. */
export interface ProcessOptions {
  readonly cwd?: string;
  /** The complete environment of the child. */
  readonly env: NodeJS.ProcessEnv;
  /** Receives output (stdout and stderr) as it arrives. */
  readonly onOutput?: (text: string) => void;
  readonly signal?: AbortSignal;
  /** Kill the tool after this long. */
  readonly timeoutMs?: number;
}

/** What a finished tool left. */
export interface ProcessResult {
  /** Exit code; null when a signal ended it. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The absolute path of an executable found on `PATH` (or `name` itself when it has a slash and
 * is executable).
 *
 * @example
 * findExecutable('git', process.env.PATH); // '/usr/bin/git'
 */
export function findExecutable(name: string, path: string | undefined): string | undefined {
  const executable = (file: string) => {
    try {
      accessSync(file, constants.X_OK);
      return statSync(file).isFile();
    } catch {
      return false;
    }
  };
  if (name.includes('/')) return executable(name) ? name : undefined;
  for (const dir of (path ?? '').split(delimiter)) {
    if (dir === '' || !isAbsolute(dir)) continue;
    const file = join(dir, name);
    if (executable(file)) return file;
  }
  return undefined;
}

/**
 * Runs `argv` to completion. Resolves with the exit status (non-zero is not an error here);
 * rejects with a `ProjectError` when the program cannot be started.
 */
export function runProcess(argv: readonly string[], options: ProcessOptions): Promise<ProcessResult> {
  const [command, ...args] = argv;
  if (command === undefined) return Promise.reject(new ProjectError('Empty command.'));
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
      options.onOutput?.(text);
    });
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
      options.onOutput?.(text);
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') reject(new ProjectError(`Cannot run ${command}: command not found.`));
      else if (error.name === 'AbortError') reject(new ProjectError(`${command} was cancelled.`));
      else reject(new ProjectError(`Cannot run ${command}: ${error.message}`));
    });
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** The last `count` non-empty lines of a tool's output, for error messages. */
export function lastLines(text: string, count = 5): string {
  return text
    .split(/\r?\n/)
    .map((l) => l.trimEnd())
    .filter((l) => l !== '')
    .slice(-count)
    .join('\n');
}

/**
 * Runs `argv` and throws `ProjectError("<what> failed (exit N): <last output lines>")` unless it
 * exits with 0.
 *
 * @example
 * await runChecked(['git', 'init', '--quiet', '--', dir], { env }, 'git init');
 */
export async function runChecked(
  argv: readonly string[],
  options: ProcessOptions,
  what: string,
): Promise<ProcessResult> {
  const result = await runProcess(argv, options);
  if (result.code !== 0) {
    const status = result.code === null ? `signal ${result.signal}` : `exit ${result.code}`;
    const tail = lastLines(`${result.stdout}\n${result.stderr}`);
    throw new ProjectError(`${what} failed (${status})${tail === '' ? '.' : `:\n${tail}`}`);
  }
  return result;
}
