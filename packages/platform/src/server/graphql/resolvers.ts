/**
 * The root resolvers. Each field calls the REST endpoint of the same name through `call` (the
 * very handler and request decoder the REST route uses, as MLflow's resolvers call its
 * `*_impl` handlers), so validation and errors match; GraphQL's camelCase input keys are read
 * by the decoder like snake_case ones. Per request, experiments and the model versions of runs
 * are loaded once and in batches, so a page of runs costs a few queries, not one per run.
 */
import { type Endpoint, type ModelVersion, type RequestOf, type ResponseOf, registry, tracking } from '@keel/contract';
import {
  datasetSummaryObject,
  experimentObject,
  fileInfoObject,
  type GqlObject,
  metricWithRunIdObject,
  modelVersionObject,
  type RunLinks,
  runObject,
} from './objects.js';

/** Runs one endpoint's handler on a (camelCase or snake_case) input. */
export type EndpointCall = <E extends Endpoint>(endpoint: E, input: unknown) => Promise<ResponseOf<E>>;

/** Run ids per model-version search: the filter stays short and the statement small. */
const RUNS_PER_SEARCH = 100;

/** Per-request caches behind a run's `experiment` and `modelVersions` fields. */
export function createRunLinks(call: EndpointCall): RunLinks {
  const experiments = new Map<string, Promise<GqlObject>>();
  const versions = new Map<string, Promise<GqlObject[]>>();
  let pending: { runId: string; resolve: (v: GqlObject[]) => void; reject: (e: unknown) => void }[] = [];

  const flush = async (batch: typeof pending) => {
    const byRun = new Map<string, ModelVersion[]>();
    try {
      const ids = [...new Set(batch.map((b) => b.runId))];
      for (let i = 0; i < ids.length; i += RUNS_PER_SEARCH) {
        const list = ids.slice(i, i + RUNS_PER_SEARCH).map((id) => `'${id.replaceAll("'", '')}'`);
        const page = await call(registry.searchModelVersions, { filter: `run_id IN (${list.join(', ')})` });
        for (const version of page.model_versions ?? []) {
          const runId = version.run_id ?? '';
          byRun.set(runId, [...(byRun.get(runId) ?? []), version]);
        }
      }
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    }
    for (const item of batch) item.resolve((byRun.get(item.runId) ?? []).map(modelVersionObject));
  };

  return {
    experiment(experimentId) {
      let found = experiments.get(experimentId);
      if (found === undefined) {
        found = call(tracking.getExperiment, { experiment_id: experimentId }).then((r) =>
          experimentObject(r.experiment),
        );
        experiments.set(experimentId, found);
      }
      return found;
    },
    modelVersions(runId) {
      let found = versions.get(runId);
      if (found === undefined) {
        found = new Promise<GqlObject[]>((resolve, reject) => {
          if (pending.length === 0) {
            // Every run of the page asks during the same tick: search once for all of them.
            setImmediate(() => {
              const batch = pending;
              pending = [];
              void flush(batch);
            });
          }
          pending.push({ runId, resolve, reject });
        });
        versions.set(runId, found);
      }
      return found;
    },
  };
}

type Args = { readonly input?: Record<string, unknown> | null; readonly inputString?: string | null };

/** The root value for Query and Mutation: one function per top-level field. */
export function createRootValue(call: EndpointCall): Record<string, (args: Args) => unknown> {
  const links = createRunLinks(call);
  const input = (args: Args) => args.input ?? {};
  const run = <E extends Endpoint>(endpoint: E, args: Args) => call(endpoint, input(args) as RequestOf<E>);
  const searchRuns = async (args: Args) => {
    const page = await run(tracking.searchRuns, args);
    return {
      runs: (page.runs ?? []).map((r) => runObject(r, links, true)),
      nextPageToken: page.next_page_token ?? '',
    };
  };
  return {
    mlflowGetExperiment: async (args) => ({
      experiment: experimentObject((await run(tracking.getExperiment, args)).experiment),
    }),
    mlflowGetRun: async (args) => ({ run: runObject((await run(tracking.getRun, args)).run, links) }),
    mlflowSearchRuns: searchRuns,
    mlflowGetMetricHistoryBulkInterval: async (args) => {
      const runIds = input(args).runIds;
      // MLflow's resolver answers no metrics (not a missing-field error) for an empty run list.
      if (!Array.isArray(runIds) || runIds.length === 0) return { metrics: [] };
      const answer = await run(tracking.getMetricHistoryBulkInterval, args);
      return { metrics: (answer.metrics ?? []).map(metricWithRunIdObject) };
    },
    mlflowListArtifacts: async (args) => {
      const answer = await run(tracking.listArtifacts, args);
      return {
        rootUri: answer.root_uri ?? '',
        files: (answer.files ?? []).map(fileInfoObject),
        nextPageToken: answer.next_page_token ?? '',
      };
    },
    mlflowSearchModelVersions: async (args) => {
      const page = await run(registry.searchModelVersions, args);
      return {
        modelVersions: (page.model_versions ?? []).map(modelVersionObject),
        nextPageToken: page.next_page_token ?? '',
      };
    },
    mlflowSearchDatasets: async (args) => {
      const answer = await run(tracking.searchDatasets, args);
      return { datasetSummaries: (answer.dataset_summaries ?? []).map(datasetSummaryObject) };
    },
    test: (args) => ({ output: args.inputString ?? null }),
    testMutation: (args) => ({ output: args.inputString ?? null }),
  };
}
