/** @jsxRuntime automatic */
/**
 * The UI's shell: the top bar and the page for the current hash route.
 *   #/experiments/<ids>                 runs of one or more experiments
 *   #/experiments/<id>/runs/<run id>    a run (#/runs/<run id> finds its experiment)
 *   #/compare?runs=<ids>                compare runs
 *   #/models, #/models/<name>, #/models/<name>/versions/<v>   the registry
 * The pages other than the first are loaded on demand, so the first page ships less code.
 */
import { type ComponentType, lazy, Suspense, useEffect } from 'react';
import { useData } from './data/context.js';
import { errorText, useAsync } from './data/use-async.js';
import { ExperimentsPage } from './pages/experiments/experiments-page.js';
import { formatHash, navigate, type Route, useRoute } from './routing.js';

type PageComponent = ComponentType<{ route: Route }>;

/**
 * A page loaded on demand, which can also be loaded ahead of its first render. Once loaded, it
 * renders at once. Left to React.lazy alone, a page first shows the Suspense fallback, and
 * React 19 then holds the loaded page back until 300 ms after that fallback appeared (its
 * fallback throttle): a third of a second on every page opened by its URL.
 */
class LazyPage {
  private loaded: PageComponent | undefined;
  private loading: Promise<PageComponent> | undefined;
  private readonly suspending: PageComponent;
  private chosen: PageComponent | undefined;

  constructor(private readonly load: () => Promise<PageComponent>) {
    this.suspending = lazy(() => this.preload().then((page) => ({ default: page })));
  }

  /**
   * The component to render: the page itself when it was loaded before its first render, the
   * lazy wrapper otherwise. Chosen once, so that a page never changes type (and remounts,
   * loading its data again) when its code arrives.
   */
  get component(): PageComponent {
    this.chosen ??= this.loaded ?? this.suspending;
    return this.chosen;
  }

  preload(): Promise<PageComponent> {
    this.loading ??= this.load().then((page) => {
      this.loaded = page;
      return page;
    });
    return this.loading;
  }
}

function OnDemand({ page, route }: { page: LazyPage; route: Route }) {
  const Page = page.component;
  return <Page route={route} />;
}

const runPage = new LazyPage(() => import('./pages/run/run-page.js').then((m) => m.RunPage));
const comparePage = new LazyPage(() => import('./pages/compare/compare-page.js').then((m) => m.ComparePage));
const modelsPage = new LazyPage(() => import('./pages/models/models-page.js').then((m) => m.ModelsPage));
const modelPage = new LazyPage(() => import('./pages/models/model-page.js').then((m) => m.ModelPage));
const modelVersionPage = new LazyPage(() =>
  import('./pages/models/model-version-page.js').then((m) => m.ModelVersionPage),
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

/** The on-demand page a route shows, if any. */
function lazyPageFor(route: Route): LazyPage | undefined {
  const [first, second, third] = route.segments;
  if (first === 'experiments' && third === 'runs' && route.segments[3]) return runPage;
  if (first === 'compare') return comparePage;
  if (first === 'models' && route.segments[2] === 'versions' && route.segments[3]) return modelVersionPage;
  if (first === 'models' && second) return modelPage;
  if (first === 'models') return modelsPage;
  return undefined;
}

/**
 * Loads the code of the page a route shows (resolves at once for the pages in the first bundle),
 * so the first render of a page opened by its URL shows it without a fallback. A failed load is
 * left to the page's own render, which reports it.
 */
export function preloadPage(route: Route): Promise<void> {
  const page = lazyPageFor(route);
  return page === undefined
    ? Promise.resolve()
    : page.preload().then(
        () => undefined,
        () => undefined,
      );
}

export function pageFor(route: Route) {
  const [first] = route.segments;
  const page = lazyPageFor(route);
  if (page !== undefined) return <OnDemand page={page} route={route} />;
  if (first === 'experiments' && route.segments[1]) return <ExperimentsPage route={route} />;
  if (first === 'runs' && route.segments[1]) return <RunRedirect runId={route.segments[1]} />;
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
