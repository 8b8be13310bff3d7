/**
 * Model directories for tests, in the layouts MLflow's Python client writes: an ONNX model as
 * `mlflow.onnx.log_model` saves it, a scikit-learn model pickled by a real Python (Debian's
 * `python3-sklearn`) with the `mlflow.sklearn` layout, and a `js_function` model.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { classifierOnnxModel } from './onnx-builder.js';

/** The interpreter with scikit-learn that Python fixtures use (`KEEL_TEST_PYTHON`, else Debian's). */
export const TEST_PYTHON = process.env.KEEL_TEST_PYTHON ?? '/usr/bin/python3';

const ENV_FILES = {
  'conda.yaml':
    'channels:\n- conda-forge\ndependencies:\n- python=3.11.7\n- pip<=24.0\n- pip:\n  - mlflow==3.6.0\n  - onnx==1.17.0\n  - onnxruntime==1.20.1\nname: mlflow-env\n',
  'python_env.yaml':
    'python: 3.11.7\nbuild_dependencies:\n- pip==24.0\n- setuptools==69.5.1\n- wheel==0.43.0\ndependencies:\n- -r requirements.txt\n',
  'requirements.txt': 'mlflow==3.6.0\nonnx==1.17.0\nonnxruntime==1.20.1\n',
};

function writeFiles(dir: string, files: Readonly<Record<string, string | Uint8Array>>): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
}

/** Column names of the classifier fixtures. */
export const IRIS_COLUMNS = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'] as const;

/**
 * The fixture classifier (see `classifierOnnxModel`) in MLflow 3's ONNX layout. `signature`
 * chooses a tensor signature (`ndarray` example) or a column signature (DataFrame example).
 */
export function writeOnnxModelDir(dir: string, options: { signature?: 'tensor' | 'columns' | 'none' } = {}): string {
  const kind = options.signature ?? 'tensor';
  const inputs =
    kind === 'columns'
      ? JSON.stringify(IRIS_COLUMNS.map((name) => ({ type: 'float', name, required: true })))
      : JSON.stringify([{ type: 'tensor', 'tensor-spec': { dtype: 'float32', shape: [-1, 4] } }]);
  const outputs = JSON.stringify([
    { name: 'label', type: 'tensor', 'tensor-spec': { dtype: 'int64', shape: [-1] } },
    { name: 'probabilities', type: 'tensor', 'tensor-spec': { dtype: 'float32', shape: [-1, 3] } },
  ]);
  const example =
    kind === 'columns' ? { columns: [...IRIS_COLUMNS], data: [[5.1, 3.5, 1.4, 0.2]] } : [[5.1, 3.5, 1.4, 0.2]];
  const serving = kind === 'columns' ? { dataframe_split: example } : { inputs: example };
  const signature =
    kind === 'none' ? '' : `signature:\n  inputs: '${inputs}'\n  outputs: '${outputs}'\n  params: null\n`;
  const exampleInfo =
    kind === 'none'
      ? ''
      : `saved_input_example_info:\n  artifact_path: input_example.json\n${kind === 'columns' ? '  pandas_orient: split\n' : ''}  serving_input_path: serving_input_example.json\n  type: ${kind === 'columns' ? 'dataframe' : 'ndarray'}\n`;
  const mlmodel = `artifact_path: mlflow-artifacts:/1/models/m-0a1b2c3d4e5f46778899aabbccddeeff/artifacts
flavors:
  onnx:
    code: null
    data: model.onnx
    onnx_version: 1.17.0
    providers:
    - CUDAExecutionProvider
    - CPUExecutionProvider
  python_function:
    code: null
    data: model.onnx
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.onnx
    python_version: 3.11.7
is_signature_from_type_hint: false
mlflow_version: 3.6.0
model_id: m-0a1b2c3d4e5f46778899aabbccddeeff
model_size_bytes: 1024
model_uuid: m-0a1b2c3d4e5f46778899aabbccddeeff
run_id: 5c0a6f3e2d1b4a8f9e7d6c5b4a392817
${exampleInfo}${signature}type_hint_from_example: false
utc_time_created: '2025-11-20 09:15:02.123456'
`;
  writeFiles(dir, {
    MLmodel: mlmodel,
    'model.onnx': classifierOnnxModel(),
    ...ENV_FILES,
    ...(kind === 'none'
      ? {}
      : {
          'input_example.json': JSON.stringify(example),
          'serving_input_example.json': JSON.stringify(serving, null, 2),
        }),
  });
  return dir;
}

/**
 * A js_function model: `score = w·x + b` over columns `x1`, `x2`, with the weights in a data file.
 * Params: `scale` (double, default 1) multiplies the score. Inputs named `sleep_ms` make it wait.
 */
