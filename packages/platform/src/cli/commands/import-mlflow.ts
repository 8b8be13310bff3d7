/** `keel import-mlflow`: copies an MLflow backend store (and its artifacts) into a Keel store. */
import { realpathSync } from 'node:fs';
import type { Command } from 'commander';
import { examples } from '../options.js';
import { CliError, type CliIo } from '../output.js';

interface ImportFlags {
  from: string;
  artifacts?: string;
  to?: string;
  artifactsDestination?: string;
  json?: boolean;
}

/** Whether `--from` names MLflow's file store (a path or `file:` URI) rather than a database. */
function isFileStoreUri(uri: string): boolean {
  return !/^[a-z][a-z0-9+.-]*:/i.test(uri) || /^file:/i.test(uri);
}

/** The real path of a SQLite store URI's file (undefined for other stores or missing files). */
function sqliteFile(uri: string, cwd: string, pathOf: (uri: string, cwd: string) => string): string | undefined {
  if (!/^sqlite(\+\w+)?:/.test(uri)) return undefined;
  try {
    return realpathSync(pathOf(uri, cwd));
  } catch {
    return undefined;
  }
}

export function registerImportMlflowCommand(program: Command, io: CliIo, env: NodeJS.ProcessEnv): void {
  program
    .command('import-mlflow')
    .description(
      'Copy an MLflow tracking store into a Keel store: experiments, runs (params, metrics with full history, ' +
        'tags, inputs), logged models, registered models, versions, aliases and tags, keeping IDs, names and ' +
        'timestamps. Run it again to resume after an interruption: what is already there is skipped.',
    )
    .requiredOption(
      '--from <uri>',
      "MLflow's backend store: sqlite:///mlflow.db, postgresql://user:pass@host/db, or a file store directory (./mlruns)",
    )
    .option(
      '--artifacts <uri>',
      "MLflow's artifact root (its --artifacts-destination or ./mlruns, a directory or s3://): files under it are " +
        "copied into Keel's artifact destination and served through Keel's proxy [default: --from, for a file store]",
    )
    .option('--to <uri>', 'the Keel store (env MLFLOW_BACKEND_STORE_URI) [default: sqlite:///mlflow.db]')
    .option(
      '--artifacts-destination <uri>',
      "Keel's artifact destination to copy into (env MLFLOW_ARTIFACTS_DESTINATION) [default: ./mlartifacts]",
    )
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      `${examples(
        'keel import-mlflow --from sqlite:///old/mlflow.db --artifacts ./old/mlartifacts --to sqlite:///keel.db',
        'keel import-mlflow --from postgresql://mlflow:pw@db/mlflow --artifacts s3://ml-artifacts/mlflow --artifacts-destination s3://ml-artifacts/keel',
        'keel import-mlflow --from ./mlruns --to sqlite:///keel.db',
      )}

A file store (mlruns/ directories of meta.yaml files) keeps its artifacts in the same tree, so
they are copied unless --artifacts says otherwise. Without --artifacts, a database's artifact
locations are stored as they are. Reading a PostgreSQL source needs
the pg package; S3 credentials come from the usual AWS variables and MLFLOW_S3_ENDPOINT_URL.`,
    )
    .action(async (flags: ImportFlags) => {
      const cwd = process.cwd();
      const [{ openMlflowSource }, { importMlflow }, { ArtifactRelocation }, compose, config, database, migrations] =
        await Promise.all([
          import('../../import/mlflow-source.js'),
          import('../../import/mlflow-import.js'),
          import('../../import/artifact-relocation.js'),
          import('../../compose.js'),
          import('../../config/server-config.js'),
          import('../../store/sql/open-database.js'),
          import('../../store/sql/migrations/index.js'),
        ]);
      const server = config.resolveServerConfig(
        {
          serveArtifacts: true,
          ...(flags.to === undefined ? {} : { backendStoreUri: flags.to }),
          ...(flags.artifactsDestination === undefined ? {} : { artifactsDestination: flags.artifactsDestination }),
        },
        env,
        cwd,
      );
      const from = sqliteFile(flags.from, cwd, database.sqlitePathFromUri);
      if (from !== undefined && from === sqliteFile(server.backendStoreUri, cwd, database.sqlitePathFromUri)) {
        throw new CliError(`--to ${server.backendStoreUri} is the MLflow database itself; give another Keel store.`);
      }
      const fileStore = isFileStoreUri(flags.from);
      const source = await openMlflowSource(flags.from, cwd);
      const access = await compose.createArtifactAccess(server, cwd);
      try {
        const target = await database.openSqlDatabase<import('../../store/sql/registry/schema.js').KeelSchema>(
          server.backendStoreUri,
          cwd,
        );
        try {
          const existing = await target.db.introspection.getTables();
          if (existing.some((t) => t.name === 'alembic_version')) {
            throw new CliError(`--to ${server.backendStoreUri} is an MLflow database, not a Keel store.`);
          }
          await migrations.migrateToLatest(target as import('../../store/sql/sql-database.js').SqlDatabase<unknown>);
          const relocation = await relocationFor(
            flags.artifacts ?? (fileStore ? flags.from : undefined),
            access,
            server.artifactsDestination,
            cwd,
            server.s3,
            ArtifactRelocation,
          );
          let lastLine = 0;
          // The import commits entity by entity and skips what is already there, so an
          // interrupted run loses nothing: say so, rather than leaving a half-imported store
          // without a word.
          const resumeHint = 'What was imported is kept: run the same command again to resume.';
          const onSignal = (signal: NodeJS.Signals) => {
            io.err(`Import interrupted (${signal}). ${resumeHint}`);
            process.exit(signal === 'SIGINT' ? 130 : 143);
          };
          process.once('SIGINT', onSignal);
          process.once('SIGTERM', onSignal);
          const report = await importMlflow({
            source,
            target,
            artifacts: relocation.relocation,
            defaultArtifactRoot: server.defaultArtifactRoot,
            onProgress: (p) => {
              const now = performance.now();
              if (flags.json || (p.done !== p.total && now - lastLine < 2000)) return;
              lastLine = now;
              io.err(`Importing ${p.phase}: ${p.done}/${p.total}`);
            },
          })
            .catch((error: unknown) => {
              io.err(`The import stopped before the end. ${resumeHint}`);
              throw error;
            })
            .finally(() => {
              process.off('SIGINT', onSignal);
              process.off('SIGTERM', onSignal);
              return relocation.close();
            });
          if (flags.json) io.out(JSON.stringify(report, null, 2));
          else printReport(io, report, server.backendStoreUri);
          if (report.conflicts.length > 0) {
            throw new CliError(
              `${report.conflicts.length} experiment(s) were not imported because of name or ID clashes.`,
            );
          }
        } finally {
          await target.close();
        }
      } finally {
        await source.close();
        await access.close();
      }
    });
}

