/**
 * An S3-compatible server for tests: `s3rver` (a dev dependency) started as a child process on
 * a random loopback port with a temporary data directory, or the server named by
 * `KEEL_TEST_S3_ENDPOINT` when that is set (CI may provide one). Either way a test that needs
 * S3 fails, never skips, when the server is not usable.
 *
 * @example
 * const s3 = await startS3TestServer();
 * const bucket = await s3.createBucket();
 * // ... s3://<bucket>/prefix with s3.settings ...
 * await s3.close();
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { type S3Settings, s3Settings } from '../artifacts/s3-settings.js';

export interface S3TestServer {
  /** `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  /** Settings that reach it (path-style, its test credentials). */
  readonly settings: S3Settings;
  /** An SDK client with those settings, for looking into the buckets; destroyed by `close`. */
  readonly client: S3Client;
  /** The child's process id (undefined for an external server). */
  readonly pid: number | undefined;
  /** Creates a fresh bucket with a unique name (or `name`) and returns its name. */
  createBucket(name?: string): Promise<string>;
  /** Stops the child and removes its data (an external server is left as it is). */
  close(): Promise<void>;
}

/** s3rver accepts any secret; it checks only that the key id is its own. */
const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const START_TIMEOUT_MS = 20_000;

function s3rverBin(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('s3rver/package.json')), 'bin', 's3rver.js');
}

/** Spawns s3rver and resolves with its port once it prints its listening line. */
function spawnS3rver(dataDir: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [s3rverBin(), '-d', dataDir, '-a', '127.0.0.1', '-p', '0', '--silent'], {
    // s3rver encrypts continuation tokens with DES, which OpenSSL 3 keeps in its legacy provider.
    env: { ...process.env, NODE_OPTIONS: '--openssl-legacy-provider' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(
      () => fail(new Error(`s3rver did not start within ${START_TIMEOUT_MS} ms: ${output}`)),
      START_TIMEOUT_MS,
    );
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on [^:\s]+:(\d+)/.exec(output);
      if (match === null) return;
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stdout?.resume();
      child.stderr?.resume();
      resolve({ child, port: Number(match[1]) });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('error', fail);
    child.once('exit', (code) => fail(new Error(`s3rver exited with code ${code} before listening: ${output}`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Starts (or connects to) the S3 test server; throws when it is not usable. */
export async function startS3TestServer(env: NodeJS.ProcessEnv = process.env): Promise<S3TestServer> {
  const external = env.KEEL_TEST_S3_ENDPOINT;
  let child: ChildProcess | undefined;
  let dataDir: string | undefined;
  let endpoint: string;
  if (external !== undefined && external !== '') {
    endpoint = external.replace(/\/+$/, '');
  } else {
    dataDir = mkdtempSync(join(tmpdir(), 'keel-s3rver-'));
    try {
      const started = await spawnS3rver(dataDir);
      child = started.child;
      endpoint = `http://127.0.0.1:${started.port}`;
    } catch (error) {
      rmSync(dataDir, { recursive: true, force: true });
      throw error;
    }
  }
  const credentials =
    external !== undefined && env.AWS_ACCESS_KEY_ID !== undefined && env.AWS_SECRET_ACCESS_KEY !== undefined
      ? { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY }
      : S3RVER_CREDENTIALS;
  const settings = s3Settings({ endpointUrl: endpoint, credentials, addressingStyle: 'path' });
  const { createS3Client } = await import('../artifacts/s3-artifact-repository.js');
  const { CreateBucketCommand } = await import('@aws-sdk/client-s3');
  const client = createS3Client(settings);
  const server: S3TestServer = {
    endpoint,
    settings,
    client,
    pid: child?.pid,
    async createBucket(name = `keel-test-${randomBytes(6).toString('hex')}`) {
      await client.send(new CreateBucketCommand({ Bucket: name }));
      return name;
    },
    async close() {
      client.destroy();
      if (child !== undefined) await stop(child);
      if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  try {
    // Proves the server answers before any test relies on it.
    await server.createBucket();
  } catch (error) {
    await server.close();
    throw new Error(`The S3 test server at ${endpoint} is not usable: ${(error as Error).message}`, { cause: error });
  }
  return server;
}