export function writeJsModelDir(dir: string, options: { weights?: readonly number[]; bias?: number } = {}): string {
  const module = `import { readFile } from 'node:fs/promises';

export async function load(context) {
  const { weights, bias } = JSON.parse(await readFile(context.dataPath, 'utf8'));
  return {
    async predict(input, params) {
      const scale = params?.scale ?? 1;
      const rows = input.records();
      const wait = rows[0]?.sleep_ms;
      if (typeof wait === 'number' && wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (rows.some((r) => r.x1 === 13)) throw new Error('unlucky input');
      return rows.map((r) => scale * (weights[0] * r.x1 + weights[1] * r.x2 + bias));
    },
  };
}
`;
  const mlmodel = `flavors:
  js_function:
    code: code
    data: data/weights.json
    loader: load
    module: model.mjs
mlflow_version: 3.6.0
model_uuid: 9a8b7c6d5e4f30211f2e3d4c5b6a7988
saved_input_example_info:
  artifact_path: input_example.json
  pandas_orient: split
  serving_input_path: serving_input_example.json
  type: dataframe
signature:
  inputs: '[{"type": "double", "name": "x1", "required": true}, {"type": "double", "name": "x2", "required": true}, {"type": "long", "name": "sleep_ms", "required": false}]'
  outputs: '[{"type": "double", "required": true}]'
  params: '[{"name": "scale", "type": "double", "default": 1.0, "shape": null}]'
utc_time_created: '2025-11-20 09:15:02.123456'
`;
  writeFiles(dir, {
    MLmodel: mlmodel,
    'code/model.mjs': module,
    'data/weights.json': JSON.stringify({ weights: options.weights ?? [2, 3], bias: options.bias ?? 1 }),
    'input_example.json': JSON.stringify({ columns: ['x1', 'x2'], data: [[1, 2]] }),
    'serving_input_example.json': JSON.stringify({ dataframe_split: { columns: ['x1', 'x2'], data: [[1, 2]] } }),
  });
  return dir;
}

const TRAIN_SKLEARN = `
import json, os, pickle, sys
import numpy as np
from sklearn.linear_model import LogisticRegression
target, fmt = sys.argv[1], sys.argv[2]
X = np.array([[5.1, 3.5, 1.4, 0.2], [4.9, 3.0, 1.4, 0.2], [6.2, 2.9, 4.3, 1.3], [5.9, 3.0, 4.2, 1.5],
              [6.3, 3.3, 6.0, 2.5], [7.1, 3.0, 5.9, 2.1], [5.0, 3.6, 1.4, 0.2], [6.7, 3.1, 4.4, 1.4]])
y = np.array([0, 0, 1, 1, 2, 2, 0, 1])
# Fitted on a DataFrame, as models logged from pandas are: it then knows its feature names.
import pandas as pd
frame = pd.DataFrame(X, columns=["sepal_length", "sepal_width", "petal_length", "petal_width"])
model = LogisticRegression(max_iter=500).fit(frame, y)
with open(os.path.join(target, "model.pkl"), "wb") as f:
    if fmt == "cloudpickle":
        import cloudpickle
        cloudpickle.dump(model, f)
    else:
        pickle.dump(model, f)
import sklearn
print(json.dumps({"predictions": model.predict(frame).tolist(), "rows": X.tolist(), "sklearn": sklearn.__version__}))
`;

/** What `writeSklearnModelDir` trained. */
export interface SklearnFixture {
  readonly dir: string;
  readonly rows: number[][];
  readonly predictions: number[];
}

/**
 * A scikit-learn LogisticRegression trained and pickled by `python` (which must have sklearn),
 * in MLflow 3's `mlflow.sklearn` layout with a column signature.
 */
export function writeSklearnModelDir(
  dir: string,
  options: { python?: string; format?: 'pickle' | 'cloudpickle' } = {},
): SklearnFixture {
  mkdirSync(dir, { recursive: true });
  const format = options.format ?? 'cloudpickle';
  const run = spawnSync(options.python ?? TEST_PYTHON, ['-c', TRAIN_SKLEARN, dir, format], { encoding: 'utf8' });
  if (run.status !== 0) {
    throw new Error(
      `Could not train the scikit-learn fixture with ${options.python ?? TEST_PYTHON}: ${run.stderr || run.error?.message}`,
    );
  }
  const trained = JSON.parse(run.stdout) as { predictions: number[]; rows: number[][]; sklearn: string };
  const inputs = JSON.stringify(IRIS_COLUMNS.map((name) => ({ type: 'double', name, required: true })));
  writeFiles(dir, {
    MLmodel: `flavors:
  python_function:
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.sklearn
    model_path: model.pkl
    predict_fn: predict
    python_version: 3.11.2
  sklearn:
    code: null
    pickled_model: model.pkl
    serialization_format: ${format}
    sklearn_version: ${trained.sklearn}
mlflow_version: 3.6.0
model_uuid: 7b1e0c9d8a7f4e3d2c1b0a9f8e7d6c5b
saved_input_example_info:
  artifact_path: input_example.json
  pandas_orient: split
  serving_input_path: serving_input_example.json
  type: dataframe
signature:
  inputs: '${inputs}'
  outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "int64", "shape": [-1]}}]'
  params: null
utc_time_created: '2025-11-20 09:15:02.123456'
`,
    'conda.yaml':
      'channels:\n- conda-forge\ndependencies:\n- python=3.11.2\n- pip:\n  - mlflow==3.6.0\n  - scikit-learn==1.2.1\nname: mlflow-env\n',
    'python_env.yaml': 'python: 3.11.2\nbuild_dependencies:\n- pip\ndependencies:\n- -r requirements.txt\n',
    'requirements.txt': 'mlflow==3.6.0\nscikit-learn==1.2.1\ncloudpickle==2.2.0\n',
    'input_example.json': JSON.stringify({ columns: [...IRIS_COLUMNS], data: [trained.rows[0]] }),
    'serving_input_example.json': JSON.stringify({
      dataframe_split: { columns: [...IRIS_COLUMNS], data: [trained.rows[0]] },
    }),
  });
  return { dir, rows: trained.rows, predictions: trained.predictions };
}
