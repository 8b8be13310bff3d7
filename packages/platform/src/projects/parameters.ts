/**
 * Entry point parameters (projects.md §2.2): `-P name=value` parsing, the checks Keel makes
 * before anything runs (missing values, `int`/`float` values, `uri` schemes, local `path`
 * files), and the final values: local paths made absolute, remote `path` URIs downloaded into
 * `<storage dir>/param_<index>/`. Values logged as run params are shell-quoted, as MLflow logs
 * them.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProjectError } from './errors.js';
import { type EntryPoint, PARAMETER_NAME, type ParameterSpec } from './mlproject.js';
import { isPythonFloat, isPythonInt } from './python-values.js';
import { quoteShellArg } from './shell-quote.js';

/** Parameters a user gave, in the order given. */
export type UserParameters = ReadonlyMap<string, string>;

const URI_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;

/**
 * Parses repeated `-P name=value` options (the value may contain `=`; the first one splits).
 *
 * @example
 * parseParameterList(['alpha=0.5', 'query=a=b']); // Map { 'alpha' => '0.5', 'query' => 'a=b' }
 */
export function parseParameterList(list: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const item of list) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new ProjectError(`Invalid format for -P parameter: '${item}'. Use -P name=value.`, true);
    const name = item.slice(0, eq);
    checkParameterName(name);
    if (out.has(name)) throw new ProjectError(`Repeated parameter: '${name}'`, true);
    out.set(name, item.slice(eq + 1));
  }
  return out;
}

/** Throws unless `name` matches `[A-Za-z0-9_.-]+`. */
export function checkParameterName(name: string): void {
  if (!PARAMETER_NAME.test(name)) {
    throw new ProjectError(
      `Invalid parameter name '${name}': names may only use letters, digits, '_', '.' and '-'.`,
      true,
    );
  }
}

function describeParameter(spec: ParameterSpec): string {
  const usage = spec.default === undefined ? 'required' : `default ${quoteShellArg(spec.default)}`;
  return `${spec.name} (${spec.type}, ${usage})`;
}

/**
 * One line saying what an entry point accepts, for error messages.
 *
 * @example
 * describeEntryPoint(entry); // "Entry point 'main' accepts: alpha (float, default 0.5), data (path, required)."
 */
export function describeEntryPoint(entry: EntryPoint): string {
  if (entry.parameters.length === 0) {
    return `Entry point '${entry.name}' declares no parameters (any -P is passed on as --name value).`;
  }
  return `Entry point '${entry.name}' accepts: ${entry.parameters.map(describeParameter).join(', ')}; any other -P is passed on as --name value.`;
}

/** Where a `path` parameter's value lives. */
type PathValue = { readonly local: string } | { readonly remote: string };

/** A declared parameter with its checked value. */
export interface CheckedParameter {
  readonly spec: ParameterSpec;
  /** The value given by the user, or the default, as text. */
  readonly value: string;
  /** For `path` parameters: the absolute local path, or the URI to download. */
  readonly path?: PathValue;
}

/** The outcome of `checkParameters`: everything validated, nothing downloaded yet. */
export interface CheckedParameters {
  readonly declared: readonly CheckedParameter[];
  /** Parameters the entry point does not declare, in the order given. */
  readonly extra: readonly (readonly [string, string])[];
}

/** Where relative paths are resolved: user values against `cwd`, defaults against the project. */
export interface ParameterContext {
  readonly cwd: string;
  readonly projectDir: string;
}

function localPathOf(value: string): string | undefined {
  if (!URI_SCHEME.test(value)) return value;
  if (!/^file:/i.test(value)) return undefined;
  if (/^file:\/\/[^/]/i.test(value)) {
    throw new ProjectError(`File URIs with a host are not supported: ${value}`);
  }
  return fileURLToPath(value.replace(/^file:(?!\/\/)/i, 'file://'));
}

function checkPath(spec: ParameterSpec, value: string, base: string): PathValue {
  const local = localPathOf(value);
  if (local === undefined) return { remote: value };
  const absolute = isAbsolute(local) ? local : resolve(base, local);
  if (!existsSync(absolute)) {
    throw new ProjectError(`Got value ${value} for parameter ${spec.name}, but no such file or directory was found.`);
  }
  return { local: absolute };
}

