/**
 * Saving a model directory in MLflow's format from TypeScript: the flavor's files, the `MLmodel`
 * (with the signature given or inferred from the input example, outputs inferred by running the
 * saved model on it), the input example files, and, for ONNX models, the environment files
 * MLflow's Python tools need to serve the same directory.
 */
import { cp, mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { invalidParameter } from '@keel/contract';
import { writeEnvironmentFiles } from './environment.js';
import type { Flavor } from './flavor.js';
import { JsFunctionFlavor } from './flavors/js-function-flavor.js';
import { OnnxFlavor } from './flavors/onnx-flavor.js';
import { INPUT_EXAMPLE_FILE, inputExampleFiles, SERVING_INPUT_FILE } from './input-example.js';
import { loadModelDirectory } from './load-model.js';
import { createMlModel, type FlavorConfig, type MlModel, readMlModel, writeMlModel } from './mlmodel.js';
import { inferSchema, inferSignature } from './signature/infer.js';
import { type ModelSignature, signatureFromMlModel, signatureToMlModel } from './signature/schema.js';

/** Options every flavor shares. */
/** A signature in MLflow's JSON shape (the lists an `MLmodel` stores as JSON strings). */
export interface SignatureJsonSpec {
  readonly inputs?: readonly unknown[];
  readonly outputs?: readonly unknown[];
  readonly params?: readonly unknown[];
}

export interface SaveModelCommon {
  /**
   * The signature (parsed, or in MLflow's JSON shape); inferred from `inputExample` when absent
   * (`false`: write none).
   */
  readonly signature?: ModelSignature | SignatureJsonSpec | false;
  /** An input example, saved with the model and used to infer the signature. */
  readonly inputExample?: unknown;
  /** Inference params of the example (they become the params schema's defaults). */
  readonly params?: Readonly<Record<string, unknown>>;
  /** Infer the output schema by predicting on the example (default true for Node flavors). */
  readonly inferOutputs?: boolean;
  /** Free-form metadata (`metadata` in MLmodel). */
  readonly metadata?: Readonly<Record<string, unknown>>;
  /** Extra pip requirements written for Python tools (ONNX models). */
  readonly pipRequirements?: readonly string[];
  /** Written into MLmodel by `logModel`. */
  readonly runId?: string;
  readonly artifactPath?: string;
  readonly modelId?: string;
  /** Receives warnings (an output signature that could not be inferred); default: a process warning. */
  readonly warn?: (message: string) => void;
}

/** An ONNX model: the `.onnx` file (a path or its bytes). */
export interface SaveOnnxModel extends SaveModelCommon {
  readonly flavor: 'onnx';
  readonly model: string | Uint8Array;
  /** `onnx_session_options` (e.g. `{ intra_op_num_threads: 2 }`). */
  readonly sessionOptions?: Readonly<Record<string, unknown>>;
}

/** A JavaScript/TypeScript model: a module exporting `load(context)` that returns `{ predict }`. */
export interface SaveJsFunctionModel extends SaveModelCommon {
  readonly flavor: 'js_function';
  /** The module file (bundled with its imports into one `.mjs` when esbuild is available). */
  readonly module: string;
  /** Copy this directory as the model's `code` instead of bundling; `module` is then relative to it. */
  readonly code?: string;
  /** The exported loader's name (default `load`). */
  readonly loader?: string;
  /** A file or directory copied into the model and handed to the loader as `dataPath`. */
  readonly data?: string;
}

/** What `saveModel` takes. */
export type SaveModelOptions = SaveOnnxModel | SaveJsFunctionModel;

async function ensureEmptyDir(dir: string): Promise<void> {
  const existing = await readdir(dir).catch(() => undefined);
  if (existing !== undefined && existing.length > 0) {
    throw invalidParameter(`Path '${dir}' already exists and is not empty`);
  }
  await mkdir(dir, { recursive: true });
}

async function directorySize(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += await directorySize(path);
    else if (entry.isFile()) total += (await stat(path)).size;
  }
  return total;
}

/** Bundles a module and its imports into `<code>/<name>.mjs`; copies it as is when esbuild is absent. */
async function writeJsModule(module: string, code: string): Promise<string> {
  const name = `${basename(module, extname(module))}.mjs`;
  let esbuild: typeof import('esbuild') | undefined;
  try {
    esbuild = await import('esbuild');
  } catch {
    esbuild = undefined;
  }
  if (esbuild === undefined) {
    if (/\.m?ts$/.test(module)) {
      throw invalidParameter(
        `Saving the TypeScript module ${module} needs esbuild to compile it (npm install esbuild), or pass a compiled .js/.mjs module.`,
      );
    }
    await cp(module, join(code, extname(module) === '.cjs' ? basename(module) : name));
    return extname(module) === '.cjs' ? basename(module) : name;
  }
  try {
    await esbuild.build({
      entryPoints: [module],
      outfile: join(code, name),
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      logLevel: 'silent',
      banner: {
        js: "import { createRequire as __keelRequire } from 'node:module'; const require = __keelRequire(import.meta.url);",
      },
    });
  } catch (error) {
    throw invalidParameter(`Could not bundle the js_function module ${module}: ${(error as Error).message}`);
  }
  return name;
}

