import { createPostgresTestDatabase } from '../../../testing/test-databases.js';
import { openSqlDatabase } from '../open-database.js';
import type { TraceStoreSchema } from './context.js';
import { describeTraceQueryPlans } from './trace-query-plans.contract.js';

describeTraceQueryPlans('PostgreSQL', async () => {
  const target = await createPostgresTestDatabase();
  const database = await openSqlDatabase<TraceStoreSchema>(target.uri, process.cwd());
  return {
    database,
    async close() {
      await database.close();
      await target.drop();
    },
  };
});
