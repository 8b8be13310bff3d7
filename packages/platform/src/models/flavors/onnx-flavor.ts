/**
 * The `onnx` flavor: MLflow's ONNX layout (`flavors.onnx.data` names the `.onnx` file,
 * `onnx_session_options` tunes the session) run in Node with onnxruntime-node, loaded with
 * `import()` only when an ONNX model is loaded. Inputs are fed as MLflow's ONNX wrapper feeds
 * them: a DataFrame goes to a single-input model as one `[rows, columns]` tensor and to a
 * multi-input model column by column; a tensor to a single-input model; a map of tensors by name.
 * Doubles are narrowed to float32 where the model wants float32, as MLflow does.
 */
import { invalidParameter, MlflowError } from '@keel/contract';
import type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node';
import { DataFrame } from '../data/data-frame.js';
import { isTensorMap, Tensor } from '../data/tensor.js';
import type { Flavor, Predictor } from '../flavor.js';
import type { ModelDirectory } from '../model-directory.js';
import type { TensorDType } from '../signature/schema.js';
import { DTYPE_OF_ORT, OnnxBatcher } from './onnx-batcher.js';

type Ort = typeof import('onnxruntime-node');

/** Options of the flavor (the composition root sets them from the command line). */
export interface OnnxFlavorOptions {
  /**
   * Threads of one inference; a scoring server answering small requests is fastest with 1,
   * batch scoring of large chunks with more. 0 lets onnxruntime choose. Overridden by the
   * model's own `onnx_session_options.intra_op_num_threads`.
   */
  readonly intraOpNumThreads?: number;
}

let runtime: Promise<Ort> | undefined;

/** Loads onnxruntime-node once; undefined reason when it is present. */
async function loadRuntime(): Promise<Ort> {
  runtime ??= import('onnxruntime-node').then((m) => ((m as { default?: Ort }).default ?? m) as Ort);
  return runtime;
}

function sessionOptions(
  config: Readonly<Record<string, unknown>>,
  defaults: OnnxFlavorOptions,
): InferenceSession.SessionOptions {
  const given = (config.onnx_session_options ?? {}) as Record<string, unknown>;
  const level = given.graph_optimization_level;
  const levels = ['disabled', 'basic', 'extended', 'all'] as const;
  const options: InferenceSession.SessionOptions = {
    executionProviders: ['cpu'],
    intraOpNumThreads: Number(given.intra_op_num_threads ?? defaults.intraOpNumThreads ?? 1),
    ...(given.inter_op_num_threads === undefined ? {} : { interOpNumThreads: Number(given.inter_op_num_threads) }),
    executionMode:
      given.execution_mode === 'parallel' || given.execution_mode === 'ORT_PARALLEL' ? 'parallel' : 'sequential',
    ...(typeof level === 'number' ? { graphOptimizationLevel: levels[Math.min(3, Math.max(0, level))] } : {}),
    logSeverityLevel: 3,
  };
  return options;
}

interface InputInfo {
  readonly name: string;
  readonly type: string;
  readonly rank: number;
}

/**
 * The ONNX flavor.
 *
 * @example
 * const registry = new Map([['onnx', new OnnxFlavor({ intraOpNumThreads: 1 })]]);
 */
export class OnnxFlavor implements Flavor {
  readonly name = 'onnx';

  constructor(private readonly options: OnnxFlavorOptions = {}) {}

  async unavailableReason(): Promise<string | undefined> {
    try {
      await loadRuntime();
      return undefined;
    } catch (error) {
      runtime = undefined;
      return `onnxruntime-node cannot be loaded (${(error as Error).message.split('\n')[0]}); install it with npm install onnxruntime-node`;
    }
  }

