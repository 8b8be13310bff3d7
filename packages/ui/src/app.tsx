/** @jsxRuntime automatic */
/**
 * The UI's shell: the top bar and the page for the current hash route.
 *   #/experiments/<ids>                 runs of one or more experiments
 *   #/experiments/<id>/runs/<run id>    a run (#/runs/<run id> finds its experiment)
 *   #/compare?runs=<ids>                compare runs
 *   #/models, #/models/<name>, #/models/<name>/versions/<v>   the registry
 * The pages other than the first are loaded on demand, so the first page ships less code.
 */
import { lazy, Suspense, useEffect } from 'react';
import { useData } from './data/context.js';
import { errorText, useAsync } from './data/use-async.js';
import { ExperimentsPage } from './pages/experiments/experiments-page.js';
import { formatHash, navigate, type Route, useRoute } from './routing.js';

const RunPage = lazy(() => import('./pages/run/run-page.js').then((m) => ({ default: m.RunPage })));
const ComparePage = lazy(() => import('./pages/compare/compare-page.js').then((m) => ({ default: m.ComparePage })));
const ModelsPage = lazy(() => import('./pages/models/models-page.js').then((m) => ({ default: m.ModelsPage })));
const ModelPage = lazy(() => import('./pages/models/model-page.js').then((m) => ({ default: m.ModelPage })));
const ModelVersionPage = lazy(() =>
  import('./pages/models/model-version-page.js').then((m) => ({ default: m.ModelVersionPage })),
);

/** `#/runs/<id>`: looks up the run's experiment and goes to its page. */
function RunRedirect({ runId }: { runId: string }) {
  const { client } = useData();
  const run = useAsync(() => client.getRun({ run_id: runId }), [client, runId]);
  useEffect(() => {
    if (run.value) navigate(formatHash(['experiments', run.value.run.info.experiment_id, 'runs', runId]), true);
  }, [run.value, runId]);
  return run.error ? (
    <div className="page error">{errorText(run.error)}</div>
  ) : (
    <div className="page muted">Loading…</div>
  );
}

/** `#/`: the most recently used experiment. */
function Home() {
  const { client } = useData();
  const found = useAsync(
    () => client.searchExperiments({ max_results: 1, order_by: ['last_update_time DESC'] }),
    [client],
  );
  useEffect(() => {
    const id = found.value?.experiments?.[0]?.experiment_id ?? (found.value ? '0' : undefined);
    if (id !== undefined) navigate(formatHash(['experiments', id]), true);
  }, [found.value]);
  return found.error ? (
    <div className="page error">{errorText(found.error)}</div>
  ) : (
    <div className="page muted">Loading…</div>
  );
}

export function pageFor(route: Route) {
  const [first, , third] = route.segments;
  if (first === 'experiments' && third === 'runs' && route.segments[3]) return <RunPage route={route} />;
  if (first === 'experiments' && route.segments[1]) return <ExperimentsPage route={route} />;
  if (first === 'runs' && route.segments[1]) return <RunRedirect runId={route.segments[1]} />;
  if (first === 'compare') return <ComparePage route={route} />;
  if (first === 'models' && route.segments[2] === 'versions' && route.segments[3])
    return <ModelVersionPage route={route} />;
  if (first === 'models' && route.segments[1]) return <ModelPage route={route} />;
  if (first === 'models') return <ModelsPage route={route} />;
  return <Home />;
}

export function App() {
  const route = useRoute();
  const section = route.segments[0] === 'models' ? 'models' : 'experiments';
  return (
    <div className="app">
      <header className="topbar">
        <a className="brand" href="#/">
          Keel
        </a>
        <nav aria-label="Sections">
          <a href="#/" className={section === 'experiments' ? 'active' : undefined}>
            Experiments
          </a>
          <a href="#/models" className={section === 'models' ? 'active' : undefined}>
            Models
          </a>
        </nav>
      </header>
      <main>
        <Suspense fallback={<div className="page muted">Loading…</div>}>{pageFor(route)}</Suspense>
      </main>
    </div>
  );
}
