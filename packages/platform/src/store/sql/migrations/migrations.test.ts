import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeMigrations } from './migrations.contract.js';

describeMigrations('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'keel-migrations-'));
  return {
    uri: `sqlite:///${join(dir, 'mlflow.db')}`,
    dir,
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
});
