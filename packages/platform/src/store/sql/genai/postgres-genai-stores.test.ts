import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStores } from '../../../compose.js';
import { createPostgresTestDatabase } from '../../../testing/test-databases.js';
import { describeEvaluationDatasetStore } from '../../evaluation-dataset-store.contract.js';
import { describeScorerStore } from '../../scorer-store.contract.js';

async function open() {
  const dir = mkdtempSync(join(tmpdir(), 'keel-genai-'));
  const database = await createPostgresTestDatabase();
  const stores = await openStores(database.uri, { defaultArtifactRoot: join(dir, 'artifacts'), cwd: dir });
  return {
    datasets: stores.datasets,
    scorers: stores.scorers,
    createExperiment: (name: string) => stores.tracking.createExperiment({ name }),
    async close() {
      await stores.close();
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describeEvaluationDatasetStore('PostgreSQL', open);
describeScorerStore('PostgreSQL', open);
