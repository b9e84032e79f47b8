// Translates a tfjs graph (NHWC) into an ONNX graph (NCHW inside, NHWC at the boundary).
//
// Convolutions in ONNX are NCHW, so 4-D activations are carried in NCHW between
// layout-agnostic ops and transposed back to TF's NHWC only where ordering is observable:
// before a Reshape (TF flattens in NHWC order) and at graph outputs.
//
// Every node is first offered to the constant folder (fold.ts): with static shapes, TF's run-time
// shape arithmetic becomes initializers. What remains is emitted here (convolutions, pooling,
// padding, reshape, concat: the layout-sensitive ops) or by ops-math.ts / ops-index.ts.
import {
  NCHW_TO_NHWC,
  NHWC_TO_NCHW,
  constantValue,
  runtimeValue,
  type ConstantValue,
  type ConvertOptions,
  type Layout,
  type OpContext,
  type RuntimeValue,
  type Value,
} from './context';
import { foldTfOp } from './fold';
import { GraphBuilder, attrInt, attrInts, attrString, type OnnxDim, type OnnxModel } from './onnx';
import { INDEX_OPS } from './ops-index';
import { MATH_OPS } from './ops-math';
import { isStatic, resolveReshape, tensor, transposeTensor, type ConstTensor } from './tensor';
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
  options?: ConvertOptions;
}

export const OPSET_VERSION = 13;

export function convertTfjsGraph(model: TfGraphModel, spec: ConvertSpec): OnnxModel {
  const converter = new Converter(model, spec);
  return converter.run();
}

class Converter implements OpContext {
  readonly builder = new GraphBuilder();
  readonly options: ConvertOptions;
  private readonly nodesByName = new Map<string, TfNode>();
  private readonly values = new Map<string, Value>();
  /** Transposed copies already emitted, so several consumers share one Transpose. */
  private readonly layoutCache = new Map<string, RuntimeValue>();
  /** Constants already emitted as initializers, per held layout. */
  private readonly emitted = new Map<ConstantValue, Partial<Record<Layout, RuntimeValue>>>();

  constructor(private readonly model: TfGraphModel, private readonly spec: ConvertSpec) {
    for (const node of model.nodes) this.nodesByName.set(node.name, node);
    this.options = spec.options ?? {};
  }

