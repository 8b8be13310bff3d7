import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type OpenedStores, openStores } from '../../../compose.js';

describe('paged metric histories', () => {
  let dir: string;
  let stores: OpenedStores;
  let experimentId: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'keel-pages-'));
    stores = await openStores(`sqlite:///${join(dir, 'mlflow.db')}`, {
      defaultArtifactRoot: join(dir, 'artifacts'),
      cwd: dir,
    });
    experimentId = await stores.tracking.createExperiment({ name: 'pages' });
  });
  after(async () => {
    await stores.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function newRun(): Promise<string> {
    return (await stores.tracking.createRun({ experiment_id: experimentId })).info.run_id;
  }

  const points = (steps: readonly number[], timestamp: (step: number) => number = (s) => 1_000 + s) =>
    steps.map((step) => ({ key: 'loss', value: step / 10, timestamp: timestamp(step), step }));

  /** Every page of the history, following the tokens. */
  async function allPages(runId: string, pageSize: number): Promise<number[][]> {
    const pages: number[][] = [];
    let token: string | undefined;
    do {
      const page = await stores.tracking.getMetricHistory(runId, 'loss', {
        max_results: pageSize,
        ...(token === undefined ? {} : { page_token: token }),
      });
      pages.push(page.items.map((m) => m.step));
      token = page.next_page_token;
    } while (token !== undefined);
    return pages;
  }

  it('pages through an unchanged history exactly as one read returns it', async () => {
    const runId = await newRun();
    const steps = Array.from({ length: 25 }, (_, i) => i);
    await stores.tracking.logBatch(runId, { metrics: points(steps.slice(0, 12)) });
    await stores.tracking.logBatch(runId, { metrics: points(steps.slice(12)) });
    const whole = (await stores.tracking.getMetricHistory(runId, 'loss')).items.map((m) => m.step);
    assert.deepEqual(whole, steps);
    const pages = await allPages(runId, 10);
    assert.deepEqual(pages, [steps.slice(0, 10), steps.slice(10, 20), steps.slice(20)]);
    assert.deepEqual(await allPages(runId, 10), pages);
  });

  it('reads the next page from the current points after a write between pages', async () => {
    const runId = await newRun();
    await stores.tracking.logBatch(runId, { metrics: points([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]) });
    const first = await stores.tracking.getMetricHistory(runId, 'loss', { max_results: 4 });
    assert.deepEqual(
      first.items.map((m) => m.step),
      [0, 1, 2, 3],
    );
    // An earlier point now sorts first: the second page starts one point earlier.
    await stores.tracking.logBatch(runId, { metrics: points([100], () => 1) });
    const second = await stores.tracking.getMetricHistory(runId, 'loss', {
      max_results: 4,
      page_token: first.next_page_token as string,
    });
    assert.deepEqual(
      second.items.map((m) => m.step),
      [3, 4, 5, 6],
    );
  });

  it('sees a compaction of single-point writes between pages', async () => {
    const runId = await newRun();
    // Single-point writes leave one small chunk each; the 128th write merges them.
    for (let step = 0; step < 127; step++) await stores.tracking.logBatch(runId, { metrics: points([step]) });
    const first = await stores.tracking.getMetricHistory(runId, 'loss', { max_results: 50 });
    await stores.tracking.logBatch(runId, { metrics: points([-1], () => 0) });
    const rest = await stores.tracking.getMetricHistory(runId, 'loss', {
      max_results: 100,
      page_token: first.next_page_token as string,
    });
    assert.deepEqual(
      rest.items.map((m) => m.step),
      Array.from({ length: 78 }, (_, i) => 49 + i),
    );
  });
});