  async load(model: ModelDirectory): Promise<Predictor> {
    const config = model.flavor('onnx') ?? {};
    const file = await model.resolveExisting(config.data ?? 'model.onnx', 'flavors.onnx.data');
    const ort = await loadRuntime();
    let session: InferenceSession;
    try {
      session = await ort.InferenceSession.create(file, sessionOptions(config, this.options));
    } catch (error) {
      throw invalidParameter(`onnxruntime could not load ${model.relative(file)}: ${(error as Error).message}`);
    }
    const inputs: InputInfo[] = session.inputMetadata.map((m) => ({
      name: m.name,
      type: m.isTensor ? m.type : 'string',
      rank: m.isTensor ? m.shape.length : 1,
    }));
    // Non-tensor outputs (e.g. the sequence of maps of skl2onnx's ZipMap) cannot be read from Node.
    const outputs = session.outputMetadata.filter((m) => m.isTensor).map((m) => m.name);
    if (outputs.length === 0) {
      throw invalidParameter('The ONNX model has no tensor outputs that onnxruntime-node can return.');
    }
    // Batching needs a variable first dimension on every input (symbolic, or unknown).
    const batchable = session.inputMetadata.every(
      (m) => m.isTensor && m.shape.length > 0 && typeof m.shape[0] !== 'number',
    );
    return new OnnxPredictor(ort, session, inputs, new OnnxBatcher(session, ort.Tensor, outputs, batchable));
  }
}

class OnnxPredictor implements Predictor {
  constructor(
    private readonly ort: Ort,
    private readonly session: InferenceSession,
    private readonly inputs: readonly InputInfo[],
    private readonly batcher: OnnxBatcher,
  ) {}

  private feed(tensor: Tensor, info: InputInfo): OrtTensor {
    const type = info.type;
    const size = tensor.size;
    let shape = [...tensor.shape];
    if (info.rank > 0 && shape.length !== info.rank) {
      // [rows, 1] <-> [rows] and similar rank-only differences.
      if (info.rank === 1) shape = [size];
      else if (info.rank === 2 && shape.length === 1) shape = [shape[0] as number, 1];
    }
    if (type === 'string')
      return new this.ort.Tensor(
        'string',
        Array.from(tensor.data, (v) => String(v)),
        shape,
      );
    if (type === 'bool') return new this.ort.Tensor('bool', Uint8Array.from(tensor.data as ArrayLike<number>), shape);
    if (type === 'int64' || type === 'uint64') {
      const big = type === 'int64' ? new BigInt64Array(size) : new BigUint64Array(size);
      for (let i = 0; i < size; i++) {
        const v = Number(tensor.data[i]);
        if (!Number.isInteger(v))
          throw invalidParameter(`Input '${info.name}' needs whole numbers (${type}), got ${v}`);
        big[i] = BigInt(v);
      }
      return new this.ort.Tensor(type, big, shape);
    }
    const dtype = DTYPE_OF_ORT[type];
    if (dtype === undefined) throw invalidParameter(`Input '${info.name}' has an ONNX type Keel cannot feed (${type})`);
    return new this.ort.Tensor(type as 'float32', tensor.astype(dtype).data as Float32Array, shape);
  }