type Relocation = InstanceType<typeof import('../../import/artifact-relocation.js').ArtifactRelocation>;

/** The artifact relocation of `--artifacts` into Keel's destination. */
async function relocationFor(
  root: string | undefined,
  access: import('../../compose.js').ArtifactAccess,
  destination: string,
  cwd: string,
  s3: import('../../artifacts/s3-settings.js').S3Settings,
  Relocation: typeof import('../../import/artifact-relocation.js').ArtifactRelocation,
): Promise<{ relocation: Relocation; close(): Promise<void> }> {
  if (root === undefined)
    return { relocation: new Relocation(undefined, undefined, undefined, false), close: async () => {} };
  const [{ absolutizeLocation }, { LocalArtifactRepository }, { uriScheme }] = await Promise.all([
    import('../../config/server-config.js'),
    import('../../artifacts/local-artifact-repository.js'),
    import('../../artifacts/uri.js'),
  ]);
  const location = absolutizeLocation(root, cwd);
  const scheme = uriScheme(location);
  const opened = await openImportSource(location, scheme, root, cwd, s3, LocalArtifactRepository);
  return {
    relocation: new Relocation(
      location,
      opened.source,
      access.resolver.proxyRepository,
      sameStorage(location, destination, cwd),
    ),
    close: opened.close,
  };
}

/** The repository `--artifacts` names (a directory or an `s3://` prefix), and how to release it. */
async function openImportSource(
  location: string,
  scheme: string,
  root: string,
  cwd: string,
  s3: import('../../artifacts/s3-settings.js').S3Settings,
  Local: typeof import('../../artifacts/local-artifact-repository.js').LocalArtifactRepository,
): Promise<{ source: import('../../artifacts/artifact-repository.js').ArtifactRepository; close(): Promise<void> }> {
  if (scheme === '' || scheme === 'file') return { source: Local.fromUri(location, cwd), close: async () => {} };
  if (scheme !== 's3') throw new CliError(`--artifacts must be a directory or an s3:// URI, got '${root}'.`);
  const { s3ArtifactRepositoryFactory } = await import('../../artifacts/s3-factory.js');
  const factory = s3ArtifactRepositoryFactory(s3);
  try {
    return { source: await factory(location), close: () => factory.close() };
  } catch (error) {
    await factory.close();
    throw error;
  }
}

function sameStorage(a: string, b: string, cwd: string): boolean {
  const real = (uri: string) => {
    if (/^s3:/i.test(uri)) return uri.replace(/\/+$/, '');
    try {
      return realpathSync(uri.startsWith('file:') ? new URL(uri).pathname : uri);
    } catch {
      return `${cwd}:${uri}`;
    }
  };
  return real(a) === real(b);
}

function printReport(io: CliIo, r: import('../../import/mlflow-import.js').MlflowImportReport, to: string): void {
  io.out(
    [
      `Imported into ${to}:`,
      `  experiments:       ${r.experiments} (${r.experimentsSkipped} already there)`,
      `  runs:              ${r.runs} (${r.runsSkipped} already there)`,
      `  metric points:     ${r.metricPoints}`,
      `  params, tags:      ${r.params}, ${r.tags}`,
      `  inputs:            ${r.inputs}`,
      `  logged models:     ${r.loggedModels} (${r.loggedModelsSkipped} already there)`,
      `  registered models: ${r.registeredModels} (${r.registeredModelsSkipped} already there), ${r.modelVersions} versions, ${r.aliases} aliases`,
      `  artifact files:    ${r.artifactFiles.files} copied (${r.artifactFiles.bytes} bytes), ${r.artifactFiles.skipped} already there`,
      ...(r.artifactLocationsKept > 0
        ? [`  ${r.artifactLocationsKept} artifact location(s) outside --artifacts were stored as they are`]
        : []),
      ...r.conflicts.map((c) => `  not imported: ${c}`),
    ].join('\n'),
  );
}
