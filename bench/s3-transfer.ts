/**
 * S3 artifact transfer benchmark: a file streamed up and down through Keel's artifact proxy whose
 * destination is an S3-compatible endpoint, beside the same transfer done straight to that
 * endpoint with the AWS SDK (the proxy cannot beat the storage behind it). Two endpoints:
 *   - s3rver: the S3 test server (a child process writing files; or the one at --endpoint);
 *   - memory: bench/memory-s3.ts, an in-memory endpoint in its own process, so the figures show
 *     what the proxy itself can move when storage is not the bottleneck.
 *
 * Usage: npm run bench:s3 [-- --size-mib 512 --rounds 3 --stores s3rver,memory
 *                            --endpoint http://127.0.0.1:4568 --keel-bin path --cpu-prof-dir dir]
 * The Keel server runs in its own process (the bundled `keel` binary by default). Bodies are
 * generated on the fly, and every download (direct or proxied) is checked byte by byte as it
 * arrives, so the figures measure the transfer, not the local disk. Besides MiB/s (wall clock,
 * noisy on a shared machine), it reports the Keel server's CPU seconds per GiB moved, read from
 * /proc, which does not depend on the load. Prints a table and one JSON line with the medians.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { startS3TestServer } from '@keel/platform/testing';
import { generatedBody, generatedChecker, getGenerated, MiB, putGenerated } from '../test/support/memory.js';

const { values } = parseArgs({
  options: {
    'size-mib': { type: 'string', default: '512' },
    rounds: { type: 'string', default: '3' },
    stores: { type: 'string', default: 's3rver,memory' },
    endpoint: { type: 'string' },
    'keel-bin': { type: 'string', default: resolve(import.meta.dirname, '../packages/platform/bin/keel.js') },
    'cpu-prof-dir': { type: 'string' },
  },
});
const size = Number(values['size-mib']) * 1024 * 1024;
const rounds = Number(values.rounds);
const stores = (values.stores ?? '').split(',').filter((s) => s !== '');
for (const store of stores) {
  if (store !== 's3rver' && store !== 'memory') throw new Error(`--stores: unknown store '${store}' (s3rver, memory)`);
}

/** Waits for a child's "listening on <url>" line. */
function listening(child: ChildProcess, name: string): Promise<string> {
  return new Promise((done, fail) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) done(match[1] as string);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => fail(new Error(`${name} exited with ${code}: ${output}`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    child.once('exit', () => done());
    child.kill('SIGTERM');
  });
}

/** CPU seconds (user + system) a process has used so far, from /proc. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

interface Sample {
  readonly mibs: number;
  /** CPU seconds per GiB of the Keel server (proxied transfers) or of the store (direct ones). */
  readonly cpuPerGiB: number;
}

async function timed(what: string, pid: number | undefined, fn: () => Promise<number>): Promise<Sample> {
  const cpuBefore = pid === undefined ? 0 : cpuSeconds(pid);
  const started = performance.now();
  const bytes = await fn();
  const seconds = (performance.now() - started) / 1000;
  if (bytes !== size) throw new Error(`${what}: moved ${bytes} bytes, expected ${size}`);
  const cpu = pid === undefined ? Number.NaN : cpuSeconds(pid) - cpuBefore;
  return { mibs: size / MiB / seconds, cpuPerGiB: cpu / (size / (1024 * MiB)) };
}

