/**
 * `keel models ...`: the model registry from the command line. `models registry` manages
 * registered models (this file); `models versions`, `models alias` and `models history` live
 * in `models-versions.ts`.
 */
import { type ModelVersion, type RegisteredModel, registry } from '@keel/contract';
import type { Command } from 'commander';
import { addClientOptions, type CliContext, type ClientFlags, withClient } from '../connect.js';
import { type Column, formatTime, printJson, printTable, renderDetails, renderSection } from '../format.js';
import { collect, examples, keyValues, positiveInt, quoteFilterValue, take } from '../options.js';
import { usageError } from '../output.js';
import { registerDockerCommands } from './models-docker.js';
import { registerPredictCommand } from './models-predict.js';
import { registerServeCommand } from './models-serve.js';
import { registerModelVersionCommands, VERSION_COLUMNS, withAliases } from './models-versions.js';

interface ListFlags extends ClientFlags {
  filter?: string;
  orderBy?: string[];
  maxResults?: number;
}
interface CreateFlags extends ClientFlags {
  description?: string;
  tag?: string[];
}
interface RegisterFlags extends CreateFlags {
  runId?: string;
  modelId?: string;
  wait: number;
}

/** Versions shown by `describe` before it points at `versions list`. */
const DESCRIBE_VERSION_LIMIT = 50;

const MODEL_COLUMNS: readonly Column<RegisteredModel>[] = [
  { header: 'NAME', value: (m) => m.name, maxWidth: 48 },
  { header: 'LATEST', value: (m) => latestVersion(m), align: 'right' },
  { header: 'ALIASES', value: (m) => aliasList(m), maxWidth: 40 },
  { header: 'UPDATED', value: (m) => formatTime(m.last_updated_timestamp) },
  { header: 'DESCRIPTION', value: (m) => m.description, maxWidth: 50 },
];

function latestVersion(model: RegisteredModel): string | undefined {
  const numbers = (model.latest_versions ?? []).map((v) => Number(v.version));
  return numbers.length === 0 ? undefined : String(Math.max(...numbers));
}

function aliasList(model: RegisteredModel): string {
  return (model.aliases ?? []).map((a) => `@${a.alias}=v${a.version}`).join(', ');
}

function describeModel(model: RegisteredModel, versions: readonly ModelVersion[], more: boolean): string {
  const details = renderDetails([
    ['Name', model.name],
    ['Description', model.description],
    ['Created', formatTime(model.creation_timestamp)],
    ['Last updated', formatTime(model.last_updated_timestamp)],
  ]);
  const sections = [
    renderSection('Tags', model.tags ?? [], [
      { header: 'KEY', value: (t) => t.key },
      { header: 'VALUE', value: (t) => t.value, maxWidth: 80 },
    ]),
    renderSection('Aliases', model.aliases ?? [], [
      { header: 'ALIAS', value: (a) => `@${a.alias}` },
      { header: 'VERSION', value: (a) => a.version, align: 'right' },
    ]),
    renderSection('Versions (newest first)', versions, VERSION_COLUMNS),
  ];
  const tail = more ? `\n  ... more versions: keel models versions list ${model.name}` : '';
  return details + sections.join('') + tail;
}

