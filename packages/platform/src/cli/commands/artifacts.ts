/** `keel artifacts ...`: list, download and upload run artifacts (MLflow's `mlflow artifacts`). */
import { mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FileInfo } from '@keel/contract';
import type { Command } from 'commander';
import { artifactStoreFor, downloadSourceOf, runArtifactStore } from '../artifact-access.js';
import { addClientOptions, type CliContext, type ClientFlags, withClient } from '../connect.js';
import { type Column, formatBytes, printJson, printTable } from '../format.js';
import { examples } from '../options.js';
import { usageError } from '../output.js';
import { createProgress, type ProgressReporter } from '../progress.js';

interface TransferFlags extends ClientFlags {
  progress?: boolean;
}
interface ListFlags extends ClientFlags {
  runId: string;
  artifactPath?: string;
}
interface DownloadFlags extends TransferFlags {
  runId?: string;
  artifactPath?: string;
  artifactUri?: string;
  dstPath?: string;
}
interface UploadFlags extends TransferFlags {
  runId: string;
  artifactPath?: string;
  localFile?: string;
  localDir?: string;
}

const FILE_COLUMNS: readonly Column<FileInfo>[] = [
  { header: 'PATH', value: (f) => (f.is_dir ? `${f.path}/` : f.path) },
  { header: 'TYPE', value: (f) => (f.is_dir ? 'dir' : 'file') },
  { header: 'SIZE', value: (f) => (f.is_dir ? '' : formatBytes(f.file_size ?? 0)), align: 'right' },
];

const RUN_ID_HELP = 'ID of the run that owns the artifacts';
const NO_PROGRESS_HELP = 'do not report transfer progress on stderr';