/** The bytes an HTTP transfer moved, once it answered 200 (the body was checked as it streamed). */
async function transfer(method: string, status: Promise<number>): Promise<number> {
  const code = await status;
  if (code !== 200) throw new Error(`${method} answered ${code}`);
  return size;
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** Starts the store named `store`; resolves with its endpoint (undefined: s3rver as a child) and pid. */
async function startStore(store: string): Promise<{ endpoint?: string; child?: ChildProcess }> {
  if (store === 's3rver') return { endpoint: values.endpoint };
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(import.meta.dirname, 'memory-s3.ts')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { endpoint: await listening(child, 'memory S3'), child };
}

type Results = Record<'sdkPut' | 'sdkGet' | 'proxyPut' | 'proxyGet', Sample[]>;

async function measure(store: string): Promise<{ endpoint: string; results: Results }> {
  const started = await startStore(store);
  const env =
    started.endpoint === undefined ? process.env : { ...process.env, KEEL_TEST_S3_ENDPOINT: started.endpoint };
  const s3 = await startS3TestServer(env);
  const storePid = started.child?.pid ?? s3.pid;
  const bucket = await s3.createBucket();
  const dir = mkdtempSync(join(tmpdir(), 'keel-s3-bench-'));
  const profile =
    values['cpu-prof-dir'] === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${values['cpu-prof-dir']}`];
  const keelChild = spawn(
    process.execPath,
    [
      ...profile,
      resolve(values['keel-bin'] as string),
      'server',
      '--port',
      '0',
      '--backend-store-uri',
      `sqlite:///${join(dir, 'mlflow.db')}`,
      '--artifacts-destination',
      `s3://${bucket}/proxy`,
    ],
    {
      cwd: dir,
      env: {
        ...process.env,
        MLFLOW_S3_ENDPOINT_URL: s3.endpoint,
        AWS_ACCESS_KEY_ID: s3.settings.credentials?.accessKeyId,
        AWS_SECRET_ACCESS_KEY: s3.settings.credentials?.secretAccessKey,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
    },
  );
  const results: Results = { sdkPut: [], sdkGet: [], proxyPut: [], proxyGet: [] };
  try {
    const keelUrl = await listening(keelChild, 'keel server');
    const keelPid = keelChild.pid as number;
    // One key per kind, rewritten each round, so the in-memory store holds at most two files.
    const key = 'baseline/blob.bin';
    const path = '/api/2.0/mlflow-artifacts/artifacts/bench/run/artifacts/blob.bin';
    for (let round = 0; round < rounds; round++) {
      // The same part size and concurrency as Keel's S3 repository uses.
      results.sdkPut.push(
        await timed('SDK put', storePid, async () => {
          await new Upload({
            client: s3.client,
            params: { Bucket: bucket, Key: key, Body: generatedBody(size) },
            partSize: 8 * MiB,
            queueSize: 4,
          }).done();
          return size;
        }),
      );
      results.sdkGet.push(
        await timed('SDK get', storePid, async () => {
          const object = await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
          const checker = generatedChecker(size);
          await pipeline(object.Body as Readable, checker);
          checker.done();
          return size;
        }),
      );
      results.proxyPut.push(
        await timed('proxy put', keelPid, () => transfer('PUT', putGenerated(keelUrl, path, size))),
      );
      results.proxyGet.push(
        await timed('proxy get', keelPid, () => transfer('GET', getGenerated(keelUrl, path, size))),
      );
    }
    return { endpoint: s3.endpoint, results };
  } finally {
    await stop(keelChild);
    await s3.close();
    if (started.child !== undefined) await stop(started.child);
    rmSync(dir, { recursive: true, force: true });
  }
}

const summary: Record<string, unknown> = { sizeMiB: size / MiB, rounds };
const lines: string[] = [];
const cell = (xs: Sample[]) => {
  const mibs = `${median(xs.map((x) => x.mibs)).toFixed(1)} MiB/s`.padStart(12);
  const cpu = median(xs.map((x) => x.cpuPerGiB));
  return `${mibs} ${Number.isNaN(cpu) ? '' : `(${cpu.toFixed(2)} cpu-s/GiB)`}`.padEnd(32);
};
for (const store of stores) {
  const { endpoint, results } = await measure(store);
  const label = `${store} (${endpoint})`;
  lines.push(`  ${label}`);
  lines.push(`    upload    direct ${cell(results.sdkPut)} proxy ${cell(results.proxyPut)}`);
  lines.push(`    download  direct ${cell(results.sdkGet)} proxy ${cell(results.proxyGet)}`);
  lines.push(
    `    rounds (MiB/s): direct up ${results.sdkPut.map((x) => x.mibs.toFixed(0)).join('/')}, down ${results.sdkGet
      .map((x) => x.mibs.toFixed(0))
      .join('/')}; proxy up ${results.proxyPut.map((x) => x.mibs.toFixed(0)).join('/')}, down ${results.proxyGet
      .map((x) => x.mibs.toFixed(0))
      .join('/')}`,
  );
  for (const [name, samples] of Object.entries(results)) {
    summary[`${store}.${name}MiBs`] = Number(median(samples.map((x) => x.mibs)).toFixed(1));
    summary[`${store}.${name}CpuSecPerGiB`] = Number(median(samples.map((x) => x.cpuPerGiB)).toFixed(3));
  }
}
console.log(
  `S3 artifact transfer, ${size / MiB} MiB x ${rounds} rounds (medians; cpu-s/GiB: the store's CPU for direct ` +
    `transfers, the Keel server's for proxied ones), load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
);
for (const line of lines) console.log(line);
console.log(JSON.stringify(summary));
