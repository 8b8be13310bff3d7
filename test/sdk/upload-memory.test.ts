// Uploads stream from disk with bounded memory: a 256 MiB file sent through the artifact proxy
// by the SDK and by `keel artifacts log-artifact` grows neither client by more than 100 MB
// (before streaming uploads, the client held the whole file: ~1.1 GB for 1 GiB). Each client
// runs in its own process so that its memory is its own.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { KeelClient } from '@keel/client';
import { KEEL_BIN } from '../support/cli.js';
import { startTestServer, type TestServer } from './support.js';

const FILE_BYTES = 512 * 1024 * 1024;
/**
 * A client that buffers the upload grows by at least the file's 512 MiB; a streaming one by its
 * chunks in flight plus what the garbage collector has not reclaimed yet, which does not grow
 * with the file but reaches ~170 MB on a busy machine (V8's concurrent marking then lags).
 */
const MAX_GROWTH_MB = 256;

/** Runs a process to completion, sampling its peak RSS (Linux `VmHWM`) while it runs. */
function runMeasured(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string; peakMb: number }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let peakMb = 0;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const poll = setInterval(() => {
      try {
        const kb = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0);
        peakMb = Math.max(peakMb, kb / 1024);
      } catch {
        // The process has just ended.
      }
    }, 25);
    child.on('error', fail);
    child.on('close', (code) => {
      clearInterval(poll);
      done({ code, stdout, stderr, peakMb });
    });
  });
}

describe('uploads stream from disk with bounded memory', () => {
  let keel: TestServer;
  let client: KeelClient;
  let dir: string;
  let file: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'keel-upload-memory-'));
    file = join(dir, 'big.bin');
    writeFileSync(file, '');
    truncateSync(file, FILE_BYTES);
    keel = await startTestServer();
    client = new KeelClient({ trackingUri: keel.url });
  });
  after(async () => {
    await keel.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function uploadedSize(runId: string, path: string): Promise<number | undefined> {
    const { run } = await client.getRun({ run_id: runId });
    const listing = await fetch(
      `${keel.url}/api/2.0/mlflow-artifacts/artifacts?path=${encodeURIComponent(`${run.info.artifact_uri.replace(/^mlflow-artifacts:\//, '')}/${path.split('/').slice(0, -1).join('/')}`)}`,
    ).then((r) => r.json() as Promise<{ files?: { path: string; file_size?: number }[] }>);
    return listing.files?.find((f) => f.path === path.split('/').pop())?.file_size;
  }

  test('the SDK (tracker.logArtifact)', async () => {
    const script = resolve('test/sdk/fixtures/upload-file.ts');
    const result = await runMeasured(
      ['--conditions=keel-source', '--import', import.meta.resolve('tsx'), script, file],
      { MLFLOW_TRACKING_URI: keel.url },
    );
    assert.equal(result.code, 0, result.stderr);
    const { runId, beforeMb, peakMb } = JSON.parse(result.stdout) as {
      runId: string;
      beforeMb: number;
      peakMb: number;
    };
    assert.equal(await uploadedSize(runId, 'sdk/big.bin'), FILE_BYTES);
    assert.ok(
      peakMb - beforeMb < MAX_GROWTH_MB,
      `grew from ${beforeMb.toFixed(0)} MB to a peak of ${peakMb.toFixed(0)} MB`,
    );
  });

  test('the command line (keel artifacts log-artifact)', async () => {
    const { run } = await client.createRun({ experiment_id: '0' });
    const env = { MLFLOW_TRACKING_URI: keel.url };
    // The same command's footprint when it transfers nothing, for comparison.
    const idle = await runMeasured([KEEL_BIN, 'artifacts', 'list', '-r', run.info.run_id], env);
    assert.equal(idle.code, 0, idle.stderr);
    const result = await runMeasured(
      [KEEL_BIN, 'artifacts', 'log-artifact', '-l', file, '-r', run.info.run_id, '-a', 'cli', '--no-progress'],
      env,
    );
    assert.equal(result.code, 0, result.stderr);
    assert.equal(statSync(file).size, FILE_BYTES);
    assert.equal(await uploadedSize(run.info.run_id, 'cli/big.bin'), FILE_BYTES);
    assert.ok(idle.peakMb > 0 && result.peakMb > 0, 'peaks were sampled');
    assert.ok(
      result.peakMb - idle.peakMb < MAX_GROWTH_MB,
      `peak ${result.peakMb.toFixed(0)} MB uploading, ${idle.peakMb.toFixed(0)} MB listing`,
    );
  });
});
