/**
 * A model directory opened for loading: its real location, its `MLmodel`, and path resolution
 * that keeps every path the `MLmodel` names (data files, code directories, pickles, environment
 * files, the input example) inside the directory, symlinks followed. A model naming anything
 * outside is refused before any flavor reads a byte.
 */
import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { invalidParameter, type MlflowError, notFound } from '@keel/contract';
import { realPathOfNearest } from '../artifacts/path-safety.js';
import { type FlavorConfig, type MlModel, readMlModel, signatureOf } from './mlmodel.js';
import type { ModelSignature } from './signature/schema.js';

/** Keys of a flavor block that name a file or directory of the model. */
const PATH_KEYS = [
  'data',
  'code',
  'model_path',
  'pickled_model',
  'python_model',
  'model_code_path',
  'model_data',
  'module',
  'saved_model_dir',
] as const;

function isInside(root: string, target: string): boolean {
  return target === root || target.startsWith(root.endsWith(sep) ? root : root + sep);
}

/**
 * An opened model directory.
 *
 * @example
 * const model = await ModelDirectory.open('/tmp/model');
 * const onnxFile = await model.resolve(model.flavor('onnx')?.data, 'flavors.onnx.data');
 */
export class ModelDirectory {
  private constructor(
    /** The directory's real path (symlinks resolved). */
    readonly dir: string,
    readonly mlmodel: MlModel,
    readonly signature: ModelSignature | undefined,
  ) {}

  /** Opens `dir`, reads its `MLmodel`, and checks every path it names. */
  static async open(dir: string): Promise<ModelDirectory> {
    let real: string;
    try {
      real = await realpath(resolve(dir));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw notFound(`Model directory ${dir} does not exist`);
      throw error;
    }
    if (!(await stat(real)).isDirectory()) throw invalidParameter(`${dir} is not a model directory`);
    const mlmodel = await readMlModel(real);
    const model = new ModelDirectory(real, mlmodel, signatureOf(mlmodel));
    await model.checkAllPaths();
    return model;
  }

  /** The flavor names of the model, in file order. */
  get flavorNames(): string[] {
    return Object.keys(this.mlmodel.flavors);
  }

  /** A flavor's configuration block, if the model has that flavor. */
  flavor(name: string): FlavorConfig | undefined {
    return this.mlmodel.flavors[name];
  }

  private outside(what: string, value: string): MlflowError {
    return invalidParameter(
      `Refusing to load the model: ${what} ('${value}') points outside the model directory ${this.dir}`,
    );
  }

  /**
   * The absolute path of `value`, a path relative to the model directory named by the `MLmodel`
   * key `what`. Absolute paths, `..` escapes and symlinks leading out are refused.
   */
  async resolve(value: unknown, what: string): Promise<string> {
    if (typeof value !== 'string' || value === '') {
      throw invalidParameter(`Invalid MLmodel: ${what} must be a relative path, got ${JSON.stringify(value)}`);
    }
    if (value.includes('\0') || isAbsolute(value) || /^[a-zA-Z]:[\\/]/.test(value) || value.includes('\\')) {
      throw this.outside(what, value);
    }
    const target = resolve(this.dir, value);
    if (!isInside(this.dir, target)) throw this.outside(what, value);
    let real: string;
    try {
      real = await realPathOfNearest(target);
    } catch {
      throw this.outside(what, value);
    }
    if (!isInside(this.dir, real)) throw this.outside(what, value);
    return real;
  }

  /** `resolve`, and the path must exist. */
  async resolveExisting(value: unknown, what: string): Promise<string> {
    const path = await this.resolve(value, what);
    try {
      await stat(path);
    } catch {
      throw invalidParameter(
        `Invalid MLmodel: ${what} names '${String(value)}', which does not exist in the model directory ${this.dir}`,
      );
    }
    return path;
  }

  /** The path of `value` relative to the model directory (for messages and child processes). */
  relative(path: string): string {
    return relative(this.dir, path);
  }

  /** Every path the MLmodel names, with the key naming it. */
  namedPaths(): { what: string; value: unknown }[] {
    const out: { what: string; value: unknown }[] = [];
    for (const [flavor, config] of Object.entries(this.mlmodel.flavors)) {
      for (const key of PATH_KEYS) {
        const value = config[key];
        if (value !== undefined && value !== null) out.push({ what: `flavors.${flavor}.${key}`, value });
      }
      const env = config.env;
      if (typeof env === 'string') out.push({ what: `flavors.${flavor}.env`, value: env });
      else if (typeof env === 'object' && env !== null) {
        for (const [k, v] of Object.entries(env)) {
          if (v !== null && v !== undefined) out.push({ what: `flavors.${flavor}.env.${k}`, value: v });
        }
      }
      const artifacts = config.artifacts;
      if (typeof artifacts === 'object' && artifacts !== null) {
        for (const [name, artifact] of Object.entries(artifacts)) {
          const path = (artifact as { path?: unknown } | null)?.path;
          if (path !== undefined && path !== null)
            out.push({ what: `flavors.${flavor}.artifacts.${name}.path`, value: path });
        }
      }
    }
    const example = this.mlmodel.saved_input_example_info;
    for (const key of ['artifact_path', 'serving_input_path']) {
      const value = example?.[key];
      if (value !== undefined && value !== null) out.push({ what: `saved_input_example_info.${key}`, value });
    }
    return out;
  }

  private async checkAllPaths(): Promise<void> {
    for (const { what, value } of this.namedPaths()) await this.resolve(value, what);
  }
}
