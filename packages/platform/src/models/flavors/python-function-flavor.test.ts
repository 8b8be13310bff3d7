import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LocalEnvManager } from '../../projects/env/local-env-manager.js';
import { IRIS_COLUMNS, TEST_PYTHON, writeSklearnModelDir } from '../../testing/index.js';
import { createFlavorRegistry } from '../compose.js';
import { loadModelDirectory } from '../load-model.js';
import { ModelPythonEnvironment } from '../python/python-environment.js';
import { createScoringApp } from '../scoring/scoring-app.js';
import { describeFlavor } from './flavor.contract.js';
import { PythonFunctionFlavor } from './python-function-flavor.js';

const root = mkdtempSync(join(tmpdir(), 'keel-pyfunc-'));
const trained = writeSklearnModelDir(join(root, 'template'), { python: TEST_PYTHON });
const flavor = () =>
  new PythonFunctionFlavor({
    environment: new ModelPythonEnvironment(new LocalEnvManager(), { python: TEST_PYTHON }),
    loader: 'builtin',
  });

describeFlavor('python_function', {
  flavor,
  write: (dir) => cpSync(trained.dir, dir, { recursive: true }),
  request: {
    body: JSON.stringify({ dataframe_split: { columns: [...IRIS_COLUMNS], data: trained.rows.slice(0, 4) } }),
    predictions: trained.predictions.slice(0, 4),
  },
  invalid: {
    body: JSON.stringify({ dataframe_records: [{ sepal_length: 1 }] }),
    message: /Model is missing inputs \['sepal_width', 'petal_length', 'petal_width'\]/,
  },
  pathKey: 'pickled_model',
});

/** A pure-Python model with a custom loader module in its code directory (fast to start: no sklearn). */
function customModel(dir: string, predictBody: string, loader = 'keel_test_loader'): string {
  mkdirSync(join(dir, 'code'), { recursive: true });
  writeFileSync(
    join(dir, 'MLmodel'),
    `flavors:\n  python_function:\n    code: code\n    data: weights.txt\n    loader_module: ${loader}\n    python_version: 3.11.2\n`,
  );
  writeFileSync(join(dir, 'weights.txt'), '3');
  writeFileSync(
    join(dir, 'code', 'keel_test_loader.py'),
    `import sys, time\n\nclass Model:\n    def __init__(self, w):\n        self.w = w\n\n    def predict(self, data, params=None):\n${predictBody
      .split('\n')
      .map((l) => `        ${l}`)
      .join('\n')}\n\ndef _load_pyfunc(path):\n    with open(path) as f:\n        return Model(float(f.read()))\n`,
  );
  return dir;
}

