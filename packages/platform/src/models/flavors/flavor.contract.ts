/**
 * The contract every flavor passes (`describeFlavor`): it loads a fixture model and predicts
 * through the scoring app, the signature is enforced on its input, a model whose flavor block
 * names a path outside the model directory is refused before anything is read, and a closed
 * model releases its runtime.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Flavor } from '../flavor.js';
import { loadModelDirectory } from '../load-model.js';
import { createScoringApp } from '../scoring/scoring-app.js';

/** What a flavor's suite provides. */
export interface FlavorFixture {
  /** The flavor under test. */
  readonly flavor: () => Flavor;
  /** Writes a model of this flavor into `dir`. */
  readonly write: (dir: string) => void | Promise<void>;
  /** A valid `/invocations` JSON body and the exact predictions JSON it gives. */
  readonly request: { readonly body: string; readonly predictions: unknown };
  /** A body the signature refuses, and the message expected. */
  readonly invalid: { readonly body: string; readonly message: RegExp };
  /** The MLmodel key that names a file of the model, to point it outside (e.g. `data`). */
  readonly pathKey: string;
}

/** Runs the flavor contract. */
export function describeFlavor(name: string, fixture: FlavorFixture): void {
  describe(`flavor contract: ${name}`, () => {
    const root = mkdtempSync(join(tmpdir(), `keel-flavor-${name}-`));
    after(() => rmSync(root, { recursive: true, force: true }));
    const registry = () => new Map([[name, fixture.flavor()]]);
    let counter = 0;
    const fresh = async () => {
      const dir = join(root, `m${counter++}`);
      await fixture.write(dir);
      return dir;
    };

    it('loads a model and predicts through the scoring app', async () => {
      const model = await loadModelDirectory(await fresh(), { flavors: registry() });
      try {
        assert.equal(model.flavor, name);
        const app = createScoringApp({ model: model.served({ uri: 'fixture' }) });
        const answer = await app.invocations({ contentType: 'application/json', body: fixture.request.body });
        assert.equal(answer.status, 200, answer.body);
        assert.deepEqual(JSON.parse(answer.body), { predictions: fixture.request.predictions });
      } finally {
        await model.close();
      }
    });

    it('enforces the signature on the input', async () => {
      const model = await loadModelDirectory(await fresh(), { flavors: registry() });
      try {
        const app = createScoringApp({ model: model.served({ uri: 'fixture' }) });
        const answer = await app.invocations({ contentType: 'application/json', body: fixture.invalid.body });
        assert.equal(answer.status, 400, answer.body);
        const error = JSON.parse(answer.body) as { error_code: string; message: string };
        assert.equal(error.error_code, 'INVALID_PARAMETER_VALUE');
        assert.match(error.message, fixture.invalid.message);
      } finally {
        await model.close();
      }
    });

    it(`refuses a model whose flavor names a path outside the model directory (${fixture.pathKey})`, async () => {
      const dir = await fresh();
      const mlmodel = readFileSync(join(dir, 'MLmodel'), 'utf8');
      const escaped = mlmodel.replace(new RegExp(`^(\\s+${fixture.pathKey}:).*$`, 'm'), '$1 ../../../../etc/passwd');
      assert.notEqual(escaped, mlmodel, `the fixture's MLmodel has no '${fixture.pathKey}' key`);
      writeFileSync(join(dir, 'MLmodel'), escaped);
      await assert.rejects(
        loadModelDirectory(dir, { flavors: registry() }),
        /Refusing to load the model: .*points outside the model directory/,
      );
    });

    it('explains when the model lacks the flavor', async () => {
      const dir = await fresh();
      writeFileSync(join(dir, 'MLmodel'), 'flavors:\n  spark:\n    model_data: sparkml\n');
      await assert.rejects(
        loadModelDirectory(dir, { flavors: registry() }),
        new RegExp(`it has flavors \\[spark\\]; Keel runs models of flavors ${name}`),
      );
    });

    it('loads the same model twice side by side (as a hot swap does), and each closes on its own', async () => {
      const dir = await fresh();
      const first = await loadModelDirectory(dir, { flavors: registry() });
      const second = await loadModelDirectory(dir, { flavors: registry() });
      await first.close();
      const app = createScoringApp({ model: second.served({ uri: 'fixture' }) });
      const answer = await app.invocations({ contentType: 'application/json', body: fixture.request.body });
      assert.equal(answer.status, 200, answer.body);
      await second.close();
    });
  });
}