/**
 * Checks user parameters against an entry point before anything runs: every required value is
 * there, `int` and `float` values parse as Python would, `uri` values have a scheme and local
 * `path` values exist. Errors list what the entry point accepts.
 *
 * @example
 * const checked = checkParameters(entry, new Map([['alpha', '0.3']]), { cwd: process.cwd(), projectDir });
 */
export function checkParameters(entry: EntryPoint, user: UserParameters, context: ParameterContext): CheckedParameters {
  for (const name of user.keys()) checkParameterName(name);
  const missing = entry.parameters.filter((p) => !user.has(p.name) && p.default === undefined).map((p) => p.name);
  if (missing.length > 0) {
    throw new ProjectError(
      `No value given for missing parameters: ${missing.map((m) => `'${m}'`).join(', ')}. ${describeEntryPoint(entry)}`,
    );
  }
  const declared = entry.parameters.map((spec): CheckedParameter => {
    const given = user.get(spec.name);
    const value = given ?? (spec.default as string);
    const invalid = (expected: string) =>
      new ProjectError(
        `Parameter '${spec.name}' of entry point '${entry.name}' must be ${expected}, got ${quoteShellArg(value)}. ${describeEntryPoint(entry)}`,
      );
    switch (spec.type) {
      case 'int':
        if (!isPythonInt(value)) throw invalid('an integer');
        return { spec, value };
      case 'float':
        if (!isPythonFloat(value)) throw invalid('a number');
        return { spec, value };
      case 'uri':
        if (!URI_SCHEME.test(value)) throw new ProjectError(`Expected URI for parameter ${spec.name} but got ${value}`);
        return { spec, value };
      case 'path':
        return { spec, value, path: checkPath(spec, value, given === undefined ? context.projectDir : context.cwd) };
      default:
        return { spec, value };
    }
  });
  const names = new Set(entry.parameters.map((p) => p.name));
  const extra = [...user].filter(([name]) => !names.has(name));
  return { declared, extra };
}

/** Downloads an artifact URI (`runs:/`, `models:/`, `mlflow-artifacts:`...) into `dir` and returns the local path. */
export type UriDownloader = (uri: string, dir: string) => Promise<string>;

/** Final parameter values. */
export interface ResolvedParameters {
  /** Declared parameters' values to substitute (unquoted): `path` values are local absolute paths. */
  readonly declared: ReadonlyMap<string, string>;
  /** Extra parameters, in the order given. */
  readonly extra: readonly (readonly [string, string])[];
}

/**
 * Downloads remote `path` values into `<storageDir>/param_<index>/` and returns the values
 * to substitute.
 *
 * @example
 * const values = await resolveParameters(checked, download, '/tmp/keel-run-x');
 */
export async function resolveParameters(
  checked: CheckedParameters,
  download: UriDownloader,
  storageDir: string,
): Promise<ResolvedParameters> {
  const declared = new Map<string, string>();
  for (const [index, parameter] of checked.declared.entries()) {
    const path = parameter.path;
    if (path === undefined) declared.set(parameter.spec.name, parameter.value);
    else if ('local' in path) declared.set(parameter.spec.name, path.local);
    else {
      const dir = join(storageDir, `param_${index}`);
      await mkdir(dir, { recursive: true });
      try {
        declared.set(parameter.spec.name, await download(path.remote, dir));
      } catch (error) {
        throw new ProjectError(
          `Could not download ${path.remote} for parameter ${parameter.spec.name}: ${(error as Error).message}`,
        );
      }
    }
  }
  return { declared, extra: checked.extra };
}

/**
 * The run params MLflow logs for a project run: every declared parameter (defaults included,
 * `path` values as given) and every extra one, shell-quoted.
 *
 * @example
 * loggedParameters(checked); // [{ key: 'label', value: "'hello world'" }, ...]
 */
export function loggedParameters(checked: CheckedParameters): { key: string; value: string }[] {
  return [
    ...checked.declared.map((p) => ({ key: p.spec.name, value: quoteShellArg(p.value) })),
    ...checked.extra.map(([key, value]) => ({ key, value: quoteShellArg(value) })),
  ];
}
