/**
 * `keel models versions | alias | history`: model versions and their stages, aliases, and
 * Keel's registry audit trail ("who promoted this version to Production, and when").
 */
import { type ModelVersion, type RegisteredModel, type RegistryEvent, registry } from '@keel/contract';
import type { Command } from 'commander';
import { addClientOptions, type CliContext, type ClientFlags, withClient } from '../connect.js';
import { type Column, formatTime, printJson, printTable, renderDetails, renderSection } from '../format.js';
import { examples, positiveInt, quoteFilterValue, take } from '../options.js';

interface ListFlags extends ClientFlags {
  maxResults?: number;
}
interface TransitionFlags extends ClientFlags {
  archiveExisting?: boolean;
}

/** Events `history` shows unless `--max-results` says otherwise. */
const DEFAULT_HISTORY = 100;

/** Columns of a version listing (also used by `models registry describe`). */
export const VERSION_COLUMNS: readonly Column<ModelVersion>[] = [
  { header: 'VERSION', value: (v) => v.version, align: 'right' },
  { header: 'STAGE', value: (v) => v.current_stage },
  { header: 'STATUS', value: (v) => v.status },
  { header: 'ALIASES', value: (v) => (v.aliases ?? []).map((a) => `@${a}`).join(', '), maxWidth: 30 },
  { header: 'RUN ID', value: (v) => v.run_id },
  { header: 'CREATED', value: (v) => formatTime(v.creation_timestamp) },
  { header: 'SOURCE', value: (v) => v.source, maxWidth: 60 },
];

function describeVersion(v: ModelVersion): string {
  const details = renderDetails([
    ['Name', v.name],
    ['Version', v.version],
    ['Stage', v.current_stage],
    ['Status', v.status_message ? `${v.status} (${v.status_message})` : v.status],
    ['Aliases', (v.aliases ?? []).map((a) => `@${a}`).join(', ')],
    ['Description', v.description],
    ['Source', v.source],
    ['Run ID', v.run_id],
    ['Logged model', v.model_id],
    ['Run link', v.run_link],
    ['Created', formatTime(v.creation_timestamp)],
    ['Last updated', formatTime(v.last_updated_timestamp)],
  ]);
  return (
    details +
    renderSection('Tags', v.tags ?? [], [
      { header: 'KEY', value: (t) => t.key },
      { header: 'VALUE', value: (t) => t.value, maxWidth: 80 },
    ])
  );
}

/** Versions with their aliases filled in from the model (version searches may leave them out). */
export function withAliases(versions: readonly ModelVersion[], model: RegisteredModel): ModelVersion[] {
  return versions.map((v) => {
    if ((v.aliases ?? []).length > 0) return v;
    const aliases = (model.aliases ?? []).filter((a) => a.version === v.version).map((a) => a.alias);
    return aliases.length === 0 ? v : { ...v, aliases };
  });
}

/** One audit event as a short phrase: what changed, from what to what. */
export function describeEvent(event: RegistryEvent): string {
  const d = event.details ?? {};
  const was = (key: string) => (d[key] ? ` (was ${d[key]})` : '');
  switch (event.kind) {
    case 'create_registered_model':
      return d.description ? `created the model: ${d.description}` : 'created the model';
    case 'rename_registered_model':
      return `renamed ${d.old_name ?? '?'} -> ${d.new_name ?? '?'}`;
    case 'update_registered_model':
    case 'update_model_version':
      return `description: ${d.new_description ? `'${d.new_description}'` : '(cleared)'}`;
    case 'delete_registered_model':
      return 'deleted the model and its versions';
    case 'set_registered_model_tag':
    case 'set_model_version_tag':
      return `tag ${d.key ?? '?'}=${d.value ?? ''}`;
    case 'delete_registered_model_tag':
    case 'delete_model_version_tag':
      return `removed tag ${d.key ?? '?'}`;
    case 'create_model_version':
      return `registered from ${d.source ?? '?'}${d.run_id ? ` (run ${d.run_id})` : ''}`;
    case 'delete_model_version':
      return `deleted (was in ${d.stage ?? '?'}${d.removed_aliases ? `, aliases ${d.removed_aliases}` : ''})`;
    case 'transition_model_version_stage': {
      const stages = `${d.from_stage ?? '?'} -> ${d.to_stage ?? '?'}`;
      if (d.archived_by_version) return `${stages} (archived when version ${d.archived_by_version} moved in)`;
      return d.archive_existing_versions === 'true' ? `${stages}, archiving the others` : stages;
    }
    case 'set_alias':
      return `alias @${d.alias ?? '?'} set${was('previous_version')}`;
    case 'delete_alias':
      return `alias @${d.alias ?? '?'} removed`;
    default:
      return JSON.stringify(d);
  }
}

const EVENT_COLUMNS: readonly Column<RegistryEvent>[] = [
  { header: 'TIME', value: (e) => formatTime(e.timestamp) },
  { header: 'USER', value: (e) => e.user, maxWidth: 32 },
  { header: 'EVENT', value: (e) => e.kind },
  { header: 'MODEL', value: (e) => e.name, maxWidth: 32 },
  { header: 'VERSION', value: (e) => e.version, align: 'right' },
  { header: 'CHANGE', value: describeEvent, maxWidth: 80 },
];

