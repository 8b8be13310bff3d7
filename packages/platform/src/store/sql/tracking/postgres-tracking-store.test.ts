import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStores } from '../../../compose.js';
import { createPostgresTestDatabase } from '../../../testing/test-databases.js';
import { describeTrackingStore } from '../../tracking-store.contract.js';

describeTrackingStore('PostgreSQL', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'keel-store-'));
  const database = await createPostgresTestDatabase();
  const stores = await openStores(database.uri, { defaultArtifactRoot: join(dir, 'artifacts'), cwd: dir });
  return {
    store: stores.tracking,
    async close() {
      await stores.close();
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