/** Registers `keel models` with its `registry`, `versions`, `alias` and `history` sub-commands. */
export function registerModelsCommand(program: Command, context: CliContext): void {
  const { io } = context;
  const models = program
    .command('models')
    .description(
      'Models: the registry (registered models, versions, stages, aliases, audit trail), serving, batch scoring and Docker images',
    );
  const group = models.command('registry').description('List, describe, create, register and delete registered models');

  addClientOptions(
    group
      .command('list')
      .description('List registered models with their newest version and aliases')
      .option('--filter <expr>', 'search filter, e.g. "name LIKE \'churn%\'" or "tags.team = \'ml\'"')
      .option('--order-by <clause>', "sort clause, e.g. 'last_updated_timestamp DESC' (repeatable)", collect)
      .option('--max-results <n>', 'show at most n models [default: all]', positiveInt),
  )
    .addHelpText(
      'after',
      examples('keel models registry list', 'keel models registry list --filter "name LIKE \'churn%\'" --json'),
    )
    .action(async (flags: ListFlags) => {
      const found = await withClient(flags, context, (client) => {
        const request = {
          ...(flags.filter === undefined ? {} : { filter: flags.filter }),
          ...(flags.orderBy === undefined ? {} : { order_by: flags.orderBy }),
          ...(flags.maxResults === undefined ? {} : { max_results: Math.min(flags.maxResults, 1000) }),
        };
        return take(client.paginate(registry.searchRegisteredModels, request, 'registered_models'), flags.maxResults);
      });
      if (flags.json) printJson(io, { registered_models: found });
      else printTable(io, found, MODEL_COLUMNS, 'No registered models found.');
    });

  addClientOptions(
    group
      .command('describe')
      .description('Show a registered model: description, tags, aliases and its versions')
      .argument('<name>', 'registered model name'),
  )
    .addHelpText('after', examples('keel models registry describe churn', 'keel models registry describe churn --json'))
    .action(async (name: string, flags: ClientFlags) => {
      const { model, versions } = await withClient(flags, context, async (client) => {
        const { registered_model } = await client.getRegisteredModel({ name });
        const request = { filter: `name = ${quoteFilterValue(name)}`, order_by: ['version_number DESC'] };
        const listed = await take(
          client.paginate(registry.searchModelVersions, request, 'model_versions'),
          DESCRIBE_VERSION_LIMIT + 1,
        );
        return { model: registered_model, versions: listed };
      });
      if (flags.json) printJson(io, { registered_model: model });
      else
        io.out(
          describeModel(
            model,
            withAliases(versions.slice(0, DESCRIBE_VERSION_LIMIT), model),
            versions.length > DESCRIBE_VERSION_LIMIT,
          ),
        );
    });

  addClientOptions(
    group
      .command('create')
      .description('Create an empty registered model')
      .argument('<name>', 'registered model name (unique)')
      .option('--description <text>', 'model description')
      .option('-t, --tag <key=value>', 'model tag (repeatable)', collect),
  )
    .addHelpText('after', examples("keel models registry create churn --description 'Churn classifier' -t team=ml"))
    .action(async (name: string, flags: CreateFlags) => {
      const tags = keyValues(flags.tag, '--tag');
      const { registered_model } = await withClient(
        flags,
        context,
        (client) =>
          client.createRegisteredModel({
            name,
            ...(flags.description === undefined ? {} : { description: flags.description }),
            ...(tags.length === 0 ? {} : { tags }),
          }),
        { createsStore: true },
      );
      if (flags.json) printJson(io, { registered_model });
      else io.out(`Created registered model '${registered_model.name}'.`);
    });

  addClientOptions(
    group
      .command('register')
      .description(
        'Register a model as a new version of <name> (creating the model if needed) and wait until it is READY. <source> is runs:/<run_id>/<path>, models:/m-<id>, models:/<name>/<version> or an artifact URI',
      )
      .argument('<name>', 'registered model name')
      .argument('<source>', 'where the model is, e.g. runs:/4f1c0e.../model')
      .option('--description <text>', 'version description')
      .option('-t, --tag <key=value>', 'version tag (repeatable)', collect)
      .option('--run-id <id>', 'run that produced the model [default: the run of a runs:/ source]')
      .option('--model-id <id>', 'logged model it comes from [default: from a models:/m-... source]')
      .option('--wait <seconds>', 'how long to wait for READY', positiveInt, 300),
  )
    .addHelpText(
      'after',
      examples(
        'keel models registry register churn runs:/4f1c0e.../model',
        'keel models registry register churn models:/m-7b1e0c... --json',
      ),
    )
    .action(async (name: string, source: string, flags: RegisterFlags) => {
      const tags = Object.fromEntries(keyValues(flags.tag, '--tag').map((t) => [t.key, t.value]));
      const version = await withClient(
        flags,
        context,
        (client) =>
          client.registerModel(source, name, {
            tags,
            waitTimeoutMs: flags.wait * 1000,
            ...(flags.description === undefined ? {} : { description: flags.description }),
            ...(flags.runId === undefined ? {} : { runId: flags.runId }),
            ...(flags.modelId === undefined ? {} : { modelId: flags.modelId }),
            onPoll: (v) => {
              if (v.status === 'PENDING_REGISTRATION' && !flags.json)
                io.err(`Waiting for ${v.name} version ${v.version}...`);
            },
          }),
        { createsStore: true },
      );
      if (flags.json) printJson(io, { model_version: version });
      else
        io.out(`Registered '${version.name}' version ${version.version} (${version.status}) from ${version.source}.`);
    });

  addClientOptions(
    group
      .command('delete')
      .description('Delete a registered model and all of its versions (cannot be undone)')
      .argument('<name>', 'registered model name'),
  )
    .addHelpText('after', examples('keel models registry delete churn-experimental'))
    .action(async (name: string, flags: ClientFlags) => {
      if (name.trim() === '') throw usageError('The model name is empty.');
      await withClient(flags, context, (client) => client.deleteRegisteredModel({ name }));
      if (flags.json) printJson(io, {});
      else io.out(`Deleted registered model '${name}' and its versions.`);
    });

  registerModelVersionCommands(models, context);
  // Serving and scoring (models.md §8, §9).
  registerServeCommand(models, context);
  registerPredictCommand(models, context);
  registerDockerCommands(models, context);
}
