/**
 * Models: the MLflow model format (MLmodel, signatures, environment files, input examples), the
 * flavors Keel runs (onnx and js_function in Node, python_function in Python worker processes),
 * loading and saving, and the scoring app behind `keel models serve` and `keel models predict`.
 */

// Flavors and runtimes.
export { createFlavorRegistry, type ModelRuntimeOptions } from './compose.js';
// The format.
export { CsvParser, csvLine, parseCsvFrame } from './data/csv.js';
export { type Column, type ColumnValues, DataFrame, inferColumnDType } from './data/data-frame.js';
export { isTensorMap, Tensor, type TensorData } from './data/tensor.js';
export { type ModelEnvironmentSpec, readModelEnvironment, writeEnvironmentFiles } from './environment.js';
export {
  chooseFlavor,
  type Flavor,
  type FlavorRegistry,
  ModelError,
  type PredictOptions,
  type Predictor,
} from './flavor.js';
export {
  JsFunctionFlavor,
  type JsModel,
  type JsModelContext,
  type JsModelLoader,
} from './flavors/js-function-flavor.js';
export { OnnxFlavor, type OnnxFlavorOptions } from './flavors/onnx-flavor.js';
export {
  type PythonEnvironmentProvider,
  PythonFunctionFlavor,
  type PythonFunctionFlavorOptions,
} from './flavors/python-function-flavor.js';
export { INPUT_EXAMPLE_FILE, inputExampleFiles, readServingExample, SERVING_INPUT_FILE } from './input-example.js';
// Loading and saving.
export { type LoadedModel, type LoadModelOptions, loadModelDirectory } from './load-model.js';
export {
  createMlModel,
  type FlavorConfig,
  MLMODEL_FILE,
  type MlModel,
  parseMlModel,
  readMlModel,
  serializeMlModel,
  signatureOf,
  writeMlModel,
} from './mlmodel.js';
export { ModelDirectory } from './model-directory.js';
export {
  MODEL_ENV_MANAGER_NAMES,
  ModelPythonEnvironment,
  type ModelPythonEnvironmentOptions,
  modelEnvSpec,
  modelPythonEnvironment,
  type PythonEnvironment,
} from './python/python-environment.js';
export {
  type SaveJsFunctionModel,
  type SaveModelCommon,
  type SaveModelOptions,
  type SaveOnnxModel,
  type SignatureJsonSpec,
  saveModel,
} from './save-model.js';
// Scoring.
export { ModelSlot, modelVersionLabel, type ServedModel, type ServedModelInfo } from './scoring/model-slot.js';
export { predictionsJson } from './scoring/predictions.js';
export {
  createScoringApp,
  DEFAULT_SCORING_LIMITS,
  type ScoringApp,
  type ScoringAppOptions,
  type ScoringLimits,
  type ScoringRequest,
  type ScoringResponse,
} from './scoring/scoring-app.js';
// Signatures.
export { enforceInput } from './signature/enforce.js';
export { inferParams, inferSchema, inferSignature } from './signature/infer.js';
export { enforceParams, type Params } from './signature/params.js';
export {
  type ColSpec,
  type ColumnType,
  type DataTypeName,
  type ModelSignature,
  type ParamSpec,
  type Schema,
  schemaFromJson,
  schemaToJson,
  signatureFromMlModel,
  signatureToMlModel,
  type TensorDType,
  type TensorSpec,
} from './signature/schema.js';
