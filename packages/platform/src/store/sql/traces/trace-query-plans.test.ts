import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteDatabase } from '../sqlite-database.js';
import type { TraceStoreSchema } from './context.js';
import { describeTraceQueryPlans } from './trace-query-plans.contract.js';

describeTraceQueryPlans('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'keel-trace-plans-'));
  const database = openSqliteDatabase<TraceStoreSchema>(join(dir, 'mlflow.db'));
  return {
    database,
    async close() {
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
