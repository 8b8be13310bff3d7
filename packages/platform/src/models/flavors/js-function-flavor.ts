/**
 * The `js_function` flavor, Keel's counterpart of `python_function` for JavaScript: the MLmodel
 * names an ES module inside the model's `code` directory; its loader (`load` export, else the
 * default export) receives the model's context and returns an object with
 * `predict(input, params)` (and optionally `close()`).
 *
 * ```yaml
 * flavors:
 *   js_function:
 *     code: code          # directory shipped with the model
 *     module: model.mjs   # file inside `code`
 *     loader: load        # exported loader (default: `load`, else the default export)
 *     data: data          # optional file or directory handed to the loader
 * ```
 */
import { stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { invalidParameter } from '@keel/contract';
import type { Flavor, Predictor } from '../flavor.js';
import type { MlModel } from '../mlmodel.js';
import type { ModelDirectory } from '../model-directory.js';
import type { Params } from '../signature/params.js';

/** What a js_function loader receives. */
export interface JsModelContext {
  /** The model directory (real path). */
  readonly modelDir: string;
  /** The resolved `data` path, when the flavor names one. */
  readonly dataPath?: string;
  /** The whole MLmodel. */
  readonly mlmodel: MlModel;
}

/** What a js_function loader returns. */
export interface JsModel {
  predict(input: unknown, params?: Params): unknown;
  close?(): unknown;
}

/** A loader exported by a js_function module. */
export type JsModelLoader = (context: JsModelContext) => JsModel | Promise<JsModel>;

const MODULE_EXTENSIONS = ['.mjs', '.js', '.cjs', '.ts', '.mts'];

/**
 * The js_function flavor.
 *
 * @example
 * const registry = new Map([['js_function', new JsFunctionFlavor()]]);
 */
export class JsFunctionFlavor implements Flavor {
  readonly name = 'js_function';

  async unavailableReason(): Promise<string | undefined> {
    return undefined;
  }

  async load(model: ModelDirectory): Promise<Predictor> {
    const config = model.flavor('js_function') ?? {};
    const code = await model.resolveExisting(config.code ?? 'code', 'flavors.js_function.code');
    if (!(await stat(code)).isDirectory()) throw invalidParameter('flavors.js_function.code must name a directory');
    const moduleName = config.module;
    if (typeof moduleName !== 'string' || moduleName === '') {
      throw invalidParameter('flavors.js_function.module must name the module file inside the code directory');
    }
    const codeRelative = relative(model.dir, code);
    const file = await model.resolveExisting(join(codeRelative, moduleName), 'flavors.js_function.module');
    if (!file.startsWith(code + sep)) {
      throw invalidParameter(
        `Refusing to load the model: flavors.js_function.module ('${moduleName}') is outside its code directory`,
      );
    }
    if (!MODULE_EXTENSIONS.some((ext) => file.endsWith(ext))) {
      throw invalidParameter(
        `flavors.js_function.module must be a JavaScript module (${MODULE_EXTENSIONS.join(', ')})`,
      );
    }
    const dataPath =
      config.data === undefined || config.data === null
        ? undefined
        : await model.resolveExisting(config.data, 'flavors.js_function.data');
    let module: Record<string, unknown>;
    try {
      module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    } catch (error) {
      const hint = /\.m?ts$/.test(file)
        ? ' (TypeScript modules must be compiled to JavaScript; saveModel bundles them)'
        : '';
      throw invalidParameter(
        `Could not import the js_function module ${moduleName}${hint}: ${(error as Error).message}`,
      );
    }
    const loaderName = typeof config.loader === 'string' ? config.loader : 'load';
    const loader = module[loaderName] ?? module.default;
    const context: JsModelContext = {
      modelDir: model.dir,
      mlmodel: model.mlmodel,
      ...(dataPath === undefined ? {} : { dataPath }),
    };
    let loaded: unknown;
    if (typeof loader === 'function') loaded = await (loader as JsModelLoader)(context);
    else if (typeof module.predict === 'function') loaded = module;
    else loaded = loader;
    if (typeof (loaded as Partial<JsModel> | undefined)?.predict !== 'function') {
      throw invalidParameter(
        `The js_function module ${moduleName} must export a loader '${loaderName}' (or a default export) returning an object with predict(input, params)`,
      );
    }
    const jsModel = loaded as JsModel;
    return {
      predict: async (input, params) => jsModel.predict(input, params),
      close: async () => {
        await jsModel.close?.();
      },
    };
  }
}
