/**
 * The `keel` command line. It parses flags, calls one core function per command, and is the
 * only place that turns failures into exit codes.
 */
import { KEEL_VERSION, MlflowError } from '@keel/contract';
import { Command, CommanderError } from 'commander';
import { registerArtifactsCommand } from './commands/artifacts.js';
import { registerDbCommand } from './commands/db.js';
import { registerExperimentsCommand } from './commands/experiments.js';
import { registerGcCommand } from './commands/gc.js';
import { registerImportMlflowCommand } from './commands/import-mlflow.js';
import { registerModelsCommand } from './commands/models.js';
import { registerRunCommand, runVersionArgs } from './commands/run.js';
import { registerRunsCommand } from './commands/runs.js';
import { registerServerCommand } from './commands/server.js';
import { CliError, type CliIo, processIo } from './output.js';

/** Sub-commands inherit the program's settings; set them on every level anyway, so none exits the process itself. */
function overrideExits(command: Command): void {
  command.exitOverride();
  for (const sub of command.commands) overrideExits(sub);
}

/** The `keel` program with every command registered; `io` and `env` are what the commands use (tests pass their own). */
export function buildProgram(io: CliIo = processIo, env: NodeJS.ProcessEnv = process.env): Command {
  const program = new Command('keel')
    .description('Keel: an MLflow-compatible ML lifecycle platform (tracking server, registry, CLI)')
    .version(KEEL_VERSION, '-V, --version')
    .option('--debug', 'print stack traces on errors')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  registerServerCommand(program, io, env);
  registerDbCommand(program, io);
  registerGcCommand(program, io, env);
  registerImportMlflowCommand(program, io, env);
  const context = { io, env };
  registerExperimentsCommand(program, context);
  registerRunsCommand(program, context);
  registerArtifactsCommand(program, context);
  registerModelsCommand(program, context);
  registerRunCommand(program, context);
  program.addHelpText(
    'after',
    `\nClient-side commands (experiments, runs, artifacts, models) talk to --tracking-uri, else
MLFLOW_TRACKING_URI, else http://127.0.0.1:5000; a sqlite:///path.db URI opens that store directly.
Add --json to any of them for the MLflow wire entities, and --help for an example.`,
  );
  overrideExits(program);
  return program;
}

/** Runs the CLI and resolves with the exit code. */
export async function main(
  argv: readonly string[],
  io: CliIo = processIo,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const program = buildProgram(io, env);
  try {
    await program.parseAsync(runVersionArgs(argv));
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit cleanly; usage errors exit 2, as click does.
      return error.exitCode === 0 ? 0 : 2;
    }
    const debug = argv.includes('--debug');
    if (error instanceof CliError) {
      // An empty message carries only an exit status (`keel run` passing on its command's).
      if (error.message !== '') io.err(`Error: ${error.message}`);
      if (debug && error.stack) io.err(error.stack);
      return error.exitCode;
    }
    // A server that never answered has no wire error code to show; its message says what to do.
    const unreachable = error instanceof MlflowError && (error as Error).name === 'ConnectionFailedError';
    if (error instanceof MlflowError && !unreachable) io.err(`Error: ${error.rawCode}: ${error.message}`);
    else io.err(`Error: ${error instanceof Error ? error.message : String(error)}`);
    if (debug && error instanceof Error && error.stack) io.err(error.stack);
    const lastError = (error as { lastError?: unknown }).lastError;
    if (debug && lastError instanceof Error && lastError.stack) io.err(`Caused by: ${lastError.stack}`);
    return 1;
  }
}
