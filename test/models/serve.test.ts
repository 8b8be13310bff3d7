// `keel models serve` over real HTTP (models.md §8): every input format, every status, the
// routes, the model version header, for an ONNX model saved as mlflow.onnx saves it and a
// js_function model.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { classifierLabel, IRIS_COLUMNS, writeJsModelDir, writeOnnxModelDir } from '@keel/platform/testing';
import { rawRequest, send } from '../support/http.js';
import { invoke, type ScoringServer, startScoringServer } from './support.js';

const ROWS = [
  [5.1, 3.5, 1.4, 0.2],
  [0, 1, 0, 0],
  [0, 0, 0, 1],
];
const LABELS = ROWS.map(classifierLabel);

describe('keel models serve: an ONNX model saved by mlflow.onnx', () => {
  let dir: string;
  let tensor: ScoringServer;
  let frame: ScoringServer;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'keel-serve-'));
    [tensor, frame] = await Promise.all([
      startScoringServer(['-m', writeOnnxModelDir(join(dir, 'tensor'))]),
      startScoringServer([
        '-m',
        writeOnnxModelDir(join(dir, 'columns'), { signature: 'columns' }),
        '--max-request-size',
        '2000',
      ]),
    ]);
  });
  after(async () => {
    await Promise.all([tensor?.stop(), frame?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers /ping, /health and /version, with the model version header', async () => {
    for (const path of ['/ping', '/health']) {
      const r = await send(tensor.url, { path });
      assert.deepEqual([r.status, r.text, r.headers['content-type']], [200, '\n', 'application/json']);
    }
    const version = await send(tensor.url, { path: '/version' });
    assert.equal(version.status, 200);
    assert.equal(version.json.model.flavor, 'onnx');
    assert.equal(version.json.model.run_id, '5c0a6f3e2d1b4a8f9e7d6c5b4a392817');
    assert.match(version.json.version, /^\d+\.\d+\.\d+$/);
    assert.equal(version.headers['x-keel-model-version'], 'm-0a1b2c3d4e5f46778899aabbccddeeff');
  });

  it('scores every JSON input format and CSV the same way', async () => {
    const split = { columns: [...IRIS_COLUMNS], data: ROWS };
    const records = ROWS.map((r) => Object.fromEntries(IRIS_COLUMNS.map((c, i) => [c, r[i]])));
    const columnar = Object.fromEntries(IRIS_COLUMNS.map((c, i) => [c, ROWS.map((r) => r[i])]));
    const csv = `${IRIS_COLUMNS.join(',')}\n${ROWS.map((r) => r.join(',')).join('\n')}\n`;
    const bodies: [string, string][] = [
      [JSON.stringify({ dataframe_split: split }), 'application/json'],
      [JSON.stringify({ dataframe_records: records }), 'application/json'],
      [JSON.stringify({ instances: records }), 'application/json'],
      [JSON.stringify({ inputs: columnar }), 'application/json; charset=utf-8'],
      [csv, 'text/csv'],
    ];
    for (const [body, type] of bodies) {
      const r = await invoke(frame.url, body, type);
      assert.equal(r.status, 200, `${type} ${body}: ${r.body}`);
      const predictions = JSON.parse(r.body).predictions as { label: number; probabilities: number[] }[];
      assert.deepEqual(
        predictions.map((p) => p.label),
        LABELS,
      );
      assert.equal(predictions[0]?.probabilities.length, 3);
      assert.match(String(r.headers['server-timing']), /^total;dur=\d/);
    }
    const tensorAnswer = await invoke(tensor.url, JSON.stringify({ inputs: ROWS }), 'application/json');
    assert.deepEqual(JSON.parse(tensorAnswer.body).predictions.label, LABELS);
    const instances = await invoke(tensor.url, JSON.stringify({ instances: ROWS }), 'application/json');
    assert.deepEqual(JSON.parse(instances.body).predictions.label, LABELS);
  });

  it('answers 400 with MLflow error JSON for bad input and signature violations', async () => {
    const cases: [string, string, string, RegExp][] = [
      [
        '{"inputs": [1, 2',
        'application/json',
        'BAD_REQUEST',
        /^Invalid input\. Ensure that input is a valid JSON formatted string/,
      ],
      [
        '{"dataframe_split": {"data": [[1]]}, "inputs": [1]}',
        'application/json',
        'BAD_REQUEST',
        /exactly one of the input fields/,
      ],
      [
        '{"inputs": [[1, 2, 3]]}',
        'application/json',
        'INVALID_PARAMETER_VALUE',
        /^Failed to enforce schema of data .*Shape of input \(1, 3\) does not match expected shape \(-1, 4\)\.$/,
      ],
      ['{"inputs": [[1, 2, 3, "x"]]}', 'application/json', 'BAD_REQUEST', /Invalid input\./],
    ];
    for (const [body, type, code, message] of cases) {
      const r = await invoke(tensor.url, body, type);
      assert.equal(r.status, 400, r.body);
      assert.equal(r.headers['content-type'], 'application/json');
      const error = JSON.parse(r.body);
      assert.equal(error.error_code, code, r.body);
      assert.match(error.message, message);
    }
    const missing = await invoke(
      frame.url,
      JSON.stringify({ dataframe_records: [{ sepal_length: 1, sepal_width: 2 }] }),
      'application/json',
    );
    assert.equal(missing.status, 400);
    assert.match(JSON.parse(missing.body).message, /Model is missing inputs \['petal_length', 'petal_width'\]/);
  });

  it('answers 415 for wrong content types and charsets, a missing Content-Type included', async () => {
    const body = JSON.stringify({ inputs: ROWS });
    for (const [type, text] of [
      [
        'text/plain',
        /^This predictor only supports the following content types: Types: \['text\/csv', 'application\/json'\]\. Got 'text\/plain'\.$/,
      ],
      ['application/json; charset=latin-1', /^The scoring server only supports UTF-8$/],
      ['application/json; format=pandas-split', /^Unrecognized content type parameters: format\./],
    ] as const) {
      const r = await invoke(tensor.url, body, type);
      assert.deepEqual([r.status, text.test(r.body)], [415, true], `${type}: ${r.body}`);
    }
    const bare = await rawRequest(tensor.url, 'POST', '/invocations', {
      body,
      headers: { 'content-length': String(body.length) },
    });
    assert.equal(bare.status, 415);
  });

  it('bounds the request size (413), and answers 404 and 405 like MLflow', async () => {
    const big = JSON.stringify({ inputs: Array.from({ length: 200 }, () => ROWS[0]) });
    const r = await invoke(frame.url, big, 'application/json');
    assert.equal(r.status, 413);
    assert.match(JSON.parse(r.body).message, /larger than the scoring server accepts \(2000 bytes/);
    assert.equal((await send(tensor.url, { path: '/nope' })).status, 404);
    assert.equal((await send(tensor.url, { path: '/invocations' })).status, 405);
    assert.equal((await send(tensor.url, { method: 'POST', path: '/ping' })).status, 405);
  });
});

describe('keel models serve: a js_function model', () => {
  let dir: string;
  let server: ScoringServer;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'keel-serve-js-'));
    server = await startScoringServer(['-m', writeJsModelDir(join(dir, 'js')), '-t', '0.3']);
  });
  after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('predicts with params from the params schema', async () => {
    const r = await invoke(
      server.url,
      JSON.stringify({ dataframe_split: { columns: ['x1', 'x2'], data: [[1, 2]] }, params: { scale: 10 } }),
      'application/json',
    );
    assert.deepEqual([r.status, r.body], [200, '{"predictions":[90]}']);
  });

  it("answers a model's exception as 400 with its stack trace, and a request past --timeout as 504", async () => {
    const failing = await invoke(
      server.url,
      JSON.stringify({ dataframe_records: [{ x1: 13, x2: 0 }] }),
      'application/json',
    );
    assert.equal(failing.status, 400);
    const error = JSON.parse(failing.body);
    assert.equal(error.error_code, 'BAD_REQUEST');
    assert.match(error.stack_trace, /unlucky input/);
    const slow = await invoke(
      server.url,
      JSON.stringify({ dataframe_records: [{ x1: 1, x2: 2, sleep_ms: 2000 }] }),
      'application/json',
    );
    assert.deepEqual([slow.status, slow.body], [504, 'Request processing time exceeded limit']);
    const after504 = await invoke(
      server.url,
      JSON.stringify({ dataframe_records: [{ x1: 1, x2: 2 }] }),
      'application/json',
    );
    assert.equal(after504.status, 200, 'the server keeps answering');
  });

  it('runs --workers N processes sharing the port, and stops them all', async () => {
    const cluster = await startScoringServer(['-m', join(dir, 'js'), '-w', '2']);
    assert.match(cluster.output(), /with 2 workers/);
    const answers = await Promise.all(
      Array.from({ length: 8 }, () =>
        invoke(cluster.url, JSON.stringify({ dataframe_records: [{ x1: 1, x2: 2 }] }), 'application/json'),
      ),
    );
    assert.deepEqual(new Set(answers.map((a) => `${a.status} ${a.body}`)), new Set(['200 {"predictions":[9]}']));
    assert.equal(await cluster.stop(), 0);
    assert.match(cluster.output(), /stopping 2 workers\.\.\.\nKeel scoring server stopped\./);
  });

  it('stops on SIGTERM after finishing what it serves', async () => {
    const local = await startScoringServer(['-m', join(dir, 'js')]);
    const pending = invoke(
      local.url,
      JSON.stringify({ dataframe_records: [{ x1: 1, x2: 2, sleep_ms: 300 }] }),
      'application/json',
    );
    await new Promise((r) => setTimeout(r, 100));
    const code = local.stop();
    assert.equal((await pending).status, 200);
    assert.equal(await code, 0);
    assert.match(local.output(), /Keel scoring server stopped\./);
  });
});
