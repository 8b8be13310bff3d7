/**
 * A tracking store on a temporary SQLite file (or a fresh PostgreSQL database under
 * `KEEL_TEST_BACKEND=postgres`), and run builders, for the search tests.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KeyValue, WireDouble } from '@keel/contract';
import { openStores } from '../../../compose.js';
import { createTestDatabase } from '../../../testing/test-databases.js';
import type { MetricInput, SearchRunsInput, TrackingStore } from '../../tracking-store.js';

/** A store on a temporary file; `close` removes the file. */
export interface TempStore {
  readonly store: TrackingStore;
  /** The store's URI, for tests that open a second connection. */
  readonly uri: string;
  close(): Promise<void>;
}

/** Opens a fresh, migrated store in a temporary directory that `close` removes. */
export async function openTempStore(): Promise<TempStore> {
  const dir = mkdtempSync(join(tmpdir(), 'keel-search-'));
  const database = await createTestDatabase(dir);
  const stores = await openStores(database.uri, {
    defaultArtifactRoot: join(dir, 'artifacts'),
    cwd: dir,
  });
  return {
    store: stores.tracking,
    uri: database.uri,
    async close() {
      await stores.close();
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** What a test run holds; a metric given as a list is logged as steps 0, 1, ... */
export interface RunSpec {
  readonly name: string;
  readonly start: number;
  readonly metrics?: Readonly<Record<string, WireDouble | readonly WireDouble[]>>;
  readonly params?: Readonly<Record<string, string>>;
  readonly tags?: Readonly<Record<string, string>>;
  readonly user?: string;
  /** Marks the run FINISHED at this time. */
  readonly end?: number;
}

/** Creates a run as described and returns its ID. */
export async function createRun(store: TrackingStore, experimentId: string, spec: RunSpec): Promise<string> {
  const run = await store.createRun({
    experiment_id: experimentId,
    run_name: spec.name,
    start_time: spec.start,
    ...(spec.user === undefined ? {} : { user_id: spec.user }),
  });
  const id = run.info.run_id;
  const metrics: MetricInput[] = [];
  for (const [key, value] of Object.entries(spec.metrics ?? {})) {
    const values: readonly WireDouble[] = Array.isArray(value) ? value : [value as WireDouble];
    values.forEach((v, step) => {
      metrics.push({ key, value: v, timestamp: spec.start + step, step });
    });
  }
  await store.logBatch(id, {
    metrics,
    params: pairs(spec.params),
    tags: pairs(spec.tags),
  });
  if (spec.end !== undefined) await store.updateRun(id, { status: 'FINISHED', end_time: spec.end });
  return id;
}

function pairs(record: Readonly<Record<string, string>> | undefined): KeyValue[] {
  return Object.entries(record ?? {}).map(([key, value]) => ({ key, value }));
}

/** Names of the runs a search returns, in order. */
export async function searchNames(store: TrackingStore, input: SearchRunsInput): Promise<string[]> {
  const page = await store.searchRuns(input);
  return page.items.map((r) => r.info.run_name ?? '');
}

/** Follows page tokens to the end and returns every page's run names. */
export async function searchAllPages(store: TrackingStore, input: SearchRunsInput): Promise<string[][]> {
  const pages: string[][] = [];
  let token: string | undefined;
  do {
    const page = await store.searchRuns({ ...input, ...(token === undefined ? {} : { page_token: token }) });
    pages.push(page.items.map((r) => r.info.run_name ?? ''));
    token = page.next_page_token;
  } while (token !== undefined && pages.length < 1000);
  return pages;
}
