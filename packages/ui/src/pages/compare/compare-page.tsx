/** @jsxRuntime automatic */
/**
 * Compares the selected runs: a table of params, metrics and tags side by side (optionally only
 * the rows that differ), metric charts with every run, parallel coordinates of params to a
 * metric, and a scatter of any two params or metrics. The view is in the URL.
 */
import { useMemo } from 'react';
import { ChartControls, ChartGrid, chartSettings } from '../../components/chart-grid.js';
import { colorFor } from '../../components/metric-chart.js';
import { ParallelCoordinates, type PlotRun, ScatterPlot } from '../../components/plots.js';
import { formatMetric, toRunRow } from '../../components/runs-table/run-columns.js';
import { useData } from '../../data/context.js';
import { errorText, useAsync } from '../../data/use-async.js';
import { formatHash, type Route, useSetParams } from '../../routing.js';

interface CompareRow {
  readonly section: 'Parameters' | 'Metrics' | 'Tags';
  readonly key: string;
  readonly values: readonly string[];
}

/** The comparison rows; with `diffOnly`, only the rows whose values are not all the same. */
export function compareRows(runs: readonly ReturnType<typeof toRunRow>[], diffOnly: boolean): CompareRow[] {
  const rows: CompareRow[] = [];
  const add = (section: CompareRow['section'], maps: ReadonlyMap<string, string>[]) => {
    const keys = [...new Set(maps.flatMap((m) => [...m.keys()]))].sort((a, b) => a.localeCompare(b));
    for (const key of keys) {
      const values = maps.map((m) => m.get(key) ?? '');
      if (diffOnly && values.every((v) => v === values[0])) continue;
      rows.push({ section, key, values });
    }
  };
  add(
    'Parameters',
    runs.map((r) => r.params),
  );
  add(
    'Metrics',
    runs.map((r) => new Map([...r.metrics].map(([k, v]) => [k, formatMetric(v)]))),
  );
  add(
    'Tags',
    runs.map((r) => new Map([...r.tags].filter(([k]) => !k.startsWith('mlflow.')))),
  );
  return rows;
}

