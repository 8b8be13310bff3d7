// Training scripts in their own processes, ending every way a script ends: whatever happens,
// what was logged arrives and the run ends FINISHED, FAILED or KILLED, never RUNNING forever.
// A finished run prints one line saying where to see it (suppressible).
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { KeelClient } from '@keel/client';
import { closedPort, startTestServer, type TestServer } from './support.js';

const SCRIPT = resolve('test/sdk/fixtures/train-and-exit.ts');
// The loader by absolute URL: the scripts run in a scratch directory, where files they leave
// (values kept because they could not be delivered) would show up.
const TSX = import.meta.resolve('tsx');

interface ScriptResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function startScript(mode: string, env: Record<string, string>): { child: ChildProcess; done: Promise<ScriptResult> } {
  const child = spawn(process.execPath, ['--conditions=keel-source', '--import', TSX, SCRIPT, mode], {
    cwd: scratch,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const done = new Promise<ScriptResult>((ok, fail) => {
    child.on('error', fail);
    child.on('close', (code, signal) => ok({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

const runScript = (mode: string, env: Record<string, string>) => startScript(mode, env).done;
let scratch: string;

describe('a script that ends right after logging', { concurrency: true }, () => {
  let keel: TestServer;
  let client: KeelClient;
  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'keel-child-'));
    keel = await startTestServer();
    client = new KeelClient({ trackingUri: keel.url });
  });
  after(async () => {
    await keel.close();
    // Every value was delivered: nothing was kept in keel-undelivered/.
    assert.deepEqual(readdirSync(scratch), []);
    rmSync(scratch, { recursive: true, force: true });
  });

  /** Asserts that everything the script logged arrived and the run ended with `status`. */
  async function assertComplete(runId: string, status: string, mode: string): Promise<void> {
    const { run } = await client.getRun({ run_id: runId });
    assert.equal(run.info.status, status, `${mode}: status`);
    assert.ok(run.info.end_time, `${mode}: end time set`);
    assert.equal(run.data.params?.length, 150, `${mode}: params`);
    const tags = Object.fromEntries((run.data.tags ?? []).map((t) => [t.key, t.value]));
    assert.equal(tags.mode, mode);
    for (const key of ['loss', 'acc']) {
      const history = await client.getMetricHistory({ run_id: runId, metric_key: key });
      assert.equal(history.metrics?.length, 3000, `${mode}: ${key} history`);
    }
  }

  test('returns: everything arrives, the run ends FINISHED, and one line says where to see it', async () => {
    const result = await runScript('return', { MLFLOW_TRACKING_URI: keel.url, MLFLOW_EXPERIMENT_NAME: 'child' });
    assert.equal(result.code, 0, result.stderr);
    const runId = result.stdout.trim();
    const { experiment } = await client.getExperimentByName({ experiment_name: 'child' });
    assert.equal(
      result.stderr,
      `🏃 View run child-return at: ${keel.url}/#/experiments/${experiment.experiment_id}/runs/${runId}\n`,
    );
    await assertComplete(runId, 'FINISHED', 'return');
    const { run } = await client.getRun({ run_id: runId });
    const tags = Object.fromEntries((run.data.tags ?? []).map((t) => [t.key, t.value]));
    assert.equal(tags['mlflow.source.name'], SCRIPT);
    assert.equal(
      tags['mlflow.source.git.commit'],
      spawnSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).stdout.trim(),
    );
    assert.equal(run.info.experiment_id, experiment.experiment_id);
  });

  test('KEEL_PRINT_RUN_LINKS=false silences the line', async () => {
    const result = await runScript('return', { MLFLOW_TRACKING_URI: keel.url, KEEL_PRINT_RUN_LINKS: 'false' });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
  });

  test('process.exit(0) right after logging: delivered synchronously, the run ends FINISHED', async () => {
    const result = await runScript('exit', { MLFLOW_TRACKING_URI: keel.url, KEEL_PRINT_RUN_LINKS: 'false' });
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stderr, /could not|RUNNING/);
    await assertComplete(result.stdout.trim(), 'FINISHED', 'exit');
  });

  test('process.exit(3): the run ends FAILED, with its data', async () => {
    const result = await runScript('exit3', { MLFLOW_TRACKING_URI: keel.url });
    assert.equal(result.code, 3);
    const runId = result.stdout.trim();
    assert.match(result.stderr, new RegExp(`🏃 View run child-exit3 at: .*/runs/${runId} \\(FAILED\\)\\n$`));
    await assertComplete(runId, 'FAILED', 'exit3');
  });

  for (const [mode, message] of [
    ['throw', 'training diverged'],
    ['reject', 'data loader failed'],
  ] as const) {
    test(`an uncaught error (${mode}): Node reports it, exits 1, and the run ends FAILED`, async () => {
      const result = await runScript(mode, { MLFLOW_TRACKING_URI: keel.url });
      assert.equal(result.code, 1);
      assert.match(result.stderr, new RegExp(`Error: ${message}`));
      // The run ends once, so its line is printed once (not again by the exit hook).
      const lines = result.stderr.split('\n').filter((line) => line.startsWith('🏃 View run'));
      assert.deepEqual(lines.length, 1, result.stderr);
      assert.match(lines[0] as string, / \(FAILED\)$/);
      await assertComplete(result.stdout.trim(), 'FAILED', mode);
    });
  }

  test('no server listening: the script fails within seconds, with one error line naming the URL', async () => {
    const port = await closedPort();
    const result = await runScript('return', { MLFLOW_TRACKING_URI: `http://127.0.0.1:${port}` });
    assert.equal(result.code, 1);
    // The connection attempts themselves took a few seconds, not MLflow's minutes of backoff
    // (the process as a whole may take longer on a busy machine: it starts Node and a compiler).
    const seconds = Number(/attempts? in (\d+\.\d) s/.exec(result.stderr)?.[1]);
    assert.ok(seconds < 10, result.stderr);
    const errorLines = result.stderr.split('\n').filter((l) => l.includes(`127.0.0.1:${port}`));
    assert.equal(errorLines.length, 1, result.stderr);
    assert.match(
      errorLines[0] as string,
      new RegExp(
        `ConnectionFailedError: Could not connect to http://127\\.0\\.0\\.1:${port}/.*is a Keel or MLflow server running there\\? start one with keel server`,
      ),
    );
    assert.doesNotMatch(result.stderr, /^\s+at /m, 'no stack trace');
    assert.ok(result.stderr.split('\n').length < 10, result.stderr);
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    test(`${signal}: the run ends KILLED and the process still dies by the signal`, async () => {
      const { child, done } = startScript('wait', { MLFLOW_TRACKING_URI: keel.url });
      let out = '';
      await new Promise<void>((ready) => {
        child.stdout?.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('ready\n')) ready();
        });
      });
      child.kill(signal);
      const result = await done;
      assert.equal(result.signal, signal, `code ${result.code}: ${result.stderr}`);
      const runId = result.stdout.split('\n')[0] as string;
      assert.match(result.stderr, /🏃 View run child-wait at: .* \(KILLED\)\n$/);
      await assertComplete(runId, 'KILLED', 'wait');
    });
  }
});
