/** `keel runs ...`: list, search, describe, create, delete and restore runs (MLflow's `mlflow runs`). */
import type { KeelClient } from '@keel/client';
import { MlflowError, type RUN_STATUS, type Run, tracking } from '@keel/contract';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { quoteShellArg } from '../../projects/shell-quote.js';
import { addClientOptions, type CliContext, type ClientFlags, cliUserName, withClient } from '../connect.js';
import {
  type Column,
  formatDuration,
  formatTime,
  printJson,
  printTable,
  renderDetails,
  renderSection,
} from '../format.js';
import { collect, examples, keyValues, positiveInt, take, viewOption, viewType } from '../options.js';
import { CliError, usageError } from '../output.js';

interface ListFlags extends ClientFlags {
  experimentId?: string[];
  experimentName?: string[];
  view?: string;
  maxResults?: number;
}
interface SearchFlags extends ListFlags {
  filter?: string;
  orderBy?: string[];
  columns?: string;
}
interface RunIdFlags extends ClientFlags {
  runId: string;
}
interface WaitFlags extends ClientFlags {
  pollInterval: number;
  timeout?: number;
}
interface CreateFlags extends ClientFlags {
  experimentId?: string;
  experimentName?: string;
  runName?: string;
  description?: string;
  tags?: string[];
  status: string;
  parentRunId?: string;
}

const TERMINAL_STATUSES = ['FINISHED', 'FAILED', 'KILLED'] as const;

const RUN_COLUMNS: readonly Column<Run>[] = [
  { header: 'RUN ID', value: (r) => r.info.run_id },
  { header: 'NAME', value: (r) => r.info.run_name, maxWidth: 40 },
  { header: 'EXPERIMENT', value: (r) => r.info.experiment_id },
  { header: 'STATUS', value: (r) => r.info.status },
  { header: 'STARTED', value: (r) => formatTime(r.info.start_time) },
  { header: 'DURATION', value: (r) => (r.info.end_time ? formatDuration(r.info.end_time - r.info.start_time) : '-') },
];

/**
 * A table column for `metrics.<key>`, `params.<key>`, `tags.<key>` or a run attribute
 * (`run_name`, `user_id`, `lifecycle_stage`, `artifact_uri`, `end_time`, ...).
 */
function extraColumn(spec: string): Column<Run> {
  const dot = spec.indexOf('.');
  const family = dot < 0 ? 'attributes' : spec.slice(0, dot);
  const key = dot < 0 ? spec : spec.slice(dot + 1);
  const find = (list: readonly { key: string; value: unknown }[] | undefined) => {
    const value = list?.find((item) => item.key === key)?.value;
    return value === undefined ? undefined : String(value);
  };
  switch (family) {
    case 'metrics':
      return { header: spec, value: (r) => find(r.data.metrics), align: 'right' };
    case 'params':
      return { header: spec, value: (r) => find(r.data.params), maxWidth: 40 };
    case 'tags':
      return { header: spec, value: (r) => find(r.data.tags), maxWidth: 40 };
    case 'attributes':
      return {
        header: spec,
        value: (r) => {
          const value = (r.info as unknown as Record<string, unknown>)[key];
          if (key.endsWith('_time')) return formatTime(value as number | undefined);
          return value === undefined ? undefined : String(value);
        },
        maxWidth: 60,
      };
    default:
      throw usageError(`--columns entries are metrics.<key>, params.<key>, tags.<key> or an attribute; got '${spec}'.`);
  }
}

function describeRun(run: Run): string {
  const { info, data } = run;
  const details = renderDetails([
    ['Run ID', info.run_id],
    ['Name', info.run_name],
    ['Experiment ID', info.experiment_id],
    ['Status', info.status],
    ['Lifecycle', info.lifecycle_stage],
    ['User', info.user_id],
    ['Started', formatTime(info.start_time)],
    ['Ended', info.end_time ? formatTime(info.end_time) : undefined],
    ['Duration', info.end_time ? formatDuration(info.end_time - info.start_time) : undefined],
    ['Artifact URI', info.artifact_uri],
  ]);
  const keyValue = [
    { header: 'KEY', value: (t: { key: string }) => t.key },
    { header: 'VALUE', value: (t: { value: string }) => t.value, maxWidth: 80 },
  ];
  const sections = [
    renderSection('Parameters', data.params ?? [], keyValue),
    renderSection('Metrics (latest)', data.metrics ?? [], [
      { header: 'KEY', value: (m) => m.key },
      { header: 'VALUE', value: (m) => String(m.value), align: 'right' },
      { header: 'STEP', value: (m) => m.step, align: 'right' },
      { header: 'TIME', value: (m) => formatTime(m.timestamp) },
    ]),
    renderSection('Tags', data.tags ?? [], keyValue),
  ];
  const datasets = run.inputs?.dataset_inputs ?? [];
  if (datasets.length > 0) {
    sections.push(
      renderSection('Datasets', datasets, [
        { header: 'NAME', value: (d) => d.dataset.name },
        { header: 'DIGEST', value: (d) => d.dataset.digest },
        { header: 'CONTEXT', value: (d) => d.tags?.find((t) => t.key === 'mlflow.data.context')?.value },
      ]),
    );
  }
  const models = run.outputs?.model_outputs ?? [];
  if (models.length > 0) {
    sections.push(
      renderSection('Logged models', models, [
        { header: 'MODEL ID', value: (m) => m.model_id },
        { header: 'STEP', value: (m) => m.step, align: 'right' },
      ]),
    );
  }
  return details + sections.join('');
}

