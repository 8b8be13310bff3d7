import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStores } from '../../../compose.js';
import { describeRegistryStore } from '../../registry-store.contract.js';

describeRegistryStore('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'keel-registry-'));
  const stores = await openStores(`sqlite:///${join(dir, 'mlflow.db')}`, {
    defaultArtifactRoot: join(dir, 'artifacts'),
    cwd: dir,
  });
  return {
    store: stores.registry,
    async close() {
      await stores.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
