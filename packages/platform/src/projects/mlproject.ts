/**
 * The `MLproject` file (projects.md §1-§3): found case-insensitively in the project root, parsed
 * as YAML 1.1 (as PyYAML reads it), validated, and turned into plain readonly data. A project
 * without the file is allowed: it has no declared entry points and its environment is inferred
 * from the files present.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isMap, isScalar, parseDocument, type Scalar } from 'yaml';
import { ProjectError } from './errors.js';
import { pythonFloatRepr } from './python-values.js';

/** Parameter and option names Keel accepts (names reach command lines and run params). */
export const PARAMETER_NAME = /^[A-Za-z0-9_.-]+$/;

/** One declared parameter. */
export interface ParameterSpec {
  readonly name: string;
  /** The declared type (`string` when absent). `float`, `int`, `path` and `uri` are checked; any other behaves as `string`. */
  readonly type: string;
  /** The default as text (YAML numbers printed as Python's `str()` would); undefined when the parameter is required. */
  readonly default?: string;
}

/** One entry point: a command template and the parameters it declares, in declaration order. */
export interface EntryPoint {
  readonly name: string;
  readonly command: string;
  readonly parameters: readonly ParameterSpec[];
}

/** A `docker_env` section. */
export interface DockerEnvironment {
  readonly image: string;
  /** `-v` values, as written (`/host:/container[:mode]`). */
  readonly volumes: readonly string[];
  /** `[name, value]` pairs set in the container, or bare names copied from the host. */
  readonly environment: readonly (string | readonly [string, string])[];
}

/** The software environment a project declares (projects.md §3.1). */
export type ProjectEnvironment =
  | { readonly kind: 'docker'; readonly docker: DockerEnvironment }
  /** `file` is the absolute path of a `python_env.yaml`; absent when the project declares nothing. */
  | { readonly kind: 'python'; readonly file?: string }
  | { readonly kind: 'conda'; readonly file: string };

/** A loaded project. */
export interface Project {
  /** Absolute project directory. */
  readonly dir: string;
  readonly name?: string;
  /** Absolute path of the MLproject file; undefined when the project has none. */
  readonly file?: string;
  readonly entryPoints: ReadonlyMap<string, EntryPoint>;
  readonly environment: ProjectEnvironment;
}

/** The MLproject file of `dir` (any letter case; the first directory entry wins), if any. */
export function findMlprojectFile(dir: string): string | undefined {
  const name = readdirSync(dir).find((entry) => entry.toLowerCase() === 'mlproject');
  return name === undefined ? undefined : join(dir, name);
}

/** `line L, column C: ` of a character offset of `text` (both counted from 1). */
function yamlErrorPlace(text: string, offset: number): string {
  const before = text.slice(0, Math.max(0, offset));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return `line ${line}, column ${column}: `;
}

function fail(file: string, message: string): never {
  throw new ProjectError(`Invalid MLproject file ${file}: ${message}`);
}

/** A YAML value as the text Python's `str()` gives (numbers keep their Python spelling). */
function scalarText(node: unknown): string | undefined {
  if (node === null || node === undefined) return undefined;
  if (isScalar(node)) {
    const value = (node as Scalar).value;
    if (value === null || value === undefined) return undefined;
    // YAML 1.1 as the yaml package reads it also takes y/n for booleans; PyYAML does not.
    if (typeof value === 'boolean')
      return /^[yn]$/i.test((node as Scalar).source ?? '') ? (node as Scalar).source : value ? 'True' : 'False';
    if (typeof value === 'number') {
      // YAML reads `1.0` as the number 1; Python keeps it a float and prints '1.0'.
      const source = (node as Scalar).source ?? '';
      const isFloat = !Number.isInteger(value) || /[.eE]|inf|nan/i.test(source);
      return isFloat ? pythonFloatRepr(value) : String(value);
    }
    if (typeof value === 'bigint') return String(value);
    return String(value);
  }
  return undefined;
}

function parseParameter(file: string, entry: string, name: string, node: unknown): ParameterSpec {
  if (!PARAMETER_NAME.test(name)) {
    fail(file, `parameter name '${name}' of entry point '${entry}' may only use letters, digits, '_', '.' and '-'.`);
  }
  if (isScalar(node)) {
    const type = scalarText(node) ?? 'string';
    return { name, type };
  }
  if (isMap(node)) {
    const typeNode = node.get('type', true);
    const type = typeNode === undefined ? 'string' : scalarText(typeNode);
    if (type === undefined) fail(file, `parameter '${name}' of entry point '${entry}' has an empty type.`);
    const defaultNode = node.get('default', true);
    if (defaultNode !== undefined && !isScalar(defaultNode)) {
      fail(file, `the default of parameter '${name}' of entry point '${entry}' must be a single value.`);
    }
    const value = scalarText(defaultNode);
    return value === undefined ? { name, type } : { name, type, default: value };
  }
  if (node === null || node === undefined) return { name, type: 'string' };
  fail(file, `parameter '${name}' of entry point '${entry}' must be a type name or a map with 'type' and 'default'.`);
}

function parseEntryPoint(file: string, name: string, node: unknown): EntryPoint {
  if (!isMap(node)) fail(file, `entry point '${name}' must be a map with a 'command'.`);
  const command = node.get('command');
  if (typeof command !== 'string' || command.trim() === '') {
    fail(file, `entry point '${name}' has no command.`);
  }
  const parametersNode = node.get('parameters', true);
  const parameters: ParameterSpec[] = [];
  if (parametersNode !== undefined && parametersNode !== null) {
    if (!isMap(parametersNode)) fail(file, `the parameters of entry point '${name}' must be a map.`);
    for (const pair of parametersNode.items) {
      const key = scalarText(pair.key);
      if (key === undefined) fail(file, `entry point '${name}' has a parameter with no name.`);
      parameters.push(parseParameter(file, name, key, pair.value));
    }
  }
  return { name, command, parameters };
}

