/** @jsxRuntime automatic */
/** One run: overview, charts (a grid of its metrics) and artifacts, with the tab in the URL. */
import { lazy, Suspense } from 'react';
import { ChartControls, ChartGrid, chartSettings } from '../../components/chart-grid.js';
import { colorFor } from '../../components/metric-chart.js';
import { useData } from '../../data/context.js';
import { errorText, useAsync } from '../../data/use-async.js';
import { formatHash, type Route, useSetParams } from '../../routing.js';
import { RunOverview } from './run-overview.js';

const ArtifactBrowser = lazy(() =>
  import('../../components/artifacts/artifact-browser.js').then((m) => ({ default: m.ArtifactBrowser })),
);

const TABS = [
  ['overview', 'Overview'],
  ['charts', 'Charts'],
  ['artifacts', 'Artifacts'],
] as const;

export function RunPage({ route }: { route: Route }) {
  const { client } = useData();
  const setParams = useSetParams();
  const experimentId = route.segments[1] ?? '';
  const runId = route.segments[3] ?? '';
  const tab = route.params.get('tab') ?? 'overview';
  const run = useAsync(() => client.getRun({ run_id: runId }).then((r) => r.run), [client, runId]);
  const experiment = useAsync(
    () => client.getExperiment({ experiment_id: experimentId }).then((r) => r.experiment),
    [client, experimentId],
  );
  if (run.error) return <div className="page error">{errorText(run.error)}</div>;
  if (run.value === undefined) return <div className="page muted">Loading run…</div>;
  const value = run.value;
  const name = value.info.run_name ?? value.info.run_id;
  const metricKeys = (value.data.metrics ?? []).map((m) => m.key).sort();
  return (
    <div className="page">
      <nav className="breadcrumbs" aria-label="Breadcrumbs">
        <a href={formatHash(['experiments', experimentId])}>{experiment.value?.name ?? `Experiment ${experimentId}`}</a>
        <span aria-hidden="true"> / </span>
        <span>Run</span>
      </nav>
      <h1 data-testid="run-name">{name}</h1>
      <div className="tabs" role="tablist">
        {TABS.map(([id, label]) => (
          <button
            key={id}
            type="button"
            role="tab"
            aria-selected={tab === id}
            className={tab === id ? 'tab active' : 'tab'}
            onClick={() => setParams({ tab: id === 'overview' ? undefined : id }, false)}
          >
            {label}
          </button>
        ))}
      </div>
      {tab === 'overview' && <RunOverview run={value} onChanged={run.reload} />}
      {tab === 'charts' && (
        <>
          <ChartControls settings={chartSettings(route)} metricKeys={metricKeys} />
          <ChartGrid
            runs={[{ id: value.info.run_id, name, color: colorFor(0) }]}
            metricKeys={metricKeys}
            settings={chartSettings(route)}
          />
        </>
      )}
      {tab === 'artifacts' && (
        <Suspense fallback={<p className="muted">Loading…</p>}>
          <ArtifactBrowser
            runId={value.info.run_id}
            selected={route.params.get('path') ?? undefined}
            onSelect={(path) => setParams({ path })}
          />
        </Suspense>
      )}
    </div>
  );
}