describe('python_function flavor', () => {
  after(() => rmSync(root, { recursive: true, force: true }));
  const flavors = new Map([['python_function', flavor()]]);
  let counter = 0;
  const dir = () => join(root, `case-${counter++}`);

  it('loads a model pickled with plain pickle too', async () => {
    const model = writeSklearnModelDir(dir(), { python: TEST_PYTHON, format: 'pickle' });
    const loaded = await loadModelDirectory(model.dir, { flavors });
    assert.deepEqual(
      await loaded.predict(model.rows.map((r) => Object.fromEntries(IRIS_COLUMNS.map((c, i) => [c, r[i]])))),
      model.predictions,
    );
    await loaded.close();
  });

  it('runs a custom loader_module of the model, passes params, and keeps stdout prints off the protocol', async () => {
    const loaded = await loadModelDirectory(
      customModel(
        dir(),
        'print("noise on stdout")\nreturn [self.w * v * (params or {}).get("k", 1) for v in data["x"]]',
      ),
      { flavors },
    );
    assert.deepEqual(await loaded.predict({ x: [1, 2] }, {}), [3, 6]);
    await loaded.close();
  });

  it("runs in a virtualenv made from the model's python_env.yaml by the projects' manager, reused once made", async () => {
    const model = customModel(dir(), 'import os\nreturn [sys.prefix, os.environ.get("VIRTUAL_ENV")]');
    writeFileSync(
      join(model, 'MLmodel'),
      'flavors:\n  python_function:\n    code: code\n    data: weights.txt\n    loader_module: keel_test_loader\n    env:\n      virtualenv: python_env.yaml\n',
    );
    writeFileSync(join(model, 'python_env.yaml'), 'python: "3.11"\nbuild_dependencies: []\ndependencies: []\n');
    const envRoot = join(root, 'envs');
    const lines: string[] = [];
    const options = { envManager: 'virtualenv', env: { ...process.env, MLFLOW_ENV_ROOT: envRoot } };
    const first = await loadModelDirectory(model, {
      flavors: createFlavorRegistry({ ...options, log: (l) => lines.push(l) }),
    });
    const [prefix, virtualEnv] = (await first.predict({ x: [1] })) as [string, string];
    await first.close();
    assert.ok(prefix.startsWith(join(envRoot, 'virtualenv_envs', 'keel-')), prefix);
    assert.equal(virtualEnv, prefix);
    assert.ok(
      lines.some((l) => l.startsWith('Creating virtualenv environment')),
      lines.join('\n'),
    );
    const again: string[] = [];
    const second = await loadModelDirectory(model, {
      flavors: createFlavorRegistry({ ...options, log: (l) => again.push(l) }),
    });
    assert.deepEqual(await second.predict({ x: [1] }), [prefix, prefix]);
    await second.close();
    assert.ok(
      again.some((l) => l.startsWith(`Reusing virtualenv environment ${prefix}`)),
      again.join('\n'),
    );
  });

  it("refuses a loader_module that is not a module of the model's code directory", async () => {
    await assert.rejects(
      loadModelDirectory(customModel(dir(), 'return 1', 'json'), { flavors }),
      /Refusing to load the model: loader_module 'json' is not a module inside the model's code directory/,
    );
    await assert.rejects(
      loadModelDirectory(customModel(dir(), 'return 1', '../../evil'), { flavors }),
      /loader_module must be a Python module name/,
    );
  });

  it("answers a model's exception as MLflow does: 400 with the Python traceback", async () => {
    const loaded = await loadModelDirectory(customModel(dir(), 'raise ValueError("bad row " + str(len(data)))'), {
      flavors,
    });
    const app = createScoringApp({ model: loaded.served({ uri: 'x' }) });
    const answer = await app.invocations({ contentType: 'application/json', body: '{"inputs": {"x": [1]}}' });
    assert.equal(answer.status, 400);
    const body = JSON.parse(answer.body);
    assert.equal(body.error_code, 'BAD_REQUEST');
    assert.match(body.message, /^Encountered an unexpected error while evaluating the model\./);
    assert.match(body.stack_trace, /Traceback[\s\S]*ValueError: bad row 1/);
    await loaded.close();
  });

  it('restarts a worker that died, and stops a timed-out prediction', async () => {
    const loaded = await loadModelDirectory(
      customModel(
        dir(),
        'if data["x"][0] == 99:\n    import os; os._exit(3)\nif data["x"][0] == 7:\n    time.sleep(30)\nreturn [1]',
      ),
      { flavors },
    );
    await assert.rejects(loaded.predict({ x: [99] }), /The Python worker exited \(code 3\)/);
    assert.deepEqual(await loaded.predict({ x: [1] }), [1]);
    const app = createScoringApp({ model: loaded.served({ uri: 'x' }), limits: { timeoutMs: 300 } });
    const slow = await app.invocations({ contentType: 'application/json', body: '{"inputs": {"x": [7]}}' });
    assert.equal(slow.status, 504);
    assert.equal(slow.body, 'Request processing time exceeded limit');
    assert.deepEqual(await loaded.predict({ x: [2] }), [1]);
    await loaded.close();
  });

  it('says what is missing when there is no interpreter, or when the loader needs mlflow', async () => {
    const model = customModel(dir(), 'return 1');
    await assert.rejects(
      loadModelDirectory(model, { flavors: createFlavorRegistry({ python: '/nonexistent/python3' }) }),
      /it has flavors \[python_function\]; Keel runs models of flavors onnx, js_function, python_function\. python_function: The python_function flavor needs a Python interpreter: '\/nonexistent\/python3' was not found/,
    );
    for (const name of ['pipenv', 'node', 'docker']) {
      await assert.rejects(
        loadModelDirectory(model, { flavors: createFlavorRegistry({ envManager: name }) }),
        new RegExp(`Unknown environment manager '${name}' for a model; choose one of local, virtualenv, uv, conda\\.`),
      );
    }
    // A manager whose tool is missing says so, and what to use instead.
    await assert.rejects(
      loadModelDirectory(model, {
        flavors: createFlavorRegistry({ envManager: 'uv', env: { PATH: '/nonexistent', HOME: root } }),
      }),
      /python_function: uv is not installed \(not found on PATH\)\. .*--env-manager local/,
    );
    writeFileSync(
      join(model, 'MLmodel'),
      'flavors:\n  python_function:\n    loader_module: mlflow.pytorch\n    data: weights.txt\n',
    );
    await assert.rejects(
      loadModelDirectory(model, { flavors }),
      /loader_module 'mlflow\.pytorch' needs the mlflow Python package/,
    );
  });

  before(() => {
    assert.ok(trained.predictions.length > 0);
  });
});
