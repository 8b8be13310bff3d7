/**
 * `keel models predict`: batch scoring of a file (or stdin) with a model, streamed chunk by chunk
 * so a file larger than memory is scored; a progress bar on a terminal.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { finished } from 'node:stream/promises';
import { type Command, Option } from 'commander';
import type { BatchInputFormat, BatchOutputFormat, BatchProgress } from '../../models/batch/batch-predict.js';
import type { CliContext } from '../connect.js';
import { formatDuration } from '../format.js';
import { addModelOptions, type ModelFlags, onceLogger, openModel } from '../model-loading.js';
import { examples, positiveInt } from '../options.js';
import type { CliIo } from '../output.js';
import { usageError } from '../output.js';

interface PredictFlags extends ModelFlags {
  inputPath?: string;
  outputPath?: string;
  contentType?: BatchInputFormat;
  outputFormat?: BatchOutputFormat;
  batchSize?: number;
  progress?: boolean;
}

function inputFormatOf(path: string | undefined): BatchInputFormat {
  const ext = path === undefined ? '' : extname(path).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.parquet' || ext === '.pq') return 'parquet';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  return 'json';
}

function outputFormatOf(path: string | undefined): BatchOutputFormat {
  const ext = path === undefined ? '' : extname(path).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  return 'json';
}

const BAR_WIDTH = 24;

/** Rows scored, as a bar redrawn on a terminal or a line every few seconds elsewhere. */
function rowProgress(io: CliIo): { update(p: BatchProgress): void; finish(rows: number): void } {
  const tty = io.errIsTty === true && io.errRaw !== undefined;
  const started = performance.now();
  let shownAt = started;
  let drawn = 0;
  const interval = tty ? 100 : 5000;
  return {
    update(p) {
      const now = performance.now();
      if (now - shownAt < interval) return;
      shownAt = now;
      const rate = Math.round(p.rows / ((now - started) / 1000));
      const pct = p.totalBytes > 0 ? Math.min(100, Math.floor((p.bytes / p.totalBytes) * 100)) : undefined;
      if (tty) {
        const filled = pct === undefined ? 0 : Math.round((pct / 100) * BAR_WIDTH);
        const bar =
          pct === undefined
            ? ''
            : `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${String(pct).padStart(3)}%  `;
        const text = `Scoring ${bar}${p.rows.toLocaleString('en-US')} rows, ${rate.toLocaleString('en-US')} rows/s`;
        io.errRaw?.(`\r${text.padEnd(drawn)}`);
        drawn = text.length;
      } else {
        io.err(`Scoring: ${p.rows.toLocaleString('en-US')} rows${pct === undefined ? '' : ` (${pct}% of the input)`}`);
      }
    },
    finish(rows) {
      if (tty && drawn > 0) io.errRaw?.(`\r${' '.repeat(drawn)}\r`);
      io.err(
        `Scored ${rows.toLocaleString('en-US')} row${rows === 1 ? '' : 's'} in ${formatDuration(performance.now() - started)}`,
      );
    },
  };
}

/** Registers `keel models predict`. */
export function registerPredictCommand(models: Command, context: CliContext): void {
  const { io } = context;
  addModelOptions(
    models
      .command('predict')
      .description(
        'Score a file with a model and write the predictions (CSV, JSON Lines and Parquet inputs are streamed in chunks; a JSON input is one /invocations request)',
      )
      .option('-i, --input-path <path>', 'input file, or - for stdin [default: stdin]')
      .option('-o, --output-path <path>', 'output file, or - for stdout [default: stdout]')
      .addOption(
        new Option(
          '-t, --content-type <type>',
          'input format [default: from the input file extension, else json]',
        ).choices(['json', 'csv', 'jsonl', 'parquet']),
      )
      .addOption(
        new Option(
          '--output-format <format>',
          'json ({"predictions": [...]}), jsonl (one prediction per line) or csv [default: from the output extension, else json]',
        ).choices(['json', 'jsonl', 'csv']),
      )
      .option('--batch-size <rows>', 'rows scored per chunk [default: 10000]', positiveInt)
      .option('--no-progress', 'do not report progress on stderr'),
  )
    .addHelpText(
      'after',
      examples(
        'keel models predict -m runs:/4f1c0e.../model -i data.csv -o predictions.json',
        'keel models predict -m ./model -i big.parquet -o scores.csv',
        'cat request.json | keel models predict -m models:/churn@champion',
      ),
    )
    .action(async (flags: PredictFlags) => {
      const inputPath = flags.inputPath === '-' ? undefined : flags.inputPath;
      const outputPath = flags.outputPath === '-' ? undefined : flags.outputPath;
      const format = flags.contentType ?? inputFormatOf(inputPath);
      const outputFormat = flags.outputFormat ?? outputFormatOf(outputPath);
      let totalBytes = 0;
      if (inputPath !== undefined) {
        const info = await stat(inputPath).catch(() => undefined);
        if (info === undefined || !info.isFile()) throw usageError(`No such input file: ${inputPath}`);
        totalBytes = info.size;
      } else if (format === 'parquet') {
        throw usageError('Parquet input must be a file (-i data.parquet): it cannot be read from stdin.');
      }
      const log = onceLogger((line) => io.err(line));
      const { loaded, fetched } = await openModel(flags, context, { log, onnxThreads: 1 });
      const progress = flags.progress === false ? undefined : rowProgress(io);
      // A file output is written beside its name and renamed when complete: a failed run leaves no half file.
      const partial = outputPath === undefined ? undefined : `${outputPath}.partial-${process.pid}`;
      const output = partial === undefined ? process.stdout : createWriteStream(partial);
      let done = false;
      try {
        const { batchPredict } = await import('../../models/batch/batch-predict.js');
        const input =
          format === 'parquet' ? undefined : inputPath === undefined ? process.stdin : createReadStream(inputPath);
        if (input === process.stdin && process.stdin.isTTY) {
          io.err(`Reading the ${format} input from the terminal (end it with Ctrl-D; or give -i <file>)...`);
        }
        const { rows } = await batchPredict({
          model: loaded.served(fetched.info),
          format,
          ...(input === undefined ? {} : { input }),
          ...(inputPath === undefined ? {} : { inputPath }),
          totalBytes,
          output,
          outputFormat,
          ...(flags.batchSize === undefined ? {} : { batchSize: flags.batchSize }),
          ...(progress === undefined ? {} : { onProgress: (p: BatchProgress) => progress.update(p) }),
          warn: (m) => log(`warning: ${m}`),
        });
        if (partial !== undefined && outputPath !== undefined) {
          output.end();
          await finished(output);
          await rename(partial, outputPath);
        }
        done = true;
        progress?.finish(rows);
      } finally {
        if (!done && partial !== undefined) {
          output.destroy();
          await rm(partial, { force: true });
        }
        await loaded.close();
        await fetched.local.remove();
      }
    });
}
