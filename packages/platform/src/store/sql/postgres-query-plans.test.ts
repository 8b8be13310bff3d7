import { createPostgresTestDatabase } from '../../testing/test-databases.js';
import { openSqlDatabase } from './open-database.js';
import { describeQueryPlans } from './query-plans.contract.js';
import type { TrackingSchema } from './schema.js';

describeQueryPlans('PostgreSQL', async () => {
  const target = await createPostgresTestDatabase();
  const database = await openSqlDatabase<TrackingSchema>(target.uri, process.cwd());
  return {
    database,
    async close() {
      await database.close();
      await target.drop();
    },
  };
});
