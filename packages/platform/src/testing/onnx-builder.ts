/**
 * Writes small ONNX models from TypeScript (the protobuf encoding of `onnx.ModelProto`, by hand:
 * a few dozen lines instead of a protobuf dependency), for test fixtures and benchmarks.
 */

/** ONNX tensor element types used here. */
export const ONNX_FLOAT = 1;
export const ONNX_INT64 = 7;
export const ONNX_DOUBLE = 11;

function varint(value: number | bigint): number[] {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) byte |= 0x80;
    out.push(byte);
  } while (v !== 0n);
  return out;
}

/** One protobuf field. */
type Field =
  | [number, 'varint', number | bigint]
  | [number, 'bytes', Uint8Array | string]
  | [number, 'message', Field[]];

function encode(fields: readonly Field[]): Uint8Array {
  const out: number[] = [];
  for (const [number, kind, value] of fields) {
    if (kind === 'varint') {
      out.push(...varint((number << 3) | 0), ...varint(value as number));
      continue;
    }
    const bytes =
      kind === 'message'
        ? encode(value as Field[])
        : typeof value === 'string'
          ? new TextEncoder().encode(value)
          : (value as Uint8Array);
    out.push(...varint((number << 3) | 2), ...varint(bytes.length));
    for (const b of bytes) out.push(b);
  }
  return Uint8Array.from(out);
}

/** A graph input or output: a tensor of `elemType` whose dimensions are sizes or symbolic names. */
export interface OnnxValueInfo {
  readonly name: string;
  readonly elemType: number;
  readonly shape: readonly (number | string)[];
}

/** A constant tensor. */
export interface OnnxInitializer {
  readonly name: string;
  readonly dims: readonly number[];
  readonly floats: readonly number[];
}

/** A graph node. */
export interface OnnxNode {
  readonly op: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes?: Readonly<Record<string, number>>;
}

function valueInfo(v: OnnxValueInfo): Field[] {
  const dims: Field[] = v.shape.map((d) => [
    1,
    'message',
    [typeof d === 'number' ? [1, 'varint', d] : [2, 'bytes', d]],
  ]);
  return [
    [1, 'bytes', v.name],
    [
      2,
      'message',
      [
        [
          1,
          'message',
          [
            [1, 'varint', v.elemType],
            [2, 'message', dims],
          ],
        ],
      ],
    ],
  ];
}

function initializer(t: OnnxInitializer): Field[] {
  const raw = new Uint8Array(new Float32Array(t.floats).buffer);
  return [
    ...t.dims.map((d): Field => [1, 'varint', d]),
    [2, 'varint', ONNX_FLOAT],
    [8, 'bytes', t.name],
    [9, 'bytes', raw],
  ];
}

function node(n: OnnxNode, index: number): Field[] {
  const attributes: Field[] = Object.entries(n.attributes ?? {}).map(([name, value]) => [
    5,
    'message',
    [
      [1, 'bytes', name],
      [3, 'varint', value],
      [20, 'varint', 2],
    ],
  ]);
  return [
    ...n.inputs.map((i): Field => [1, 'bytes', i]),
    ...n.outputs.map((o): Field => [2, 'bytes', o]),
    [3, 'bytes', `${n.op.toLowerCase()}_${index}`],
    [4, 'bytes', n.op],
    ...attributes,
  ];
}

/**
 * Encodes a model (IR version 8, default opset 13).
 *
 * @example
 * const bytes = buildOnnxModel({ inputs: [...], outputs: [...], nodes: [...], initializers: [...] });
 */
export function buildOnnxModel(graph: {
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
  readonly nodes: readonly OnnxNode[];
  readonly initializers?: readonly OnnxInitializer[];
  readonly opset?: number;
}): Uint8Array {
  const graphFields: Field[] = [
    ...graph.nodes.map((n, i): Field => [1, 'message', node(n, i)]),
    [2, 'bytes', 'keel-test-graph'],
    ...(graph.initializers ?? []).map((t): Field => [5, 'message', initializer(t)]),
    ...graph.inputs.map((v): Field => [11, 'message', valueInfo(v)]),
    ...graph.outputs.map((v): Field => [12, 'message', valueInfo(v)]),
  ];
  return encode([
    [1, 'varint', 8],
    [2, 'bytes', 'keel'],
    [7, 'message', graphFields],
    [
      8,
      'message',
      [
        [1, 'bytes', ''],
        [2, 'varint', graph.opset ?? 13],
      ],
    ],
  ]);
}

/** Weights of the fixture classifier: 4 features, 3 classes. */
export const CLASSIFIER_WEIGHTS = [
  [0.5, -0.2, 0.1],
  [-0.3, 0.8, -0.5],
  [0.9, -0.1, 0.4],
  [-0.6, 0.3, 0.7],
] as const;
export const CLASSIFIER_BIAS = [0.1, -0.2, 0.05] as const;

/**
 * A linear classifier: `X` float32 `[N, 4]` -> `label` int64 `[N]` (argmax of `X·W + B`) and
 * `probabilities` float32 `[N, 3]` (softmax).
 */
export function classifierOnnxModel(): Uint8Array {
  return buildOnnxModel({
    inputs: [{ name: 'X', elemType: ONNX_FLOAT, shape: ['N', 4] }],
    outputs: [
      { name: 'label', elemType: ONNX_INT64, shape: ['N'] },
      { name: 'probabilities', elemType: ONNX_FLOAT, shape: ['N', 3] },
    ],
    initializers: [
      { name: 'W', dims: [4, 3], floats: CLASSIFIER_WEIGHTS.flat() },
      { name: 'B', dims: [3], floats: [...CLASSIFIER_BIAS] },
    ],
    nodes: [
      { op: 'MatMul', inputs: ['X', 'W'], outputs: ['XW'] },
      { op: 'Add', inputs: ['XW', 'B'], outputs: ['logits'] },
      { op: 'ArgMax', inputs: ['logits'], outputs: ['label'], attributes: { axis: 1, keepdims: 0 } },
      { op: 'Softmax', inputs: ['logits'], outputs: ['probabilities'], attributes: { axis: 1 } },
    ],
  });
}

/** What the fixture classifier predicts for one row (computed in JS, for assertions). */
export function classifierLabel(row: readonly number[]): number {
  const logits = CLASSIFIER_BIAS.map(
    (b, k) => b + row.reduce((s, x, i) => s + x * (CLASSIFIER_WEIGHTS[i]?.[k] ?? 0), 0),
  );
  return logits.indexOf(Math.max(...logits));
}

/** A model with two named inputs: `a` float32 `[N, 2]`, `b` float32 `[N, 2]` -> `sum` = a + b. */
export function adderOnnxModel(): Uint8Array {
  return buildOnnxModel({
    inputs: [
      { name: 'a', elemType: ONNX_FLOAT, shape: ['N', 2] },
      { name: 'b', elemType: ONNX_FLOAT, shape: ['N', 2] },
    ],
    outputs: [{ name: 'sum', elemType: ONNX_FLOAT, shape: ['N', 2] }],
    nodes: [{ op: 'Add', inputs: ['a', 'b'], outputs: ['sum'] }],
  });
}
