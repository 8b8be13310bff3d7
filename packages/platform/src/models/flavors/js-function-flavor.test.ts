import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { writeJsModelDir } from '../../testing/index.js';
import { loadModelDirectory } from '../load-model.js';
import { saveModel } from '../save-model.js';
import { describeFlavor } from './flavor.contract.js';
import { JsFunctionFlavor } from './js-function-flavor.js';

describeFlavor('js_function', {
  flavor: () => new JsFunctionFlavor(),
  write: (dir) => {
    writeJsModelDir(dir);
  },
  request: {
    body: JSON.stringify({
      dataframe_split: {
        columns: ['x1', 'x2'],
        data: [
          [1, 2],
          [3, 4],
        ],
      },
      params: { scale: 2 },
    }),
    predictions: [18, 38],
  },
  invalid: {
    body: JSON.stringify({ dataframe_records: [{ x1: 1, x3: 2 }] }),
    message: /Model is missing inputs \['x2'\]\. Note that there were extra inputs: \['x3'\]/,
  },
  pathKey: 'data',
});

describe('js_function flavor', () => {
  const root = mkdtempSync(join(tmpdir(), 'keel-js-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const flavors = new Map([['js_function', new JsFunctionFlavor()]]);

  it('refuses a module outside the code directory, and a module that exports no loader', async () => {
    const dir = writeJsModelDir(join(root, 'escape'));
    writeFileSync(join(dir, 'MLmodel'), 'flavors:\n  js_function:\n    code: code\n    module: ../../outside.mjs\n');
    writeFileSync(join(root, 'outside.mjs'), 'export const load = () => ({ predict: () => 1 });');
    await assert.rejects(
      loadModelDirectory(dir, { flavors }),
      /Refusing to load the model: flavors\.js_function\.module .*outside/,
    );
    const bad = writeJsModelDir(join(root, 'bad'));
    writeFileSync(join(bad, 'code', 'model.mjs'), 'export const answer = 42;');
    await assert.rejects(
      loadModelDirectory(bad, { flavors }),
      /must export a loader 'load' \(or a default export\) returning an object with predict/,
    );
  });

  it('saves a TypeScript module bundled with its imports, infers input and output schemas, and loads it back', async () => {
    const src = join(root, 'src');
    mkdirSync(src, { recursive: true });
    writeFileSync(join(src, 'weights.ts'), 'export const WEIGHT: number = 3;\n');
    writeFileSync(
      join(src, 'model.ts'),
      `import { WEIGHT } from './weights.js';
interface Frame { records(): Array<{ amount: number }> }
export function load() {
  return { predict: (input: Frame) => input.records().map((r) => r.amount * WEIGHT) };
}
`,
    );
    const dir = join(root, 'saved-ts');
    const mlmodel = await saveModel(dir, {
      flavor: 'js_function',
      module: join(src, 'model.ts'),
      inputExample: [{ amount: 2 }],
    });
    assert.equal(mlmodel.flavors.js_function?.module, 'model.mjs');
    assert.equal(mlmodel.signature?.inputs, '[{"type":"long","name":"amount","required":true}]');
    assert.equal(mlmodel.signature?.outputs, '[{"type":"long","required":true}]');
    const model = await loadModelDirectory(dir, { flavors });
    assert.deepEqual(await model.predict([{ amount: 5 }, { amount: 7 }]), [15, 21]);
    await model.close();
  });
});
