/**
 * The web UI at `/` (under `--static-prefix` when given): the built files of `@keel/ui`, which
 * the build writes to this package's `dist/ui`. The files are read once at start-up (a few
 * hundred kilobytes) and served from memory, gzipped (once) when the browser accepts it, so no request
 * path ever reaches the file system. Hashed assets are cached for a year; `index.html` is
 * revalidated and carries a Content-Security-Policy that allows no inline script and no
 * foreign origin. Without a build, a small page says what the server is and how to build it.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { KEEL_VERSION, MLFLOW_COMPAT_VERSION } from '@keel/contract';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../deps.js';

/** The folder of the built UI's hashed assets (MLflow's UI uses the same name). */
export const UI_ASSETS_DIR = 'static-files';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * The UI page's policy: scripts and styles only from the server itself; images may be blobs or
 * data URLs (artifact previews); artifact HTML is shown in sandboxed `srcdoc` frames.
 */
export const UI_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' blob: data:",
  "frame-src 'self' blob: data:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'self'",
].join('; ');

interface StaticFile {
  readonly body: Buffer;
  readonly type: string;
  /** Whether a gzipped copy is worth sending (text over 1 KiB). */
  readonly compressible: boolean;
  /** The gzipped copy, made on the first request that accepts it (keeps start-up fast). */
  gzipped?: Buffer;
}

const PLACEHOLDER = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Keel</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:4rem auto;padding:0 1rem;color:#1d2430}
code{background:#f1f3f5;padding:.1rem .3rem;border-radius:3px}</style></head>
<body>
<h1>Keel tracking server</h1>
<p>Keel ${KEEL_VERSION} speaks MLflow's REST API (compatible with MLflow ${MLFLOW_COMPAT_VERSION} clients).</p>
<p>The web UI is not built in this installation: run <code>npm run build</code> in the repository.</p>
<p>Point a client at this server: <code>export MLFLOW_TRACKING_URI=http://HOST:PORT</code></p>
<ul>
<li>REST API: <code>/api/2.0/mlflow/...</code></li>
<li>Artifact proxy: <code>/api/2.0/mlflow-artifacts/...</code></li>
<li>Health: <a href="health"><code>/health</code></a></li>
</ul>
</body>
</html>
`;

/**
 * Where the built UI is: `dist/ui` of the first folder above this module that has one (the
 * module runs from `src/server/raw` in development and from `dist` or `dist/chunks` when bundled).
 */
export function findBuiltUi(from: string = dirname(fileURLToPath(import.meta.url))): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = join(dir, 'dist', 'ui');
    if (existsSync(join(candidate, 'index.html'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function listFiles(root: string, dir: string = root, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) listFiles(root, full, out);
    else out.push(relative(root, full).split(sep).join('/'));
  }
  return out;
}

/** Reads every file of the built UI into memory, keyed by its URL path below the UI's root. */
export function loadUiFiles(directory: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  for (const path of listFiles(directory)) {
    if (path.endsWith('.map')) continue;
    const body = readFileSync(join(directory, path));
    const type = CONTENT_TYPES[extname(path)] ?? 'application/octet-stream';
    const compressible = /^(text\/|image\/svg|application\/json)/.test(type) && body.length > 1024;
    files.set(path, { body, type, compressible });
  }
  return files;
}

function send(request: FastifyRequest, reply: FastifyReply, file: StaticFile, cache: string): FastifyReply {
  reply.header('content-type', file.type).header('cache-control', cache).header('vary', 'Accept-Encoding');
  const accepts = String(request.headers['accept-encoding'] ?? '');
  if (file.compressible && /\bgzip\b/.test(accepts)) {
    file.gzipped ??= gzipSync(file.body, { level: 9 });
    return reply.header('content-encoding', 'gzip').send(file.gzipped);
  }
  return reply.send(file.body);
}

/** Serves the UI (or the placeholder page) at the prefix, and the build's files below it. */
export async function registerUiRoutes(app: FastifyInstance, deps: Pick<AppDeps, 'options'>): Promise<void> {
  const prefix = deps.options.staticPrefix;
  const directory = deps.options.uiDirectory ?? findBuiltUi();
  const files =
    directory === undefined || !existsSync(join(directory, 'index.html')) ? undefined : loadUiFiles(directory);
  const indexFile = files?.get('index.html');

  const index = async (request: FastifyRequest, reply: FastifyReply) => {
    if (indexFile === undefined) return reply.type('text/html; charset=utf-8').send(PLACEHOLDER);
    reply.header('content-security-policy', UI_CONTENT_SECURITY_POLICY);
    return send(request, reply, indexFile, 'no-cache');
  };
  app.get(`${prefix}/`, index);
  if (prefix !== '') app.get(prefix, index);
  if (files === undefined) return;

  // Only files that were in the build are served: the path is a key of the map, never a file name.
  app.get(`${prefix}/${UI_ASSETS_DIR}/*`, async (request, reply) => {
    const rest = (request.params as { '*': string })['*'];
    const file = files.get(`${UI_ASSETS_DIR}/${rest}`);
    if (file === undefined) return reply.callNotFound();
    return send(request, reply, file, 'public, max-age=31536000, immutable');
  });
  for (const [path, file] of files) {
    if (path === 'index.html' || path.startsWith(`${UI_ASSETS_DIR}/`)) continue;
    app.get(`${prefix}/${path}`, async (request, reply) => send(request, reply, file, 'no-cache'));
  }
}
