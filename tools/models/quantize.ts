// Static int8 quantisation of a converted model, in ONNX's QDQ form (what ONNX Runtime's own
// quantiser writes, and what its graph optimiser fuses into QLinearConv / QLinearAdd kernels):
//
//   activation ─► QuantizeLinear ─► DequantizeLinear ─► op        (uint8, one scale per tensor)
//   weights: int8 initialiser ─► DequantizeLinear(axis 0) ─► Conv  (one symmetric scale per output channel)
//   bias:   int32 initialiser (scale = input scale x weight scale) ─► DequantizeLinear ─► Conv
//
// Activation ranges come from a calibration table (tools/models/calibrate.ts measures them on real
// face crops); this file only turns a float graph plus ranges into the quantised graph, so `npm ci`
// rebuilds it from the pinned package and the committed table without any data set.
//
// The heads stay float: a Conv whose output reaches a graph output through layout-only ops keeps its
// float weights and float output. Landmark coordinates span 0..192 px, and one uint8 step of that
// range would be 0.75 px — more than the mesh's own error.
import type { OnnxModel, OnnxNode, OnnxTensor } from './onnx';

export interface TensorRange {
  min: number;
  max: number;
}

/** Ranges of the activations `quantizeModel` quantises, by ONNX value name. */
export type ActivationRanges = Readonly<Record<string, TensorRange>>;

/** Ops whose output holds the same values (a subset, rearranged or padded with 0) as their input. */
const RANGE_PRESERVING = new Set(['MaxPool', 'Pad', 'Transpose', 'Reshape', 'Identity']);
/** Ops between a head Conv and a graph output that keep the head float. */
const HEAD_OPS = new Set(['Reshape', 'Transpose', 'Sigmoid', 'Concat', 'Identity']);

interface Plan {
  /** Values that get a QuantizeLinear/DequantizeLinear pair, in graph order (the input first). */
  quantized: string[];
  /** For range-preserving ops' outputs: the value whose scale they reuse. */
  rangeOf: Map<string, string>;
  /** Conv nodes whose weights become int8. */
  convs: OnnxNode[];
}

function plan(model: OnnxModel): Plan {
  const { graph } = model;
  const producer = new Map<string, OnnxNode>();
  for (const node of graph.nodes) for (const out of node.outputs) producer.set(out, node);

  // The float tail: walk back from each graph output through head ops to the first Conv.
  const floatNodes = new Set<OnnxNode>();
  const stack = graph.outputs.map((o) => producer.get(o.name)).filter((n): n is OnnxNode => n !== undefined);
  while (stack.length) {
    const node = stack.pop()!;
    if (floatNodes.has(node)) continue;
    floatNodes.add(node);
    if (node.opType === 'Conv') continue;
    if (!HEAD_OPS.has(node.opType)) throw new Error(`quantize: ${node.name} (${node.opType}) between the last Conv and an output`);
    for (const input of node.inputs) {
      const p = producer.get(input);
      if (p) stack.push(p);
    }
  }

  const quantized = graph.inputs.map((i) => i.name);
  const rangeOf = new Map<string, string>();
  const convs: OnnxNode[] = [];
  for (const node of graph.nodes) {
    if (floatNodes.has(node)) continue;
    if (node.opType === 'Conv') convs.push(node);
    for (const out of node.outputs) {
      quantized.push(out);
      if (RANGE_PRESERVING.has(node.opType)) rangeOf.set(out, rangeOf.get(node.inputs[0]) ?? node.inputs[0]);
    }
  }
  return { quantized, rangeOf, convs };
}

/**
 * The values whose ranges calibration must measure, in graph order: the graph input and every
 * activation whose scale is not inherited from another (a MaxPool's output reuses its input's).
 */
export function activationsToCalibrate(model: OnnxModel): string[] {
  const { quantized, rangeOf } = plan(model);
  return quantized.filter((v) => !rangeOf.has(v));
}

/**
 * The float model with every activation to calibrate (except the graph input, which the caller
 * feeds and so knows) added as a graph output, for ONNX Runtime to report.
 */
