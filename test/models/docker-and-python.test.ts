// `keel models generate-dockerfile` / `build-docker` (no Docker engine here: they must fail
// clearly), and a scikit-learn model made by a real Python served and batch-scored through the
// Python worker by the `keel` binary.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  IRIS_COLUMNS,
  TEST_PYTHON,
  writeJsModelDir,
  writeOnnxModelDir,
  writeSklearnModelDir,
} from '@keel/platform/testing';
import { fails, keel, ok } from '../cli/helpers.js';
import { runKeel } from '../support/cli.js';
import { invoke, startScoringServer } from './support.js';

describe('keel models generate-dockerfile and build-docker', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'keel-docker-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a Node-only context for an ONNX model, with onnxruntime-node as its one dependency', async () => {
    const model = writeOnnxModelDir(join(dir, 'onnx'));
    const out = join(dir, 'onnx-image');
    const text = ok(await keel(['models', 'generate-dockerfile', '-m', model, '-d', out]));
    assert.match(text, /Wrote .*onnx-image\/Dockerfile; build it with: docker build -t <name>/);
    const dockerfile = readFileSync(join(out, 'Dockerfile'), 'utf8');
    assert.match(dockerfile, /^FROM node:20-bookworm-slim$/m);
    assert.doesNotMatch(dockerfile, /python|pip/i);
    assert.match(
      dockerfile,
      /ENTRYPOINT \["node", "\/opt\/keel\/bin\/keel\.js", "models", "serve", "-m", "\/opt\/ml\/model", "-h", "0\.0\.0\.0", "-p", "8080", "--flavor", "onnx"\]/,
    );
    assert.ok(existsSync(join(out, 'model', 'MLmodel')));
    assert.ok(existsSync(join(out, 'keel', 'dist', 'keel.mjs')));
    assert.ok(existsSync(join(out, 'keel', 'bin', 'keel.js')));
    assert.deepEqual(JSON.parse(readFileSync(join(out, 'keel', 'package.json'), 'utf8')).dependencies, {
      'onnxruntime-node': '^1.30.0',
    });
    fails(await keel(['models', 'generate-dockerfile', '-m', model, '-d', out]), 1, /already exists and is not empty/);
  });

  it('adds a Python layer of the model’s Python version only for python_function models', async () => {
    const model = join(dir, 'py');
    mkdirSync(model);
    writeFileSync(
      join(model, 'MLmodel'),
      'flavors:\n  python_function:\n    loader_module: mlflow.sklearn\n    python_version: 3.10.12\n',
    );
    writeFileSync(join(model, 'requirements.txt'), 'mlflow==3.6.0\nscikit-learn==1.5.2\n');
    const out = join(dir, 'py-image');
    ok(await keel(['models', 'generate-dockerfile', '-m', model, '-d', out]));
    const dockerfile = readFileSync(join(out, 'Dockerfile'), 'utf8');
    assert.match(dockerfile, /^FROM python:3\.10-slim$/m);
    assert.match(dockerfile, /^COPY --from=node \/usr\/local\/bin\/node \/usr\/local\/bin\/node$/m);
    assert.match(dockerfile, /^RUN pip install --no-cache-dir -r \/opt\/ml\/requirements\.txt$/m);
    assert.match(dockerfile, /"--flavor", "python_function"\]/);
    const js = writeJsModelDir(join(dir, 'js'));
    ok(await keel(['models', 'generate-dockerfile', '-m', js, '-d', join(dir, 'js-image')]));
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'js-image', 'keel', 'package.json'), 'utf8')).dependencies, {});
  });

  it('build-docker fails clearly without docker, and without a Docker engine', async () => {
    const model = writeOnnxModelDir(join(dir, 'for-build'));
    const noDocker = join(dir, 'no-docker-bin');
    mkdirSync(noDocker);
    fails(
      await keel(['models', 'build-docker', '-m', model, '-n', 'x'], { env: { PATH: noDocker } }),
      1,
      /docker was not found on PATH: install Docker, or write the build context with `keel models generate-dockerfile`/,
    );
    const fake = join(dir, 'fake-docker-bin');
    mkdirSync(fake);
    writeFileSync(
      join(fake, 'docker'),
      '#!/bin/sh\necho "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" >&2\nexit 1\n',
    );
    chmodSync(join(fake, 'docker'), 0o755);
    fails(
      await keel(['models', 'build-docker', '-m', model, '-n', 'x'], { env: { PATH: `${fake}:${process.env.PATH}` } }),
      1,
      /No Docker engine answers \(docker info failed: Cannot connect to the Docker daemon/,
    );
  });
});

describe('a scikit-learn model made by Python, served and scored by keel', () => {
  let dir: string;
  let sklearn: ReturnType<typeof writeSklearnModelDir>;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'keel-sklearn-'));
    sklearn = writeSklearnModelDir(join(dir, 'model'), { python: TEST_PYTHON });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('serves it through the Python worker (model time in Server-Timing) and batch-scores a CSV', async () => {
    const server = await startScoringServer(['-m', sklearn.dir, '--python', TEST_PYTHON]);
    try {
      const csv = `${IRIS_COLUMNS.join(',')}\n${sklearn.rows.map((r) => r.join(',')).join('\n')}\n`;
      const answer = await invoke(server.url, csv, 'text/csv');
      assert.equal(answer.status, 200, answer.body);
      assert.deepEqual(JSON.parse(answer.body).predictions, sklearn.predictions);
      assert.match(String(answer.headers['server-timing']), /model;dur=\d/);
      assert.match(server.output(), /flavor python_function/);
      const port = new URL(server.url).port;
      const taken = await runKeel(['models', 'serve', '-m', sklearn.dir, '--python', TEST_PYTHON, '-p', port], {
        timeoutMs: 120_000,
      });
      assert.equal(taken.code, 2, 'exits (its Python worker stopped) instead of hanging');
      assert.match(
        taken.stderr,
        new RegExp(`Port ${port} on 127\\.0\\.0\\.1 is already in use; choose another with -p\\.`),
      );
    } finally {
      await server.stop();
    }
    writeFileSync(
      join(dir, 'rows.csv'),
      `${IRIS_COLUMNS.join(',')}\n${sklearn.rows.map((r) => r.join(',')).join('\n')}\n`,
    );
    const result = await runKeel(
      ['models', 'predict', '-m', sklearn.dir, '-i', join(dir, 'rows.csv'), '--python', TEST_PYTHON],
      {
        timeoutMs: 120_000,
      },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout).predictions, sklearn.predictions);
  });

  it('names the model’s flavors and the missing runtime when Python is not there', async () => {
    fails(
      await keel(['models', 'predict', '-m', sklearn.dir, '--python', '/nonexistent/python'], {}),
      1,
      /Keel cannot load the model in .*: it has flavors \[python_function, sklearn\]; Keel runs models of flavors onnx, js_function, python_function\. python_function: .*'\/nonexistent\/python' was not found/,
    );
  });
});
