// Downloads stream to disk: the SDK (a script in its own process) and `keel artifacts download`
// fetch a 256 MiB artifact with a peak resident memory under 100 MB above what the same download
// of a 1 MiB file takes (a client that buffered the file would need 256 MiB more).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KeelClient } from '@keel/client';
import { KEEL_BIN } from '../support/cli.js';
import { checkGeneratedFile, MiB, megabytes, putGenerated, runMeasured } from '../support/memory.js';
import { startTestServer, type TestServer } from './support.js';

const BIG = 256 * MiB;
const SMALL = MiB;
const GROWTH_BOUND = 100e6;
const SCRIPT = resolve('test/sdk/fixtures/transfer.ts');

describe('client downloads keep memory bounded', { timeout: 300_000 }, () => {
  let keel: TestServer;
  let dir: string;
  let runId: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    keel = await startTestServer();
    dir = mkdtempSync(join(tmpdir(), 'keel-download-memory-'));
    const client = new KeelClient({ trackingUri: keel.url });
    const { run } = await client.createRun({ experiment_id: '0' });
    runId = run.info.run_id;
    const proxied = `/api/2.0/mlflow-artifacts/artifacts/0/${runId}/artifacts`;
    assert.equal(await putGenerated(keel.url, `${proxied}/big.bin`, BIG), 200);
    assert.equal(await putGenerated(keel.url, `${proxied}/small.bin`, SMALL), 200);
    env = { PATH: process.env.PATH ?? '', HOME: dir, MLFLOW_TRACKING_URI: keel.url };
  });
  after(async () => {
    await keel.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function sdkDownload(name: string, size: number): Promise<number> {
    const dst = join(dir, `sdk-${name}`);
    const result = await runMeasured(
      process.execPath,
      ['--conditions=keel-source', '--import', 'tsx', SCRIPT, 'download', runId, name, dst],
      env,
    );
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim(), join(dst, name));
    await checkGeneratedFile(join(dst, name), size);
    rmSync(dst, { recursive: true, force: true });
    return result.peak;
  }

  async function cliDownload(name: string, size: number): Promise<number> {
    const dst = join(dir, `cli-${name}`);
    const result = await runMeasured(
      process.execPath,
      [KEEL_BIN, 'artifacts', 'download', '-r', runId, '-a', name, '-d', dst, '--no-progress'],
      env,
    );
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim(), join(dst, name));
    await checkGeneratedFile(join(dst, name), size);
    rmSync(dst, { recursive: true, force: true });
    return result.peak;
  }

  it('the SDK downloads 256 MiB with under 100 MB more resident memory than 1 MiB takes', async () => {
    const small = await sdkDownload('small.bin', SMALL);
    const big = await sdkDownload('big.bin', BIG);
    assert.ok(big - small < GROWTH_BOUND, `peak ${megabytes(big)} against ${megabytes(small)}`);
  });

  it('keel artifacts download fetches 256 MiB with under 100 MB more resident memory than 1 MiB takes', async () => {
    const small = await cliDownload('small.bin', SMALL);
    const big = await cliDownload('big.bin', BIG);
    assert.ok(big - small < GROWTH_BOUND, `peak ${megabytes(big)} against ${megabytes(small)}`);
  });
});
