/**
 * Loads a run search page by page: a small first page at once, the next when the table asks for
 * it (the user scrolled near the end). A new query (experiments, filter, order, view) starts over
 * and drops answers to the old one.
 */
import type { Run } from '@keel/client';
import { useCallback, useEffect, useRef, useState } from 'react';
import { type RunRow, toRunRow } from '../../components/runs-table/run-columns.js';
import { useData } from '../../data/context.js';
import { errorText } from '../../data/use-async.js';

export const PAGE_SIZE = 200;
/**
 * The first page only has to fill the screen: a small one comes back and renders sooner (a run
 * with 20 params and 20 metrics is ~2.5 KB of JSON); the next pages are full-sized.
 */
export const FIRST_PAGE_SIZE = 50;

export interface RunQuery {
  readonly experimentIds: readonly string[];
  readonly filter: string;
  readonly orderBy: readonly string[];
  readonly viewType: 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';
}

export interface RunPages {
  readonly rows: readonly RunRow[];
  readonly hasMore: boolean;
  readonly loading: boolean;
  readonly error?: string;
  loadMore(): void;
  reload(): void;
}

export function useRunPages(query: RunQuery): RunPages {
  const { client } = useData();
  const [rows, setRows] = useState<readonly RunRow[]>([]);
  const [token, setToken] = useState<string | undefined>();
  const [hasMore, setHasMore] = useState(false);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [generation, setGeneration] = useState(0);
  const current = useRef(0);
  const key = JSON.stringify(query);

  const fetchPage = useCallback(
    async (pageToken: string | undefined, id: number) => {
      const parsed = JSON.parse(key) as RunQuery;
      setLoading(true);
      try {
        const page = await client.searchRuns({
          experiment_ids: [...parsed.experimentIds],
          filter: parsed.filter,
          order_by: [...parsed.orderBy],
          run_view_type: parsed.viewType,
          max_results: pageToken === undefined ? FIRST_PAGE_SIZE : PAGE_SIZE,
          ...(pageToken === undefined ? {} : { page_token: pageToken }),
        });
        if (id !== current.current) return;
        const fresh = (page.runs ?? []).map((run: Run) => toRunRow(run));
        setRows((old) => (pageToken === undefined ? fresh : [...old, ...fresh]));
        setToken(page.next_page_token || undefined);
        setHasMore(Boolean(page.next_page_token));
        setError(undefined);
      } catch (e) {
        if (id !== current.current) return;
        if (pageToken === undefined) setRows([]);
        setHasMore(false);
        setError(errorText(e));
      } finally {
        if (id === current.current) setLoading(false);
      }
    },
    [client, key],
  );

  // biome-ignore lint/correctness/useExhaustiveDependencies: `generation` forces a reload of the same query.
  useEffect(() => {
    const id = ++current.current;
    if (JSON.parse(key).experimentIds.length === 0) {
      setRows([]);
      setHasMore(false);
      return;
    }
    void fetchPage(undefined, id);
  }, [fetchPage, key, generation]);

  const loadMore = useCallback(() => {
    if (!loading && hasMore && token !== undefined) void fetchPage(token, current.current);
  }, [loading, hasMore, token, fetchPage]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { rows, hasMore, loading, ...(error === undefined ? {} : { error }), loadMore, reload };
}
