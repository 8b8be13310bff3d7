/**
 * The command an entry point runs (projects.md §2.3-§2.4). A declared entry point's template is
 * shell text written by the project's author: each parameter value is substituted shell-quoted,
 * exactly once, so no value can add a word or a command. A script run as an entry point
 * (`-e train.py`) needs no shell at all: it becomes an argument vector.
 */
import { existsSync, statSync } from 'node:fs';
import { extname, relative, resolve, sep } from 'node:path';
import { ProjectError } from './errors.js';
import { type EntryPoint, PARAMETER_NAME, type Project } from './mlproject.js';
import type { ResolvedParameters } from './parameters.js';
import { joinShellArgs, quoteShellArg } from './shell-quote.js';

/** What runs: shell text from an MLproject template, or an argument vector (script entry points). */
export type ProjectCommand =
  | { readonly kind: 'shell'; readonly script: string }
  | { readonly kind: 'argv'; readonly argv: readonly string[] };

/** The command as one line of shell text (what the user would type; what a batch script runs). */
export function commandText(command: ProjectCommand): string {
  return command.kind === 'shell' ? command.script : joinShellArgs(command.argv);
}

/**
 * The argument vector that runs `command`: shell text goes to `<shell> -c`, an argument vector
 * runs as is.
 *
 * @example
 * commandArgv({ kind: 'shell', script: 'python train.py' }, 'bash'); // ['bash', '-c', 'python train.py']
 */
export function commandArgv(command: ProjectCommand, shell: string): string[] {
  return command.kind === 'shell' ? [shell, '-c', command.script] : [...command.argv];
}

/**
 * Substitutes `{name}` placeholders with Python `str.format` rules (`{{` and `}}` are literal
 * braces). Values are inserted as given: callers pass them already quoted.
 */
export function formatTemplate(template: string, values: ReadonlyMap<string, string>, entry: string): string {
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const char = template[i];
    if (char === '}') {
      if (template[i + 1] !== '}') {
        throw new ProjectError(
          `The command of entry point '${entry}' has a single '}': write '}}' for a literal brace.`,
        );
      }
      out += '}';
      i++;
      continue;
    }
    if (char !== '{') {
      out += char;
      continue;
    }
    if (template[i + 1] === '{') {
      out += '{';
      i++;
      continue;
    }
    const close = template.indexOf('}', i + 1);
    if (close < 0) {
      throw new ProjectError(
        `The command of entry point '${entry}' has an unclosed '{': write '{{' for a literal brace.`,
      );
    }
    const field = template.slice(i + 1, close);
    if (!PARAMETER_NAME.test(field)) {
      throw new ProjectError(
        `The command of entry point '${entry}' has the placeholder {${field}}; placeholders name a declared parameter, as {alpha}.`,
      );
    }
    const value = values.get(field);
    if (value === undefined) {
      const known = [...values.keys()];
      throw new ProjectError(
        `The command of entry point '${entry}' uses {${field}}, which is not a declared parameter (declared: ${known.length === 0 ? 'none' : known.join(', ')}).`,
      );
    }
    out += value;
    i = close;
  }
  return out;
}

/**
 * The shell command of a declared entry point: the template with quoted values, then every extra
 * parameter as ` --name value`.
 *
 * @example
 * entryPointCommand(entry, { declared: new Map([['alpha', '0.5']]), extra: [['seed', '7']] });
 * // { kind: 'shell', script: 'python train.py --alpha 0.5 --seed 7' }
 */
export function entryPointCommand(entry: EntryPoint, parameters: ResolvedParameters): ProjectCommand {
  const quoted = new Map([...parameters.declared].map(([k, v]) => [k, quoteShellArg(v)]));
  const base = formatTemplate(entry.command, quoted, entry.name);
  const extra = parameters.extra.map(([k, v]) => ` --${k} ${quoteShellArg(v)}`).join('');
  return { kind: 'shell', script: base + extra };
}

/** Script extensions that run without an entry point, and how. */
const SCRIPT_RUNNERS: Readonly<Record<string, (file: string, env: NodeJS.ProcessEnv) => string[]>> = {
  '.py': (file) => ['python', file],
  '.sh': (file, env) => [env.SHELL || 'bash', file],
  '.R': (file) => ['Rscript', '-e', `mlflow::mlflow_source('${file}')`, '--args'],
};

/** Whether an entry point name is a script file Keel can run directly. */
export function isScriptName(name: string): boolean {
  return Object.hasOwn(SCRIPT_RUNNERS, extname(name));
}

function unknownEntryPoint(project: Project, name: string): ProjectError {
  const names = [...project.entryPoints.keys()].map((n) => `'${n}'`).join(', ');
  return new ProjectError(
    `Could not find ${name} among entry points [${names}] or interpret ${name} as a runnable script. Supported script file extensions: ['.py', '.sh', '.R']`,
  );
}

/**
 * The entry point `name` of `project`, or a pseudo entry point without parameters for a script
 * file of the project (`.py`, `.sh`, `.R`) that must exist inside the project directory.
 */
export function findEntryPoint(project: Project, name: string): { entry: EntryPoint; isScript: boolean } {
  const declared = project.entryPoints.get(name);
  if (declared !== undefined) return { entry: declared, isScript: false };
  if (!isScriptName(name)) throw unknownEntryPoint(project, name);
  const file = resolve(project.dir, name);
  const inside = relative(project.dir, file);
  if (inside === '' || inside.startsWith(`..${sep}`) || inside === '..' || resolve(inside) === inside) {
    throw new ProjectError(`Script ${name} is outside the project directory.`);
  }
  if (!existsSync(file) || !statSync(file).isFile()) {
    throw new ProjectError(`${unknownEntryPoint(project, name).message} (no file ${name} in ${project.dir})`);
  }
  if (extname(name) === '.R' && /['\\]/.test(name)) {
    throw new ProjectError(`R script names cannot contain quotes or backslashes: ${name}`);
  }
  return { entry: { name, command: '', parameters: [] }, isScript: true };
}

/**
 * The argument vector of a script entry point: its runner, the file, then every parameter as
 * `--name value` (two arguments each; no shell involved).
 *
 * @example
 * scriptCommand('train.py', [['lr', '0.1']], process.env); // { kind: 'argv', argv: ['python', 'train.py', '--lr', '0.1'] }
 */
export function scriptCommand(
  file: string,
  parameters: readonly (readonly [string, string])[],
  env: NodeJS.ProcessEnv,
): ProjectCommand {
  const runner = SCRIPT_RUNNERS[extname(file)];
  if (runner === undefined) throw new ProjectError(`${file} is not a runnable script (.py, .sh or .R).`);
  // A file named like an option ('-c.py') must not be read as one by the interpreter.
  const path = file.startsWith('-') ? `./${file}` : file;
  return { kind: 'argv', argv: [...runner(path, env), ...parameters.flatMap(([k, v]) => [`--${k}`, v])] };
}