/** Values of a repeatable option where commas also separate several. */
function splitList(values: readonly string[] | undefined): string[] {
  return (values ?? [])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
}

/**
 * The experiments a listing covers: `-x` IDs and `-n` names, else `MLFLOW_EXPERIMENT_ID`, else
 * `MLFLOW_EXPERIMENT_NAME`. Each one must exist: searching an unknown ID would only print "No
 * runs found", which hides a typo (or a name given where an ID was expected).
 */
async function listedExperimentIds(client: KeelClient, flags: ListFlags, context: CliContext): Promise<string[]> {
  let ids = splitList(flags.experimentId);
  let names = splitList(flags.experimentName);
  if (ids.length === 0 && names.length === 0) {
    if (context.env.MLFLOW_EXPERIMENT_ID) ids = [context.env.MLFLOW_EXPERIMENT_ID];
    else if (context.env.MLFLOW_EXPERIMENT_NAME) names = [context.env.MLFLOW_EXPERIMENT_NAME];
    else
      throw usageError(
        'Missing --experiment-id or --experiment-name (or set MLFLOW_EXPERIMENT_ID / MLFLOW_EXPERIMENT_NAME).',
      );
  }
  const found = await Promise.all([
    ...ids.map((id) => experimentById(client, id)),
    ...names.map((name) => experimentByName(client, name)),
  ]);
  return [...new Set(found)];
}

async function experimentById(client: KeelClient, id: string): Promise<string> {
  const experiment = await client.getExperiment({ experiment_id: id }).catch((error: unknown) => {
    if (!isMissing(error)) throw error;
    return undefined;
  });
  if (experiment !== undefined) return experiment.experiment.experiment_id;
  const named = await client.getExperimentByName({ experiment_name: id }).catch(() => undefined);
  const hint =
    named === undefined
      ? 'List experiments with: keel experiments search'
      : `An experiment is named '${id}' (ID ${named.experiment.experiment_id}): use --experiment-name ${id}`;
  throw new CliError(`No experiment with ID '${id}'. ${hint}.`);
}

async function experimentByName(client: KeelClient, name: string): Promise<string> {
  const experiment = await client.getExperimentByName({ experiment_name: name }).catch((error: unknown) => {
    if (!isMissing(error)) throw error;
    return undefined;
  });
  if (experiment === undefined) {
    throw new CliError(
      `No experiment named '${name}'. List experiments with: keel experiments search, or create it with: keel experiments create -n ${quoteShellArg(name)}.`,
    );
  }
  return experiment.experiment.experiment_id;
}

/** An unknown experiment: 404, or 400 for an ID that is not even a number. */
function isMissing(error: unknown): boolean {
  return (
    error instanceof MlflowError &&
    (error.code === 'RESOURCE_DOES_NOT_EXIST' || error.code === 'INVALID_PARAMETER_VALUE')
  );
}

/** Parser of positive numbers of seconds. */
function positiveNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError('Expected a positive number.');
  return n;
}

function runIdOption(): Option {
  return new Option('-r, --run-id <id>', 'run ID').makeOptionMandatory();
}

