// Translates a tfjs graph (NHWC) into an ONNX graph (NCHW inside, NHWC at the boundary).
//
// Convolutions in ONNX are NCHW, so 4-D activations are carried in NCHW between
// layout-agnostic ops and transposed back to TF's NHWC only where ordering is observable:
// before a Reshape (TF flattens in NHWC order) and at graph outputs.
import {
  GraphBuilder,
  attrInt,
  attrInts,
  attrString,
  type OnnxDim,
  type OnnxModel,
} from './onnx';
import { attrIntList, attrString as tfAttrString, attrStringList, type TfGraphModel, type TfNode, type TfWeight } from './tfjs-graph';

export interface ConvertSpec {
  graphName: string;
  /** The tfjs Placeholder and the public ONNX input; shape is NHWC, a string marks a dynamic dimension. */
  input: { tfName: string; onnxName: string; shape: readonly OnnxDim[] };
  /** tfjs nodes to expose, with their public ONNX names (shape/order exactly as tfjs returns them). */
  outputs: ReadonlyArray<{ tfName: string; onnxName: string }>;
  producerName: string;
  producerVersion: string;
  docString: string;
  metadata: Record<string, string>;
}

export const OPSET_VERSION = 13;

/** 'nchw': a 4-D TF tensor held as [N,C,H,W] in ONNX. 'tf': held in TF's own dimension order. */
type Layout = 'nchw' | 'tf';

interface Value {
  onnxName: string;
  layout: Layout;
  /** TF (logical) shape; -1 for the dynamic batch. */
  shape: number[];
}

const NHWC_TO_NCHW = [0, 3, 1, 2];
const NCHW_TO_NHWC = [0, 2, 3, 1];

export function convertTfjsGraph(model: TfGraphModel, spec: ConvertSpec): OnnxModel {
  const converter = new Converter(model, spec);
  return converter.run();
}

class Converter {
  private readonly builder = new GraphBuilder();
  private readonly nodesByName = new Map<string, TfNode>();
  private readonly values = new Map<string, Value>();
  /** Transposed copies already emitted, so several consumers share one Transpose. */
  private readonly layoutCache = new Map<string, Value>();

  constructor(private readonly model: TfGraphModel, private readonly spec: ConvertSpec) {
    for (const node of model.nodes) this.nodesByName.set(node.name, node);
  }

  run(): OnnxModel {
    const { input } = this.spec;
    this.builder.reserveName(input.onnxName);
    this.values.set(input.tfName, {
      onnxName: input.onnxName,
      layout: 'tf',
      shape: input.shape.map((d) => (typeof d === 'number' ? d : -1)),
    });
    for (const node of this.topologicalOrder()) this.convertNode(node);

    const outputs = this.spec.outputs.map(({ tfName, onnxName }) => {
      const value = this.toTfLayout(this.valueOf(tfName), false);
      if (value.onnxName === input.onnxName) throw new Error(`output ${onnxName} would alias the graph input`);
      this.builder.renameValue(value.onnxName, onnxName);
      return { name: onnxName, shape: value.shape.map((d) => (d === -1 ? this.batchDimName() : d)) };
    });
    return {
      graph: {
        name: this.spec.graphName,
        nodes: this.builder.nodes,
        initializers: this.builder.initializers,
        inputs: [{ name: input.onnxName, shape: input.shape }],
        outputs,
      },
      opsetVersion: OPSET_VERSION,
      producerName: this.spec.producerName,
      producerVersion: this.spec.producerVersion,
      docString: this.spec.docString,
      metadata: this.spec.metadata,
    };
  }

  private batchDimName(): string {
    const symbolic = this.spec.input.shape.find((d): d is string => typeof d === 'string');
    if (!symbolic) throw new Error('dynamic dimension in an output but none in the input');
    return symbolic;
  }

