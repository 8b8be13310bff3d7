import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStores } from '../../../compose.js';
import { describeTrackingStore } from '../../tracking-store.contract.js';

describeTrackingStore('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'keel-store-'));
  const stores = await openStores(`sqlite:///${join(dir, 'mlflow.db')}`, {
    defaultArtifactRoot: join(dir, 'artifacts'),
    cwd: dir,
  });
  return {
    store: stores.tracking,
    async close() {
      await stores.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
