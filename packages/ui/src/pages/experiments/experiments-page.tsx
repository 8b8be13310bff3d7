/** @jsxRuntime automatic */
/**
 * The experiments page: the sidebar and the runs of the chosen experiments, with the search box,
 * server-side sorting, the column picker (remembered per experiment), nested runs folded, and
 * multi-select to compare, delete or restore. Filter, sort, columns, selection and the lifecycle
 * view are all in the URL.
 */
import { useMemo, useRef, useState } from 'react';
import { ColumnPicker } from '../../components/column-picker.js';
import { FilterBox } from '../../components/filter-box/filter-box.js';
import {
  columnOf,
  DEFAULT_COLUMN_IDS,
  foldNestedRuns,
  formatSort,
  keysOf,
  nextSort,
  orderByFor,
  parseSort,
  type RunColumn,
  type RunRow,
} from '../../components/runs-table/run-columns.js';
import { RunsTable } from '../../components/runs-table/runs-table.js';
import { useData } from '../../data/context.js';
import { errorText, useAsync } from '../../data/use-async.js';
import { formatHash, navigate, type Route, useSetParams } from '../../routing.js';
import { ExperimentSidebar } from './experiment-sidebar.js';
import { type RunQuery, useRunPages } from './use-run-pages.js';

const VIEWS = { active: 'ACTIVE_ONLY', deleted: 'DELETED_ONLY', all: 'ALL' } as const;
type View = keyof typeof VIEWS;

function storageKey(experimentIds: readonly string[]): string {
  return `keel.columns.${[...experimentIds].sort().join(',')}`;
}

/** The column ids to show: the URL's, else the ones remembered for these experiments, else defaults. */
export function chosenColumns(
  fromUrl: string | null,
  remembered: string | null,
  keys: { metrics: readonly string[]; params: readonly string[] },
): string[] {
  const text = fromUrl ?? remembered;
  if (text !== null && text !== '') return text.split(',').filter((id) => columnOf(id) !== undefined);
  return [
    ...DEFAULT_COLUMN_IDS,
    ...keys.metrics.slice(0, 6).map((k) => `metric:${k}`),
    ...keys.params.slice(0, 6).map((k) => `param:${k}`),
  ];
}

function readStorage(key: string): string | null {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null;
  }
}

