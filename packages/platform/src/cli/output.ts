/** How the CLI talks to the terminal: one place for stdout/stderr and exit codes. */

/** A failure the CLI reports as one line, with this exit code (2 for usage errors, as click does). */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** A usage error (wrong or missing arguments): exit code 2, as click and commander use. */
export function usageError(message: string): CliError {
  return new CliError(message, 2);
}

/**
 * Where the CLI writes. `out` and `err` write whole lines; progress bars need `errRaw` (no
 * newline added) and redraw in place only when `errIsTty` says stderr is a terminal.
 */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Writes to stderr as is (progress redraws); absent where only whole lines are kept. */
  errRaw?(text: string): void;
  /** Writes to stdout as is (a child process's output passed through); absent where only whole lines are kept. */
  outRaw?(text: string): void;
  /** Whether stderr is an interactive terminal. */
  readonly errIsTty?: boolean;
}

/** The real terminal: stdout and stderr of this process. */
export const processIo: CliIo = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  errRaw: (text) => process.stderr.write(text),
  outRaw: (text) => process.stdout.write(text),
  errIsTty: process.stderr.isTTY === true,
};