  run(): OnnxModel {
    const { input } = this.spec;
    this.builder.reserveName(input.onnxName);
    const inputShape = input.shape.map((d) => (typeof d === 'number' ? d : -1));
    this.values.set(input.tfName, runtimeValue(input.onnxName, 'tf', inputShape, 'float32'));
    for (const node of this.topologicalOrder()) this.convertNode(node);

    const outputs = this.spec.outputs.map(({ tfName, onnxName }) => {
      const produced = this.value(tfName);
      if (produced.kind === 'constant') throw new Error(`output ${onnxName} is a constant`);
      const value = this.toTfLayout(produced, false);
      if (value.onnxName === input.onnxName) throw new Error(`output ${onnxName} would alias the graph input`);
      if (value.dtype !== 'float32') throw new Error(`output ${onnxName} is ${value.dtype}, only float outputs are declared`);
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
    const folded = this.fold(node);
    if (folded) {
      this.values.set(node.name, constantValue(node.name, folded));
      return;
    }
    switch (node.op) {
      case '_FusedConv2D':
        return this.conv(node, false);
      case 'DepthwiseConv2dNative':
        return this.conv(node, true);
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
        this.values.set(node.name, this.value(node.inputs[0]));
        return;
      case 'Placeholder':
        throw new Error(`unexpected second input ${node.name}`);
    }
    const emit = MATH_OPS[node.op] ?? INDEX_OPS[node.op];
    if (!emit) throw new Error(`unsupported tfjs op ${node.op} (node ${node.name})`);
    emit(this, node);
  }

  /**
   * The node's value when it is known at conversion time: shape queries of static tensors, and
   * any op whose inputs are all constants (fold.ts).
   */
  private fold(node: TfNode): ConstTensor | undefined {
    if (node.op === 'Shape' || node.op === 'ZerosLike') {
      const x = this.value(node.inputs[0]);
      if (!isStatic(x.shape)) return undefined;
      if (node.op === 'Shape') {
        if (node.attr.out_type && node.attr.out_type.type !== 'DT_INT32') throw new Error(`${node.name}: Shape to ${node.attr.out_type.type}`);
        return tensor('int32', [x.shape.length], x.shape);
      }
      return tensor(x.dtype, [...x.shape]);
    }
    if (node.op === 'Placeholder' || node.inputs.length === 0) return undefined;
    const inputs = node.inputs.map((name) => this.value(name));
    if (!inputs.every((v): v is ConstantValue => v.kind === 'constant')) return undefined;
    return foldTfOp(node, inputs.map((v) => v.tensor));
  }

  // --- OpContext ---------------------------------------------------------------------

  value(tfName: string): Value {
    const value = this.values.get(tfName);
    if (value) return value;
    const node = this.nodesByName.get(tfName);
    if (node?.op === 'Const') {
      const { values, shape } = this.weight(tfName);
      const constant = constantValue(tfName, tensor(values instanceof Int32Array ? 'int32' : 'float32', [...shape], values));
      this.values.set(tfName, constant);
      return constant;
    }
    throw new Error(`value ${tfName} used before it is computed`);
  }

  constant(tfName: string): ConstTensor {
    const value = this.value(tfName);
    if (value.kind !== 'constant') throw new Error(`${tfName} must be known at conversion time (it is computed at run time)`);
    return value.tensor;
  }

  define(tfName: string, value: Value): void {
    this.values.set(tfName, value);
  }

  tfOrder(value: Value): RuntimeValue {
    return this.toTfLayout(value, false);
  }

  aligned(values: Value[]): RuntimeValue[] {
    const computed = values.filter((v): v is RuntimeValue => v.kind === 'runtime');
    if (computed.every((v) => v.layout === 'tf')) return values.map((v) => this.toTfLayout(v, false));
    if (computed.every((v) => v.shape.length === 4) && values.every((v) => v.shape.length <= 4)) return values.map((v) => this.toNchw(v));
    return values.map((v) => this.toTfLayout(v, false));
  }

  reshaped(value: Value, shape: number[], name: string): Value {
    if (value.kind === 'constant') return constantValue(name, { ...value.tensor, shape });
    const x = this.toTfLayout(value, true);
    if (x.shape.join() === shape.join()) return x;
    const target = this.builder.addInt64Initializer(`${name}/shape`, shape);
    return runtimeValue(this.builder.addNode('Reshape', name, [x.onnxName, target]), 'tf', shape, x.dtype);
  }

  // --- ops ---------------------------------------------------------------------------

  private conv(node: TfNode, depthwise: boolean): void {
    this.requireNhwc(node);
    const x = this.toNchw(this.value(node.inputs[0]));
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
    this.values.set(node.name, runtimeValue(out, 'nchw', [x.shape[0], ...geometry.outSize, outChannels], 'float32'));
  }

  private prelu(node: TfNode): void {
    const x = this.toNchw(this.value(node.inputs[0]));
    const channels = x.shape[3];
    const out = this.preluNodes(node.name, x.onnxName, node.inputs[1], channels);
    this.values.set(node.name, runtimeValue(out, 'nchw', x.shape, x.dtype));
  }

  private maxPool(node: TfNode): void {
    this.requireNhwc(node);
    const x = this.toNchw(this.value(node.inputs[0]));
    const ksize = attrIntList(node, 'ksize');
    if (ksize[0] !== 1 || ksize[3] !== 1) throw new Error(`${node.name}: pooling over batch/channels`);
    const geometry = this.windowGeometry(node, x.shape, [ksize[1], ksize[2]]);
    const out = this.builder.addNode('MaxPool', node.name, [x.onnxName], {
      kernel_shape: attrInts([ksize[1], ksize[2]]),
      strides: attrInts(geometry.strides),
      dilations: attrInts(geometry.dilations),
      pads: attrInts(geometry.pads),
    });
    this.values.set(node.name, runtimeValue(out, 'nchw', [x.shape[0], ...geometry.outSize, x.shape[3]], x.dtype));
  }

  private pad(node: TfNode): void {
    const x = this.value(node.inputs[0]);
    const paddings = Array.from(this.constant(node.inputs[1]).data); // [[begin, end] per TF dim]
    if (paddings.length !== 2 * x.shape.length) throw new Error(`${node.name}: paddings do not match rank`);
    const rank = x.shape.length;
    const held = rank === 4 ? this.toNchw(x) : this.toTfLayout(x, false);
    const dimOrder = held.layout === 'nchw' ? NHWC_TO_NCHW : [...Array(rank).keys()];
    const begins = dimOrder.map((d) => paddings[2 * d]);
    const ends = dimOrder.map((d) => paddings[2 * d + 1]);
    const pads = this.builder.addInt64Initializer(`${node.inputs[1]}/onnx`, [...begins, ...ends]);
    const out = this.builder.addNode('Pad', node.name, [held.onnxName, pads], { mode: attrString('constant') });
    const shape = x.shape.map((d, i) => (d === -1 ? -1 : d + paddings[2 * i] + paddings[2 * i + 1]));
    this.values.set(node.name, runtimeValue(out, held.layout, shape, x.dtype));
  }

  private reshape(node: TfNode): void {
    const x = this.toTfLayout(this.value(node.inputs[0]), true);
    const target = Array.from(this.constant(node.inputs[1]).data);
    const shapeName = this.builder.addInt64Initializer(node.inputs[1], target);
    const out = this.builder.addNode('Reshape', node.name, [x.onnxName, shapeName]);
    this.values.set(node.name, runtimeValue(out, 'tf', resolveReshape(x.shape, target), x.dtype));
  }

  private concat(node: TfNode): void {
    const axisValues = this.constant(node.inputs[node.inputs.length - 1]).data;
    const values = node.inputs.slice(0, -1).map((n) => this.value(n));
    const parts = this.aligned(values);
    const rank = values[0].shape.length;
    const axis = (axisValues[0] + rank) % rank;
    const onnxAxis = parts[0].layout === 'nchw' ? NHWC_TO_NCHW.indexOf(axis) : axis;
    const out = this.builder.addNode('Concat', node.name, parts.map((p) => p.onnxName), { axis: attrInt(onnxAxis) });
    const shape = [...values[0].shape];
    shape[axis] = values.reduce((sum, p) => (sum < 0 || p.shape[axis] < 0 ? -1 : sum + p.shape[axis]), 0);
    this.values.set(node.name, runtimeValue(out, parts[0].layout, shape, values[0].dtype));
  }

  // --- layout ------------------------------------------------------------------------

  /** A 4-D value held as NCHW; a constant of lower rank is first broadcast-aligned to rank 4. */
  private toNchw(v: Value): RuntimeValue {
    if (v.kind === 'constant') {
      if (v.shape.length > 4) throw new Error(`${v.name}: a rank-${v.shape.length} constant cannot join NCHW operands`);
      if (v.shape.length === 0) return this.emitConstant(v, 'nchw', v.tensor);
      const shape4 = [...new Array<number>(4 - v.shape.length).fill(1), ...v.shape];
      return this.emitConstant(v, 'nchw', transposeTensor({ ...v.tensor, shape: shape4 }, NHWC_TO_NCHW));
    }
    if (v.layout === 'nchw') return v;
    if (v.shape.length !== 4) throw new Error(`${v.onnxName}: expected a 4-D tensor, got [${v.shape}]`);
    return this.transposed(v, NHWC_TO_NCHW, 'nchw', 'to_nchw');
  }

  /**
   * Brings a value to TF dimension order. With `forFlattening`, a [N,1,1,C] tensor is passed
   * through as is: its NCHW and NHWC memory orders coincide, and a Reshape follows.
   */
  private toTfLayout(v: Value, forFlattening: boolean): RuntimeValue {
    if (v.kind === 'constant') return this.emitConstant(v, 'tf', v.tensor);
    if (v.layout === 'tf') return v;
    if (forFlattening && v.shape[1] === 1 && v.shape[2] === 1) return v;
    return this.transposed(v, NCHW_TO_NHWC, 'tf', 'to_nhwc');
  }

  private transposed(v: RuntimeValue, perm: number[], layout: Layout, suffix: string): RuntimeValue {
    const key = `${v.onnxName}\u0000${layout}`;
    const cached = this.layoutCache.get(key);
    if (cached) return cached;
    const out = this.builder.addNode('Transpose', `${v.onnxName}/${suffix}`, [v.onnxName], { perm: attrInts(perm) });
    const result = runtimeValue(out, layout, v.shape, v.dtype);
    this.layoutCache.set(key, result);
    return result;
  }

  /** A constant as an initializer holding `held` (its data in the given layout); emitted once per layout. */
  private emitConstant(v: ConstantValue, layout: Layout, held: ConstTensor): RuntimeValue {
    const done = this.emitted.get(v) ?? {};
    const existing = done[layout];
    if (existing) return existing;
    if (held.dtype === 'bool') throw new Error(`${v.name}: boolean constants are not emitted (fold the op that reads it)`);
    const name = this.builder.addInitializer(layout === 'nchw' ? `${v.name}/nchw` : v.name, held.shape, held.data as Float32Array | Int32Array);
    const result = runtimeValue(name, layout, v.shape, v.dtype);
    this.emitted.set(v, { ...done, [layout]: result });
    return result;
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