export function withActivationOutputs(model: OnnxModel): OnnxModel {
  const inputs = new Set(model.graph.inputs.map((i) => i.name));
  const present = new Set(model.graph.outputs.map((o) => o.name));
  const extra = activationsToCalibrate(model)
    .filter((v) => !inputs.has(v) && !present.has(v))
    .map((name) => ({ name }));
  return { ...model, graph: { ...model.graph, outputs: [...model.graph.outputs, ...extra] } };
}

interface QuantParams {
  scale: number;
  zeroPoint: number;
}

/** Asymmetric uint8 parameters for a range (widened to hold 0 exactly, as padding needs). */
export function uint8Params(range: TensorRange): QuantParams {
  const min = Math.min(0, range.min);
  const max = Math.max(0, range.max);
  if (!Number.isFinite(min) || !Number.isFinite(max)) throw new Error(`quantize: range [${range.min}, ${range.max}] is not finite`);
  const scale = max > min ? (max - min) / 255 : 1;
  const zeroPoint = Math.min(255, Math.max(0, Math.round(-min / scale)));
  return { scale: Math.fround(scale), zeroPoint };
}

/**
 * Per-channel scaling (Mul by a [1, C, 1, 1] constant: PReLU's slopes) as a 1x1 depthwise Conv.
 * Same values; quantised, it becomes a QLinearConv (ONNX Runtime's QLinearMul broadcasts slowly).
 */
export function channelScalesAsConvs(model: OnnxModel): OnnxModel {
  const initializers = new Map(model.graph.initializers.map((t) => [t.name, t]));
  const added: OnnxTensor[] = [];
  const nodes = model.graph.nodes.map((node): OnnxNode => {
    if (node.opType !== 'Mul') return node;
    const c = initializers.get(node.inputs[1]);
    if (!c || !(c.data instanceof Float32Array) || c.dims.length !== 4 || c.dims[0] !== 1 || c.dims[2] !== 1 || c.dims[3] !== 1) return node;
    const channels = c.dims[1];
    const weights = `${c.name}/depthwise`;
    added.push({ name: weights, dims: [channels, 1, 1, 1], data: c.data });
    return {
      opType: 'Conv',
      name: node.name,
      inputs: [node.inputs[0], weights],
      outputs: node.outputs,
      attributes: { kernel_shape: { kind: 'ints', value: [1, 1] }, group: { kind: 'int', value: channels } },
    };
  });
  const used = new Set(nodes.flatMap((n) => n.inputs));
  const kept = model.graph.initializers.filter((t) => used.has(t.name));
  return { ...model, graph: { ...model.graph, nodes, initializers: [...kept, ...added] } };
}

