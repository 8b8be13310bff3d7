/**
 * The flavor seam: a `Flavor` turns a model directory into a `Predictor`; flavors are gathered
 * in a `Map` by the composition root (`createFlavorRegistry`), and `chooseFlavor` picks the first
 * one the model has and this machine can run, or explains in one error why none fits.
 */
import { invalidParameter, type MlflowError } from '@keel/contract';
import type { ModelDirectory } from './model-directory.js';
import type { Params } from './signature/params.js';

/**
 * A loaded model. `predict` receives input already checked against the model's signature (a
 * DataFrame, a Tensor, a map of tensors, or plain JSON when the model has no signature) and
 * returns predictions (a DataFrame, a Tensor, a map of tensors, or plain JSON).
 */
export interface Predictor {
  predict(input: unknown, params?: Params, options?: PredictOptions): Promise<unknown>;
  /** Releases the runtime (inference sessions, worker processes). */
  close(): Promise<void>;
}

/** An exception raised by the model's own code; the scoring app reports it with this trace. */
export class ModelError extends Error {
  override readonly name = 'ModelError';
  constructor(
    message: string,
    readonly modelTrace: string,
  ) {
    super(message);
  }
}

/** Per-call options of `predict`. */
export interface PredictOptions {
  /** Aborted when the caller gave up (a timed-out request); runtimes that can stop work do. */
  readonly signal?: AbortSignal;
  /** Hears how long the model itself took, in ms, where the runtime measures it (the Python worker). */
  readonly onModelTime?: (ms: number) => void;
}

/** A way of running models of one flavor. */
export interface Flavor {
  /** The flavor's key in `MLmodel` (`onnx`, `js_function`, `python_function`). */
  readonly name: string;
  /** Why this machine cannot run models of this flavor (a missing runtime), or undefined. */
  unavailableReason(model: ModelDirectory): Promise<string | undefined>;
  /** Loads the model. Paths come from `model.resolve`, which keeps them inside the model. */
  load(model: ModelDirectory): Promise<Predictor>;
}

/** Flavors by name, in order of preference. */
export type FlavorRegistry = ReadonlyMap<string, Flavor>;

/** The error for a model no registered flavor can run. */
function noFlavor(model: ModelDirectory, registry: FlavorRegistry, reasons: readonly string[]): MlflowError {
  const has = model.flavorNames.length === 0 ? 'no flavors' : `flavors [${model.flavorNames.join(', ')}]`;
  const why = reasons.length === 0 ? '' : ` ${reasons.join('; ')}.`;
  return invalidParameter(
    `Keel cannot load the model in ${model.dir}: it has ${has}; Keel runs models of flavors ${[...registry.keys()].join(', ')}.${why}`,
  );
}

/**
 * The flavor to load `model` with: `preferred` when given, else the first registered flavor the
 * model has and the machine can run.
 *
 * @example
 * const flavor = await chooseFlavor(model, registry); // e.g. the onnx flavor
 */
export async function chooseFlavor(
  model: ModelDirectory,
  registry: FlavorRegistry,
  preferred?: string,
): Promise<Flavor> {
  const reasons: string[] = [];
  if (preferred !== undefined) {
    const flavor = registry.get(preferred);
    if (flavor === undefined) {
      throw invalidParameter(`Unknown flavor '${preferred}'; Keel runs ${[...registry.keys()].join(', ')}.`);
    }
    if (model.flavor(preferred) === undefined) throw noFlavor(model, registry, [`it has no '${preferred}' flavor`]);
    const reason = await flavor.unavailableReason(model);
    if (reason !== undefined) throw noFlavor(model, registry, [`${preferred}: ${reason}`]);
    return flavor;
  }
  for (const [name, flavor] of registry) {
    if (model.flavor(name) === undefined) continue;
    const reason = await flavor.unavailableReason(model);
    if (reason === undefined) return flavor;
    reasons.push(`${name}: ${reason}`);
  }
  throw noFlavor(model, registry, reasons);
}
