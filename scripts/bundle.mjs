#!/usr/bin/env node
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
// Bundles the `keel` command into dist/keel.mjs. Loading a few files instead of hundreds of
// small modules (Kysely and Fastify ship ~700) cuts the server's start-up time by about 200 ms.
// Code behind an `import()` goes to its own chunk (dist/chunks/), so each command parses only
// what it runs: the client-side commands never parse the server, nor the server the SDK.
// Native and optional drivers stay external.
import { build } from 'esbuild';

const root = resolve(import.meta.dirname, '..');
const outdir = join(root, 'packages/platform/dist');
// Chunk names carry content hashes: clear the old ones so they do not pile up.
rmSync(join(outdir, 'chunks'), { recursive: true, force: true });
await build({
  entryPoints: { keel: join(root, 'packages/platform/src/cli/main.ts') },
  outdir,
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  splitting: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  conditions: ['keel-source'],
  external: ['better-sqlite3', 'pg', '@aws-sdk/*', 'onnxruntime-node'],
  // Some bundled CommonJS packages call require() for Node built-ins.
  banner: {
    js: "import { createRequire as __keelRequire } from 'node:module'; const require = __keelRequire(import.meta.url);",
  },
  sourcemap: 'linked',
  logLevel: 'warning',
});
