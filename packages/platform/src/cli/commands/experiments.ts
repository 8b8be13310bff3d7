/** `keel experiments ...`: create, search, get, rename, delete and restore experiments (MLflow's `mlflow experiments`). */
import { type Experiment, tracking } from '@keel/contract';
import type { Command } from 'commander';
import { addClientOptions, type CliContext, type ClientFlags, withClient } from '../connect.js';
import { type Column, formatTime, printJson, printTable, renderDetails, renderSection } from '../format.js';
import { collect, examples, keyValues, positiveInt, take, viewOption, viewType } from '../options.js';
import { usageError } from '../output.js';

interface CreateFlags extends ClientFlags {
  experimentName: string;
  artifactLocation?: string;
  tag?: string[];
}
interface SearchFlags extends ClientFlags {
  view?: string;
  filter?: string;
  orderBy?: string[];
  maxResults?: number;
}
interface GetFlags extends ClientFlags {
  experimentId?: string;
  experimentName?: string;
}
interface IdFlags extends ClientFlags {
  experimentId: string;
}
interface RenameFlags extends IdFlags {
  newName: string;
}

const EXPERIMENT_COLUMNS: readonly Column<Experiment>[] = [
  { header: 'ID', value: (e) => e.experiment_id },
  { header: 'NAME', value: (e) => e.name, maxWidth: 48 },
  { header: 'LIFECYCLE', value: (e) => e.lifecycle_stage },
  { header: 'ARTIFACT LOCATION', value: (e) => e.artifact_location, maxWidth: 60 },
  { header: 'CREATED', value: (e) => formatTime(e.creation_time) },
];

function describeExperiment(e: Experiment): string {
  const details = renderDetails([
    ['Experiment ID', e.experiment_id],
    ['Name', e.name],
    ['Lifecycle', e.lifecycle_stage],
    ['Artifact location', e.artifact_location],
    ['Created', formatTime(e.creation_time)],
    ['Last updated', formatTime(e.last_update_time)],
  ]);
  const tags = renderSection('Tags', e.tags ?? [], [
    { header: 'KEY', value: (t) => t.key },
    { header: 'VALUE', value: (t) => t.value, maxWidth: 80 },
  ]);
  return details + tags;
}

