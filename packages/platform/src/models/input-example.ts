/**
 * Input examples (models.md §6): writing `input_example.json` and `serving_input_example.json`
 * with the `saved_input_example_info` that describes them, and reading a model's example back
 * as an `/invocations` body (to check a model before serving it).
 */
import { readFile } from 'node:fs/promises';
import { DataFrame } from './data/data-frame.js';
import { isTensorMap, shapeOf, Tensor } from './data/tensor.js';
import type { ModelDirectory } from './model-directory.js';
import { predictionsJson } from './scoring/predictions.js';

export const INPUT_EXAMPLE_FILE = 'input_example.json';
export const SERVING_INPUT_FILE = 'serving_input_example.json';

/** The files of an example and the `saved_input_example_info` block. */
export interface InputExampleFiles {
  readonly info: Readonly<Record<string, unknown>>;
  readonly inputExample: string;
  readonly servingExample: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Tensor);
}

function isNested(value: unknown): boolean {
  if (!Array.isArray(value) || value.length === 0 || !Array.isArray(value[0])) return false;
  try {
    shapeOf(value);
    return true;
  } catch {
    return false;
  }
}

/** The example as JSON values, and its MLflow example type. */
function classify(example: unknown): { type: string; data: unknown; split?: { columns: string[]; data: unknown[][] } } {
  const asJson = (v: unknown) => JSON.parse(predictionsJson(v)) as unknown;
  if (example instanceof DataFrame || (Array.isArray(example) && example.length > 0 && example.every(isRecord))) {
    const frame = example instanceof DataFrame ? example : DataFrame.fromRecords(example as Record<string, unknown>[]);
    const split = { columns: [...frame.columns], data: asJson(frame.rows()) as unknown[][] };
    return { type: 'dataframe', data: split, split };
  }
  if (example instanceof Tensor || isTensorMap(example) || isNested(example))
    return { type: 'ndarray', data: asJson(example) };
  return { type: 'json_object', data: asJson(example) };
}

/**
 * The example files for `example` (and the example's inference params, if any).
 *
 * @example
 * inputExampleFiles([{ x: 1.5 }]).info; // { artifact_path: 'input_example.json', type: 'dataframe', pandas_orient: 'split', ... }
 */
export function inputExampleFiles(example: unknown, params?: Readonly<Record<string, unknown>>): InputExampleFiles {
  const { type, data, split } = classify(example);
  const withParams = params !== undefined && Object.keys(params).length > 0;
  const serving: Record<string, unknown> = split !== undefined ? { dataframe_split: split } : { inputs: data };
  if (withParams) serving.params = params;
  return {
    info: {
      artifact_path: INPUT_EXAMPLE_FILE,
      type,
      ...(type === 'dataframe' ? { pandas_orient: 'split' } : {}),
      serving_input_path: SERVING_INPUT_FILE,
      ...(withParams ? { params: 'true' } : {}),
    },
    inputExample: JSON.stringify(withParams ? { inputs: data, params } : data),
    servingExample: JSON.stringify(serving, null, 2),
  };
}

/**
 * The model's example as an `/invocations` JSON body: `serving_input_example.json` when present,
 * else built from `input_example.json`; undefined when the model has no example.
 */
export async function readServingExample(model: ModelDirectory): Promise<string | undefined> {
  const info = model.mlmodel.saved_input_example_info;
  if (info === undefined) return undefined;
  if (typeof info.serving_input_path === 'string') {
    return readFile(
      await model.resolve(info.serving_input_path, 'saved_input_example_info.serving_input_path'),
      'utf8',
    );
  }
  if (typeof info.artifact_path !== 'string') return undefined;
  const text = await readFile(
    await model.resolve(info.artifact_path, 'saved_input_example_info.artifact_path'),
    'utf8',
  );
  const example = JSON.parse(text) as unknown;
  const hasParams = info.params !== undefined && info.params !== null && info.params !== false;
  const data = hasParams ? (example as { inputs?: unknown }).inputs : example;
  const params = hasParams ? (example as { params?: unknown }).params : undefined;
  const body: Record<string, unknown> = info.type === 'dataframe' ? { dataframe_split: data } : { inputs: data };
  if (params !== undefined) body.params = params;
  return JSON.stringify(body);
}
