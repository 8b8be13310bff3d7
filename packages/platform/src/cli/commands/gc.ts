/** `keel gc`: permanently removes deleted runs and experiments with their artifacts. */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { examples } from '../options.js';
import { CliError, type CliIo, usageError } from '../output.js';

interface GcFlags {
  olderThan?: string;
  backendStoreUri?: string;
  artifactsDestination?: string;
  defaultArtifactRoot?: string;
  runIds?: string;
  experimentIds?: string;
  dryRun?: boolean;
  json?: boolean;
}

function idList(value: string | undefined, flag: string): string[] | undefined {
  if (value === undefined) return undefined;
  const ids = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (ids.length === 0) throw usageError(`${flag} needs at least one ID, e.g. ${flag} a,b`);
  return ids;
}

export function registerGcCommand(program: Command, io: CliIo, env: NodeJS.ProcessEnv): void {
  program
    .command('gc')
    .description(
      'Permanently remove runs and experiments in the deleted state, with their metrics, params, tags, ' +
        'inputs, logged models and artifacts. Safe while servers are running.',
    )
    .option('--older-than <duration>', 'only items deleted at least this long ago: 30d, 1d2h3m4s, 1.5d')
    .option('--run-ids <ids>', 'only these runs, comma-separated (each must be deleted)')
    .option('--experiment-ids <ids>', 'only these experiments and their runs, comma-separated (each must be deleted)')
    .option('--backend-store-uri <uri>', 'store to clean (env MLFLOW_BACKEND_STORE_URI) [default: sqlite:///mlflow.db]')
    .option(
      '--artifacts-destination <uri>',
      "the server's artifact destination, where mlflow-artifacts: locations live (env MLFLOW_ARTIFACTS_DESTINATION) [default: ./mlartifacts]",
    )
    .option(
      '--default-artifact-root <uri>',
      "the server's default artifact root when it is a directory or s3:// (env MLFLOW_DEFAULT_ARTIFACT_ROOT)",
    )
    .option('--dry-run', 'report what would be removed and change nothing')
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      `${examples('keel gc --older-than 30d', 'keel gc --run-ids 4f1c0e...,9a2b3c... --dry-run', 'keel gc --backend-store-uri sqlite:////srv/keel/mlflow.db --artifacts-destination s3://ml-artifacts/keel')}

Runs a registered model version was created from (and experiments holding them) are kept and
reported. Files are deleted after their rows are gone; locations that cannot be deleted now (an
unreachable store) stay queued and the next gc deletes them. S3 credentials come from the usual
AWS variables and MLFLOW_S3_ENDPOINT_URL.`,
    )
    .action(async (flags: GcFlags) => {
      const [{ parseDuration }, { garbageCollect }, { createArtifactAccess, openStores }, { resolveServerConfig }] =
        await Promise.all([
          import('../../gc/duration.js'),
          import('../../gc/garbage-collect.js'),
          import('../../compose.js'),
          import('../../config/server-config.js'),
        ]);
      let olderThanMs: number | undefined;
      try {
        olderThanMs = flags.olderThan === undefined ? undefined : parseDuration(flags.olderThan);
      } catch (error) {
        throw usageError((error as Error).message);
      }
      const runIds = idList(flags.runIds, '--run-ids');
      const experimentIds = idList(flags.experimentIds, '--experiment-ids');
      const cwd = process.cwd();
      // The server's own configuration rules, so gc resolves locations exactly as the server does.
      const config = resolveServerConfig(
        {
          serveArtifacts: true,
          ...(flags.backendStoreUri === undefined ? {} : { backendStoreUri: flags.backendStoreUri }),
          ...(flags.artifactsDestination === undefined ? {} : { artifactsDestination: flags.artifactsDestination }),
          ...(flags.defaultArtifactRoot === undefined ? {} : { defaultArtifactRoot: flags.defaultArtifactRoot }),
        },
        env,
        cwd,
      );
      const { sqlitePathFromUri, storeScheme } = await import('../../store/sql/open-database.js');
      if (storeScheme(config.backendStoreUri) === 'sqlite') {
        const file = sqlitePathFromUri(config.backendStoreUri, cwd);
        // Opening a missing file would create an empty store and report that nothing was deleted.
        if (file !== ':memory:' && !existsSync(file)) {
          throw new CliError(`No database at ${file} (from ${config.backendStoreUri}); pass --backend-store-uri.`);
        }
      }
      const access = await createArtifactAccess(config, cwd);
      try {
        const stores = await openStores(config.backendStoreUri, {
          defaultArtifactRoot: config.defaultArtifactRoot,
          cwd,
        });
        try {
          const report = await garbageCollect(
            { tracking: stores.tracking, registry: stores.registry, artifacts: access.resolver },
            {
              ...(olderThanMs === undefined ? {} : { olderThanMs }),
              ...(runIds === undefined ? {} : { runIds }),
              ...(experimentIds === undefined ? {} : { experimentIds }),
              dryRun: flags.dryRun === true,
              ...(flags.json ? {} : { onProgress: (message: string) => io.err(message) }),
            },
          );
          if (flags.json) {
            io.out(JSON.stringify(report, null, 2));
          } else {
            const verb = report.dryRun ? 'Would remove' : 'Removed';
            io.out(
              `${verb} ${report.runs.length} run(s) and ${report.experiments.length} experiment(s) ` +
                `(with ${report.experimentRuns} run(s) and ${report.loggedModels} logged model(s) of theirs); ` +
                `${report.dryRun ? 'would delete' : 'deleted'} the artifacts of ${report.artifactsDeleted.length} location(s).`,
            );
            for (const item of report.kept) io.out(`Kept ${item.kind} ${item.id}: ${item.reason}.`);
            for (const failure of report.artifactsFailed) {
              io.out(`Not deleted: ${failure.uri} (${failure.owner}): ${failure.error}`);
            }
          }
          if (report.artifactsFailed.length > 0) {
            throw new CliError(
              `${report.artifactsFailed.length} artifact location(s) could not be deleted; they stay queued and the next keel gc retries them.`,
            );
          }
        } finally {
          await stores.close();
        }
      } finally {
        await access.close();
      }
    });
}
