/**
 * Run search (tracking-api.md R6): filters and ordering translated to parameterized SQL that
 * selects one page of run IDs, then `loadRuns` builds the page's entities. Experiment search
 * lives in `search-experiments.ts` and is re-exported here for the store class.
 */
import { invalidParameter, type Run } from '@keel/contract';
import { checkSearchScope, parseRunFilter, parseRunOrderBy } from '../../../search/index.js';
import { decodeOffsetToken, encodeOffsetToken } from '../../page-token.js';
import type { Page, SearchRunsInput } from '../../tracking-store.js';
import type { SqlStoreContext } from '../tracking/context.js';
import { parseExperimentId } from '../tracking/rows.js';
import { loadRuns } from '../tracking/run-loader.js';
import { selectRunIds } from './run-search-ids.js';
import { VIEW_STAGES } from './search-predicates.js';

export { searchExperiments } from './search-experiments.js';

const DEFAULT_MAX_RESULTS = 1000;
const MAX_RESULTS_LIMIT = 50_000;

/** Searches runs of the given experiments; an empty experiment list finds nothing. */
export async function searchRuns(ctx: SqlStoreContext, input: SearchRunsInput): Promise<Page<Run>> {
  const limit = runsMaxResults(input.max_results);
  checkSearchScope(input.experiment_ids.length);
  const offset = input.page_token ? decodeOffsetToken(input.page_token) : 0;
  const clauses = parseRunFilter(input.filter);
  const order = parseRunOrderBy(input.order_by);
  // Experiment IDs are integers; any other ID names no experiment.
  const experimentIds = input.experiment_ids.map(parseExperimentId).filter((id) => id !== undefined);
  if (experimentIds.length === 0) return { items: [] };

  const stages = VIEW_STAGES[input.run_view_type ?? 'ACTIVE_ONLY'];
  return ctx.database.read(async (db) => {
    const query = { experimentIds, stages, clauses, order, offset, limit };
    const { ids, more } = await selectRunIds(db, ctx.database.dialect, query);
    const runs = (await loadRuns(db, ids, { dialect: ctx.database.dialect, modelInputs: false, outputs: true })).map(
      withoutEmptyOutputs,
    );
    // Unlike MLflow's run search, a token is only sent when another row exists, so clients
    // never fetch a trailing empty page (search-syntax.md §6 prefers this).
    return more ? { items: runs, next_page_token: encodeOffsetToken(offset + limit) } : { items: runs };
  });
}

/** 1 to 50,000, absent meaning 1000, with MLflow's messages. */
function runsMaxResults(maxResults: number | undefined): number {
  if (maxResults === undefined) return DEFAULT_MAX_RESULTS;
  if (maxResults > MAX_RESULTS_LIMIT) {
    throw invalidParameter(
      `Invalid value ${maxResults} for parameter 'max_results' supplied:  Hint: Value was of type 'int'. ` +
        'See the API docs for more information about request parameters.',
    );
  }
  if (maxResults < 1) {
    throw invalidParameter(
      `Invalid value ${maxResults} for parameter 'max_results' supplied. It must be a positive integer`,
    );
  }
  return maxResults;
}

/**
 * Search results carry `outputs` only when the run has model outputs: MLflow's run search
 * omits the field, so runs without outputs keep exactly MLflow's shape.
 */
function withoutEmptyOutputs(run: Run): Run {
  if (run.outputs?.model_outputs !== undefined && run.outputs.model_outputs.length > 0) return run;
  const { outputs: _omitted, ...rest } = run;
  return rest;
}
