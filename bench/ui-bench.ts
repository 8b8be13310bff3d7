// The web UI's speed in a real browser (Debian chromium through playwright-core) against the
// built `keel` server, on 100,000 runs (20 params, 20 metrics each) in one experiment plus 10 runs
// of 1,000,000 points. Measures: first rows after navigation, scrolling frame rate, sort by a
// metric, first draw of a 10 x 1M-point chart and its redraw after a zoom, and the gzipped
// JavaScript of the first page. Usage (after `npm run build`):
//   node --conditions=keel-source --import tsx bench/ui-bench.ts [--db /tmp/keel-ui-bench.db]
//        [--runs 100000] [--points 1000000] [--repeat 3] [--cold-chart]
// The database is seeded directly through the store the first time and reused afterwards.
// Chart summaries (migration 0007) are built by the first chart that reads the points, so the
// first round draws new data and the later rounds draw from summaries; `--cold-chart` deletes
// the chart runs' summaries first, so that the first round measures new data again.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { openStores } from '@keel/platform';
import Database from 'better-sqlite3';
import { launchBrowser } from '../test/ui/browser.js';

const { values } = parseArgs({
  options: {
    db: { type: 'string', default: join(tmpdir(), 'keel-ui-bench.db') },
    runs: { type: 'string', default: '100000' },
    points: { type: 'string', default: '1000000' },
    repeat: { type: 'string', default: '3' },
    'cold-chart': { type: 'boolean', default: false },
  },
});
const RUNS = Number(values.runs);
const POINTS = Number(values.points);
const REPEAT = Number(values.repeat);
const dbPath = resolve(values.db as string);

type Store = Awaited<ReturnType<typeof openStores>>['tracking'];

async function hasExperiment(store: Store, name: string): Promise<boolean> {
  return store.getExperimentByName(name).then(
    () => true,
    () => false,
  );
}

