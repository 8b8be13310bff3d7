#!/usr/bin/env node
import { join, resolve } from 'node:path';
// Bundles the `keel` command into one ESM file (dist/keel.mjs). Loading one file instead of
// hundreds of small modules (Kysely and Fastify ship ~700) cuts the server's start-up time by
// about 200 ms. Native and optional drivers stay external.
import { build } from 'esbuild';

const root = resolve(import.meta.dirname, '..');
await build({
  entryPoints: [join(root, 'packages/platform/src/cli/main.ts')],
  outfile: join(root, 'packages/platform/dist/keel.mjs'),
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