export function ComparePage({ route }: { route: Route }) {
  const { client } = useData();
  const setParams = useSetParams();
  const ids = (route.params.get('runs') ?? '').split(',').filter((id) => id !== '');
  const tab = route.params.get('tab') ?? 'table';
  const diffOnly = route.params.get('diff') === '1';
  const loaded = useAsync(
    () => Promise.all(ids.map((run_id) => client.getRun({ run_id }).then((r) => toRunRow(r.run)))),
    [client, ids.join(',')],
  );
  const runs = loaded.value ?? [];
  const rows = useMemo(() => compareRows(runs, diffOnly), [runs, diffOnly]);
  const metricKeys = [...new Set(runs.flatMap((r) => [...r.metrics.keys()]))].sort();
  const paramKeys = [...new Set(runs.flatMap((r) => [...r.params.keys()]))].sort();
  const plotRuns: PlotRun[] = runs.map((r, i) => ({
    id: r.id,
    name: r.name,
    color: colorFor(i),
    values: new Map<string, string | number>([
      ...[...r.params].map(([k, v]) => [`param:${k}`, v] as [string, string]),
      ...[...r.metrics].map(([k, v]) => [`metric:${k}`, v] as [string, number]),
    ]),
  }));
  const choices = [...paramKeys.map((k) => `param:${k}`), ...metricKeys.map((k) => `metric:${k}`)];
  const pcMetric = route.params.get('pc') ?? (metricKeys[0] ? `metric:${metricKeys[0]}` : '');
  const sx = route.params.get('sx') ?? choices[0] ?? '';
  const sy = route.params.get('sy') ?? choices.find((c) => c.startsWith('metric:')) ?? choices[1] ?? '';
  const experimentId = runs[0]?.run.info.experiment_id ?? route.params.get('exp') ?? '0';

  if (ids.length === 0) return <div className="page muted">Select runs on an experiment page to compare them.</div>;
  if (loaded.error) return <div className="page error">{errorText(loaded.error)}</div>;
  const select = (param: string, value: string, label: string) => (
    <select aria-label={label} value={value} onChange={(e) => setParams({ [param]: e.target.value })}>
      {choices.map((c) => (
        <option key={c} value={c}>
          {c.replace(':', ': ')}
        </option>
      ))}
    </select>
  );
  return (
    <div className="page">
      <nav className="breadcrumbs" aria-label="Breadcrumbs">
        <a href={formatHash(['experiments', experimentId])}>Experiment</a>
        <span aria-hidden="true"> / </span>
        <span>Compare {ids.length} runs</span>
      </nav>
      <h1>Comparing {ids.length} runs</h1>
      <div className="tabs" role="tablist">
        {(
          [
            ['table', 'Table'],
            ['charts', 'Charts'],
            ['parallel', 'Parallel coordinates'],
            ['scatter', 'Scatter'],
          ] as const
        ).map(([id, label]) => (
          <button
            key={id}
            type="button"
            role="tab"
            aria-selected={tab === id}
            className={tab === id ? 'tab active' : 'tab'}
            onClick={() => setParams({ tab: id === 'table' ? undefined : id }, false)}
          >
            {label}
          </button>
        ))}
      </div>
      {loaded.value === undefined && <p className="muted">Loading runs…</p>}
      {tab === 'table' && loaded.value && (
        <>
          <label className="toggle">
            <input
              type="checkbox"
              checked={diffOnly}
              onChange={(e) => setParams({ diff: e.target.checked ? '1' : undefined })}
            />{' '}
            Show only differences
          </label>
          <div className="compare-scroll">
            <table className="kv-table compare-table" data-testid="compare-table">
              <thead>
                <tr>
                  <th>Run</th>
                  {runs.map((r, i) => (
                    <th key={r.id}>
                      <span className="swatch" style={{ background: colorFor(i) }} />
                      <a href={formatHash(['experiments', r.run.info.experiment_id, 'runs', r.id])}>{r.name}</a>
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {rows.map((row, i) => (
                  <tr key={`${row.section}:${row.key}`} data-section={row.section}>
                    <th scope="row">
                      {(i === 0 || rows[i - 1]?.section !== row.section) && (
                        <span className="section-label">{row.section}</span>
                      )}
                      {row.key}
                    </th>
                    {row.values.map((v, j) => (
                      <td
                        key={runs[j]?.id}
                        className={row.values.some((x) => x !== row.values[0]) ? 'differs' : undefined}
                      >
                        {v}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
            {rows.length === 0 && (
              <p className="muted">{diffOnly ? 'These runs do not differ.' : 'Nothing to compare.'}</p>
            )}
          </div>
        </>
      )}
      {tab === 'charts' && loaded.value && (
        <>
          <ChartControls settings={chartSettings(route)} metricKeys={metricKeys} />
          <ChartGrid
            runs={runs.map((r, i) => ({ id: r.id, name: r.name, color: colorFor(i) }))}
            metricKeys={metricKeys}
            settings={chartSettings(route)}
          />
        </>
      )}
      {tab === 'parallel' && loaded.value && (
        <>
          <label>
            Metric{' '}
            <select aria-label="Metric" value={pcMetric} onChange={(e) => setParams({ pc: e.target.value })}>
              {metricKeys.map((k) => (
                <option key={k} value={`metric:${k}`}>
                  {k}
                </option>
              ))}
            </select>
          </label>
          <ParallelCoordinates
            runs={plotRuns}
            columns={[...paramKeys.map((k) => `param:${k}`), pcMetric].filter(Boolean)}
          />
        </>
      )}
      {tab === 'scatter' && loaded.value && (
        <>
          <div className="row">
            <span>X {select('sx', sx, 'Scatter X')}</span>
            <span>Y {select('sy', sy, 'Scatter Y')}</span>
          </div>
          <ScatterPlot runs={plotRuns} xId={sx} yId={sy} />
        </>
      )}
    </div>
  );
}