/** 10 runs of POINTS points each (1,000-point batches, the most a batch may hold), added where missing. */
async function seedCharts(store: Store): Promise<void> {
  const id = (await hasExperiment(store, 'bench-charts'))
    ? (await store.getExperimentByName('bench-charts')).experiment_id
    : await store.createExperiment({ name: 'bench-charts' });
  const existing = (await store.searchRuns({ experiment_ids: [id], max_results: 100 })).items;
  const t0 = Date.now() - POINTS * 10;
  for (let r = 0; r < 10; r++) {
    const found = existing.find((run) => run.info.run_name === `big-${r}`);
    if (found?.data.metrics?.some((m) => m.key === 'loss')) continue;
    const runId =
      found?.info.run_id ??
      (await store.createRun({ experiment_id: id, run_name: `big-${r}`, start_time: t0 })).info.run_id;
    const started = performance.now();
    const batch = (b: number) =>
      store.logBatch(runId, {
        metrics: Array.from({ length: Math.min(1000, POINTS - b) }, (_, i) => ({
          key: 'loss',
          value: Math.sin((b + i) / 5000 + r) + ((b + i) % 99_991 === 0 ? 10 : 0),
          timestamp: t0 + (b + i) * 10,
          step: b + i,
        })),
      });
    for (let b = 0; b < POINTS; b += 10_000) {
      await Promise.all(
        Array.from({ length: Math.min(10, Math.ceil((POINTS - b) / 1000)) }, (_, j) => batch(b + j * 1000)),
      );
    }
    console.error(`seeded big-${r}: ${POINTS} points in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
}

async function seedIfNeeded(): Promise<{ big: string; charts: string[] }> {
  const stores = await openStores(`sqlite:///${dbPath}`, { defaultArtifactRoot: join(tmpdir(), 'keel-ui-bench-art') });
  const store = stores.tracking;
  try {
    if (!(await hasExperiment(store, 'bench-100k'))) {
      const started = performance.now();
      const big = await store.createExperiment({ name: 'bench-100k' });
      const t0 = Date.now() - RUNS * 1000;
      // Runs are written 200 at a time: concurrent writes share transactions (group commit).
      const seedRun = async (i: number) => {
        const run = await store.createRun({ experiment_id: big, run_name: `run-${i}`, start_time: t0 + i * 1000 });
        await store.logBatch(run.info.run_id, {
          params: Array.from({ length: 20 }, (_, k) => ({ key: `p${k}`, value: String((i * (k + 1)) % 97) })),
          metrics: Array.from({ length: 20 }, (_, k) => ({
            key: `m${k}`,
            value: Math.sin(i * (k + 1)) * 100,
            timestamp: t0 + i * 1000,
            step: 0,
          })),
          tags: [{ key: 'mlflow.user', value: `user${i % 7}` }],
        });
      };
      for (let i = 0; i < RUNS; i += 200) {
        await Promise.all(Array.from({ length: Math.min(200, RUNS - i) }, (_, j) => seedRun(i + j)));
        if ((i + 200) % 10_000 === 0)
          console.error(`seeded ${i + 200} runs (${((performance.now() - started) / 1000).toFixed(0)} s)`);
      }
      console.error(`seeded ${RUNS} runs in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    }
    await seedCharts(store);
    const big = (await store.getExperimentByName('bench-100k')).experiment_id;
    const chartsId = (await store.getExperimentByName('bench-charts')).experiment_id;
    const runs = await store.searchRuns({ experiment_ids: [chartsId], max_results: 10 });
    const charts = runs.items.map((r) => r.info.run_id);
    if (values['cold-chart']) forgetSummaries(charts);
    return { big, charts };
  } finally {
    await stores.close();
  }
}

/** Deletes the chart summaries of these runs (the server builds them again on the first chart). */
function forgetSummaries(runIds: readonly string[]): void {
  const db = new Database(dbPath);
  try {
    const { changes } = db
      .prepare(
        'delete from metric_chunk_summaries where chunk_id in (select chunk_id from metric_chunks where run_uuid in (select value from json_each(?)))',
      )
      .run(JSON.stringify(runIds));
    console.error(`deleted ${changes} chart summaries`);
  } finally {
    db.close();
  }
}

function startServer(): Promise<{ url: string; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'keel-ui-bench-'));
  const child = spawn(
    process.execPath,
    [resolve('packages/platform/bin/keel.js'), 'server', '--port', '0', '--backend-store-uri', `sqlite:///${dbPath}`],
    { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  return new Promise((resolveStart, reject) => {
    let text = '';
    child.stderr.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(text);
      if (match) {
        resolveStart({
          url: match[1] as string,
          stop: async () => {
            child.kill('SIGTERM');
            await new Promise((r) => child.once('exit', r));
            rmSync(dir, { recursive: true, force: true });
          },
        });
      }
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code}): ${text}`)));
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

const { big, charts } = await seedIfNeeded();
const server = await startServer();
const browser = await launchBrowser({ width: 1400, height: 900 });
const { page } = browser;
page.setDefaultTimeout(60_000);
// tsx compiles this file with esbuild's keepNames, which wraps named functions in `__name(...)`;
// functions passed to page.evaluate run in the page, where that helper must exist too.
await page.addInitScript({ content: 'globalThis.__name = globalThis.__name || ((f) => f);' });
// Records when the first run row appears, from the navigation's start.
await page.addInitScript(() => {
  const w = window as unknown as { __firstRow?: number };
  new MutationObserver((_, observer) => {
    if (document.querySelector('[data-run-id]')) {
      w.__firstRow = performance.now();
      observer.disconnect();
    }
  }).observe(document, { childList: true, subtree: true });
});
// Records when the chart of `loss` is first drawn, from the navigation's start (its draw hook
// counts draws in `data-draw-count`).
await page.addInitScript(() => {
  const w = window as unknown as { __chartDrawn?: number };
  new MutationObserver((_, observer) => {
    if (document.querySelector('[data-testid="chart-loss"][data-draw-count]')) {
      w.__chartDrawn = performance.now();
      observer.disconnect();
    }
  }).observe(document, { childList: true, subtree: true, attributes: true, attributeFilter: ['data-draw-count'] });
});

const results: Record<string, number[]> = {
  firstRows: [],
  fps: [],
  slowFrames: [],
  baselineFps: [],
  sort: [],
  chartFirst: [],
  chartZoom: [],
};
let firstPageJs = 0;
try {
  for (let k = 0; k < REPEAT; k++) {
    const js: string[] = [];
    const onResponse = (r: { url(): string }) => {
      if (r.url().endsWith('.js')) js.push(r.url());
    };
    page.on('response', onResponse);
    // From a blank page: a hash change from the previous round's chart page would not load the
    // document again (and the first-row clock would still run from that page's start).
    await page.goto('about:blank');
    await page.goto(
      `${server.url}/#/experiments/${big}?cols=attr:run_name,attr:status,attr:start_time,metric:m0,metric:m1,param:p0,param:p1`,
    );
    await page.waitForSelector('[data-run-id]');
    results.firstRows?.push(await page.evaluate(() => (window as unknown as { __firstRow: number }).__firstRow));
    page.off('response', onResponse);
    if (k === 0) {
      for (const url of js)
        firstPageJs += gzipSync(Buffer.from(await (await fetch(url)).arrayBuffer()), { level: 9 }).length;
    }

    // Scroll through 3 s at 200 px per frame (about 6 rows per frame); pages load on the way.
    const frames = await page.evaluate(async () => {
      const table = document.querySelector('[data-testid="runs-table"]') as HTMLElement;
      const times: number[] = [];
      const end = performance.now() + 3000;
      await new Promise<void>((done) => {
        const step = (t: number) => {
          times.push(t);
          table.scrollTop += 200;
          if (t < end) requestAnimationFrame(step);
          else done();
        };
        requestAnimationFrame(step);
      });
      return { times, rows: document.querySelectorAll('[data-run-id]').length, top: table.scrollTop };
    });
    const gaps = frames.times.slice(1).map((t, i) => t - (frames.times[i] as number));
    results.fps?.push((gaps.length / ((frames.times.at(-1) as number) - (frames.times[0] as number))) * 1000);
    results.slowFrames?.push(gaps.filter((g) => g > 1000 / 50).length);
    // The same scroll on a plain tall div: what this browser on this machine can do at all.
    results.baselineFps?.push(
      await page.evaluate(async () => {
        const div = document.createElement('div');
        div.style.cssText = 'position:fixed;inset:0;overflow:auto;z-index:99;background:#fff';
        div.innerHTML = '<div style="height:3200000px"></div>';
        document.body.append(div);
        let frames = 0;
        const end = performance.now() + 3000;
        await new Promise<void>((done) => {
          const step = (t: number) => {
            frames++;
            div.scrollTop += 200;
            if (t < end) requestAnimationFrame(step);
            else done();
          };
          requestAnimationFrame(step);
        });
        div.remove();
        return frames / 3;
      }),
    );

    // Sort by a metric: from the click to the new first row. The table is scrolled back to the
    // top first, and the first row (aria-rowindex 2, after the header) must be rendered before
    // the click: right after the scroll the DOM still holds the rows further down.
    await page.evaluate(() => {
      (document.querySelector('[data-testid="runs-table"]') as HTMLElement).scrollTop = 0;
    });
    await page.waitForSelector('[data-run-id][aria-rowindex="2"]');
    const sortMs = await page.evaluate(async () => {
      const first = () => document.querySelector('[data-run-id][aria-rowindex="2"]')?.getAttribute('data-run-id');
      const before = first();
      const t = performance.now();
      (document.querySelector('button[aria-label="Sort by m0"]') as HTMLButtonElement).click();
      await new Promise<void>((done) => {
        const check = () => (first() !== before ? done() : requestAnimationFrame(check));
        check();
      });
      return performance.now() - t;
    });
    results.sort?.push(sortMs);

    // 10 runs x 1M points: first draw after navigation, then a zoom to 1/20 of the range.
    await page.goto('about:blank');
    await page.goto(`${server.url}/#/compare?runs=${charts.join(',')}&tab=charts`);
    await page.waitForSelector('[data-testid="chart-loss"][data-draw-count]');
    results.chartFirst?.push(await page.evaluate(() => (window as unknown as { __chartDrawn: number }).__chartDrawn));
    const before = await page.getAttribute('[data-testid="chart-loss"]', 'data-range');
    const over = page.locator('[data-testid="chart-loss"] .u-over');
    const box = (await over.boundingBox()) as { x: number; y: number; width: number; height: number };
    await page.mouse.move(box.x + box.width * 0.4, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.45, box.y + box.height / 2, { steps: 4 });
    const t0 = Date.now();
    await page.mouse.up();
    await page.waitForFunction(
      (old) => document.querySelector('[data-testid="chart-loss"]')?.getAttribute('data-range') !== old,
      before,
    );
    results.chartZoom?.push(Date.now() - t0);
  }
} finally {
  await browser.close();
  await server.stop();
}

const fmt = (xs: number[] | undefined, digits = 0) => (xs ?? []).map((x) => x.toFixed(digits)).join(' / ');
console.log(
  `\nKeel web UI benchmark: ${RUNS.toLocaleString()} runs x 20 params x 20 metrics; chart of 10 runs x ${POINTS.toLocaleString()} points`,
);
console.log(`(headless Debian chromium, ${REPEAT} rounds: the median, then every round in brackets)\n`);
const rows: [string, string, string][] = [
  [
    'first rows after navigation (ms)',
    `${median(results.firstRows ?? []).toFixed(0)}  [${fmt(results.firstRows)}]`,
    '<= 1500',
  ],
  [
    'scrolling (frames/s; frames over 20 ms)',
    `${median(results.fps ?? []).toFixed(1)}  [${fmt(results.fps, 1)}; ${fmt(results.slowFrames)}]`,
    '60',
  ],
  [
    '  same scroll on an empty page (frames/s)',
    `${median(results.baselineFps ?? []).toFixed(1)}  [${fmt(results.baselineFps, 1)}]`,
    '(what the machine allows)',
  ],
  ['sort by a metric (ms)', `${median(results.sort ?? []).toFixed(0)}  [${fmt(results.sort)}]`, '<= 500'],
  [
    'chart 10 x 1M points, first draw (ms)',
    `${median(results.chartFirst ?? []).toFixed(0)}  [${fmt(results.chartFirst)}]`,
    '<= 1000',
  ],
  [
    `  first round${values['cold-chart'] ? ' (new data: summaries built)' : ''} (ms)`,
    (results.chartFirst?.[0] ?? 0).toFixed(0),
    '<= 1000',
  ],
  [
    'chart redraw after zoom (ms)',
    `${median(results.chartZoom ?? []).toFixed(0)}  [${fmt(results.chartZoom)}]`,
    '<= 300',
  ],
  ['first-page JavaScript (KB gzip)', (firstPageJs / 1024).toFixed(1), '<= 300'],
];
for (const [what, value, target] of rows) console.log(`${what.padEnd(42)} ${value.padEnd(40)} target ${target}`);
