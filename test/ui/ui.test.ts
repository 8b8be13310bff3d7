// The web UI end to end: Debian's chromium (through playwright-core) against a real Keel server
// seeded by the test. Opens an experiment, filters, sorts by a metric, opens a run and checks
// that its chart is drawn (canvas pixels), browses and previews artifacts, compares two runs
// with the diff-only view, registers a model and moves an alias, and checks that user content
// (a run named like an XSS probe, HTML and script in artifacts) never runs. Also checks that the
// runs table recycles its row elements while scrolling.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { KeelClient } from '@keel/client';
import { startTestServer, type TestServer } from '@keel/platform/testing';
import type { Page } from 'playwright-core';
import { type Browser, buildUi, launchBrowser } from './browser.js';
import { type Seeded, seed, XSS_NAME } from './seed.js';

/** Names of the runs in the table, top to bottom. */
async function tableNames(page: Page): Promise<string[]> {
  return page.locator('[data-testid="runs-table"] .name-cell a').allTextContents();
}

/** Pixels of the chart canvas within `tolerance` of an RGB colour. */
async function countPixels(page: Page, selector: string, rgb: [number, number, number], tolerance = 40) {
  return page.evaluate(
    ({ selector, rgb, tolerance }) => {
      const canvas = document.querySelector(selector) as HTMLCanvasElement | null;
      if (canvas === null) return -1;
      const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
      const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
      let n = 0;
      for (let i = 0; i < data.length; i += 4) {
        const close =
          Math.abs((data[i] as number) - rgb[0]) < tolerance &&
          Math.abs((data[i + 1] as number) - rgb[1]) < tolerance &&
          Math.abs((data[i + 2] as number) - rgb[2]) < tolerance &&
          (data[i + 3] as number) > 100;
        if (close) n++;
      }
      return n;
    },
    { selector, rgb, tolerance },
  );
}

