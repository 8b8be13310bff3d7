/**
 * S3 artifact transfer benchmark: a file streamed up and down through Keel's artifact proxy whose
 * destination is an S3-compatible server (s3rver, started here as a child process, or the one at
 * --endpoint), beside the same transfer done straight to that server with the AWS SDK (the
 * baseline: the proxy cannot beat the storage behind it).
 *
 * Usage: npm run bench:s3 [-- --size-mib 512 --rounds 3 --endpoint http://127.0.0.1:4568 --keel-bin path]
 * The Keel server runs in its own process (the bundled `keel` binary by default). Bodies are
 * generated on the fly (and checked as they come back through the proxy), so the figures measure
 * the transfer, not the local disk.
 * Prints a table and one JSON line with the medians in MiB/s.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { startS3TestServer } from '@keel/platform/testing';
import { generatedBody, getGenerated, MiB, putGenerated } from '../test/support/memory.js';

const { values } = parseArgs({
  options: {
    'size-mib': { type: 'string', default: '512' },
    rounds: { type: 'string', default: '3' },
    endpoint: { type: 'string' },
    'keel-bin': { type: 'string', default: resolve(import.meta.dirname, '../packages/platform/bin/keel.js') },
  },
});
const size = Number(values['size-mib']) * 1024 * 1024;
const rounds = Number(values.rounds);

async function drain(stream: AsyncIterable<Uint8Array>): Promise<number> {
  let n = 0;
  for await (const chunk of stream) n += chunk.length;
  return n;
}

async function timed(what: string, fn: () => Promise<number>): Promise<number> {
  const started = performance.now();
  const bytes = await fn();
  const seconds = (performance.now() - started) / 1000;
  if (bytes !== size) throw new Error(`${what}: moved ${bytes} bytes, expected ${size}`);
  return size / MiB / seconds;
}

/** The bytes an HTTP transfer moved, once it answered 200 (the body was checked as it streamed). */
async function transfer(method: string, status: Promise<number>): Promise<number> {
  const code = await status;
  if (code !== 200) throw new Error(`${method} answered ${code}`);
  return size;
}

function startKeel(
  bin: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [bin, 'server', '--port', '0', ...args], {
    cwd,
    env: { ...process.env, ...env },
  });
  return new Promise((done, fail) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) done({ url: match[1] as string, child });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => fail(new Error(`keel server exited with ${code}: ${output}`)));
  });
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

const s3 = await startS3TestServer(
  values.endpoint === undefined ? process.env : { ...process.env, KEEL_TEST_S3_ENDPOINT: values.endpoint },
);
const bucket = await s3.createBucket();
const dir = mkdtempSync(join(tmpdir(), 'keel-s3-bench-'));
const keel = await startKeel(
  values['keel-bin'],
  ['--backend-store-uri', `sqlite:///${join(dir, 'mlflow.db')}`, '--artifacts-destination', `s3://${bucket}/proxy`],
  {
    MLFLOW_S3_ENDPOINT_URL: s3.endpoint,
    AWS_ACCESS_KEY_ID: s3.settings.credentials?.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.settings.credentials?.secretAccessKey,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  },
  dir,
);
const client = s3.client;
const results = { sdkPut: [] as number[], sdkGet: [] as number[], proxyPut: [] as number[], proxyGet: [] as number[] };
try {
  for (let round = 0; round < rounds; round++) {
    const key = `baseline/blob-${round}.bin`;
    // The same part size and concurrency as Keel's S3 repository uses.
    results.sdkPut.push(
      await timed('SDK put', async () => {
        await new Upload({
          client,
          params: { Bucket: bucket, Key: key, Body: generatedBody(size) },
          partSize: 8 * MiB,
          queueSize: 4,
        }).done();
        return size;
      }),
    );
    results.sdkGet.push(
      await timed('SDK get', async () => {
        const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return drain(object.Body as Readable);
      }),
    );
    const path = `/api/2.0/mlflow-artifacts/artifacts/bench/run-${round}/artifacts/blob.bin`;
    results.proxyPut.push(await timed('proxy put', () => transfer('PUT', putGenerated(keel.url, path, size))));
    results.proxyGet.push(await timed('proxy get', () => transfer('GET', getGenerated(keel.url, path, size))));
  }
} finally {
  keel.child.kill('SIGTERM');
  await new Promise((done) => keel.child.once('exit', done));
  await s3.close();
  rmSync(dir, { recursive: true, force: true });
}

const fmt = (xs: number[]) => `${median(xs).toFixed(1).padStart(7)} MiB/s  (${xs.map((x) => x.toFixed(0)).join(', ')})`;
console.log(
  `S3 artifact transfer, ${size / MiB} MiB x ${rounds} rounds, endpoint ${s3.endpoint}, load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
console.log(`  raw SDK upload (baseline)   ${fmt(results.sdkPut)}`);
console.log(`  raw SDK download (baseline) ${fmt(results.sdkGet)}`);
console.log(`  Keel proxy upload           ${fmt(results.proxyPut)}`);
console.log(`  Keel proxy download         ${fmt(results.proxyGet)}`);
console.log(
  JSON.stringify({
    sizeMiB: size / MiB,
    rounds,
    sdkPutMiBs: median(results.sdkPut),
    sdkGetMiBs: median(results.sdkGet),
    proxyPutMiBs: median(results.proxyPut),
    proxyGetMiBs: median(results.proxyGet),
  }),
);
