import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeQueryPlans } from './query-plans.contract.js';
import type { TrackingSchema } from './schema.js';
import { openSqliteDatabase } from './sqlite-database.js';

describeQueryPlans('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'keel-plans-'));
  const database = openSqliteDatabase<TrackingSchema>(join(dir, 'mlflow.db'));
  return {
    database,
    async close() {
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