describe('web UI in a real browser', { timeout: 240_000 }, () => {
  let keel: TestServer;
  let browser: Browser;
  let page: Page;
  let seeded: Seeded;
  let runs: Record<string, string>;

  before(async () => {
    await buildUi();
    keel = await startTestServer();
    seeded = await seed(keel.url);
    runs = seeded.runs as Record<string, string>;
    browser = await launchBrowser();
    page = browser.page;
    page.setDefaultTimeout(15_000);
  });
  after(async () => {
    await browser?.close();
    await keel?.close();
  });

  it('opens an experiment from the sidebar and lists its runs, nested runs folded', async () => {
    await page.goto(`${keel.url}/`);
    await page.getByRole('link', { name: 'ui-e2e', exact: true }).click();
    await page.waitForURL(`**/#/experiments/${seeded.experimentId}`);
    await page.getByText('beta', { exact: true }).waitFor();
    assert.deepEqual((await tableNames(page)).sort(), [XSS_NAME, 'alpha', 'beta', 'gamma'].sort());
    // The child run is folded under its parent until expanded.
    await page.getByRole('button', { name: 'Show 1 child runs' }).click();
    await page.getByText('alpha-child', { exact: true }).waitFor();
    const names = await tableNames(page);
    assert.equal(names[names.indexOf('alpha') + 1], 'alpha-child');
  });

  it('shows a run named like markup as text, and nothing runs', async () => {
    const cell = page.getByRole('link', { name: XSS_NAME, exact: true });
    await cell.waitFor();
    assert.equal(await cell.textContent(), XSS_NAME);
    assert.equal(await page.locator('img[src="x"]').count(), 0, 'no element was made from the name');
    assert.deepEqual(browser.dialogs, []);
  });

  it('filters with a search expression, completes keys, and explains an invalid filter inline', async () => {
    const box = page.getByRole('combobox', { name: 'Filter runs' });
    await box.fill('params.opt');
    await page.getByRole('option', { name: /params\.optimizer/ }).waitFor();
    await box.press('Tab');
    assert.equal(await box.inputValue(), 'params.optimizer ');
    await page.getByRole('option', { name: 'LIKE', exact: true }).waitFor();
    await box.fill("params.optimizer = 'adam'");
    await box.press('Enter');
    await page.waitForFunction(
      () => new URLSearchParams(location.hash.split('?')[1]).get('filter') === "params.optimizer = 'adam'",
    );
    await page.waitForFunction(() => document.querySelectorAll('.name-cell a').length === 3);
    assert.deepEqual((await tableNames(page)).sort(), [XSS_NAME, 'alpha', 'gamma'].sort());

    await box.fill('metrics.loss <> 1');
    await box.press('Enter');
    const error = page.getByRole('alert');
    await error.waitFor();
    assert.match((await error.textContent()) ?? '', /Invalid|not a valid|comparator/i);
    assert.equal(await box.getAttribute('aria-invalid'), 'true');
    await page.getByRole('button', { name: 'Clear' }).click();
    await page.getByText('beta', { exact: true }).waitFor();
  });

  it('sorts by a metric on the server, descending then ascending', async () => {
    await page.getByRole('button', { name: 'Sort by loss' }).click();
    await page.waitForFunction(() => location.hash.includes('sort=metric%3Aloss%3Adesc'));
    await page.waitForFunction((first) => document.querySelector('.name-cell a')?.textContent === first, XSS_NAME);
    // The child run (no loss of its own) stays folded right under its parent.
    assert.deepEqual(await tableNames(page), [XSS_NAME, 'gamma', 'beta', 'alpha', 'alpha-child']);
    assert.equal(await page.getByRole('columnheader', { name: /loss/ }).getAttribute('aria-sort'), 'descending');
    await page.getByRole('button', { name: 'Sort by loss' }).click();
    await page.waitForFunction(() => document.querySelector('.name-cell a')?.textContent === 'alpha');
    assert.deepEqual(await tableNames(page), ['alpha', 'alpha-child', 'beta', 'gamma', XSS_NAME]);
  });

  it('opens a run and draws its metric chart (pixels on the canvas)', async () => {
    await page.getByRole('link', { name: 'alpha', exact: true }).click();
    await page.getByTestId('run-name').waitFor();
    assert.equal(await page.getByTestId('run-name').textContent(), 'alpha');
    await page.getByTestId('params-table').getByText('adam').waitFor();
    await page.getByRole('tab', { name: 'Charts' }).click();
    const canvas = '[data-testid="chart-loss"] canvas';
    await page.waitForSelector('[data-testid="chart-loss"][data-draw-count]');
    // The first run's colour is #4e79a7; a drawn line puts hundreds of such pixels on the canvas.
    const drawn = await countPixels(page, canvas, [0x4e, 0x79, 0xa7]);
    assert.ok(drawn > 200, `expected the line's pixels on the canvas, found ${drawn}`);
    assert.equal(await page.getByTestId('chart-loss').getAttribute('data-points'), '300');
  });

  it('browses artifacts and previews text, JSON, CSV, images and HTML safely', async () => {
    await page.getByRole('tab', { name: 'Artifacts' }).click();
    await page.getByRole('button', { name: /notes/ }).click();
    await page.getByRole('button', { name: /train\.log/ }).click();
    const text = page.getByTestId('text-preview');
    await text.waitFor();
    assert.match((await text.textContent()) ?? '', /<script>alert\(2\)<\/script>/);

    await page.getByRole('button', { name: /config\.json/ }).click();
    await page.waitForFunction(() =>
      document.querySelector('[data-testid="text-preview"]')?.textContent?.includes('"dropout": 0.1'),
    );

    await page.getByRole('button', { name: /^▸ data/ }).click();
    await page.getByRole('button', { name: /preds\.csv/ }).click();
    const csv = page.getByTestId('csv-preview');
    await csv.getByText('dog, big').waitFor();
    assert.equal(await csv.locator('tbody tr').count(), 2);

    await page.getByRole('button', { name: /^▸ plots/ }).click();
    await page.getByRole('button', { name: /red\.png/ }).click();
    const image = page.locator('img.image-preview');
    await image.waitFor();
    await page.waitForFunction(
      () => (document.querySelector('img.image-preview') as HTMLImageElement)?.naturalWidth === 24,
    );

    await page.getByRole('button', { name: /report\.html/ }).click();
    const frame = page.getByTestId('html-preview');
    await frame.waitFor();
    assert.equal(await frame.getAttribute('sandbox'), '');
    await page.waitForTimeout(300);
    assert.deepEqual(browser.dialogs, [], 'scripts in artifacts never run');

    const download = page.getByRole('link', { name: 'Download' });
    const response = await page.request.get(new URL((await download.getAttribute('href')) ?? '', page.url()).href);
    assert.equal(response.status(), 200);
    assert.match(await response.text(), /<h1>Report<\/h1>/);
  });

  it('shows MLmodel as a model card and registers it; then moves an alias on the registry page', async () => {
    await page.getByRole('button', { name: /^▸ model/ }).click();
    await page.getByRole('button', { name: /MLmodel/ }).click();
    const card = page.getByTestId('model-card');
    await card.getByText('sepal_length').waitFor();
    await card.getByRole('textbox', { name: 'Registered model name' }).fill('e2e-model');
    await card.getByRole('button', { name: 'Register model' }).click();
    await card.getByText('e2e-model version 1').waitFor();

    // A second version, registered through the SDK, to move the alias to.
    const client = new KeelClient({ trackingUri: keel.url });
    await client.registerModel(`runs:/${runs.alpha}/model`, 'e2e-model');

    await card.getByRole('link', { name: 'e2e-model version 1' }).click();
    await page.getByRole('link', { name: 'e2e-model', exact: true }).click();
    await page.getByTestId('versions-table').getByText('Version 2').waitFor();
    await page.getByRole('textbox', { name: 'Alias' }).fill('champion');
    await page.getByRole('combobox', { name: 'Alias version' }).selectOption('1');
    await page.getByRole('button', { name: 'Set alias' }).click();
    await page.getByTestId('aliases').getByText('version 1').waitFor();
    await page.getByRole('textbox', { name: 'Alias' }).fill('champion');
    await page.getByRole('combobox', { name: 'Alias version' }).selectOption('2');
    await page.getByRole('button', { name: 'Set alias' }).click();
    await page.getByTestId('aliases').getByText('version 2').waitFor();
    assert.equal(
      (await client.getModelVersionByAlias({ name: 'e2e-model', alias: 'champion' })).model_version.version,
      '2',
    );

    await page.getByRole('combobox', { name: 'Stage of version 2' }).selectOption('Staging');
    await page
      .getByTestId('audit-trail')
      .getByText(/from None to Staging/)
      .waitFor();
    const trail = (await page.getByTestId('audit-trail').textContent()) ?? '';
    assert.match(trail, /pointed alias @champion at version 2/);
    await client.close();
  });

  it('compares two runs, with the diff-only view', async () => {
    await page.goto(`${keel.url}/#/experiments/${seeded.experimentId}`);
    await page.getByRole('checkbox', { name: 'Select run alpha', exact: true }).click();
    await page.getByRole('checkbox', { name: 'Select run beta', exact: true }).click();
    await page.getByRole('button', { name: 'Compare' }).click();
    const table = page.getByTestId('compare-table');
    await table.getByText('optimizer').waitFor();
    assert.equal(await table.getByRole('rowheader', { name: 'epochs' }).count(), 1, 'all rows at first');
    await page.getByRole('checkbox', { name: 'Show only differences' }).check();
    await page.waitForFunction(() => location.hash.includes('diff=1'));
    assert.equal(await table.getByRole('rowheader', { name: 'epochs' }).count(), 0, 'equal rows hidden');
    const headers = await table.locator('tbody th').allTextContents();
    assert.deepEqual(
      headers.map((h) => h.replace(/^(PARAMETERS|METRICS|TAGS)/i, '')),
      ['lr', 'optimizer', 'accuracy', 'loss', 'team'],
    );
    await page.getByRole('tab', { name: 'Parallel coordinates' }).click();
    assert.equal(await page.getByTestId('parallel-plot').locator('polyline').count(), 2);
    await page.getByRole('tab', { name: 'Scatter' }).click();
    assert.equal(await page.getByTestId('scatter-plot').locator('circle').count(), 2);
  });

  it('shows a page opened by its URL at once, without the loading fallback first', async () => {
    // React 19 holds a lazily loaded page back until 300 ms after its fallback appeared; a page
    // opened by its URL has its code loaded before the first render, so no fallback is shown.
    const seen = await page.context().newPage();
    try {
      await seen.addInitScript(() => {
        const w = window as unknown as { __fallbackShown?: boolean };
        w.__fallbackShown = false;
        new MutationObserver((_, observer) => {
          if ([...document.querySelectorAll('.page.muted')].some((e) => e.textContent === 'Loading…')) {
            w.__fallbackShown = true;
          }
          if (document.querySelector('h1')) observer.disconnect();
        }).observe(document, { childList: true, subtree: true, characterData: true });
      });
      await seen.goto(`${keel.url}/#/compare?runs=${runs.alpha},${runs.beta}`);
      await seen.getByRole('heading', { name: 'Comparing 2 runs' }).waitFor();
      assert.equal(
        await seen.evaluate(() => (window as unknown as { __fallbackShown: boolean }).__fallbackShown),
        false,
      );
    } finally {
      await seen.close();
    }
  });

  it('never opened a dialog nor threw in the page', () => {
    assert.deepEqual(browser.dialogs, []);
    assert.deepEqual(browser.errors, []);
  });

  it('draws aggregated buckets from one request: fitting the data is not a zoom', async () => {
    // 3,000 points in fewer buckets than that: the first bucket's x (its last point) lies past
    // the range's start, which once passed for a zoom and fetched everything a second time.
    const client = new KeelClient({ trackingUri: keel.url });
    const { experiment_id } = await client.createExperiment({ name: 'ui-dense' });
    const { run } = await client.createRun({ experiment_id, run_name: 'dense' });
    for (let b = 0; b < 3000; b += 1000) {
      await client.logBatch({
        run_id: run.info.run_id,
        metrics: Array.from({ length: 1000 }, (_, i) => ({
          key: 'loss',
          value: Math.sin((b + i) / 50),
          timestamp: b + i,
          step: b + i,
        })),
      });
    }
    const requests: string[] = [];
    const onRequest = (request: { url(): string }) => {
      if (request.url().includes('get-history-buckets')) requests.push(request.url());
    };
    page.on('request', onRequest);
    try {
      await page.goto(`${keel.url}/#/experiments/${experiment_id}/runs/${run.info.run_id}?tab=charts`);
      await page.waitForSelector('[data-testid="chart-loss"][data-draw-count]');
      await page.waitForTimeout(500);
      assert.equal(requests.length, 1, requests.join('\n'));
      assert.doesNotMatch(requests[0] as string, /[?&](start|end)=/);
      assert.equal(await page.getByTestId('chart-loss').getAttribute('data-range'), '0:2999');
    } finally {
      page.off('request', onRequest);
    }
  });
});

