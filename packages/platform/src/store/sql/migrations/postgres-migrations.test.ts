import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPostgresTestDatabase } from '../../../testing/test-databases.js';
import { describeMigrations } from './migrations.contract.js';

describeMigrations('PostgreSQL', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'keel-migrations-'));
  const database = await createPostgresTestDatabase();
  return {
    uri: database.uri,
    dir,
    async drop() {
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
