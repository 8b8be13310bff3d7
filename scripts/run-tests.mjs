#!/usr/bin/env node
// Runs every `*.test.ts` of the repository in one Node process (fast; node's test runner prints
// the closing summary). Usage: node scripts/run-tests.mjs [substring ...] to run matching files only.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = resolve(import.meta.dirname, '..');
const SKIP = new Set(['node_modules', 'dist', '.git', 'coverage']);

function findTests(dir, out = []) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(entry.name) || entry.name.startsWith('.')) continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) findTests(full, out);
    else if (entry.name.endsWith('.test.ts')) out.push(full);
  }
  return out;
}

const filters = process.argv.slice(2);
const files = [...findTests(join(root, 'packages')), ...findTests(join(root, 'test'))]
  .filter((f) => filters.length === 0 || filters.some((s) => relative(root, f).includes(s)))
  .sort();
if (files.length === 0) {
  console.error('No test files matched.');
  process.exit(1);
}

const dir = mkdtempSync(join(tmpdir(), 'keel-tests-'));
const entry = join(dir, 'all.mjs');
// Static imports: every file registers its tests before any runs. With `await import()` one by
// one, --test-force-exit ended the process after the first file's tests and skipped the rest.
writeFileSync(entry, files.map((f) => `import ${JSON.stringify(pathToFileURL(f).href)};`).join('\n'));
console.error(`Running ${files.length} test file(s)...`);
const result = spawnSync(
  process.execPath,
  ['--conditions=keel-source', '--import', 'tsx', '--test-reporter=spec', '--test-force-exit', entry],
  { cwd: root, stdio: 'inherit', env: { ...process.env, KEEL_TEST: '1' } },
);
rmSync(dir, { recursive: true, force: true });
process.exit(result.status ?? 1);
