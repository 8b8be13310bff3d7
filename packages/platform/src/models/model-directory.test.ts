import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ModelDirectory } from './model-directory.js';

describe('model directories: every path an MLmodel names stays inside', () => {
  const root = mkdtempSync(join(tmpdir(), 'keel-model-dir-'));
  before(() => writeFileSync(join(root, 'secret.pkl'), 'outside'));
  after(() => rmSync(root, { recursive: true, force: true }));

  function model(name: string, mlmodel: string, files: Record<string, string> = {}): string {
    const dir = join(root, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'MLmodel'), mlmodel);
    for (const [file, content] of Object.entries(files)) {
      mkdirSync(join(dir, file, '..'), { recursive: true });
      writeFileSync(join(dir, file), content);
    }
    return dir;
  }

  it('resolves paths inside the model', async () => {
    const dir = model('ok', 'flavors:\n  onnx:\n    data: sub/model.onnx\n', { 'sub/model.onnx': 'x' });
    const opened = await ModelDirectory.open(dir);
    assert.equal(
      await opened.resolveExisting('sub/model.onnx', 'flavors.onnx.data'),
      join(opened.dir, 'sub/model.onnx'),
    );
  });

  const refusals: [string, string][] = [
    ['dotdot', 'flavors:\n  sklearn:\n    pickled_model: ../secret.pkl\n'],
    ['absolute', `flavors:\n  onnx:\n    data: ${join(root, 'secret.pkl')}\n`],
    ['code', 'flavors:\n  python_function:\n    loader_module: m\n    code: ../\n'],
    [
      'env',
      'flavors:\n  python_function:\n    loader_module: mlflow.sklearn\n    env:\n      conda: ../../etc/passwd\n',
    ],
    [
      'artifact',
      'flavors:\n  python_function:\n    loader_module: mlflow.pyfunc.model\n    artifacts:\n      weights:\n        path: ../secret.pkl\n',
    ],
    ['example', 'flavors: {}\nsaved_input_example_info:\n  artifact_path: ../secret.pkl\n  type: json_object\n'],
    ['backslash', 'flavors:\n  onnx:\n    data: ..\\\\secret.pkl\n'],
  ];
  for (const [name, mlmodel] of refusals) {
    it(`refuses a model whose MLmodel points outside (${name})`, async () => {
      await assert.rejects(
        ModelDirectory.open(model(name, mlmodel)),
        /Refusing to load the model: .* points outside the model directory/,
      );
    });
  }

  it('refuses a symlink inside the model that leads out', async () => {
    const dir = model('symlink', 'flavors:\n  onnx:\n    data: model.onnx\n');
    symlinkSync(join(root, 'secret.pkl'), join(dir, 'model.onnx'));
    await assert.rejects(ModelDirectory.open(dir), /flavors\.onnx\.data \('model\.onnx'\) points outside/);
  });

  it('says when the directory is not a model', async () => {
    mkdirSync(join(root, 'empty'));
    await assert.rejects(ModelDirectory.open(join(root, 'empty')), /No MLmodel file in .*not an MLflow model/);
    await assert.rejects(ModelDirectory.open(join(root, 'missing')), /does not exist/);
  });
});
