/**
 * A minimal S3-compatible endpoint that keeps objects in memory, for the S3 transfer benchmark
 * only: it measures what Keel's proxy costs in front of storage that is not the bottleneck
 * (s3rver, the test server, writes every byte to files from one JS process and caps uploads
 * well below the proxy). It is not a test fake and nothing in Keel's suites uses it.
 *
 * It answers the calls the transfer needs, path-style: CreateBucket, PutObject,
 * CreateMultipartUpload, UploadPart, CompleteMultipartUpload, AbortMultipartUpload, GetObject
 * (whole or one `bytes=a-b` range), HeadObject and DeleteObject. Bodies are kept as the chunks
 * the socket delivered (never concatenated) and sent back with backpressure. Signatures and
 * checksums are not verified.
 *
 * Run on its own: node --import tsx bench/memory-s3.ts [--port 0]  (prints "listening on <url>")
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';

type Chunks = Buffer[];

function sizeOf(chunks: Chunks): number {
  let n = 0;
  for (const chunk of chunks) n += chunk.length;
  return n;
}

function receive(request: IncomingMessage): Promise<Chunks> {
  return new Promise((resolve, reject) => {
    const chunks: Chunks = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(chunks));
    request.on('error', reject);
  });
}

function xml(response: ServerResponse, status: number, body: string): void {
  const bytes = Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`);
  response.writeHead(status, { 'content-type': 'application/xml', 'content-length': bytes.length });
  response.end(bytes);
}

function s3Error(response: ServerResponse, status: number, code: string): void {
  xml(response, status, `<Error><Code>${code}</Code><Message>${code}</Message></Error>`);
}

/** Writes `[start, end)` of `chunks`, waiting for the socket to drain when its buffer is full. */
async function sendChunks(response: ServerResponse, chunks: Chunks, start: number, end: number): Promise<void> {
  let at = 0;
  for (const chunk of chunks) {
    const from = Math.max(start - at, 0);
    const to = Math.min(end - at, chunk.length);
    at += chunk.length;
    if (to <= from) continue;
    if (!response.write(from === 0 && to === chunk.length ? chunk : chunk.subarray(from, to))) {
      await new Promise<void>((resolve) => {
        response.once('drain', resolve);
        response.once('close', resolve);
      });
      if (response.destroyed) return;
    }
  }
  response.end();
}

/** The in-memory store and its request handler. */
function memoryS3(): (request: IncomingMessage, response: ServerResponse) => Promise<void> {
  const buckets = new Set<string>();
  const objects = new Map<string, Chunks>();
  const uploads = new Map<string, { key: string; parts: Map<number, Chunks> }>();
  return async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://s3');
    const [bucket = '', ...rest] = url.pathname.slice(1).split('/');
    const key = decodeURIComponent(rest.join('/'));
    const id = `${bucket}/${key}`;
    const query = url.searchParams;
    const method = request.method ?? 'GET';
    if (key === '') {
      await receive(request);
      if (method === 'PUT') buckets.add(bucket);
      response.writeHead(200, { 'content-length': 0 }).end();
      return;
    }
    if (!buckets.has(bucket)) return s3Error(response, 404, 'NoSuchBucket');
    if (method === 'POST' && query.has('uploads')) {
      await receive(request);
      const uploadId = randomBytes(8).toString('hex');
      uploads.set(uploadId, { key: id, parts: new Map() });
      return xml(
        response,
        200,
        `<InitiateMultipartUploadResult><Bucket>${bucket}</Bucket><Key>${key}</Key><UploadId>${uploadId}</UploadId></InitiateMultipartUploadResult>`,
      );
    }
    const uploadId = query.get('uploadId');
    if (uploadId !== null) {
      const upload = uploads.get(uploadId);
      if (upload === undefined || upload.key !== id) {
        await receive(request);
        return s3Error(response, 404, 'NoSuchUpload');
      }
      if (method === 'PUT') {
        const partNumber = Number(query.get('partNumber'));
        upload.parts.set(partNumber, await receive(request));
        response.writeHead(200, { etag: `"part-${partNumber}"`, 'content-length': 0 }).end();
        return;
      }
      await receive(request);
      uploads.delete(uploadId);
      if (method === 'DELETE') {
        response.writeHead(204).end();
        return;
      }
      // Complete: the parts in number order (the XML lists them in order; all of them are used).
      const numbers = [...upload.parts.keys()].sort((a, b) => a - b);
      objects.set(
        id,
        numbers.flatMap((n) => upload.parts.get(n) as Chunks),
      );
      return xml(
        response,
        200,
        `<CompleteMultipartUploadResult><Bucket>${bucket}</Bucket><Key>${key}</Key><ETag>"${uploadId}-${numbers.length}"</ETag></CompleteMultipartUploadResult>`,
      );
    }
    if (method === 'PUT') {
      objects.set(id, await receive(request));
      response.writeHead(200, { etag: '"object"', 'content-length': 0 }).end();
      return;
    }
    if (method === 'DELETE') {
      await receive(request);
      objects.delete(id);
      response.writeHead(204).end();
      return;
    }
    const object = objects.get(id);
    if (object === undefined) return s3Error(response, 404, 'NoSuchKey');
    const size = sizeOf(object);
    const range = /^bytes=(\d+)-(\d*)$/.exec(request.headers.range ?? '');
    const start = range === null ? 0 : Number(range[1]);
    const end = range === null || range[2] === '' ? size : Math.min(Number(range[2]) + 1, size);
    const headers = { 'content-length': end - start, etag: '"object"', 'content-type': 'application/octet-stream' };
    if (range === null) response.writeHead(200, headers);
    else response.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${end - 1}/${size}` });
    if (method === 'HEAD') {
      response.end();
      return;
    }
    await sendChunks(response, object, start, end);
  };
}

/** Starts the in-memory endpoint on 127.0.0.1:`port` (0: any free port). */
export async function startMemoryS3(port = 0): Promise<{ endpoint: string; server: Server }> {
  const handle = memoryS3();
  const server = createServer((request, response) => {
    handle(request, response).catch((error: Error) => response.destroy(error));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '0' } } });
  const { endpoint } = await startMemoryS3(Number(values.port));
  console.log(`memory S3 listening on ${endpoint}`);
}