/** Registers `models versions`, `models alias` and `models history` on the `models` group. */
export function registerModelVersionCommands(models: Command, context: CliContext): void {
  const { io } = context;
  const versions = models.command('versions').description('List, describe, transition and delete model versions');

  addClientOptions(
    versions
      .command('list')
      .description('List the versions of a registered model, newest first')
      .argument('<name>', 'registered model name')
      .option('--max-results <n>', 'show at most n versions [default: all]', positiveInt),
  )
    .addHelpText('after', examples('keel models versions list churn', 'keel models versions list churn --json'))
    .action(async (name: string, flags: ListFlags) => {
      const found = await withClient(flags, context, async (client) => {
        // Fetched first so that an unknown model says so instead of listing nothing.
        const { registered_model } = await client.getRegisteredModel({ name });
        const request = { filter: `name = ${quoteFilterValue(name)}`, order_by: ['version_number DESC'] };
        const listed = await take(
          client.paginate(registry.searchModelVersions, request, 'model_versions'),
          flags.maxResults,
        );
        return { listed, model: registered_model };
      });
      if (flags.json) printJson(io, { model_versions: found.listed });
      else printTable(io, withAliases(found.listed, found.model), VERSION_COLUMNS, `Model '${name}' has no versions.`);
    });

  addClientOptions(
    versions
      .command('describe')
      .description('Show one model version: stage, status, aliases, source, run and tags')
      .argument('<name>', 'registered model name')
      .argument('<version>', 'version number'),
  )
    .addHelpText('after', examples('keel models versions describe churn 3'))
    .action(async (name: string, version: string, flags: ClientFlags) => {
      const { model_version } = await withClient(flags, context, (client) => client.getModelVersion({ name, version }));
      if (flags.json) printJson(io, { model_version });
      else io.out(describeVersion(model_version));
    });

  addClientOptions(
    versions
      .command('transition')
      .description('Move a version to a stage: None, Staging, Production or Archived (any letter case)')
      .argument('<name>', 'registered model name')
      .argument('<version>', 'version number')
      .argument('<stage>', 'target stage')
      .option('--archive-existing', 'archive the versions currently in the target stage (Staging or Production only)'),
  )
    .addHelpText('after', examples('keel models versions transition churn 3 Production --archive-existing'))
    .action(async (name: string, version: string, stage: string, flags: TransitionFlags) => {
      const { before, after } = await withClient(flags, context, async (client) => {
        const previous = (await client.getModelVersion({ name, version })).model_version;
        const moved = await client.transitionModelVersionStage({
          name,
          version,
          stage,
          archive_existing_versions: flags.archiveExisting === true,
        });
        return { before: previous, after: moved.model_version };
      });
      if (flags.json) printJson(io, { model_version: after });
      else io.out(`Moved '${name}' version ${version} from ${before.current_stage} to ${after.current_stage}.`);
    });

  addClientOptions(
    versions
      .command('delete')
      .description('Delete a model version (its number is never reused; its aliases go with it)')
      .argument('<name>', 'registered model name')
      .argument('<version>', 'version number'),
  )
    .addHelpText('after', examples('keel models versions delete churn 2'))
    .action(async (name: string, version: string, flags: ClientFlags) => {
      await withClient(flags, context, (client) => client.deleteModelVersion({ name, version }));
      if (flags.json) printJson(io, {});
      else io.out(`Deleted '${name}' version ${version}.`);
    });

  const alias = models.command('alias').description('Point named aliases (such as champion) at model versions');

  addClientOptions(
    alias
      .command('set')
      .description('Point an alias at a version (moving it if it pointed elsewhere)')
      .argument('<name>', 'registered model name')
      .argument('<alias>', 'alias, e.g. champion (not "latest" nor a version-like v3)')
      .argument('<version>', 'version number'),
  )
    .addHelpText(
      'after',
      examples('keel models alias set churn champion 3', 'keel artifacts download -u models:/churn@champion'),
    )
    .action(async (name: string, aliasName: string, version: string, flags: ClientFlags) => {
      const { model_version } = await withClient(flags, context, async (client) => {
        await client.setRegisteredModelAlias({ name, alias: aliasName, version });
        return client.getModelVersionByAlias({ name, alias: aliasName });
      });
      if (flags.json) printJson(io, { model_version });
      else io.out(`Alias @${aliasName} of '${name}' now points to version ${model_version.version}.`);
    });

  addClientOptions(
    alias
      .command('delete')
      .description('Remove an alias from a registered model')
      .argument('<name>', 'registered model name')
      .argument('<alias>', 'alias'),
  )
    .addHelpText('after', examples('keel models alias delete churn challenger'))
    .action(async (name: string, aliasName: string, flags: ClientFlags) => {
      await withClient(flags, context, (client) => client.deleteRegisteredModelAlias({ name, alias: aliasName }));
      if (flags.json) printJson(io, {});
      else io.out(`Removed alias @${aliasName} of '${name}'.`);
    });

  addClientOptions(
    models
      .command('history')
      .description(
        'Show the audit trail of a registered model, newest first: who created, registered, moved, aliased, described or deleted what, and when (a Keel extension)',
      )
      .argument('<name>', 'registered model name (deleted models keep their history)')
      .option('--max-results <n>', `show at most n events [default: ${DEFAULT_HISTORY}]`, positiveInt),
  )
    .addHelpText('after', examples('keel models history churn', 'keel models history churn --max-results 1000 --json'))
    .action(async (name: string, flags: ListFlags) => {
      const limit = flags.maxResults ?? DEFAULT_HISTORY;
      const events = await withClient(flags, context, (client) =>
        take(
          client.paginate(registry.getRegistryHistory, { name, max_results: Math.min(limit + 1, 1000) }, 'events'),
          limit + 1,
        ),
      );
      const shown = events.slice(0, limit);
      if (flags.json) printJson(io, { events: shown });
      else {
        printTable(io, shown, EVENT_COLUMNS, `No registry history for '${name}'.`);
        if (events.length > limit) io.err(`(newest ${limit} events shown; use --max-results for more)`);
      }
    });
}