/** The quantised graph: QDQ pairs on every planned activation, int8 per-channel Conv weights, int32 biases. */
export function quantizeModel(model: OnnxModel, ranges: ActivationRanges): OnnxModel {
  const { quantized, rangeOf, convs } = plan(model);
  const initializers = new Map(model.graph.initializers.map((t) => [t.name, t]));
  const newInitializers: OnnxTensor[] = [];
  const nodes: OnnxNode[] = [];
  const params = new Map<string, QuantParams>();
  const dequantized = new Map<string, string>();

  const paramsOf = (value: string): QuantParams => {
    const source = rangeOf.get(value) ?? value;
    let p = params.get(source);
    if (!p) {
      const range = ranges[source];
      if (!range) throw new Error(`quantize: no calibrated range for ${source}`);
      p = uint8Params(range);
      params.set(source, p);
    }
    return p;
  };
  const scalar = (name: string, data: Float32Array | Uint8Array | Int8Array | Int32Array, dims: number[] = []): string => {
    newInitializers.push({ name, dims, data });
    return name;
  };
  const qdq = (value: string): void => {
    const p = paramsOf(value);
    const scale = scalar(`${value}/scale`, Float32Array.of(p.scale));
    const zero = scalar(`${value}/zero_point`, Uint8Array.of(p.zeroPoint));
    nodes.push({ opType: 'QuantizeLinear', name: `${value}/quantize`, inputs: [value, scale, zero], outputs: [`${value}/q`], attributes: {} });
    nodes.push({ opType: 'DequantizeLinear', name: `${value}/dequantize`, inputs: [`${value}/q`, scale, zero], outputs: [`${value}/dq`], attributes: {} });
    dequantized.set(value, `${value}/dq`);
  };

  const convInputScale = new Map<OnnxNode, number>();
  for (const conv of convs) convInputScale.set(conv, paramsOf(conv.inputs[0]).scale);

  for (const input of model.graph.inputs) qdq(input.name);
  const quantizedSet = new Set(quantized);
  for (const node of model.graph.nodes) {
    const inputs = node.inputs.map((v) => dequantized.get(v) ?? v);
    if (convInputScale.has(node)) {
      const weights = initializers.get(node.inputs[1]);
      if (!weights || !(weights.data instanceof Float32Array)) throw new Error(`quantize: ${node.name} has no float weight initialiser`);
      const q = quantizeWeights(weights);
      const wScale = scalar(`${weights.name}/scale`, q.scales, [q.scales.length]);
      const wZero = scalar(`${weights.name}/zero_point`, new Int8Array(q.scales.length), [q.scales.length]);
      scalar(`${weights.name}/int8`, q.values, [...weights.dims]);
      nodes.push({ opType: 'DequantizeLinear', name: `${weights.name}/dequantize`, inputs: [`${weights.name}/int8`, wScale, wZero], outputs: [`${weights.name}/dq`], attributes: { axis: { kind: 'int', value: 0 } } });
      inputs[1] = `${weights.name}/dq`;
      if (node.inputs[2]) {
        const bias = initializers.get(node.inputs[2]);
        if (!bias || !(bias.data instanceof Float32Array)) throw new Error(`quantize: ${node.name} has no float bias initialiser`);
        const xScale = convInputScale.get(node)!;
        const bScales = q.scales.map((s) => Math.fround(s * xScale));
        const bValues = Int32Array.from(bias.data, (b, c) => Math.max(-2147483648, Math.min(2147483647, Math.round(b / bScales[c]))));
        scalar(`${bias.name}/scale`, bScales, [bScales.length]);
        scalar(`${bias.name}/zero_point`, new Int32Array(bScales.length), [bScales.length]);
        scalar(`${bias.name}/int32`, bValues, [bValues.length]);
        nodes.push({ opType: 'DequantizeLinear', name: `${bias.name}/dequantize`, inputs: [`${bias.name}/int32`, `${bias.name}/scale`, `${bias.name}/zero_point`], outputs: [`${bias.name}/dq`], attributes: { axis: { kind: 'int', value: 0 } } });
        inputs[2] = `${bias.name}/dq`;
      }
    }
    nodes.push({ ...node, inputs });
    for (const out of node.outputs) if (quantizedSet.has(out)) qdq(out);
  }

  // Float weights and biases the int8 copies replaced are dropped; everything else stays.
  const replaced = new Set(convs.flatMap((c) => c.inputs.slice(1)));
  const kept = model.graph.initializers.filter((t) => !replaced.has(t.name));
  return { ...model, graph: { ...model.graph, nodes, initializers: [...kept, ...newInitializers] } };
}

/** Symmetric int8 per output channel (axis 0 of OIHW): scale = max |w| / 127. */
export function quantizeWeights(weights: OnnxTensor): { values: Int8Array; scales: Float32Array } {
  const data = weights.data as Float32Array;
  const channels = weights.dims[0];
  const perChannel = data.length / channels;
  const scales = new Float32Array(channels);
  const values = new Int8Array(data.length);
  for (let c = 0; c < channels; c++) {
    let maxAbs = 0;
    for (let i = c * perChannel; i < (c + 1) * perChannel; i++) maxAbs = Math.max(maxAbs, Math.abs(data[i]));
    const scale = maxAbs > 0 ? Math.fround(maxAbs / 127) : 1;
    scales[c] = scale;
    for (let i = c * perChannel; i < (c + 1) * perChannel; i++) values[i] = Math.max(-127, Math.min(127, Math.round(data[i] / scale)));
  }
  return { values, scales };
}
