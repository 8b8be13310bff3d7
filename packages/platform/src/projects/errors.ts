/** The one error type of the projects module: a message a user can act on, printed as one line. */

/**
 * A project could not be loaded, validated, fetched, prepared or run. `isUsageError` marks
 * mistakes in what the caller asked for (a malformed `-P`, an unknown option value), which the
 * CLI reports with exit code 2.
 */
export class ProjectError extends Error {
  override readonly name: string = 'ProjectError';
  constructor(
    message: string,
    readonly isUsageError = false,
  ) {
    super(message);
  }
}

/** A synchronous `runProject` whose run did not finish successfully. */
export class ProjectRunFailedError extends ProjectError {
  constructor(
    readonly runId: string,
    readonly status: string,
    readonly exitCode: number,
    reason: string | undefined,
  ) {
    super(`Run (ID '${runId}') ended ${status}${reason === undefined ? '' : `: ${reason}`}`);
  }
}
