/**
 * Python environment descriptions (projects.md §3.1): `python_env.yaml` (Python version, build
 * dependencies, pip requirements), a conda file converted for virtualenv/uv, or nothing (the
 * default interpreter, no requirements); and finding an installed interpreter of the wanted
 * version (pyenv's versions, `pythonX.Y`, `python3`, Debian's `/usr/bin/python3`).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { isMap, isScalar, isSeq, parseDocument, type Scalar } from 'yaml';
import { ProjectError } from '../errors.js';
import type { ProjectEnvironment } from '../mlproject.js';
import { findExecutable, runProcess } from '../process.js';

/** What a Python environment is made of. */
export interface PythonEnvDescription {
  /** Wanted version (`3.11` or `3.11.7`); undefined: the default interpreter's. */
  readonly python?: string;
  readonly buildDependencies: readonly string[];
  /** pip arguments: requirement strings, `-r <absolute file>` pairs flattened. */
  readonly dependencies: readonly string[];
  /** Contents of requirement files referenced with `-r`, so that editing them changes the hash. */
  readonly requirementFiles: Readonly<Record<string, string>>;
}

function scalarText(node: unknown): string | undefined {
  if (!isScalar(node)) return undefined;
  const scalar = node as Scalar;
  // `python: 3.10` must stay '3.10', not the number 3.1.
  if (typeof scalar.value === 'number') return scalar.source ?? String(scalar.value);
  return scalar.value === null || scalar.value === undefined ? undefined : String(scalar.value);
}

function stringItems(node: unknown, file: string, key: string): string[] {
  if (node === undefined || node === null) return [];
  if (!isSeq(node)) throw new ProjectError(`${file}: ${key} must be a list of requirement strings.`);
  return node.items.map((item) => {
    const text = scalarText(item);
    if (text === undefined) throw new ProjectError(`${file}: ${key} must be a list of requirement strings.`);
    return text;
  });
}

/** Splits `-r file` / `-c file` lines into two pip arguments with an absolute path; keeps the file's text. */
function pipArguments(lines: readonly string[], baseDir: string, files: Record<string, string>): string[] {
  const out: string[] = [];
  for (const line of lines) {
    const match = /^(-r|-c|--requirement|--constraint)(?:\s+|=)(.+)$/.exec(line.trim());
    if (match === null) {
      out.push(line.trim());
      continue;
    }
    const path = resolve(baseDir, (match[2] as string).trim());
    if (!existsSync(path)) throw new ProjectError(`Requirements file ${path} (from '${line}') does not exist.`);
    files[path] = readFileSync(path, 'utf8');
    out.push(match[1] as string, path);
  }
  return out;
}

/** Reads a `python_env.yaml`. */
export function readPythonEnvFile(file: string): PythonEnvDescription {
  const doc = parseDocument(readFileSync(file, 'utf8'), { version: '1.1' });
  if (doc.errors.length > 0)
    throw new ProjectError(`${file} is not valid YAML: ${doc.errors[0]?.message.split('\n')[0]}`);
  const root = doc.contents;
  if (!isMap(root)) throw new ProjectError(`${file} must be a map with python, build_dependencies and dependencies.`);
  const python = scalarText(root.get('python', true));
  const files: Record<string, string> = {};
  const base = dirname(file);
  return {
    ...(python === undefined ? {} : { python }),
    buildDependencies: pipArguments(
      stringItems(root.get('build_dependencies', true), file, 'build_dependencies'),
      base,
      files,
    ),
    dependencies: pipArguments(stringItems(root.get('dependencies', true), file, 'dependencies'), base, files),
    requirementFiles: files,
  };
}

/**
 * A conda environment file converted for virtualenv/uv, as MLflow does: the pinned `python`
 * becomes the version, other conda packages build dependencies, the `pip:` list the requirements.
 */