  /** Depth-first from the requested outputs, in spec order: deterministic and skips dead nodes. */
  private topologicalOrder(): TfNode[] {
    const order: TfNode[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (name: string): void => {
      if (state.get(name) === 'done' || name === this.spec.input.tfName) return;
      if (state.get(name) === 'visiting') throw new Error(`cycle at ${name}`);
      const node = this.nodesByName.get(name);
      if (!node) throw new Error(`unknown graph node ${name}`);
      state.set(name, 'visiting');
      if (node.op !== 'Const') for (const input of node.inputs) visit(input);
      state.set(name, 'done');
      if (node.op !== 'Const') order.push(node);
    };
    for (const output of this.spec.outputs) visit(output.tfName);
    return order;
  }

  private convertNode(node: TfNode): void {
    switch (node.op) {
      case '_FusedConv2D':
        return this.conv(node, false);
      case 'DepthwiseConv2dNative':
        return this.conv(node, true);
      case 'AddV2':
      case 'Add':
        return this.add(node);
      case 'Relu':
        return this.unary(node, 'Relu');
      case 'Sigmoid':
        return this.unary(node, 'Sigmoid');
      case 'Prelu':
        return this.prelu(node);
      case 'MaxPool':
        return this.maxPool(node);
      case 'Pad':
        return this.pad(node);
      case 'Reshape':
        return this.reshape(node);
      case 'ConcatV2':
        return this.concat(node);
      case 'Identity':
        this.values.set(node.name, this.valueOf(node.inputs[0]));
        return;
      case 'Placeholder':
        throw new Error(`unexpected second input ${node.name}`);
      default:
        throw new Error(`unsupported tfjs op ${node.op} (node ${node.name})`);
    }
  }

  // --- ops ---------------------------------------------------------------------------

  private conv(node: TfNode, depthwise: boolean): void {
    this.requireNhwc(node);
    const x = this.toNchw(this.valueOf(node.inputs[0]));
    const kernel = this.weight(node.inputs[1]);
    const [kh, kw, inChannels, multiplier] = kernel.shape; // HWIO, or HWCM for depthwise
    const outChannels = depthwise ? inChannels * multiplier : multiplier;
    const geometry = this.windowGeometry(node, x.shape, [kh, kw]);

    const inputs = [x.onnxName, this.convKernel(node.inputs[1], kernel, depthwise)];
    const fused = depthwise ? [] : attrStringList(node, 'fused_ops');
    let next = 2;
    if (fused[0] === 'BiasAdd') {
      inputs.push(this.floatInitializer(node.inputs[next++], [outChannels]));
    }
    let out = this.builder.addNode('Conv', node.name, inputs, {
      kernel_shape: attrInts([kh, kw]),
      strides: attrInts(geometry.strides),
      dilations: attrInts(geometry.dilations),
      pads: attrInts(geometry.pads),
      group: attrInt(depthwise ? inChannels : 1),
    });
    for (const op of fused.slice(fused[0] === 'BiasAdd' ? 1 : 0)) {
      if (op === 'Relu') out = this.builder.addNode('Relu', `${node.name}/relu`, [out]);
      else if (op === 'Prelu') out = this.preluNodes(`${node.name}/prelu`, out, node.inputs[next++], outChannels);
      else throw new Error(`${node.name}: unsupported fused op ${op} (fused_ops ${fused})`);
    }
    this.values.set(node.name, { onnxName: out, layout: 'nchw', shape: [x.shape[0], ...geometry.outSize, outChannels] });
  }

  private add(node: TfNode): void {
    const [a, b] = this.sameLayout(node.inputs.map((n) => this.valueOf(n)));
    if (a.shape.join() !== b.shape.join()) throw new Error(`${node.name}: broadcasting add ${a.shape} + ${b.shape} not supported`);
    const out = this.builder.addNode('Add', node.name, [a.onnxName, b.onnxName]);
    this.values.set(node.name, { ...a, onnxName: out });
  }

  private unary(node: TfNode, opType: string): void {
    const x = this.valueOf(node.inputs[0]);
    this.values.set(node.name, { ...x, onnxName: this.builder.addNode(opType, node.name, [x.onnxName]) });
  }

  private prelu(node: TfNode): void {
    const x = this.toNchw(this.valueOf(node.inputs[0]));
    const channels = x.shape[3];
    const out = this.preluNodes(node.name, x.onnxName, node.inputs[1], channels);
    this.values.set(node.name, { ...x, onnxName: out });
  }

  private maxPool(node: TfNode): void {
    this.requireNhwc(node);
    const x = this.toNchw(this.valueOf(node.inputs[0]));
    const ksize = attrIntList(node, 'ksize');
    if (ksize[0] !== 1 || ksize[3] !== 1) throw new Error(`${node.name}: pooling over batch/channels`);
    const geometry = this.windowGeometry(node, x.shape, [ksize[1], ksize[2]]);
    const out = this.builder.addNode('MaxPool', node.name, [x.onnxName], {
      kernel_shape: attrInts([ksize[1], ksize[2]]),
      strides: attrInts(geometry.strides),
      dilations: attrInts(geometry.dilations),
      pads: attrInts(geometry.pads),
    });
    this.values.set(node.name, { onnxName: out, layout: 'nchw', shape: [x.shape[0], ...geometry.outSize, x.shape[3]] });
  }

  private pad(node: TfNode): void {
    const x = this.valueOf(node.inputs[0]);
    const paddings = Array.from(this.weight(node.inputs[1]).values); // [[begin, end] per TF dim]
    if (paddings.length !== 2 * x.shape.length) throw new Error(`${node.name}: paddings do not match rank`);
    const rank = x.shape.length;
    const held = rank === 4 ? this.toNchw(x) : this.toTfLayout(x, false);
    const dimOrder = held.layout === 'nchw' ? NHWC_TO_NCHW : [...Array(rank).keys()];
    const begins = dimOrder.map((d) => paddings[2 * d]);
    const ends = dimOrder.map((d) => paddings[2 * d + 1]);
    const pads = this.builder.addInt64Initializer(`${node.inputs[1]}/onnx`, [...begins, ...ends]);
    const out = this.builder.addNode('Pad', node.name, [held.onnxName, pads], { mode: attrString('constant') });
    const shape = x.shape.map((d, i) => (d === -1 ? -1 : d + paddings[2 * i] + paddings[2 * i + 1]));
    this.values.set(node.name, { onnxName: out, layout: held.layout, shape });
  }

  private reshape(node: TfNode): void {
    const x = this.toTfLayout(this.valueOf(node.inputs[0]), true);
    const target = Array.from(this.weight(node.inputs[1]).values);
    const shapeName = this.builder.addInt64Initializer(node.inputs[1], target);
    const out = this.builder.addNode('Reshape', node.name, [x.onnxName, shapeName]);
    this.values.set(node.name, { onnxName: out, layout: 'tf', shape: resolveReshape(x.shape, target) });
  }

  private concat(node: TfNode): void {
    const axisNode = node.inputs[node.inputs.length - 1];
    const axisValues = this.weight(axisNode).values;
    const parts = this.sameLayout(node.inputs.slice(0, -1).map((n) => this.valueOf(n)));
    const rank = parts[0].shape.length;
    const axis = (axisValues[0] + rank) % rank;
    const onnxAxis = parts[0].layout === 'nchw' ? NHWC_TO_NCHW.indexOf(axis) : axis;
    const out = this.builder.addNode('Concat', node.name, parts.map((p) => p.onnxName), { axis: attrInt(onnxAxis) });
    const shape = [...parts[0].shape];
    shape[axis] = parts.reduce((sum, p) => sum + p.shape[axis], 0);
    this.values.set(node.name, { onnxName: out, layout: parts[0].layout, shape });
  }

  // --- layout ------------------------------------------------------------------------

  private toNchw(v: Value): Value {
    if (v.layout === 'nchw') return v;
    if (v.shape.length !== 4) throw new Error(`${v.onnxName}: expected a 4-D tensor, got [${v.shape}]`);
    return this.transposed(v, NHWC_TO_NCHW, 'nchw', 'to_nchw');
  }

  /**
   * Brings a value to TF dimension order. With `forFlattening`, a [N,1,1,C] tensor is passed
   * through as is: its NCHW and NHWC memory orders coincide, and a Reshape follows.
   */
  private toTfLayout(v: Value, forFlattening: boolean): Value {
    if (v.layout === 'tf') return v;
    if (forFlattening && v.shape[1] === 1 && v.shape[2] === 1) return v;
    return this.transposed(v, NCHW_TO_NHWC, 'tf', 'to_nhwc');
  }

  private transposed(v: Value, perm: number[], layout: Layout, suffix: string): Value {
    const key = `${v.onnxName}\u0000${layout}`;
    const cached = this.layoutCache.get(key);
    if (cached) return cached;
    const out = this.builder.addNode('Transpose', `${v.onnxName}/${suffix}`, [v.onnxName], { perm: attrInts(perm) });
    const result: Value = { onnxName: out, layout, shape: v.shape };
    this.layoutCache.set(key, result);
    return result;
  }

  /** Elementwise ops need operands in one layout: prefer NCHW when any 4-D operand already is. */
  private sameLayout(values: Value[]): Value[] {
    if (values.every((v) => v.layout === values[0].layout)) return values;
    if (values.every((v) => v.shape.length === 4)) return values.map((v) => this.toNchw(v));
    return values.map((v) => this.toTfLayout(v, false));
  }

  private requireNhwc(node: TfNode): void {
    const format = tfAttrString(node, 'data_format') ?? 'NHWC';
    if (format !== 'NHWC') throw new Error(`${node.name}: data_format ${format} not supported`);
  }

  /** Strides, dilations, ONNX pads ([top, left, bottom, right]) and output H, W of a 2-D window op. */
  private windowGeometry(node: TfNode, nhwcShape: number[], kernel: [number, number]) {
    const strides4 = attrIntList(node, 'strides');
    const dilations4 = attrIntList(node, 'dilations');
    const strides = [strides4[1] ?? 1, strides4[2] ?? 1];
    const dilations = dilations4.length ? [dilations4[1], dilations4[2]] : [1, 1];
    if ((strides4.length && (strides4[0] !== 1 || strides4[3] !== 1)) || (dilations4.length && (dilations4[0] !== 1 || dilations4[3] !== 1))) {
      throw new Error(`${node.name}: stride/dilation over batch or channels`);
    }
    const padding = tfAttrString(node, 'padding');
    const explicit = attrIntList(node, 'explicit_paddings');
    const begins: number[] = [];
    const ends: number[] = [];
    const outSize: number[] = [];
    for (let i = 0; i < 2; i++) {
      const inSize = nhwcShape[1 + i];
      if (inSize < 0) throw new Error(`${node.name}: spatial size must be static`);
      const effectiveKernel = (kernel[i] - 1) * dilations[i] + 1;
      let begin = 0;
      let end = 0;
      if (padding === 'SAME') {
        // TF: output = ceil(in / stride); an odd total pad puts the extra pixel at the end.
        const out = Math.ceil(inSize / strides[i]);
        const total = Math.max((out - 1) * strides[i] + effectiveKernel - inSize, 0);
        begin = Math.floor(total / 2);
        end = total - begin;
      } else if (padding === 'EXPLICIT') {
        begin = explicit[2 * (1 + i)];
        end = explicit[2 * (1 + i) + 1];
      } else if (padding !== 'VALID') {
        throw new Error(`${node.name}: padding ${padding} not supported`);
      }
      begins.push(begin);
      ends.push(end);
      outSize.push(Math.floor((inSize + begin + end - effectiveKernel) / strides[i]) + 1);
    }
    return { strides, dilations, pads: [...begins, ...ends], outSize };
  }

  // --- constants ---------------------------------------------------------------------

  private valueOf(tfName: string): Value {
    const value = this.values.get(tfName);
    if (!value) throw new Error(`value ${tfName} used before it is computed (or is a Const fed as data)`);
    return value;
  }

  private weight(tfName: string): TfWeight {
    const node = this.nodesByName.get(tfName);
    const weight = this.model.weights.get(tfName);
    if (node?.op !== 'Const' || !weight) throw new Error(`${tfName} is not a constant with weights`);
    return weight;
  }

  private floatWeight(tfName: string): Float32Array {
    const { values } = this.weight(tfName);
    if (!(values instanceof Float32Array)) throw new Error(`${tfName}: expected float weights`);
    return values;
  }

  private floatInitializer(tfName: string, dims: number[]): string {
    return this.builder.addFloatInitializer(tfName, dims, this.floatWeight(tfName));
  }

  /** TF HWIO (or depthwise HWCM) kernel to ONNX OIHW (depthwise: [C*M, 1, H, W], group C). */
  private convKernel(tfName: string, kernel: TfWeight, depthwise: boolean): string {
    const [kh, kw, c, m] = kernel.shape;
    const data = this.floatWeight(tfName);
    const out = new Float32Array(data.length);
    const outChannels = depthwise ? c * m : m;
    const inPerGroup = depthwise ? 1 : c;
    for (let y = 0; y < kh; y++) {
      for (let x = 0; x < kw; x++) {
        for (let i = 0; i < c; i++) {
          for (let j = 0; j < m; j++) {
            const src = ((y * kw + x) * c + i) * m + j;
            const o = depthwise ? i * m + j : j;
            const ci = depthwise ? 0 : i;
            out[((o * inPerGroup + ci) * kh + y) * kw + x] = data[src];
          }
        }
      }
    }
    return this.builder.addFloatInitializer(tfName, [outChannels, inPerGroup, kh, kw], out);
  }

  /**
   * PReLU as s * x + (1 - s) * Relu(x), per channel. ONNX Runtime's own PRelu kernel took 55-60 % of
   * the mesh and iris models' time (bench/RESULTS.md "Speed"); in this form its optimiser folds the
   * Mul into the convolution that makes x and fuses the Relu and the Add into its NCHWc kernels.
   * Exact up to float rounding, whatever the slopes' sign or size. Returns the output's name.
   */
  private preluNodes(name: string, x: string, slopeTfName: string, channels: number): string {
    const slope = this.floatWeight(slopeTfName);
    if (slope.length !== channels) throw new Error(`${slopeTfName}: ${slope.length} PReLU slopes for ${channels} channels`);
    // [1, C, 1, 1] broadcasts over NCHW activations.
    const s = this.builder.addFloatInitializer(`${slopeTfName}/slope`, [1, channels, 1, 1], slope);
    const rest = this.builder.addFloatInitializer(`${slopeTfName}/one_minus_slope`, [1, channels, 1, 1], slope.map((v) => 1 - v));
    const linear = this.builder.addNode('Mul', `${name}/linear`, [x, s]);
    const relu = this.builder.addNode('Relu', `${name}/relu`, [x]);
    const positive = this.builder.addNode('Mul', `${name}/positive`, [relu, rest]);
    return this.builder.addNode('Add', name, [linear, positive]);
  }

}

function resolveReshape(inShape: number[], target: number[]): number[] {
  if (inShape.includes(-1)) return target; // dynamic batch: leave the -1 in place
  const known = target.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const total = inShape.reduce((a, b) => a * b, 1);
  return target.map((d) => (d === -1 ? total / known : d));
}
