import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStores } from '../../../compose.js';
import { describeTraceStore } from '../../trace-store.contract.js';

describeTraceStore('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'keel-traces-'));
  const stores = await openStores(`sqlite:///${join(dir, 'mlflow.db')}`, {
    defaultArtifactRoot: join(dir, 'artifacts'),
    cwd: dir,
  });
  return {
    traces: stores.traces,
    tracking: stores.tracking,
    async close() {
      await stores.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
