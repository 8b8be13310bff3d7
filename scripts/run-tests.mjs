#!/usr/bin/env node
// Runs every `*.test.ts` of the repository in one Node process (fast; node's test runner prints
// the closing summary). Usage: node scripts/run-tests.mjs [substring ...] to run matching files only.
//
// PostgreSQL: the suites read KEEL_TEST_POSTGRES_URL. When it is unset and PostgreSQL 15 is
// installed, a throwaway cluster is started here (.ci/pg-up.sh) and stopped at the end. Files
// whose path names `postgres` need it; the suites of BOTH_BACKENDS run a second time with
// KEEL_TEST_BACKEND=postgres. KEEL_TEST_POSTGRES=off leaves all of that out, saying so.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
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

/** Suites that run on SQLite and then again on PostgreSQL (KEEL_TEST_BACKEND=postgres). */
const BOTH_BACKENDS = [
  'packages/platform/src/store/sql/search/',
  'packages/platform/src/store/sql/logged-models/',
  'test/rest/',
  'test/registry/',
  'test/logged-models/',
];

const filters = process.argv.slice(2);
const postgresOff = process.env.KEEL_TEST_POSTGRES === 'off';
const files = [...findTests(join(root, 'packages')), ...findTests(join(root, 'test'))]
  .filter((f) => filters.length === 0 || filters.some((s) => relative(root, f).includes(s)))
  .filter((f) => !postgresOff || !relative(root, f).includes('postgres'))
  .sort();
const postgresFiles = postgresOff
  ? []
  : files.filter((f) => BOTH_BACKENDS.some((prefix) => relative(root, f).startsWith(prefix)));
const needsPostgres = postgresFiles.length > 0 || files.some((f) => relative(root, f).includes('postgres'));
if (postgresOff) console.error('KEEL_TEST_POSTGRES=off: the PostgreSQL suites are left out.');
if (files.length === 0) {
  console.error('No test files matched.');
  process.exit(1);
}

// Black-box CLI suites run the bundled `keel` binary: rebuild the bundle so it matches the sources.
const bundled = spawnSync(process.execPath, [join(root, 'scripts/bundle.mjs')], { stdio: 'inherit' });
if (bundled.status !== 0) process.exit(bundled.status ?? 1);

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/** Starts a throwaway cluster with .ci/pg-up.sh; returns its URL and how to stop it. */
async function startPostgres() {
  if (!existsSync('/usr/lib/postgresql/15/bin/initdb')) {
    console.error(
      'The PostgreSQL suites need a server: set KEEL_TEST_POSTGRES_URL, install postgresql-15, ' +
        'or set KEEL_TEST_POSTGRES=off to leave them out.',
    );
    process.exit(1);
  }
  const base = mkdtempSync('/tmp/keel-pg.');
  const port = await freePort();
  const url = execFileSync('bash', [join(root, '.ci/pg-up.sh'), base, String(port)], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .at(-1);
  console.error(`Started a throwaway PostgreSQL for the tests: ${url}`);
  return { url, stop: () => execFileSync('bash', [join(root, '.ci/pg-down.sh'), base], { stdio: 'inherit' }) };
}

function runFiles(list, env) {
  const dir = mkdtempSync(join(tmpdir(), 'keel-tests-'));
  const entry = join(dir, 'all.mjs');
  // Static imports: every file registers its tests before any runs. With `await import()` one by
  // one, --test-force-exit ended the process after the first file's tests and skipped the rest.
  writeFileSync(entry, list.map((f) => `import ${JSON.stringify(pathToFileURL(f).href)};`).join('\n'));
  const result = spawnSync(
    process.execPath,
    ['--conditions=keel-source', '--import', 'tsx', '--test-reporter=spec', '--test-force-exit', entry],
    { cwd: root, stdio: 'inherit', env: { ...process.env, KEEL_TEST: '1', ...env } },
  );
  rmSync(dir, { recursive: true, force: true });
  return result.status ?? 1;
}

let postgres;
const env = {};
if (needsPostgres) {
  if (process.env.KEEL_TEST_POSTGRES_URL) env.KEEL_TEST_POSTGRES_URL = process.env.KEEL_TEST_POSTGRES_URL;
  else {
    postgres = await startPostgres();
    env.KEEL_TEST_POSTGRES_URL = postgres.url;
  }
}
let status;
try {
  console.error(`Running ${files.length} test file(s)...`);
  status = runFiles(files, env);
  if (postgresFiles.length > 0) {
    console.error(`Running ${postgresFiles.length} test file(s) again on PostgreSQL (KEEL_TEST_BACKEND=postgres)...`);
    const again = runFiles(postgresFiles, { ...env, KEEL_TEST_BACKEND: 'postgres' });
    if (status === 0) status = again;
  }
} finally {
  postgres?.stop();
}
process.exit(status);