export function ExperimentsPage({ route }: { route: Route }) {
  const { client } = useData();
  const setParams = useSetParams();
  const idsText = route.segments[1] ?? '';
  const experimentIds = useMemo(() => idsText.split(',').filter((id) => id !== ''), [idsText]);
  const filter = route.params.get('filter') ?? '';
  const sort = parseSort(route.params.get('sort'));
  const view: View = (route.params.get('view') as View | null) ?? 'active';
  const selText = route.params.get('sel') ?? '';
  const selected = useMemo(() => new Set(selText.split(',').filter((id) => id !== '')), [selText]);
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const [actionError, setActionError] = useState<string | undefined>();
  const lastClicked = useRef<number | undefined>(undefined);

  const orderBy = orderByFor(sort).join('\n');
  const query: RunQuery = useMemo(
    () => ({ experimentIds, filter, orderBy: orderBy.split('\n'), viewType: VIEWS[view] ?? 'ACTIVE_ONLY' }),
    [experimentIds, filter, orderBy, view],
  );
  const pages = useRunPages(query);
  const experiments = useAsync(
    () => Promise.all(experimentIds.map((id) => client.getExperiment({ experiment_id: id }).then((r) => r.experiment))),
    [client, experimentIds],
  );
  // Keys for the picker and completion come from the first pages (a key seen only deeper is rare).
  const sample = pages.rows.length > 1000 ? pages.rows.slice(0, 1000) : pages.rows;
  const sampleKey = sample.length === 0 ? '' : `${sample[0]?.id}:${sample.length}`;
  // biome-ignore lint/correctness/useExhaustiveDependencies: sampleKey stands for the sample's content.
  const keys = useMemo(() => keysOf(sample), [sampleKey]);
  const columnIdsText = chosenColumns(route.params.get('cols'), readStorage(storageKey(experimentIds)), keys).join(',');
  const columnIds = useMemo(() => columnIdsText.split(',').filter(Boolean), [columnIdsText]);
  const columns = useMemo(
    () => columnIds.map((id) => columnOf(id)).filter((c): c is RunColumn => c !== undefined),
    [columnIds],
  );
  const rows: RunRow[] = useMemo(() => foldNestedRuns(pages.rows, expanded), [pages.rows, expanded]);

  const setColumns = (ids: string[]) => {
    try {
      window.localStorage.setItem(storageKey(experimentIds), ids.join(','));
    } catch {
      // Private browsing may refuse storage; the URL still holds the choice.
    }
    setParams({ cols: ids.join(',') });
  };
  const setSelection = (ids: Iterable<string>) => setParams({ sel: [...ids].join(',') });
  const onSelect = (runId: string, { shiftKey }: { shiftKey: boolean }) => {
    const index = rows.findIndex((r) => r.id === runId);
    const next = new Set(selected);
    if (shiftKey && lastClicked.current !== undefined && index >= 0) {
      const [a, b] = [Math.min(lastClicked.current, index), Math.max(lastClicked.current, index)];
      for (let i = a; i <= b; i++) next.add((rows[i] as RunRow).id);
    } else if (next.has(runId)) next.delete(runId);
    else next.add(runId);
    lastClicked.current = index;
    setSelection(next);
  };
  const bulk = async (action: (runId: string) => Promise<unknown>) => {
    setActionError(undefined);
    try {
      for (const id of selected) await action(id);
      setSelection([]);
      pages.reload();
    } catch (e) {
      setActionError(errorText(e));
    }
  };
  const names = (experiments.value ?? []).map((e) => e.name).join(', ');
  const firstExperiment = experimentIds[0] ?? '0';

  return (
    <div className="with-sidebar">
      <ExperimentSidebar selectedIds={experimentIds} />
      <section className="main-panel">
        <header className="page-head">
          <h1 title={names}>{names || 'Experiment'}</h1>
          {experiments.error && <div className="error">{errorText(experiments.error)}</div>}
        </header>
        <div className="toolbar">
          <FilterBox
            value={filter}
            keys={keys}
            error={pages.error}
            onApply={(f) => setParams({ filter: f, sel: undefined })}
          />
          <label className="select-label">
            Show{' '}
            <select
              value={view}
              aria-label="Which runs"
              onChange={(e) => setParams({ view: e.target.value, sel: undefined })}
            >
              <option value="active">Active runs</option>
              <option value="deleted">Deleted runs</option>
              <option value="all">All runs</option>
            </select>
          </label>
          <ColumnPicker chosen={columnIds} keys={keys} onChange={setColumns} />
        </div>
        <div className="selection-bar" aria-live="polite">
          <span>
            {selected.size > 0
              ? `${selected.size} selected`
              : `${pages.rows.length.toLocaleString()}${pages.hasMore ? '+' : ''} runs`}
          </span>
          <button
            type="button"
            disabled={selected.size < 2}
            onClick={() => navigate(formatHash(['compare'], { runs: [...selected].join(','), exp: firstExperiment }))}
          >
            Compare
          </button>
          {view !== 'deleted' && (
            <button
              type="button"
              className="secondary"
              disabled={selected.size === 0}
              onClick={() => void bulk((run_id) => client.deleteRun({ run_id }))}
            >
              Delete
            </button>
          )}
          {view !== 'active' && (
            <button
              type="button"
              className="secondary"
              disabled={selected.size === 0}
              onClick={() => void bulk((run_id) => client.restoreRun({ run_id }))}
            >
              Restore
            </button>
          )}
          {selected.size > 0 && (
            <button type="button" className="link" onClick={() => setSelection([])}>
              Clear selection
            </button>
          )}
          {actionError && (
            <span className="error" role="alert">
              {actionError}
            </span>
          )}
        </div>
        <RunsTable
          rows={rows}
          columns={columns}
          {...(sort === undefined ? {} : { sort })}
          onSort={(column) => setParams({ sort: formatSort(nextSort(sort, column)) })}
          selected={selected}
          onSelect={onSelect}
          onSelectAll={(all) => setSelection(all ? rows.map((r) => r.id) : [])}
          expanded={expanded}
          onToggleExpand={(id) =>
            setExpanded((old) => {
              const next = new Set(old);
              if (next.has(id)) next.delete(id);
              else next.add(id);
              return next;
            })
          }
          runHref={(row) => formatHash(['experiments', row.run.info.experiment_id, 'runs', row.id])}
          hasMore={pages.hasMore}
          loadingMore={pages.loading}
          onLoadMore={pages.loadMore}
        />
        {!pages.loading && pages.rows.length === 0 && !pages.error && (
          <p className="empty">No runs match. Log runs with an MLflow client or `keel`, or change the filter.</p>
        )}
      </section>
    </div>
  );
}
