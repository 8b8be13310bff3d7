import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStores } from '../../../compose.js';
import { describeEvaluationDatasetStore } from '../../evaluation-dataset-store.contract.js';
import { describeScorerStore } from '../../scorer-store.contract.js';

async function open() {
  const dir = mkdtempSync(join(tmpdir(), 'keel-genai-'));
  const stores = await openStores(`sqlite:///${join(dir, 'mlflow.db')}`, {
    defaultArtifactRoot: join(dir, 'artifacts'),
    cwd: dir,
  });
  return {
    datasets: stores.datasets,
    scorers: stores.scorers,
    createExperiment: (name: string) => stores.tracking.createExperiment({ name }),
    async close() {
      await stores.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describeEvaluationDatasetStore('SQLite', open);
describeScorerStore('SQLite', open);
