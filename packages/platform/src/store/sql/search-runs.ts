/** Run and experiment search: filters and ordering translated to parameterized SQL. */

import type { Experiment, Run } from '@keel/contract';
import { notImplemented } from '@keel/contract';
import type { Page, SearchExperimentsInput, SearchRunsInput } from '../tracking-store.js';
import type { SqlStoreContext } from './context.js';

export async function searchRuns(_ctx: SqlStoreContext, _input: SearchRunsInput): Promise<Page<Run>> {
  throw notImplemented('searchRuns is being built');
}

export async function searchExperiments(
  _ctx: SqlStoreContext,
  _input: SearchExperimentsInput,
): Promise<Page<Experiment>> {
  throw notImplemented('searchExperiments is being built');
}
