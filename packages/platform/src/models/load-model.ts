/**
 * Loading a model directory into something that predicts: open it (every path checked), choose
 * the flavor, load it, and wrap `predict` so that it enforces the signature and params, as
 * MLflow's `PyFuncModel.predict` does.
 */
import { DataFrame } from './data/data-frame.js';
import { isTensorMap, Tensor } from './data/tensor.js';
import { chooseFlavor, type FlavorRegistry, type PredictOptions, type Predictor } from './flavor.js';
import type { MlModel } from './mlmodel.js';
import { ModelDirectory } from './model-directory.js';
import type { ServedModel, ServedModelInfo } from './scoring/model-slot.js';
import { parseJsonRequest } from './scoring/request-parsing.js';
import { enforceInput } from './signature/enforce.js';
import { enforceParams, type Params } from './signature/params.js';
import type { ModelSignature } from './signature/schema.js';

/** A loaded model. */
export interface LoadedModel {
  readonly directory: ModelDirectory;
  readonly mlmodel: MlModel;
  readonly signature: ModelSignature | undefined;
  /** The flavor it runs with. */
  readonly flavor: string;
  /** The raw predictor (input already enforced). */
  readonly predictor: Predictor;
  /**
   * Predicts with signature and params enforcement. `input` is a DataFrame, a Tensor, a map of
   * tensors, or plain JS values read like the `inputs` field of a scoring request (row objects,
   * `{column: values}`, nested number lists).
   */
  predict(input: unknown, params?: Readonly<Record<string, unknown>>, options?: PredictOptions): Promise<unknown>;
  /** The model as a scoring app serves it. */
  served(info: Omit<ServedModelInfo, 'flavor'>): ServedModel;
  close(): Promise<void>;
}

/** Options of `loadModelDirectory`. */
export interface LoadModelOptions {
  readonly flavors: FlavorRegistry;
  /** Force a flavor instead of the registry's order of preference. */
  readonly flavor?: string;
  readonly warn?: (message: string) => void;
}

/** Plain JS input read as a scoring request's `inputs` (the same conversions for the SDK and the server). */
function toModelInput(input: unknown, signature: ModelSignature | undefined): unknown {
  if (input instanceof DataFrame || input instanceof Tensor || isTensorMap(input)) return input;
  return parseJsonRequest(JSON.stringify({ inputs: input }), signature === undefined ? {} : { signature }).input;
}

/**
 * Loads the model in `dir`.
 *
 * @example
 * const model = await loadModelDirectory('/tmp/model', { flavors: createFlavorRegistry() });
 * await model.predict([{ x: 1.5 }]);
 * await model.close();
 */
export async function loadModelDirectory(dir: string, options: LoadModelOptions): Promise<LoadedModel> {
  const directory = await ModelDirectory.open(dir);
  const flavor = await chooseFlavor(directory, options.flavors, options.flavor);
  const predictor = await flavor.load(directory);
  const signature = directory.signature;
  const warn = options.warn ?? (() => {});
  return {
    directory,
    mlmodel: directory.mlmodel,
    signature,
    flavor: flavor.name,
    predictor,
    async predict(input, params, predictOptions) {
      const enforced = enforceInput(toModelInput(input, signature), signature?.inputs, warn);
      const checked: Params | undefined = enforceParams(params, signature?.params, warn);
      return predictor.predict(enforced, checked, predictOptions);
    },
    served(info) {
      return {
        predictor,
        ...(signature === undefined ? {} : { signature }),
        isSignatureFromTypeHint: directory.mlmodel.is_signature_from_type_hint === true,
        info: {
          // A model served from a directory still names where it came from, when its MLmodel says.
          ...(directory.mlmodel.model_id === undefined ? {} : { modelId: directory.mlmodel.model_id }),
          ...(directory.mlmodel.run_id === undefined ? {} : { runId: directory.mlmodel.run_id }),
          ...info,
          flavor: flavor.name,
        },
      };
    },
    close: () => predictor.close(),
  };
}
