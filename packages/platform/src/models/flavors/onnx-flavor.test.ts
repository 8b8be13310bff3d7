import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { adderOnnxModel, classifierLabel, writeOnnxModelDir } from '../../testing/index.js';
import { DataFrame } from '../data/data-frame.js';
import { Tensor } from '../data/tensor.js';
import { loadModelDirectory } from '../load-model.js';
import { saveModel } from '../save-model.js';
import { describeFlavor } from './flavor.contract.js';
import { OnnxFlavor } from './onnx-flavor.js';

const ROWS = [
  [5.1, 3.5, 1.4, 0.2],
  [0, 1, 0, 0],
  [0, 0, 0, 1],
];

describeFlavor('onnx', {
  flavor: () => new OnnxFlavor(),
  write: (dir) => {
    writeOnnxModelDir(dir, { signature: 'columns' });
  },
  request: {
    body: JSON.stringify({
      dataframe_split: {
        columns: ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'],
        data: [[0, 1, 0, 0]],
      },
    }),
    predictions: [{ label: 1, probabilities: [0.24972891807556152, 0.5557819604873657, 0.19448909163475037] }],
  },
  invalid: {
    body: JSON.stringify({ dataframe_records: [{ sepal_length: 1 }] }),
    message: /Model is missing inputs \['sepal_width', 'petal_length', 'petal_width'\]/,
  },
  pathKey: 'data',
});

describe('onnx flavor', () => {
  const root = mkdtempSync(join(tmpdir(), 'keel-onnx-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const flavors = new Map([['onnx', new OnnxFlavor()]]);

  it('serves a model laid out as mlflow.onnx saves it, with a tensor signature', async () => {
    const model = await loadModelDirectory(writeOnnxModelDir(join(root, 'tensor')), { flavors });
    const out = (await model.predict(ROWS)) as Record<string, Tensor>;
    assert.deepEqual(out.label?.toJSON(), ROWS.map(classifierLabel));
    assert.deepEqual(out.probabilities?.shape, [3, 3]);
    await model.close();
  });

  it('feeds a multi-input model by name, from a map of tensors or DataFrame columns', async () => {
    const dir = join(root, 'adder');
    await saveModel(dir, { flavor: 'onnx', model: adderOnnxModel() });
    const model = await loadModelDirectory(dir, { flavors });
    const sum = (await model.predict({ a: [[1, 2]], b: [[3, 4]] })) as Record<string, Tensor>;
    assert.deepEqual(sum.sum?.toJSON(), [[4, 6]]);
    const frame = (await model.predict(DataFrame.fromRecords([{ a: [1, 2], b: [10, 20] }]))) as DataFrame;
    assert.deepEqual(frame.records(), [{ sum: [11, 22] }]);
    await assert.rejects(
      model.predict(Tensor.fromNested([[1, 2]], 'float32')),
      /ONNX models that have a single input\. This model requires 2 inputs/,
    );
    await model.close();
  });

  it('saves ONNX models MLflow can load too, inferring the signature from the example', async () => {
    const { classifierOnnxModel } = await import('../../testing/index.js');
    const dir = join(root, 'saved');
    const mlmodel = await saveModel(dir, {
      flavor: 'onnx',
      model: classifierOnnxModel(),
      inputExample: [[5.1, 3.5, 1.4, 0.2]],
    });
    assert.equal(mlmodel.flavors.python_function?.loader_module, 'mlflow.onnx');
    assert.deepEqual(mlmodel.flavors.python_function?.env, { conda: 'conda.yaml', virtualenv: 'python_env.yaml' });
    assert.match(String(mlmodel.signature?.inputs), /"dtype":"float64","shape":\[-1,4\]/);
    assert.match(String(mlmodel.signature?.outputs), /"name":"label".*"dtype":"int64"/);
    assert.ok((mlmodel.model_size_bytes ?? 0) > 0);
    const model = await loadModelDirectory(dir, { flavors });
    assert.deepEqual(((await model.predict([[0, 0, 0, 1]])) as Record<string, Tensor>).label?.toJSON(), [2]);
    await model.close();
    await assert.rejects(
      saveModel(dir, { flavor: 'onnx', model: classifierOnnxModel() }),
      /already exists and is not empty/,
    );
  });

  it('batches concurrent requests into one inference with the same answers, and isolates a bad one', async () => {
    // No signature: a wrongly shaped row reaches onnxruntime, which refuses it.
    const model = await loadModelDirectory(writeOnnxModelDir(join(root, 'batched'), { signature: 'none' }), {
      flavors,
    });
    const rows = Array.from({ length: 40 }, (_, i) => [i % 7, (i * 3) % 5, i % 2, (i * 11) % 13]);
    const together = await Promise.all(rows.map((row) => model.predict([row]) as Promise<Record<string, Tensor>>));
    assert.deepEqual(
      together.map((out) => out.label?.toJSON()),
      rows.map((row) => [classifierLabel(row)]),
    );
    assert.deepEqual(
      together.map((out) => out.probabilities?.shape),
      rows.map(() => [1, 3]),
    );
    const mixed = await Promise.allSettled([
      model.predict([[1, 2, 3, 4]]),
      model.predict([[1, 2, 3]]),
      model.predict([
        [0, 0, 0, 1],
        [0, 1, 0, 0],
      ]),
    ]);
    assert.equal(mixed[0].status, 'fulfilled');
    assert.equal(mixed[1].status, 'rejected');
    assert.deepEqual(
      mixed[2].status === 'fulfilled' ? (mixed[2].value as Record<string, Tensor>).label?.toJSON() : undefined,
      [2, 1],
    );
    await model.close();
  });

  it('a closed session no longer predicts', async () => {
    const model = await loadModelDirectory(writeOnnxModelDir(join(root, 'closed')), { flavors });
    await model.close();
    await assert.rejects(model.predict(ROWS));
  });
});