/** Registers `keel artifacts` and its sub-commands. */
export function registerArtifactsCommand(program: Command, context: CliContext): void {
  const { io } = context;
  const group = program
    .command('artifacts')
    .description("List, download and upload a run's artifacts (progress on stderr)");

  /** A progress reporter on stderr unless `--no-progress` (stdout keeps only the result, so `--json` is unaffected). */
  const progressFor = (flags: TransferFlags, verb: string, past: string): ProgressReporter | undefined =>
    flags.progress === false ? undefined : createProgress(io, verb, past);

  addClientOptions(
    group
      .command('list')
      .description('List the files and directories directly under an artifact path of a run')
      .requiredOption('-r, --run-id <id>', RUN_ID_HELP)
      .option('-a, --artifact-path <path>', 'directory inside the run artifacts [default: the root]'),
  )
    .addHelpText(
      'after',
      examples('keel artifacts list -r 4f1c0e...', 'keel artifacts list -r 4f1c0e... -a model --json'),
    )
    .action(async (flags: ListFlags) => {
      const { files, rootUri } = await withClient(flags, context, async (client) => {
        const store = await runArtifactStore(client, flags.runId, context);
        return { files: await store.list(flags.artifactPath ?? ''), rootUri: store.rootUri };
      });
      if (flags.json) printJson(io, { root_uri: rootUri, files });
      else printTable(io, files, FILE_COLUMNS, `No artifacts under '${flags.artifactPath ?? ''}' of ${rootUri}.`);
    });

  addClientOptions(
    group
      .command('download')
      .description(
        'Download a file or directory of artifacts and print its local path. Give -r (with -a) or -u: a runs:/, models:/ or artifact URI',
      )
      .option('-r, --run-id <id>', RUN_ID_HELP)
      .option('-a, --artifact-path <path>', 'file or directory inside the run artifacts [default: all of them]')
      .option(
        '-u, --artifact-uri <uri>',
        'runs:/<run_id>/<path>, models:/<name>/<version|stage|latest>, models:/<name>@<alias>, models:/m-<id>, or an artifact URI',
      )
      .option(
        '-d, --dst-path <dir>',
        'local directory to download into (created if missing) [default: a new temporary directory]',
      )
      .option('--no-progress', NO_PROGRESS_HELP),
  )
    .addHelpText(
      'after',
      examples(
        'keel artifacts download -r 4f1c0e... -a model -d ./out',
        'keel artifacts download -u models:/churn@champion -d ./churn-model',
      ),
    )
    .action(async (flags: DownloadFlags) => {
      if ((flags.runId === undefined) === (flags.artifactUri === undefined)) {
        throw usageError('Give either --run-id (with an optional --artifact-path) or --artifact-uri.');
      }
      if (flags.artifactUri !== undefined && flags.artifactPath !== undefined) {
        throw usageError('--artifact-path goes with --run-id; put the path inside --artifact-uri instead.');
      }
      const dst =
        flags.dstPath === undefined ? await mkdtemp(join(tmpdir(), 'keel-artifacts-')) : resolve(flags.dstPath);
      const progress = progressFor(flags, 'Downloading', 'Downloaded');
      const localPath = await withClient(flags, context, async (client) => {
        const { downloadFromStore } = await import('@keel/client/node');
        const source =
          flags.artifactUri !== undefined
            ? await downloadSourceOf(client, flags.artifactUri, context)
            : { store: await runArtifactStore(client, flags.runId as string, context), path: flags.artifactPath ?? '' };
        return downloadFromStore(source.store, source.path.replace(/^\/+|\/+$/g, ''), dst, {
          ...(progress === undefined ? {} : { onProgress: (p) => progress.update(p) }),
        });
      });
      progress?.finish();
      if (flags.json) printJson(io, { local_path: localPath });
      else io.out(localPath);
    });

  addClientOptions(
    group
      .command('log-artifact')
      .description('Upload one local file to a run, under an optional artifact directory')
      .requiredOption('-l, --local-file <file>', 'file to upload')
      .requiredOption('-r, --run-id <id>', RUN_ID_HELP)
      .option('-a, --artifact-path <dir>', 'directory inside the run artifacts [default: the root]')
      .option('--no-progress', NO_PROGRESS_HELP),
  )
    .addHelpText('after', examples('keel artifacts log-artifact -l confusion.png -r 4f1c0e... -a plots'))
    .action(async (flags: UploadFlags) => upload(flags, flags.localFile as string, false));

  addClientOptions(
    group
      .command('log-artifacts')
      .description('Upload a local directory tree to a run, mirrored under an optional artifact directory')
      .requiredOption('-l, --local-dir <dir>', 'directory to upload')
      .requiredOption('-r, --run-id <id>', RUN_ID_HELP)
      .option('-a, --artifact-path <dir>', 'directory inside the run artifacts [default: the root]')
      .option('--no-progress', NO_PROGRESS_HELP),
  )
    .addHelpText('after', examples('keel artifacts log-artifacts -l ./out/model -r 4f1c0e... -a model'))
    .action(async (flags: UploadFlags) => upload(flags, flags.localDir as string, true));

  async function upload(flags: UploadFlags, local: string, directory: boolean): Promise<void> {
    const info = await stat(local).catch(() => undefined);
    if (info === undefined) throw usageError(`No such ${directory ? 'directory' : 'file'}: ${local}`);
    if (directory !== info.isDirectory()) {
      throw usageError(
        `${local} is ${directory ? 'not a directory (use log-artifact)' : 'a directory (use log-artifacts)'}.`,
      );
    }
    const progress = progressFor(flags, 'Uploading', 'Uploaded');
    const target = await withClient(flags, context, async (client) => {
      const { uploadDirectory, uploadFile } = await import('@keel/client/node');
      const { run } = await client.getRun({ run_id: flags.runId });
      const store = await artifactStoreFor(client, run.info.artifact_uri, context);
      const options =
        progress === undefined
          ? {}
          : { onProgress: (p: Parameters<ProgressReporter['update']>[0]) => progress.update(p) };
      if (directory) await uploadDirectory(store, local, flags.artifactPath ?? '', options);
      else await uploadFile(store, local, flags.artifactPath ?? '', options);
      return { root: store.rootUri, path: flags.artifactPath ?? '' };
    });
    progress?.finish();
    const where = target.path === '' ? target.root : `${target.root.replace(/\/+$/, '')}/${target.path}`;
    if (flags.json) printJson(io, { artifact_uri: where });
    else io.out(`Logged ${directory ? 'directory' : 'file'} ${local} to ${where}`);
  }
}