/** Registers `keel experiments` and its sub-commands. */
export function registerExperimentsCommand(program: Command, context: CliContext): void {
  const { io } = context;
  const group = program
    .command('experiments')
    .description('Create, search, rename, delete and restore experiments on a tracking server or local store');

  addClientOptions(
    group
      .command('create')
      .description('Create an experiment and print its ID')
      .requiredOption('-n, --experiment-name <name>', 'name of the new experiment (unique)')
      .option('-l, --artifact-location <uri>', "where the experiment's runs keep artifacts [default: the server's]")
      .option('-t, --tag <key=value>', 'experiment tag (repeatable)', collect),
  )
    .addHelpText(
      'after',
      examples('keel experiments create -n churn', 'keel experiments create -n churn -l /data/artifacts/churn'),
    )
    .action(async (flags: CreateFlags) => {
      const tags = keyValues(flags.tag, '--tag');
      const created = await withClient(
        flags,
        context,
        (client) =>
          client.createExperiment({
            name: flags.experimentName,
            ...(flags.artifactLocation === undefined ? {} : { artifact_location: flags.artifactLocation }),
            ...(tags.length === 0 ? {} : { tags }),
          }),
        { createsStore: true },
      );
      if (flags.json) printJson(io, created);
      else io.out(`Created experiment '${flags.experimentName}' with ID ${created.experiment_id}.`);
    });

  addClientOptions(
    group
      .command('search')
      .description('List experiments, optionally filtered and ordered')
      .addOption(viewOption('experiments'))
      .option('--filter <expr>', 'search filter, e.g. "name LIKE \'churn%\'" or "tags.team = \'ml\'"')
      .option('--order-by <clause>', "sort clause, e.g. 'creation_time DESC' (repeatable)", collect)
      .option('--max-results <n>', 'show at most n experiments [default: all]', positiveInt),
  )
    .addHelpText(
      'after',
      examples(
        'keel experiments search',
        "keel experiments search -v all --filter \"name LIKE 'churn%'\" --order-by 'name ASC'",
      ),
    )
    .action(async (flags: SearchFlags) => {
      const experiments = await withClient(flags, context, async (client) => {
        const request = {
          view_type: viewType(flags.view),
          ...(flags.filter === undefined ? {} : { filter: flags.filter }),
          ...(flags.orderBy === undefined ? {} : { order_by: flags.orderBy }),
          ...(flags.maxResults === undefined ? {} : { max_results: Math.min(flags.maxResults, 1000) }),
        };
        return take(client.paginate(tracking.searchExperiments, request, 'experiments'), flags.maxResults);
      });
      if (flags.json) printJson(io, { experiments });
      else printTable(io, experiments, EXPERIMENT_COLUMNS, 'No experiments found.');
    });

  addClientOptions(
    group
      .command('get')
      .description('Show one experiment, by ID or by name')
      .option('-x, --experiment-id <id>', 'experiment ID')
      .option('-n, --experiment-name <name>', 'experiment name'),
  )
    .addHelpText('after', examples('keel experiments get -x 1', 'keel experiments get -n churn --json'))
    .action(async (flags: GetFlags) => {
      if ((flags.experimentId === undefined) === (flags.experimentName === undefined)) {
        throw usageError('Give exactly one of --experiment-id and --experiment-name.');
      }
      const { experiment } = await withClient(flags, context, (client) =>
        flags.experimentId !== undefined
          ? client.getExperiment({ experiment_id: flags.experimentId })
          : client.getExperimentByName({ experiment_name: flags.experimentName as string }),
      );
      if (flags.json) printJson(io, { experiment });
      else io.out(describeExperiment(experiment));
    });

  addClientOptions(
    group
      .command('rename')
      .description('Rename an experiment')
      .requiredOption('-x, --experiment-id <id>', 'experiment ID')
      .requiredOption('--new-name <name>', 'the new name (unique)'),
  )
    .addHelpText('after', examples('keel experiments rename -x 1 --new-name churn-v2'))
    .action(async (flags: RenameFlags) => {
      const { experiment } = await withClient(flags, context, async (client) => {
        await client.updateExperiment({ experiment_id: flags.experimentId, new_name: flags.newName });
        return client.getExperiment({ experiment_id: flags.experimentId });
      });
      if (flags.json) printJson(io, { experiment });
      else io.out(`Renamed experiment ${experiment.experiment_id} to '${experiment.name}'.`);
    });

  addClientOptions(
    group
      .command('delete')
      .description('Mark an experiment and its runs deleted (restore undoes it until the garbage collector runs)')
      .requiredOption('-x, --experiment-id <id>', 'experiment ID'),
  )
    .addHelpText('after', examples('keel experiments delete -x 1'))
    .action(async (flags: IdFlags) => {
      await withClient(flags, context, (client) => client.deleteExperiment({ experiment_id: flags.experimentId }));
      if (flags.json) printJson(io, {});
      else
        io.out(
          `Deleted experiment ${flags.experimentId} (undo with: keel experiments restore -x ${flags.experimentId}).`,
        );
    });

  addClientOptions(
    group
      .command('restore')
      .description('Restore a deleted experiment and its runs')
      .requiredOption('-x, --experiment-id <id>', 'experiment ID'),
  )
    .addHelpText('after', examples('keel experiments restore -x 1'))
    .action(async (flags: IdFlags) => {
      const { experiment } = await withClient(flags, context, async (client) => {
        await client.restoreExperiment({ experiment_id: flags.experimentId });
        return client.getExperiment({ experiment_id: flags.experimentId });
      });
      if (flags.json) printJson(io, { experiment });
      else io.out(`Restored experiment ${experiment.experiment_id} ('${experiment.name}').`);
    });
}
