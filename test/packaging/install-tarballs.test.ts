// The packages install outside this repository: `npm run pack` writes the tarballs, a fresh
// project in the temporary directory installs them with npm (offline, from the machine's npm
// cache, which `npm ci` filled with their dependencies), and there the README's SDK snippet runs
// against the installed `keel server`, and again against a local store with no server, and
// `keel --help` works.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { codeBlocks } from '../support/readme.js';

const ROOT = resolve(import.meta.dirname, '../..');
const PACKAGES = {
  '@keel/contract': 'packages/contract',
  '@keel/client': 'packages/client',
  '@keel/platform': 'packages/platform',
};

interface LockEntry {
  version?: string;
  resolved?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

/**
 * The repository lock's entries for everything the packed packages depend on (outside Keel),
 * moved from `packages/<x>/node_modules/...` to where the project installs them, each with its
 * tarball's registry URL. With them, npm fetches exact tarballs, which the offline cache holds,
 * instead of asking the registry which versions exist (which an offline install cannot; a lock
 * written with npm's omit-lockfile-registry-resolved setting, as here, has no URLs).
 */
function lockEntriesForPackages(registry: string): Record<string, LockEntry> {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const entries = lock.packages;
  // Node's resolution: the nearest node_modules/<name> walking up from `from`.
  const locate = (from: string, name: string): string | undefined => {
    for (let dir = from; ; ) {
      const candidate = `${dir === '' ? '' : `${dir}/`}node_modules/${name}`;
      if (entries[candidate] !== undefined) return candidate;
      if (dir === '') return undefined;
      const up = dir.lastIndexOf('/node_modules/');
      dir = up < 0 ? '' : dir.slice(0, up);
    }
  };
  const found = new Set<string>();
  const pending: string[] = Object.values(PACKAGES);
  while (pending.length > 0) {
    const path = pending.pop() as string;
    const entry = entries[path] as LockEntry;
    const deps = { ...entry.dependencies, ...entry.optionalDependencies, ...entry.peerDependencies };
    for (const name of Object.keys(deps)) {
      if (name in PACKAGES) continue;
      const at = locate(path, name);
      if (at === undefined) {
        if (entry.peerDependenciesMeta?.[name]?.optional || entry.optionalDependencies?.[name]) continue;
        throw new Error(`${name} (needed by ${path}) is not in package-lock.json`);
      }
      if (!found.has(at)) {
        found.add(at);
        pending.push(at);
      }
    }
  }
  const out: Record<string, LockEntry> = {};
  for (const path of found) {
    let target = path;
    for (const [name, dir] of Object.entries(PACKAGES))
      if (path.startsWith(`${dir}/`)) target = `node_modules/${name}/${path.slice(dir.length + 1)}`;
    const entry = entries[path] as LockEntry;
    const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    const resolved = `${registry.replace(/\/+$/, '')}/${name}/-/${name.split('/').pop()}-${entry.version}.tgz`;
    out[target] = { ...entry, resolved: entry.resolved ?? resolved };
  }
  return out;
}

function npm(args: string[], cwd: string): string {
  const result = spawnSync('npm', args, { cwd, encoding: 'utf8', env: cleanEnv() });
  assert.equal(result.status, 0, `npm ${args.join(' ')}\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/** The environment of a user's shell: no test-runner loader flags, no tracking settings. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TZ: 'UTC', ...extra };
}

function runNode(args: string[], cwd: string, env: Record<string, string> = {}) {
  return spawnSync(process.execPath, args, { cwd, encoding: 'utf8', env: cleanEnv(env), timeout: 120_000 });
}

describe('the packed tarballs, installed in a project outside the repository', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keel-packaging-'));
  const project = join(dir, 'my-project');
  let server: ChildProcess | undefined;
  let url = '';
  after(() => {
    server?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  before(async () => {
    // Compile what the tarballs contain (incremental: quick when up to date); the test runner
    // has just bundled the `keel` command, which other suites are running, so it is left alone.
    const compiled = spawnSync(join(ROOT, 'node_modules/.bin/tsc'), ['-b', 'packages/platform', 'packages/client'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    assert.equal(compiled.status, 0, compiled.stdout + compiled.stderr);
    const out = join(dir, 'dist-packages');
    const packed = runNode([join(ROOT, 'scripts/pack.mjs'), '--out', out], ROOT);
    assert.equal(packed.status, 0, packed.stderr);
    const tarballs = readdirSync(out).sort();
    assert.deepEqual(tarballs, ['keel-client-0.1.0.tgz', 'keel-contract-0.1.0.tgz', 'keel-platform-0.1.0.tgz']);

    mkdirSync(project);
    const cache = npm(['config', 'get', 'cache'], ROOT).trim();
    const registry = npm(['config', 'get', 'registry'], ROOT).trim();
    const dependencies = Object.fromEntries(
      tarballs.map((file) => [`@keel/${/^keel-(\w+)-/.exec(file)?.[1]}`, `file:${join(out, file)}`]),
    );
    const manifest = { name: 'my-project', version: '1.0.0', private: true, type: 'module', dependencies };
    writeFileSync(join(project, 'package.json'), JSON.stringify(manifest, null, 2));
    writeFileSync(
      join(project, 'package-lock.json'),
      JSON.stringify({
        name: manifest.name,
        version: manifest.version,
        lockfileVersion: 3,
        requires: true,
        packages: {
          '': { name: manifest.name, version: manifest.version, dependencies },
          ...lockEntriesForPackages(registry),
        },
      }),
    );
    // Install scripts are skipped: the only one is better-sqlite3's, which would compile SQLite
    // (minutes); the binary this repository built for the same version and Node takes its place.
    npm(['install', '--offline', '--cache', cache, '--ignore-scripts', '--no-audit', '--no-fund'], project);
    const binary = 'better-sqlite3/build/Release/better_sqlite3.node';
    mkdirSync(join(project, 'node_modules', binary, '..'), { recursive: true });
    copyFileSync(join(ROOT, 'node_modules', binary), join(project, 'node_modules', binary));
  });

  test('installs the three packages and their dependencies, and nothing from the repository', () => {
    for (const name of Object.keys(PACKAGES)) {
      const manifest = JSON.parse(readFileSync(join(project, 'node_modules', name, 'package.json'), 'utf8'));
      assert.equal(manifest.name, name);
      assert.ok(!existsSync(join(project, 'node_modules', name, 'src')), `${name} ships no sources`);
    }
    assert.ok(existsSync(join(project, 'node_modules/fastify/package.json')));
  });

  test('keel --help runs from the installed package', () => {
    const help = runNode([join(project, 'node_modules/.bin/keel'), '--help'], project);
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /^Usage: keel /m);
    for (const command of ['server', 'experiments', 'runs', 'artifacts', 'models']) {
      assert.match(help.stdout, new RegExp(`^\\s+${command}\\b`, 'm'));
    }
  });

  test("the README's SDK snippet runs against the installed keel server", async () => {
    const snippet = codeBlocks(join(ROOT, 'README.md'), 'README.md').find((b) =>
      b.marker?.startsWith('file: train.mjs'),
    );
    assert.ok(snippet, 'README.md has a block marked <!-- file: train.mjs ... -->');
    writeFileSync(join(project, 'train.mjs'), snippet.code);

    server = spawn(process.execPath, [join(project, 'node_modules/.bin/keel'), 'server', '--port', '0'], {
      cwd: project,
      env: cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    url = await new Promise<string>((ready, fail) => {
      let output = '';
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const match = /listening on (http:\/\/\S+)/.exec(output);
        if (match) ready(match[1] as string);
      };
      server?.stderr?.on('data', onData);
      server?.stdout?.on('data', onData);
      server?.on('exit', (code) => fail(new Error(`keel server exited ${code}: ${output}`)));
    });

    const result = runNode(['train.mjs'], project, { MLFLOW_TRACKING_URI: url });
    assert.equal(result.status, 0, result.stderr);
    const link = /^🏃 View run (\S+) at: (\S+)\/#\/experiments\/(\d+)\/runs\/([0-9a-f]{32})$/m.exec(result.stderr);
    assert.ok(link, result.stderr);
    assert.equal(link[2], url);
    const runId = link[4] as string;
    const { run } = (await (await fetch(`${url}/api/2.0/mlflow/runs/get?run_id=${runId}`)).json()) as {
      run: { info: { status: string }; data: { params: unknown[]; metrics: { key: string }[] } };
    };
    assert.equal(run.info.status, 'FINISHED');
    assert.equal(run.data.params.length, 2);
    assert.deepEqual(run.data.metrics.map((m) => m.key).sort(), ['accuracy', 'loss']);
    const files = (await (await fetch(`${url}/api/2.0/mlflow/artifacts/list?run_id=${runId}&path=model`)).json()) as {
      files?: { path: string }[];
    };
    assert.deepEqual(
      files.files?.map((f) => f.path),
      ['model/model.json'],
    );
  });

  test('the snippet tracks into a local store with no server, through the installed platform', () => {
    const offline = join(project, 'offline');
    mkdirSync(offline);
    const result = runNode(['../train.mjs'], offline);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stderr, /^🏃 Run \S+ \([0-9a-f]{32}\) ended FINISHED in sqlite:\/\/\/mlflow\.db/m);
    assert.ok(existsSync(join(offline, 'mlflow.db')));
    const list = runNode(
      [
        join(project, 'node_modules/.bin/keel'),
        'runs',
        'list',
        '-n',
        'churn-model',
        '--tracking-uri',
        'sqlite:///mlflow.db',
      ],
      offline,
    );
    assert.equal(list.status, 0, list.stderr);
    assert.match(list.stdout, /FINISHED/);
  });
});