describe('runs table scrolling in a real browser', { timeout: 240_000 }, () => {
  let keel: TestServer;
  let browser: Browser;

  before(async () => {
    await buildUi();
    keel = await startTestServer();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await keel?.close();
  });

  it('hands the DOM rows that leave the view to the rows coming in, instead of building new ones', async () => {
    const client = new KeelClient({ trackingUri: keel.url });
    const { experiment_id } = await client.createExperiment({ name: 'ui-scroll' });
    for (let i = 0; i < 400; i += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, j) =>
          client.createRun({
            experiment_id,
            run_name: `r-${String(i + j).padStart(3, '0')}`,
            start_time: 1000 + i + j,
          }),
        ),
      );
    }
    const { page } = browser;
    await page.goto(`${keel.url}/#/experiments/${experiment_id}?sort=attr:start_time:asc`);
    await page.locator('[data-run-id][aria-rowindex="2"]').waitFor();
    const table = page.getByTestId('runs-table');
    const scrollTo = async (row: number) => {
      await table.evaluate((el, top) => {
        el.scrollTop = top;
      }, row * 32);
      await page.locator(`[data-run-id][aria-rowindex="${row + 2}"]`).waitFor();
    };
    // Away from the top first: there, the rows kept in the DOM above the view are not there yet.
    await scrollTo(20);
    // Marks every row element once the view has settled (two frames after the scroll); elements
    // built later carry no mark.
    const marked = await page.evaluate(async () => {
      for (let frame = 0; frame < 2; frame++) await new Promise(requestAnimationFrame);
      const all = document.querySelectorAll('[data-run-id]');
      for (const row of all) (row as HTMLElement & { mark?: 1 }).mark = 1;
      return all.length;
    });
    // Three rows further down at a time.
    for (let k = 1; k <= 10; k++) await scrollTo(20 + 3 * k);
    const rows = await page.evaluate(() =>
      [...document.querySelectorAll('[data-run-id]')].map((row) => ({
        index: Number(row.getAttribute('aria-rowindex')),
        name: row.querySelector('.name-cell a')?.textContent,
        marked: (row as HTMLElement & { mark?: 1 }).mark === 1,
      })),
    );
    assert.ok(
      rows.some((r) => r.index === 52 && r.name === 'r-050'),
      JSON.stringify(rows.slice(0, 3)),
    );
    // Rows scrolled into view reuse the elements of rows that left it. Only if more rows are in
    // view than when they were marked (the viewport measured late on a busy machine) may the
    // extra ones be new elements, and only they.
    const built = rows.filter((r) => !r.marked).map((r) => r.name);
    assert.ok(
      built.length <= Math.max(0, rows.length - marked),
      `${built.length} new row elements for ${rows.length - marked} more rows in view: ${built.join(' ')}`,
    );
  });
});
