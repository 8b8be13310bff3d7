// Helpers of the projects suites: throwaway projects on disk, `keel run` through the real
// binary against a real server, and reading back what a run recorded.
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { KeelClient, Run } from '@keel/client';
import { KEEL_BIN, runKeel } from '../support/cli.js';

/** Prints its arguments, working directory and run variables as one JSON line. */
export const PROBE_SCRIPT = `process.stdout.write('PROBE ' + JSON.stringify({ argv: process.argv.slice(2), cwd: process.cwd(),
  runId: process.env.MLFLOW_RUN_ID, uri: process.env.MLFLOW_TRACKING_URI, experimentId: process.env.MLFLOW_EXPERIMENT_ID }) + '\\n');`;

/** The PROBE line of some output. */
export function probeOf(output: string): {
  argv: string[];
  cwd: string;
  runId: string;
  uri: string;
  experimentId: string;
} {
  const line = output.split('\n').find((l) => l.startsWith('PROBE '));
  assert.ok(line, `no PROBE line in:\n${output}`);
  return JSON.parse(line.slice('PROBE '.length));
}

/** Writes `files` (path -> text; `*.sh` made executable) into a fresh directory under `root`. */
export function makeProject(root: string, files: Record<string, string>): string {
  mkdirSync(root, { recursive: true });
  const dir = mkdtempSync(join(root, 'project-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
    if (name.endsWith('.sh')) chmodSync(join(dir, name), 0o755);
  }
  return dir;
}

/** The environment of `keel run` in tests: a tracking URI, a private env cache, no inherited run. */
export function runEnv(trackingUri: string, envRoot: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    MLFLOW_TRACKING_URI: trackingUri,
    MLFLOW_ENV_ROOT: envRoot,
    MLFLOW_RUN_ID: '',
    MLFLOW_EXPERIMENT_ID: '',
    MLFLOW_EXPERIMENT_NAME: '',
    MLFLOW_HTTP_REQUEST_MAX_RETRIES: '1',
    ...extra,
  };
}

/** Runs `keel run <args>` to completion. */
export function keelRun(args: readonly string[], env: NodeJS.ProcessEnv, cwd?: string, timeoutMs = 240_000) {
  return runKeel(['run', ...args], { env, timeoutMs, ...(cwd === undefined ? {} : { cwd }) });
}

/** Starts `keel run <args>` and returns the process (for signals). */
export function startKeelRun(args: readonly string[], env: NodeJS.ProcessEnv, cwd?: string) {
  const child: ChildProcess = spawn(process.execPath, [KEEL_BIN, 'run', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(cwd === undefined ? {} : { cwd }),
  });
  let output = '';
  child.stdout?.on('data', (c) => {
    output += c;
  });
  child.stderr?.on('data', (c) => {
    output += c;
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

/** The run ID `keel run` reported ("=== Run (ID '...') ... ==="). */
export function runIdOf(output: string): string {
  // The first "Running command" line is this run's (a nested keel run prints its own after it).
  const match = /in run with ID '([0-9a-f]{32})'/.exec(output) ?? /Run \(ID '([0-9a-f]{32})'\)/.exec(output);
  assert.ok(match, `no run ID in:\n${output}`);
  return match[1] as string;
}

/** A run's tags and params as plain objects. */
export function tagsOf(run: Run): Record<string, string> {
  return Object.fromEntries((run.data.tags ?? []).map((t) => [t.key, t.value]));
}
export function paramsOf(run: Run): Record<string, string> {
  return Object.fromEntries((run.data.params ?? []).map((p) => [p.key, p.value]));
}

/** Every run of an experiment. */
export async function runsOf(client: KeelClient, experimentId: string): Promise<Run[]> {
  const { runs } = await client.searchRuns({ experiment_ids: [experimentId], max_results: 1000 });
  return runs ?? [];
}

/** The text of a run artifact, downloaded through the tracking server's artifact proxy. */
export async function artifactText(baseUrl: string, client: KeelClient, runId: string, path: string): Promise<string> {
  const { run } = await client.getRun({ run_id: runId });
  const root = run.info.artifact_uri.replace(/^mlflow-artifacts:\//, '');
  const response = await fetch(`${baseUrl}/api/2.0/mlflow-artifacts/artifacts/${root}/${path}`);
  assert.equal(response.status, 200, `${path}: HTTP ${response.status}`);
  return response.text();
}

/** Creates a git repository in `dir` with everything in it committed; returns the commit. */
export function commitAll(dir: string, message = 'commit'): string {
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: 'Keel Test',
    GIT_AUTHOR_EMAIL: 'test@keel.invalid',
    GIT_COMMITTER_NAME: 'Keel Test',
    GIT_COMMITTER_EMAIL: 'test@keel.invalid',
  };
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, env, encoding: 'utf8' }).trim();
  try {
    git('rev-parse', '--git-dir');
  } catch {
    git('init', '--quiet', '--initial-branch=main');
  }
  git('add', '.');
  git('commit', '--quiet', '--allow-empty', '-m', message);
  return git('rev-parse', 'HEAD');
}

/** Whether a process is alive. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits until `file` holds something, then returns it. */
export async function waitForFile(file: string, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const text = readFileSync(file, 'utf8').trim();
      if (text !== '') return text;
    } catch {
      // Not yet written.
    }
    assert.ok(Date.now() < deadline, `${file} was not written within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A fresh temp root for one suite. */
export function suiteRoot(name: string): string {
  return mkdtempSync(join(tmpdir(), `keel-${name}-`));
}
