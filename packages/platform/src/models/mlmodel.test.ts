import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MlflowError } from '@keel/contract';
import { createMlModel, parseMlModel, serializeMlModel, signatureOf, utcTimeCreated } from './mlmodel.js';

const MLFLOW3_SKLEARN = `artifact_path: mlflow-artifacts:/3/models/m-7b1e/artifacts
flavors:
  python_function:
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.sklearn
    model_path: model.pkl
    predict_fn: predict
    python_version: 3.11.7
  sklearn:
    code: null
    pickled_model: model.pkl
    serialization_format: cloudpickle
    sklearn_version: 1.5.2
is_signature_from_type_hint: false
mlflow_version: 3.6.0
model_id: m-7b1e
model_size_bytes: 3481
model_uuid: m-7b1e
run_id: 5c0a6f3e2d1b4a8f9e7d6c5b4a392817
custom_key:
  nested: [1, 2]
signature:
  inputs: '[{"type": "double", "name": "sepal_length", "required": true}, {"type": "double",
    "name": "sepal_width", "required": true}]'
  outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "int64", "shape": [-1]}}]'
  params: null
utc_time_created: '2025-11-20 09:15:02.123456'
`;

describe('MLmodel files', () => {
  it('reads MLflow 3 files, keeps unknown keys, and parses the JSON-string signature', () => {
    const model = parseMlModel(MLFLOW3_SKLEARN);
    assert.deepEqual(Object.keys(model.flavors), ['python_function', 'sklearn']);
    assert.equal(model.flavors.sklearn?.serialization_format, 'cloudpickle');
    assert.deepEqual(model.custom_key, { nested: [1, 2] });
    assert.equal(model.utc_time_created, '2025-11-20 09:15:02.123456');
    const signature = signatureOf(model);
    assert.equal(signature?.inputs?.kind, 'columns');
    assert.deepEqual(
      signature?.inputs?.inputs.map((c) => ('name' in c ? c.name : undefined)),
      ['sepal_length', 'sepal_width'],
    );
    assert.equal(signature?.outputs?.kind, 'tensors');
    assert.equal(signature?.params, undefined);
  });

  it('writes sorted keys with the creation time quoted, and reads back what it wrote', () => {
    const written = serializeMlModel(parseMlModel(MLFLOW3_SKLEARN));
    assert.match(written, /^utc_time_created: "2025-11-20 09:15:02.123456"$/m);
    const keys = written
      .split('\n')
      .filter((l) => /^\w/.test(l))
      .map((l) => l.split(':')[0]);
    assert.deepEqual(keys, [...keys].sort());
    assert.deepEqual(parseMlModel(written), parseMlModel(MLFLOW3_SKLEARN));
  });

  it('reads old MLflow 1.x files: a plain-string env and no signature', () => {
    const model = parseMlModel(
      'flavors:\n  python_function:\n    env: conda.yaml\n    loader_module: mlflow.sklearn\n',
    );
    assert.equal(model.flavors.python_function?.env, 'conda.yaml');
    assert.equal(signatureOf(model), undefined);
  });

  it('refuses YAML tags, alias bombs, and malformed structure with one clear error', () => {
    const refuse = (text: string, message: RegExp) =>
      assert.throws(
        () => parseMlModel(text, 'm/MLmodel'),
        (e: unknown) => e instanceof MlflowError && e.code === 'INVALID_PARAMETER_VALUE' && message.test(e.message),
      );
    refuse(
      'flavors: !!python/object/apply:os.system ["id"]\n',
      /Invalid MLmodel file m\/MLmodel: YAML tags are not allowed/,
    );
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x]',
      ...'bcdefgh'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(', ')}]`),
    ];
    refuse(`${bomb.join('\n')}\nflavors: {}\n`, /Invalid MLmodel file/);
    refuse('- just\n- a list\n', /must be a mapping/);
    refuse('flavors: [onnx]\n', /'flavors' must be a mapping/);
    refuse('flavors:\n  onnx: model.onnx\n', /flavor 'onnx' must be a mapping/);
    refuse('flavors: {}\nrun_id: [1]\n', /'run_id' must be a string/);
    refuse(
      'flavors: {}\nsignature:\n  inputs: \'[{"type": "nope"}]\'\n',
      /Invalid model signature: input 0 has unknown type 'nope'/,
    );
    refuse('flavors: {}\nflavors: {}\n', /not valid YAML/);
  });

  it('creates MLmodels with MLflow fields', () => {
    const model = createMlModel({ onnx: { data: 'model.onnx' } }, { runId: 'r1', artifactPath: 'model' });
    assert.match(model.model_uuid ?? '', /^[0-9a-f]{32}$/);
    assert.match(model.utc_time_created ?? '', /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}$/);
    assert.equal(model.run_id, 'r1');
    assert.equal(utcTimeCreated(new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 678))), '2025-01-02 03:04:05.678000');
  });
});