async function writeFlavorFiles(dir: string, options: SaveModelOptions): Promise<Record<string, FlavorConfig>> {
  if (options.flavor === 'onnx') {
    const target = join(dir, 'model.onnx');
    if (typeof options.model === 'string') await cp(resolve(options.model), target);
    else await writeFile(target, options.model);
    const env = await writeEnvironmentFiles(dir, ['onnx', 'onnxruntime', ...(options.pipRequirements ?? [])]);
    return {
      onnx: {
        code: null,
        data: 'model.onnx',
        providers: ['CPUExecutionProvider'],
        ...(options.sessionOptions === undefined ? {} : { onnx_session_options: options.sessionOptions }),
      },
      python_function: { code: null, data: 'model.onnx', env, loader_module: 'mlflow.onnx', python_version: '3.11' },
    };
  }
  const code = join(dir, 'code');
  let module: string;
  if (options.code !== undefined) {
    await cp(resolve(options.code), code, { recursive: true });
    module = options.module;
    if (!(await stat(join(code, module)).catch(() => undefined))?.isFile()) {
      throw invalidParameter(`The js_function module '${module}' is not a file inside ${options.code}`);
    }
  } else {
    await mkdir(code, { recursive: true });
    module = await writeJsModule(resolve(options.module), code);
  }
  let data: string | undefined;
  if (options.data !== undefined) {
    const source = resolve(options.data);
    const isDir = (await stat(source)).isDirectory();
    data = isDir ? 'data' : join('data', basename(source));
    await cp(source, join(dir, data), { recursive: true });
  }
  return {
    js_function: {
      code: 'code',
      module,
      loader: options.loader ?? 'load',
      ...(data === undefined ? {} : { data }),
      node_version: process.versions.node,
    },
  };
}

/** The output schema, from predicting on the example with the saved model itself. */
async function inferOutputs(dir: string, options: SaveModelOptions): Promise<ModelSignature['outputs']> {
  const flavors = new Map<string, Flavor>([
    ['onnx', new OnnxFlavor()],
    ['js_function', new JsFunctionFlavor()],
  ]);
  const model = await loadModelDirectory(dir, { flavors });
  try {
    const output = await model.predict(options.inputExample, options.params);
    return inferSchema(output);
  } finally {
    await model.close();
  }
}

function isSchema(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'kind' in value;
}

/** A signature given in MLflow's JSON shape, parsed; a parsed one as is. */
function normalizeSignature(signature: ModelSignature | SignatureJsonSpec | undefined): ModelSignature | undefined {
  if (signature === undefined) return undefined;
  const s = signature as Record<string, unknown>;
  const json =
    [s.inputs, s.outputs].some((part) => part !== undefined && !isSchema(part)) ||
    (Array.isArray(s.params) &&
      s.params.some(
        (p) => typeof p === 'object' && p !== null && 'type' in p && typeof (p as { type: unknown }).type === 'string',
      ));
  if (!json) return signature as ModelSignature;
  return signatureFromMlModel({
    inputs: s.inputs === undefined ? null : JSON.stringify(s.inputs),
    outputs: s.outputs === undefined ? null : JSON.stringify(s.outputs),
    params: s.params === undefined ? null : JSON.stringify(s.params),
  });
}

/**
 * Saves a model into `dir` (created; it must be empty) and returns its MLmodel.
 *
 * @example
 * await saveModel('out/model', { flavor: 'onnx', model: 'classifier.onnx', inputExample: [[5.1, 3.5, 1.4, 0.2]] });
 * await saveModel('out/rules', { flavor: 'js_function', module: 'src/rules-model.ts', inputExample: [{ amount: 120 }] });
 */
export async function saveModel(dir: string, options: SaveModelOptions): Promise<MlModel> {
  const target = resolve(dir);
  await ensureEmptyDir(target);
  try {
    const flavors = await writeFlavorFiles(target, options);
    const hasExample = options.inputExample !== undefined;
    let signature: ModelSignature | undefined =
      options.signature === false
        ? undefined
        : (normalizeSignature(options.signature) ??
          (hasExample
            ? inferSignature(options.inputExample, options.params === undefined ? {} : { params: options.params })
            : undefined));
    const extra: Record<string, unknown> = {};
    if (hasExample) {
      const files = inputExampleFiles(options.inputExample, options.params);
      await writeFile(join(target, INPUT_EXAMPLE_FILE), files.inputExample);
      await writeFile(join(target, SERVING_INPUT_FILE), files.servingExample);
      extra.saved_input_example_info = files.info;
    }
    const base = createMlModel(flavors, {
      ...(signature === undefined ? {} : { signature }),
      ...(options.runId === undefined ? {} : { runId: options.runId }),
      ...(options.artifactPath === undefined ? {} : { artifactPath: options.artifactPath }),
      ...(options.modelId === undefined ? {} : { modelId: options.modelId }),
      ...(options.metadata === undefined ? {} : { metadata: options.metadata }),
      extra,
    });
    await writeMlModel(target, base);
    let mlmodel: MlModel = base;
    if (hasExample && signature !== undefined && signature.outputs === undefined && options.inferOutputs !== false) {
      try {
        const outputs = await inferOutputs(target, options);
        if (outputs !== undefined) {
          signature = { ...signature, outputs };
          mlmodel = { ...mlmodel, signature: signatureToMlModel(signature) };
        }
      } catch (error) {
        // MLflow only warns when the output cannot be inferred; the model is still saved.
        (options.warn ?? ((m: string) => process.emitWarning(m)))(
          `Could not infer the model's output signature: ${(error as Error).message}`,
        );
      }
    }
    await writeMlModel(target, { ...mlmodel, model_size_bytes: 0 });
    await writeMlModel(target, { ...mlmodel, model_size_bytes: await directorySize(target) });
    return readMlModel(target);
  } catch (error) {
    await rm(target, { recursive: true, force: true });
    throw error;
  }
}
