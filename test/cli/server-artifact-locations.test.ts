// `keel server --allow-local-artifact-locations` (and its environment variable), through the real
// binary: local experiment locations outside the artifact roots are refused by default and
// accepted only when the operator asks for it.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runKeel, startKeelServer } from '../support/cli.js';
import { mlflowApi } from '../support/http.js';

describe('keel server: local artifact locations', { concurrency: true }, () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'keel-cli-locations-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function createOutside(args: string[], env: NodeJS.ProcessEnv, name: string): Promise<number> {
    const cwd = mkdtempSync(join(dir, `${name}-`));
    const server = await startKeelServer(args, { cwd, env });
    try {
      const reply = await mlflowApi(server.url).post('/experiments/create', {
        name,
        artifact_location: join(dir, 'shared-disk', name),
      });
      return reply.status;
    } finally {
      await server.stop();
    }
  }

  it('refuses them by default', async () => {
    assert.equal(await createOutside([], {}, 'default'), 400);
  });

  it('accepts them with the flag', async () => {
    assert.equal(await createOutside(['--allow-local-artifact-locations'], {}, 'flag'), 200);
  });

  it('accepts them with KEEL_ALLOW_LOCAL_ARTIFACT_LOCATIONS', async () => {
    assert.equal(await createOutside([], { KEEL_ALLOW_LOCAL_ARTIFACT_LOCATIONS: 'true' }, 'env'), 200);
  });

  it('documents the flag in --help', async () => {
    const help = await runKeel(['server', '--help']);
    assert.match(help.stdout, /--allow-local-artifact-locations/);
    assert.match(help.stdout, /KEEL_ALLOW_LOCAL_ARTIFACT_LOCATIONS/);
  });
});