/** Registers `keel runs` and its sub-commands. */
export function registerRunsCommand(program: Command, context: CliContext): void {
  const { io } = context;
  const group = program
    .command('runs')
    .description('List, search, describe, create, delete and restore runs, and wait for one to end');

  const searchRuns = async (flags: SearchFlags, extra: { filter?: string; orderBy?: string[] }) =>
    withClient(flags, context, async (client) => {
      const request = {
        experiment_ids: await listedExperimentIds(client, flags, context),
        run_view_type: viewType(flags.view),
        ...(extra.filter === undefined ? {} : { filter: extra.filter }),
        ...(extra.orderBy === undefined ? {} : { order_by: extra.orderBy }),
        ...(flags.maxResults === undefined ? {} : { max_results: Math.min(flags.maxResults, 1000) }),
      };
      return take(client.paginate(tracking.searchRuns, request, 'runs'), flags.maxResults);
    });

  addClientOptions(
    group
      .command('list')
      .description("List an experiment's runs, newest first")
      .option(
        '-x, --experiment-id <id>',
        'experiment ID; commas or repeats for several (env MLFLOW_EXPERIMENT_ID)',
        collect,
      )
      .option(
        '-n, --experiment-name <name>',
        'experiment name, instead of or beside IDs; repeatable (env MLFLOW_EXPERIMENT_NAME)',
        collect,
      )
      .addOption(viewOption('runs'))
      .option('--max-results <n>', 'show at most n runs [default: all]', positiveInt),
  )
    .addHelpText(
      'after',
      examples(
        'keel runs list --experiment-id 1',
        'keel runs list -n churn --max-results 20',
        'MLFLOW_EXPERIMENT_ID=1 keel runs list -v all --json',
      ),
    )
    .action(async (flags: ListFlags) => {
      const runs = await searchRuns(flags, {});
      if (flags.json) printJson(io, { runs });
      else printTable(io, runs, RUN_COLUMNS, 'No runs found.');
    });

  addClientOptions(
    group
      .command('search')
      .description('Search runs with a filter and an order, and show chosen metrics, params and tags as columns')
      .option(
        '-x, --experiment-id <id>',
        'experiment ID; commas or repeats for several (env MLFLOW_EXPERIMENT_ID)',
        collect,
      )
      .option(
        '-n, --experiment-name <name>',
        'experiment name, instead of or beside IDs; repeatable (env MLFLOW_EXPERIMENT_NAME)',
        collect,
      )
      .option('--filter <expr>', 'search filter, e.g. "metrics.rmse < 0.8 and params.model = \'tree\'"')
      .option('--order-by <clause>', "sort clause, e.g. 'metrics.rmse ASC' (repeatable)", collect)
      .option('--columns <list>', 'extra columns, comma-separated: metrics.<key>, params.<key>, tags.<key>, attributes')
      .addOption(viewOption('runs'))
      .option('--max-results <n>', 'show at most n runs [default: all]', positiveInt),
  )
    .addHelpText(
      'after',
      examples(
        'keel runs search -x 1 --filter "metrics.rmse < 0.8" --order-by \'metrics.rmse ASC\' --columns metrics.rmse,params.lr',
      ),
    )
    .action(async (flags: SearchFlags) => {
      const extra = (flags.columns ?? '')
        .split(',')
        .map((c) => c.trim())
        .filter(Boolean)
        .map(extraColumn);
      const runs = await searchRuns(flags, {
        ...(flags.filter === undefined ? {} : { filter: flags.filter }),
        ...(flags.orderBy === undefined ? {} : { orderBy: flags.orderBy }),
      });
      if (flags.json) printJson(io, { runs });
      else printTable(io, runs, [...RUN_COLUMNS, ...extra], 'No runs matched.');
    });

  addClientOptions(
    group
      .command('describe')
      .description('Show a run: attributes, parameters, latest metrics, tags')
      .addOption(runIdOption()),
  )
    .addHelpText('after', examples('keel runs describe --run-id 4f1c0e...', 'keel runs describe -r 4f1c0e... --json'))
    .action(async (flags: RunIdFlags) => {
      const { run } = await withClient(flags, context, (client) => client.getRun({ run_id: flags.runId }));
      if (flags.json) printJson(io, { run });
      else io.out(describeRun(run));
    });

  addClientOptions(
    group
      .command('create')
      .description('Create an already-finished run (e.g. to record a result computed elsewhere) and print its ID')
      .option('-x, --experiment-id <id>', 'experiment ID (env MLFLOW_EXPERIMENT_ID)')
      .option('-n, --experiment-name <name>', 'experiment name, instead of the ID (env MLFLOW_EXPERIMENT_NAME)')
      .option('--run-name <name>', 'run name')
      .option('--description <text>', 'run description (tag mlflow.note.content)')
      .option('--tags <key=value>', 'run tag (repeatable)', collect)
      .addOption(new Option('--status <status>', 'final status').choices(TERMINAL_STATUSES).default('FINISHED'))
      .option('--parent-run-id <id>', 'make it a child of this run'),
  )
    .addHelpText(
      'after',
      examples("keel runs create -x 1 --run-name baseline --tags team=ml --description 'Manual baseline'"),
    )
    .action(async (flags: CreateFlags) => {
      const tags = keyValues(flags.tags, '--tags');
      if (flags.description !== undefined) tags.push({ key: 'mlflow.note.content', value: flags.description });
      if (flags.parentRunId !== undefined) tags.push({ key: 'mlflow.parentRunId', value: flags.parentRunId });
      const run = await withClient(
        flags,
        context,
        async (client) => {
          const experimentId = await resolveExperimentId(flags, context, (name) => experimentByName(client, name));
          const user = cliUserName(context.env);
          if (user !== undefined && !tags.some((t) => t.key === 'mlflow.user'))
            tags.push({ key: 'mlflow.user', value: user });
          const now = Date.now();
          const created = await client.createRun({
            experiment_id: experimentId,
            start_time: now,
            ...(flags.runName === undefined ? {} : { run_name: flags.runName }),
            ...(user === undefined ? {} : { user_id: user }),
            tags,
          });
          const runId = created.run.info.run_id;
          await client.updateRun({ run_id: runId, status: flags.status as keyof typeof RUN_STATUS, end_time: now });
          return (await client.getRun({ run_id: runId })).run;
        },
        { createsStore: true },
      );
      if (flags.json) printJson(io, { run });
      else
        io.out(
          `Created run ${run.info.run_id} ('${run.info.run_name ?? ''}') in experiment ${run.info.experiment_id}.`,
        );
    });

  for (const [name, verb, restore] of [
    ['delete', 'Mark a run deleted (restore undoes it)', false],
    ['restore', 'Restore a deleted run', true],
  ] as const) {
    addClientOptions(group.command(name).description(verb).addOption(runIdOption()))
      .addHelpText('after', examples(`keel runs ${name} --run-id 4f1c0e...`))
      .action(async (flags: RunIdFlags) => {
        await withClient(flags, context, (client) =>
          restore ? client.restoreRun({ run_id: flags.runId }) : client.deleteRun({ run_id: flags.runId }),
        );
        if (flags.json) printJson(io, {});
        else io.out(restore ? `Restored run ${flags.runId}.` : `Deleted run ${flags.runId}.`);
      });
  }
  addClientOptions(
    group
      .command('wait')
      .description(
        'Wait until a run ends (FINISHED, FAILED or KILLED), e.g. one started with keel run --detach; exit 0 only if FINISHED',
      )
      .argument('<run-id>', 'run ID')
      .option('--poll-interval <seconds>', 'time between status checks', positiveNumber, 2)
      .option('--timeout <seconds>', 'give up after this long (exit 1) [default: no limit]', positiveNumber),
  )
    .addHelpText('after', examples('id=$(keel run . -e train --detach) && keel runs wait "$id"'))
    .action(async (runId: string, flags: WaitFlags) => {
      const deadline = flags.timeout === undefined ? undefined : Date.now() + flags.timeout * 1000;
      const run = await withClient(flags, context, async (client) => {
        for (;;) {
          const { run } = await client.getRun({ run_id: runId });
          if ((TERMINAL_STATUSES as readonly string[]).includes(run.info.status)) return run;
          if (deadline !== undefined && Date.now() >= deadline) {
            throw new CliError(`Run ${runId} is still ${run.info.status} after ${flags.timeout} s.`);
          }
          const pause = Math.min(
            flags.pollInterval * 1000,
            deadline === undefined ? Number.POSITIVE_INFINITY : deadline - Date.now(),
          );
          await new Promise((r) => setTimeout(r, Math.max(0, pause)));
        }
      });
      const reason = run.data.tags?.find((t) => t.key === 'keel.project.failureReason')?.value;
      if (flags.json) printJson(io, { run });
      else
        io.out(
          `Run ${runId} ${run.info.status}${reason === undefined || run.info.status === 'FINISHED' ? '' : `: ${reason}`}`,
        );
      if (run.info.status !== 'FINISHED') throw new CliError('', 1);
    });
}

async function resolveExperimentId(
  flags: CreateFlags,
  context: CliContext,
  byName: (name: string) => Promise<string>,
): Promise<string> {
  if (flags.experimentId !== undefined && flags.experimentName !== undefined) {
    throw usageError('Give --experiment-id or --experiment-name, not both.');
  }
  if (flags.experimentId !== undefined) return flags.experimentId;
  if (flags.experimentName !== undefined) return byName(flags.experimentName);
  if (context.env.MLFLOW_EXPERIMENT_ID) return context.env.MLFLOW_EXPERIMENT_ID;
  if (context.env.MLFLOW_EXPERIMENT_NAME) return byName(context.env.MLFLOW_EXPERIMENT_NAME);
  throw usageError('Missing --experiment-id or --experiment-name (or MLFLOW_EXPERIMENT_ID / MLFLOW_EXPERIMENT_NAME).');
}