function stringList(file: string, value: unknown, what: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))
    fail(file, `${what} must be a list of strings.`);
  return value as string[];
}

function parseDocker(file: string, value: unknown, projectName: string | undefined): DockerEnvironment {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(file, 'docker_env must be a map with an image.');
  }
  const section = value as Record<string, unknown>;
  if (typeof section.image !== 'string' || section.image === '') {
    fail(file, "docker_env needs an 'image' (for example image: python:3.11-slim).");
  }
  if (projectName === undefined) fail(file, "a project with docker_env needs a 'name'.");
  const environment: (string | readonly [string, string])[] = [];
  const entries = section.environment ?? [];
  if (!Array.isArray(entries)) fail(file, 'docker_env.environment must be a list.');
  for (const entry of entries) {
    if (typeof entry === 'string') environment.push(entry);
    else if (
      Array.isArray(entry) &&
      entry.length === 2 &&
      entry.every((v) => typeof v === 'string' || typeof v === 'number')
    ) {
      environment.push([String(entry[0]), String(entry[1])]);
    } else {
      fail(file, 'docker_env.environment entries must be a variable name or a [name, value] pair.');
    }
  }
  return { image: section.image, volumes: stringList(file, section.volumes, 'docker_env.volumes'), environment };
}

function envFile(dir: string, file: string, key: string, value: unknown, label: string): string {
  if (typeof value !== 'string' || value === '') fail(file, `${key} must be the path of a file.`);
  const path = resolve(dir, value);
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw new ProjectError(`Project specified ${label} file ${path}, but no such file was found.`);
  }
  return path;
}

/** The environment of a project without declarations: `python_env.yaml`, then `conda.yaml`, then none. */
function inferredEnvironment(dir: string): ProjectEnvironment {
  const python = join(dir, 'python_env.yaml');
  if (existsSync(python)) return { kind: 'python', file: python };
  const conda = join(dir, 'conda.yaml');
  if (existsSync(conda)) return { kind: 'conda', file: conda };
  return { kind: 'python' };
}

/**
 * Parses MLproject text. `file` names the file in messages; `dir` is the project root.
 *
 * @example
 * const project = parseMlproject('entry_points:\n  main:\n    command: python train.py', '/p/MLproject', '/p');
 */
export function parseMlproject(text: string, file: string, dir: string): Project {
  const doc = parseDocument(text, { version: '1.1', uniqueKeys: true, prettyErrors: false });
  const error = doc.errors[0];
  if (error !== undefined)
    fail(file, `${yamlErrorPlace(text, error.pos[0])}${error.message.split('\n')[0] ?? 'not valid YAML'}`);
  const root = doc.contents;
  if (root !== null && !isMap(root)) fail(file, 'the top level must be a map (name, entry_points, ...).');
  const top = (root?.toJSON() ?? {}) as Record<string, unknown>;
  const name = top.name === undefined || top.name === null ? undefined : String(top.name);

  const declared = ['python_env', 'conda_env', 'docker_env'].filter((k) => top[k] !== undefined && top[k] !== null);
  if (declared.length > 1) {
    throw new ProjectError(
      `Project cannot contain multiple environment fields: {${declared.map((k) => `'${k}'`).join(', ')}}`,
    );
  }
  let environment: ProjectEnvironment;
  if (top.docker_env !== undefined && top.docker_env !== null) {
    environment = { kind: 'docker', docker: parseDocker(file, top.docker_env, name) };
  } else if (top.python_env !== undefined && top.python_env !== null) {
    environment = { kind: 'python', file: envFile(dir, file, 'python_env', top.python_env, 'python_env') };
  } else if (top.conda_env !== undefined && top.conda_env !== null) {
    environment = { kind: 'conda', file: envFile(dir, file, 'conda_env', top.conda_env, 'conda environment') };
  } else {
    environment = inferredEnvironment(dir);
  }

  const entryPoints = new Map<string, EntryPoint>();
  const entriesNode = isMap(root) ? root.get('entry_points', true) : undefined;
  if (entriesNode !== undefined && entriesNode !== null) {
    if (!isMap(entriesNode)) fail(file, 'entry_points must be a map of entry point names.');
    for (const pair of entriesNode.items) {
      const entryName = scalarText(pair.key);
      if (entryName === undefined) fail(file, 'an entry point has no name.');
      entryPoints.set(entryName, parseEntryPoint(file, entryName, pair.value));
    }
  }
  return { dir, ...(name === undefined ? {} : { name }), file, entryPoints, environment };
}

/**
 * Loads the project in `dir`: its MLproject file if there is one, else an empty project whose
 * environment is inferred from `python_env.yaml` / `conda.yaml`.
 *
 * @example
 * const project = loadProject('/home/alice/churn');
 * project.entryPoints.get('main')?.command;
 */
export function loadProject(dir: string): Project {
  const root = resolve(dir);
  if (!existsSync(root) || !statSync(root).isDirectory())
    throw new ProjectError(`Project directory ${root} does not exist.`);
  const file = findMlprojectFile(root);
  if (file === undefined) return { dir: root, entryPoints: new Map(), environment: inferredEnvironment(root) };
  return parseMlproject(readFileSync(file, 'utf8'), file, root);
}
