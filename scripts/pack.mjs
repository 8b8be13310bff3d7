#!/usr/bin/env node
// Packs the publishable packages into tarballs, ready to install elsewhere or to publish:
//   @keel/contract  (wire contract; no dependencies)
//   @keel/client    (the SDK; depends on @keel/contract, packed beside it)
//   @keel/platform  (server, stores and the `keel` command; depends on both)
// Usage: npm run pack [-- --out <dir>]   (default dist-packages/; run `npm run build` first,
// as `npm run pack` does). Prints each tarball and how to install them.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const root = resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { out: { type: 'string', default: join(root, 'dist-packages') } } });
const out = resolve(values.out);
const PACKAGES = ['packages/contract', 'packages/client', 'packages/platform'];

for (const dir of PACKAGES) {
  if (!existsSync(join(root, dir, 'dist'))) {
    console.error(`${dir}/dist is missing: run npm run build first.`);
    process.exit(1);
  }
}
// Old tarballs of other versions would be installed by a `*.tgz` glob too.
if (existsSync(out)) for (const name of readdirSync(out)) if (name.endsWith('.tgz')) rmSync(join(out, name));
mkdirSync(out, { recursive: true });
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const packed = JSON.parse(
  execFileSync(npm, ['pack', '--json', '--pack-destination', out, ...PACKAGES.flatMap((dir) => ['-w', dir])], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }),
);
const rel = relative(process.cwd(), out);
// `./` keeps npm from reading `dir/file.tgz` as anything but a file.
const shown = rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? out : `./${rel}`;
for (const p of packed)
  console.log(`${shown}/${p.filename}  ${p.name}@${p.version}  ${(p.size / 1024).toFixed(0)} KiB`);
const file = (name) => `${shown}/${packed.find((p) => p.name === name).filename}`;
console.log(`
The SDK in a project:    npm install ${file('@keel/contract')} ${file('@keel/client')}
  (add ${file('@keel/platform')} for local sqlite:/// stores without a server)
The keel command:        npm install -g ${shown}/*.tgz`);