export function readCondaFileAsPythonEnv(file: string): PythonEnvDescription {
  const doc = parseDocument(readFileSync(file, 'utf8'), { version: '1.1' });
  if (doc.errors.length > 0)
    throw new ProjectError(`${file} is not valid YAML: ${doc.errors[0]?.message.split('\n')[0]}`);
  const data = (doc.toJSON() ?? {}) as { dependencies?: unknown };
  const dependencies = Array.isArray(data.dependencies) ? data.dependencies : [];
  let python: string | undefined;
  const build: string[] = [];
  let pip: string[] = [];
  for (const dep of dependencies) {
    if (typeof dep === 'string') {
      const pinned = /^python\s*(?:==|=|<=|>=)\s*([0-9][0-9.]*)/.exec(dep);
      if (pinned !== null) python = pinned[1];
      else if (/^python\b/.test(dep)) {
        throw new ProjectError(
          `${file}: pin python with =, ==, <= or >= (got '${dep}') to use it with virtualenv or uv.`,
        );
      } else if (dep !== 'pip' && !dep.startsWith('pip=') && !dep.startsWith('pip ')) build.push(dep);
    } else if (typeof dep === 'object' && dep !== null && Array.isArray((dep as { pip?: unknown }).pip)) {
      pip = (dep as { pip: unknown[] }).pip.map(String);
    }
  }
  if (python === undefined) {
    throw new ProjectError(`${file} does not pin a python version (add 'python=3.11' to its dependencies).`);
  }
  const files: Record<string, string> = {};
  return {
    python,
    buildDependencies: pipArguments(build, dirname(file), files),
    dependencies: pipArguments(pip, dirname(file), files),
    requirementFiles: files,
  };
}

/** The Python description of a declared environment (docker has none). */
export function pythonEnvOf(environment: ProjectEnvironment): PythonEnvDescription {
  if (environment.kind === 'docker') {
    throw new ProjectError('This project declares docker_env: it runs in its container, not in a Python environment.');
  }
  if (environment.kind === 'conda') return readCondaFileAsPythonEnv(environment.file);
  if (environment.file === undefined) return { buildDependencies: [], dependencies: [], requirementFiles: {} };
  return readPythonEnvFile(environment.file);
}

/** An installed interpreter. */
export interface PythonInterpreter {
  readonly path: string;
  readonly version: string;
}

async function versionOf(path: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  try {
    const result = await runProcess([path, '-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'], {
      env,
      timeoutMs: 15_000,
    });
    return result.code === 0 ? result.stdout.trim() : undefined;
  } catch {
    return undefined;
  }
}

function matches(version: string, wanted: string | undefined): boolean {
  if (wanted === undefined) return true;
  return version === wanted || version.startsWith(`${wanted}.`);
}

/**
 * Finds an interpreter whose version is `wanted` (`3.11` matches any 3.11.x; `3.11.7` only that
 * one); the default interpreter (`python3`) when `wanted` is undefined. Throws a message listing
 * the interpreters found.
 */
export async function findPython(
  wanted: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): Promise<PythonInterpreter> {
  if (wanted !== undefined && !/^\d+(?:\.\d+){0,2}$/.test(wanted)) {
    throw new ProjectError(`Invalid python version '${wanted}': write it as 3.11 or 3.11.7.`);
  }
  const pyenvRoot = env.PYENV_ROOT ?? join(env.HOME ?? homedir(), '.pyenv');
  const candidates: string[] = [];
  const add = (path: string | undefined) => {
    if (path !== undefined && !candidates.includes(path)) candidates.push(path);
  };
  // pyenv's installed versions are named by version: check the matching ones first (newest
  // first), straight from their directories (a shim costs a pyenv process per call).
  if (wanted !== undefined) {
    try {
      const versions = readdirSync(join(pyenvRoot, 'versions'))
        .filter((v) => matches(v, wanted))
        .sort((a, b) => b.localeCompare(a, 'en', { numeric: true }));
      for (const version of versions) {
        const path = join(pyenvRoot, 'versions', version, 'bin', 'python');
        if (existsSync(path)) add(path);
      }
    } catch {
      // No pyenv here.
    }
  }
  const minor = wanted?.split('.').slice(0, 2).join('.');
  if (minor?.includes('.')) add(findExecutable(`python${minor}`, env.PATH));
  add(findExecutable('python3', env.PATH));
  add(findExecutable('python', env.PATH));
  add(existsSync('/usr/bin/python3') ? '/usr/bin/python3' : undefined);
  const processEnv = { ...env } as NodeJS.ProcessEnv;
  const seen: string[] = [];
  for (const path of candidates) {
    const version = await versionOf(path, processEnv);
    if (version === undefined) continue;
    if (matches(version, wanted)) return { path, version };
    seen.push(`${path} (${version})`);
  }
  if (wanted === undefined)
    throw new ProjectError('No Python interpreter found on PATH (looked for python3 and python).');
  throw new ProjectError(
    `No Python ${wanted} interpreter found${seen.length === 0 ? '' : `; found ${seen.join(', ')}`}. Install it (for example with pyenv), change the version in python_env.yaml, or run with --env-manager local.`,
  );
}
