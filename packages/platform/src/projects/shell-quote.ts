/**
 * POSIX shell quoting with Python's `shlex.quote` rules, which MLflow applies to every parameter
 * value: safe text stays as is, anything else is wrapped in single quotes (an embedded `'`
 * becomes `'"'"'`). Inside single quotes a POSIX shell expands nothing, so `$(id)`, backticks,
 * `;` and newlines all reach the program as plain characters of one argument.
 */

const UNSAFE = /[^\w@%+=:,./-]/;

/**
 * Quotes one value for a POSIX shell command line.
 *
 * @example
 * quoteShellArg('hello world'); // "'hello world'"
 * quoteShellArg("it's");        // `'it'"'"'s'`
 */
export function quoteShellArg(value: string): string {
  if (value === '') return "''";
  // `\w` without the `u` flag is ASCII-only, as Python's re.ASCII pattern.
  if (!UNSAFE.test(value)) return value;
  return `'${value.replaceAll("'", `'"'"'`)}'`;
}

/**
 * Joins an argument vector into one shell command line, each word quoted once.
 *
 * @example
 * joinShellArgs(['python', 'train.py', '--label', 'a b']); // "python train.py --label 'a b'"
 */
export function joinShellArgs(argv: readonly string[]): string {
  return argv.map(quoteShellArg).join(' ');
}
