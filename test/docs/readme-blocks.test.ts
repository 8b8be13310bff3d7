// Every code block of the READMEs runs as pasted, or says why it is illustrative. Each runnable
// block runs in a fresh directory against a fresh Keel server (whose address replaces
// http://127.0.0.1:5000, where `keel server` listens by default), with `keel` on the PATH:
// shell blocks under bash -euo pipefail, js and ts blocks as ES modules that import the SDK.
// A block fails on a non-zero exit, and on an MLflow error answer in its output (curl exits 0
// on HTTP errors).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { startTestServer } from '@keel/platform/testing';
import { KEEL_BIN } from '../support/cli.js';
import { type CodeBlock, codeBlocks } from '../support/readme.js';

const ROOT = resolve(import.meta.dirname, '../..');
const TSX = import.meta.resolve('tsx');
const RUNNERS: Record<string, { file: string; command: (file: string) => string[] }> = {
  sh: { file: 'block.sh', command: (f) => ['bash', '-euo', 'pipefail', f] },
  bash: { file: 'block.sh', command: (f) => ['bash', '-euo', 'pipefail', f] },
  js: { file: 'block.mjs', command: (f) => [process.execPath, '--conditions=keel-source', '--import', TSX, f] },
  ts: { file: 'block.mts', command: (f) => [process.execPath, '--conditions=keel-source', '--import', TSX, f] },
};

function readmes(): string[] {
  const found = [join(ROOT, 'README.md')];
  for (const parent of ['packages', 'examples']) {
    for (const entry of readdirSync(join(ROOT, parent), { withFileTypes: true })) {
      const file = join(ROOT, parent, entry.name, 'README.md');
      if (entry.isDirectory() && existsSync(file)) found.push(file);
    }
  }
  return found;
}

function run(argv: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((done, fail) => {
    // Its own process group, so that a timeout also ends whatever the block started.
    const child = spawn(argv[0] as string, argv.slice(1), {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    const timer = setTimeout(() => process.kill(-(child.pid as number), 'SIGKILL'), 120_000);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, output });
    });
  });
}

async function runBlock(block: CodeBlock): Promise<void> {
  const runner = RUNNERS[block.lang] as (typeof RUNNERS)[string];
  const server = await startTestServer();
  const dir = mkdtempSync(join(tmpdir(), 'keel-readme-'));
  try {
    // The SDK resolves as in a project that installed it; `keel` is the repository's build.
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    const bin = join(dir, '.bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'keel'), `#!/bin/sh\nexec "${process.execPath}" "${KEEL_BIN}" "$@"\n`);
    chmodSync(join(bin, 'keel'), 0o755);
    const file = join(dir, runner.file);
    writeFileSync(file, `${block.code.replaceAll('http://127.0.0.1:5000', server.url)}\n`);
    const result = await run(runner.command(file), dir, {
      PATH: `${bin}:${process.env.PATH ?? ''}`,
      HOME: process.env.HOME ?? dir,
      TZ: 'UTC',
      MLFLOW_TRACKING_URI: server.url,
    });
    const where = `${block.file}:${block.line}`;
    assert.equal(result.code, 0, `${where} exited ${result.code}:\n${result.output}`);
    assert.doesNotMatch(result.output, /"error_code"/, `${where} got an error answer:\n${result.output}`);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('README code blocks', { concurrency: 3 }, () => {
  for (const path of readmes()) {
    const blocks = codeBlocks(path, relative(ROOT, path));
    for (const block of blocks) {
      const where = `${block.file}:${block.line}`;
      if (block.marker?.startsWith('illustrative')) {
        test(`${where} (${block.lang || 'text'}) is marked illustrative with a reason`, () => {
          assert.match(
            block.marker ?? '',
            /^illustrative: \S/,
            `${where}: say why, e.g. <!-- illustrative: needs Python -->`,
          );
        });
        continue;
      }
      test(`${where} (${block.lang || 'text'}) runs as pasted`, async () => {
        assert.ok(
          block.lang in RUNNERS,
          `${where}: a ${block.lang || 'plain'} block cannot be run here; mark it <!-- illustrative: why --> or make it sh/js/ts`,
        );
        await runBlock(block);
      });
    }
  }
});