  private feeds(input: unknown): { feeds: Record<string, OrtTensor>; rows?: number } {
    if (input instanceof DataFrame) {
      if (this.inputs.length === 1) {
        const info = this.inputs[0] as InputInfo;
        const dtype = DTYPE_OF_ORT[info.type] ?? 'float32';
        const data = frameMatrix(input, dtype);
        return { feeds: { [info.name]: this.feed(data, info) }, rows: input.length };
      }
      const feeds: Record<string, OrtTensor> = {};
      for (const info of this.inputs) {
        if (!input.has(info.name)) {
          throw invalidParameter(
            `The ONNX model needs inputs [${this.inputs.map((i) => i.name).join(', ')}]; the DataFrame has no column '${info.name}'.`,
          );
        }
        feeds[info.name] = this.feed(
          Tensor.fromNested(Array.from(input.column(info.name)), DTYPE_OF_ORT[info.type]),
          info,
        );
      }
      return { feeds, rows: input.length };
    }
    if (input instanceof Tensor) {
      if (this.inputs.length !== 1) {
        throw invalidParameter(
          `Unable to map numpy array input to the expected model input. Numpy arrays can only be used as input for MLflow ONNX models that have a single input. This model requires ${this.inputs.length} inputs. Please pass in data as either a dictionary or a DataFrame with the following tensors: [${this.inputs.map((i) => i.name).join(', ')}].`,
        );
      }
      return { feeds: { [(this.inputs[0] as InputInfo).name]: this.feed(input, this.inputs[0] as InputInfo) } };
    }
    if (isTensorMap(input)) {
      const missing = this.inputs.filter((i) => !Object.hasOwn(input, i.name)).map((i) => i.name);
      if (missing.length > 0) {
        throw invalidParameter(`The following tensors were not provided: [${missing.join(', ')}]`);
      }
      return { feeds: Object.fromEntries(this.inputs.map((i) => [i.name, this.feed(input[i.name] as Tensor, i)])) };
    }
    if (Array.isArray(input)) return this.feeds(Tensor.fromNested(input));
    throw invalidParameter(
      'Input data must be a DataFrame (dataframe_split or dataframe_records), a tensor (nested lists) or a map of named tensors.',
    );
  }

  async predict(input: unknown): Promise<unknown> {
    const { feeds, rows } = this.feeds(input);
    const first = Object.values(feeds)[0];
    const batchRows = rows ?? Number(first?.dims[0] ?? 0);
    let tensors: Record<string, Tensor>;
    try {
      tensors = await this.batcher.submit(feeds, batchRows);
    } catch (error) {
      throw new MlflowError('BAD_REQUEST', `onnxruntime failed: ${(error as Error).message}`);
    }
    if (rows === undefined) return tensors;
    return outputFrame(tensors, rows);
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

/** A DataFrame as one `[rows, columns]` tensor of `dtype` (pandas' `df.values`). */
function frameMatrix(frame: DataFrame, dtype: TensorDType): Tensor {
  const rows = frame.length;
  const width = frame.columns.length;
  const columns = frame.columns.map((c) => frame.column(c));
  if (columns.some((c) => c.length > 0 && Array.isArray(c[0]))) {
    return Tensor.fromNested(
      frame.rows().map((r) => r.flat()),
      dtype,
    );
  }
  if (dtype === 'str' || dtype === 'object' || dtype === 'bool') return Tensor.fromNested(frame.rows(), dtype);
  const data = dtype === 'float32' ? new Float32Array(rows * width) : new Float64Array(rows * width);
  for (let c = 0; c < width; c++) {
    const values = columns[c] as ArrayLike<unknown>;
    for (let r = 0; r < rows; r++) {
      const v = values[r];
      data[r * width + c] = typeof v === 'number' ? v : v === null || v === undefined ? Number.NaN : Number(v);
    }
  }
  return new Tensor(dtype === 'float32' ? 'float32' : 'float64', [rows, width], data).astype(dtype);
}

/**
 * MLflow's ONNX output for a DataFrame input: a DataFrame with one column per output. An output
 * of one value per row (`[rows]` or `[rows, 1]`) becomes a column of scalars, `[rows, k]` a
 * column of lists; outputs of another length are returned as a map of tensors instead.
 */
function outputFrame(tensors: Readonly<Record<string, Tensor>>, rows: number): unknown {
  const columns: Record<string, ArrayLike<unknown>> = {};
  for (const [name, tensor] of Object.entries(tensors)) {
    if (tensor.shape[0] !== rows) return tensors;
    if (tensor.size === rows) {
      columns[name] = tensor.dtype === 'bool' ? Array.from(tensor.data, (v) => v === 1) : tensor.data;
    } else columns[name] = tensor.rows();
  }
  return DataFrame.fromColumns(columns);
}
