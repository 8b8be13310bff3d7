// `keel models predict` end to end: CSV, JSON, JSON Lines and Parquet inputs, files and pipes,
// JSON/JSONL/CSV outputs, a 1,000,000-row CSV streamed through an ONNX model, and its errors.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import {
  createReadStream,
  createWriteStream,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { classifierLabel, IRIS_COLUMNS, writeJsModelDir, writeOnnxModelDir } from '@keel/platform/testing';
import { fails, keel, ok } from '../cli/helpers.js';
import { runKeel } from '../support/cli.js';

const ROWS = [
  [5.1, 3.5, 1.4, 0.2],
  [0, 1, 0, 0],
  [0, 0, 0, 1],
];
const HEADER = IRIS_COLUMNS.join(',');

/** The deterministic row `i` of the large file, and its expected label. */
function row(i: number): number[] {
  return [(i % 7) - 3, (i % 5) - 2, (i % 11) - 5, (i % 3) - 1];
}

describe('keel models predict', () => {
  let dir: string;
  let onnx: string;
  let js: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'keel-predict-'));
    onnx = writeOnnxModelDir(join(dir, 'onnx'), { signature: 'columns' });
    js = writeJsModelDir(join(dir, 'js'));
    writeFileSync(join(dir, 'rows.csv'), `${HEADER}\n${ROWS.map((r) => r.join(',')).join('\n')}\n`);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('scores a CSV file into MLflow JSON, and into JSON Lines and CSV by the output extension', async () => {
    ok(await keel(['models', 'predict', '-m', onnx, '-i', join(dir, 'rows.csv'), '-o', join(dir, 'out.json')]));
    const predictions = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')).predictions;
    assert.deepEqual(
      predictions.map((p: { label: number }) => p.label),
      ROWS.map(classifierLabel),
    );
    ok(await keel(['models', 'predict', '-m', onnx, '-i', join(dir, 'rows.csv'), '-o', join(dir, 'out.jsonl')]));
    const lines = readFileSync(join(dir, 'out.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      lines.map((p) => p.label),
      ROWS.map(classifierLabel),
    );
    ok(await keel(['models', 'predict', '-m', onnx, '-i', join(dir, 'rows.csv'), '-o', join(dir, 'out.csv')]));
    const csv = readFileSync(join(dir, 'out.csv'), 'utf8').trim().split('\n');
    assert.equal(csv[0], 'label,probabilities');
    assert.deepEqual(
      csv.slice(1).map((l) => Number(l.split(',')[0])),
      ROWS.map(classifierLabel),
    );
  });

  it('reads an /invocations JSON body from stdin and writes the server’s answer to stdout', async () => {
    const body = JSON.stringify({
      dataframe_split: {
        columns: ['x1', 'x2'],
        data: [
          [1, 2],
          [3, 4],
        ],
      },
      params: { scale: 2 },
    });
    const result = await runKeel(['models', 'predict', '-m', js, '--no-progress'], { input: body });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, '{"predictions":[18,38]}\n');
  });

  it('streams JSON Lines and Parquet inputs', async () => {
    writeFileSync(join(dir, 'rows.jsonl'), '{"x1": 1, "x2": 2}\n\n{"x1": 3, "x2": 4}\n');
    const jsonl = await runKeel(['models', 'predict', '-m', js, '-i', join(dir, 'rows.jsonl'), '--batch-size', '1']);
    assert.equal(jsonl.code, 0, jsonl.stderr);
    assert.deepEqual(JSON.parse(jsonl.stdout), { predictions: [9, 19] });
    assert.match(jsonl.stderr, /Scored 2 rows in/);

    const { parquetWriteFile } = await import('hyparquet-writer');
    const file = join(dir, 'rows.parquet');
    parquetWriteFile({
      filename: file,
      columnData: IRIS_COLUMNS.map((name, c) => ({
        name,
        data: Float64Array.from(ROWS.map((r) => r[c] as number)),
        type: 'DOUBLE' as const,
      })),
    });
    const parquet = await runKeel(['models', 'predict', '-m', onnx, '-i', file, '--output-format', 'jsonl']);
    assert.equal(parquet.code, 0, parquet.stderr);
    assert.deepEqual(
      parquet.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).label),
      ROWS.map(classifierLabel),
    );
  });

  it('resolves registry and run URIs through a local store (sqlite:///), logged there by the SDK', async () => {
    const { createClient, logModel } = await import('@keel/client/node');
    const store = `sqlite:///${join(dir, 'store.db')}`;
    const client = createClient({ trackingUri: store, env: {}, cwd: dir });
    try {
      const { experiment_id } = await client.createExperiment({
        name: 'local',
        artifact_location: join(dir, 'artifacts'),
      });
      const { run } = await client.createRun({ experiment_id });
      await logModel(client, {
        flavor: 'js_function',
        module: join(js, 'code', 'model.mjs'),
        data: join(js, 'data', 'weights.json'),
        runId: run.info.run_id,
        registeredModelName: 'local-scorer',
        registration: { waitTimeoutMs: 10_000, pollIntervalMs: 50 },
      });
      await client.setRegisteredModelAlias({ name: 'local-scorer', alias: 'prod', version: '1' });
      writeFileSync(join(dir, 'xs.csv'), 'x1,x2\n1,2\n3,4\n');
      for (const uri of ['models:/local-scorer@prod', `runs:/${run.info.run_id}/model`]) {
        const result = await runKeel([
          'models',
          'predict',
          '-m',
          uri,
          '-i',
          join(dir, 'xs.csv'),
          '--tracking-uri',
          store,
        ]);
        assert.equal(result.code, 0, result.stderr);
        assert.deepEqual(JSON.parse(result.stdout), { predictions: [9, 19] }, uri);
      }
    } finally {
      await client.close();
    }
  });

  it('fails clearly: signature violations, a missing file, Parquet on stdin, an unknown model', async () => {
    writeFileSync(join(dir, 'bad.csv'), 'sepal_length,sepal_width\n1,2\n');
    fails(
      await keel(['models', 'predict', '-m', onnx, '-i', join(dir, 'bad.csv'), '-o', join(dir, 'bad-out.json')]),
      1,
      /Error: INVALID_PARAMETER_VALUE: Failed to enforce schema .*Model is missing inputs \['petal_length', 'petal_width'\]/,
    );
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.startsWith('bad-out')),
      [],
      'a failed run leaves no output file',
    );
    fails(
      await keel(['models', 'predict', '-m', onnx, '-i', join(dir, 'nope.csv')]),
      2,
      /No such input file: .*nope\.csv/,
    );
    fails(await keel(['models', 'predict', '-m', onnx, '-t', 'parquet']), 2, /Parquet input must be a file/);
    fails(
      await keel(['models', 'predict', '-m', join(dir, 'missing-model'), '-i', join(dir, 'rows.csv')]),
      1,
      /No model at .*missing-model/,
    );
  });

  it('scores a 1,000,000-row CSV streamed through an ONNX model', async () => {
    const rows = 1_000_000;
    const input = join(dir, 'million.csv');
    const out = createWriteStream(input);
    out.write(`${HEADER}\n`);
    let chunk = '';
    for (let i = 0; i < rows; i++) {
      chunk += `${row(i).join(',')}\n`;
      if (chunk.length > 1 << 16) {
        if (!out.write(chunk)) await once(out, 'drain');
        chunk = '';
      }
    }
    out.end(chunk);
    await once(out, 'finish');
    const output = join(dir, 'million.csv.out.csv');
    const result = await runKeel(['models', 'predict', '-m', onnx, '-i', input, '-o', output], { timeoutMs: 300_000 });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /Scored 1,000,000 rows in/);
    const lines = createInterface({ input: createReadStream(output) });
    let count = -1;
    for await (const line of lines) {
      if (count >= 0 && count % 99_991 === 0) {
        assert.equal(Number(line.split(',')[0]), classifierLabel(row(count)), `row ${count}`);
      }
      count++;
    }
    assert.equal(count, rows);
  });
});
