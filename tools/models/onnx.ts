// ONNX model description and its protobuf encoding (field numbers from onnx/onnx.proto).
import { ProtoWriter } from './protobuf';

export type OnnxAttribute =
  | { kind: 'int'; value: number }
  | { kind: 'ints'; value: readonly number[] }
  | { kind: 'float'; value: number }
  | { kind: 'string'; value: string };

export const attrInt = (value: number): OnnxAttribute => ({ kind: 'int', value });
export const attrInts = (value: readonly number[]): OnnxAttribute => ({ kind: 'ints', value });
export const attrFloat = (value: number): OnnxAttribute => ({ kind: 'float', value });
export const attrString = (value: string): OnnxAttribute => ({ kind: 'string', value });

export interface OnnxNode {
  opType: string;
  name: string;
  inputs: string[];
  outputs: string[];
  attributes: Record<string, OnnxAttribute>;
}

/** Initializer data; the array type decides the ONNX element type (see ELEMENT_TYPES). */
export type OnnxTensorData = Float32Array | BigInt64Array | Int32Array | Int8Array | Uint8Array;

/** Initializer: float32 weights, int64 shape/pad vectors, or a quantised model's int8/uint8/int32 values. */
export interface OnnxTensor {
  name: string;
  dims: readonly number[];
  data: OnnxTensorData;
}

/** A dimension is a fixed size or a symbolic name (dynamic, e.g. 'batch'). */
export type OnnxDim = number | string;

export interface OnnxValueInfo {
  name: string;
  /** Absent: a float tensor of unknown shape (ONNX Runtime infers it; calibration outputs use this). */
  shape?: readonly OnnxDim[];
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

export interface OnnxModel {
  graph: OnnxGraph;
  opsetVersion: number;
  producerName: string;
  producerVersion: string;
  docString: string;
  metadata: Record<string, string>;
}

export const IR_VERSION = 8;

// onnx.proto enum values
const TENSOR_FLOAT = 1;
const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_STRING = 3;
const ATTR_INTS = 7;

export function encodeModel(model: OnnxModel): Uint8Array {
  const w = new ProtoWriter();
  w.varint(1, IR_VERSION);
  w.string(2, model.producerName);
  w.string(3, model.producerVersion);
  w.string(6, model.docString);
  w.message(7, (g) => writeGraph(g, model.graph));
  w.message(8, (o) => o.string(1, '').varint(2, model.opsetVersion));
  for (const key of Object.keys(model.metadata).sort()) {
    w.message(14, (e) => e.string(1, key).string(2, model.metadata[key]));
  }
  return w.finish();
}

function writeGraph(w: ProtoWriter, graph: OnnxGraph): void {
  for (const node of graph.nodes) w.message(1, (n) => writeNode(n, node));
  w.string(2, graph.name);
  for (const tensor of graph.initializers) w.message(5, (t) => writeTensor(t, tensor));
  for (const input of graph.inputs) w.message(11, (v) => writeValueInfo(v, input));
  for (const output of graph.outputs) w.message(12, (v) => writeValueInfo(v, output));
}

function writeNode(w: ProtoWriter, node: OnnxNode): void {
  for (const input of node.inputs) w.string(1, input);
  for (const output of node.outputs) w.string(2, output);
  w.string(3, node.name);
  w.string(4, node.opType);
  for (const name of Object.keys(node.attributes).sort()) {
    w.message(5, (a) => writeAttribute(a, name, node.attributes[name]));
  }
}

function writeAttribute(w: ProtoWriter, name: string, attr: OnnxAttribute): void {
  w.string(1, name);
  switch (attr.kind) {
    case 'float':
      w.float(2, attr.value).varint(20, ATTR_FLOAT);
      break;
    case 'int':
      w.varint(3, attr.value).varint(20, ATTR_INT);
      break;
    case 'string':
      w.string(4, attr.value).varint(20, ATTR_STRING);
      break;
    case 'ints':
      for (const v of attr.value) w.varint(8, v);
      w.varint(20, ATTR_INTS);
      break;
  }
}

function writeTensor(w: ProtoWriter, tensor: OnnxTensor): void {
  const count = tensor.dims.reduce((a, b) => a * b, 1);
  if (count !== tensor.data.length) {
    throw new Error(`initializer ${tensor.name}: dims [${tensor.dims}] hold ${count} values, data has ${tensor.data.length}`);
  }
  for (const d of tensor.dims) w.varint(1, d);
  w.varint(2, elementType(tensor.data));
  w.string(8, tensor.name);
  w.bytes(9, littleEndianBytes(tensor.data));
}

/** onnx.proto TensorProto.DataType of an initializer's array. */
function elementType(data: OnnxTensorData): number {
  if (data instanceof Float32Array) return 1;
  if (data instanceof Uint8Array) return 2;
  if (data instanceof Int8Array) return 3;
  if (data instanceof Int32Array) return 6;
  return 7; // BigInt64Array
}

function littleEndianBytes(data: OnnxTensorData): Uint8Array {
  const out = new Uint8Array(data.length * data.BYTES_PER_ELEMENT);
  const view = new DataView(out.buffer);
  if (data instanceof Float32Array) data.forEach((v, i) => view.setFloat32(i * 4, v, true));
  else if (data instanceof Int32Array) data.forEach((v, i) => view.setInt32(i * 4, v, true));
  else if (data instanceof BigInt64Array) data.forEach((v, i) => view.setBigInt64(i * 8, v, true));
  else out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return out;
}

function writeValueInfo(w: ProtoWriter, info: OnnxValueInfo): void {
  w.string(1, info.name);
  w.message(2, (type) =>
    type.message(1, (tensorType) => {
      tensorType.varint(1, TENSOR_FLOAT);
      const dims = info.shape;
      if (!dims) return;
      tensorType.message(2, (shape) => {
        for (const dim of dims) {
          shape.message(1, (d) => (typeof dim === 'number' ? d.varint(1, dim) : d.string(2, dim)));
        }
      });
    }),
  );
}

/** Accumulates nodes and initializers with unique names, in insertion order (deterministic). */
export class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  private readonly usedNames = new Set<string>();

  /** Adds a single-output node; the output value takes the node's (uniquified) name. */
  addNode(opType: string, name: string, inputs: string[], attributes: Record<string, OnnxAttribute> = {}): string {
    const unique = this.uniqueName(name);
    this.nodes.push({ opType, name: unique, inputs, outputs: [unique], attributes });
    return unique;
  }

  addFloatInitializer(name: string, dims: readonly number[], data: Float32Array): string {
    const unique = this.uniqueName(name);
    this.initializers.push({ name: unique, dims, data });
    return unique;
  }

  /** Any initializer; the array type gives the element type (see elementType). */
  addInitializer(name: string, dims: readonly number[], data: OnnxTensorData): string {
    const unique = this.uniqueName(name);
    this.initializers.push({ name: unique, dims, data });
    return unique;
  }

  addInt64Initializer(name: string, values: readonly number[]): string {
    const unique = this.uniqueName(name);
    this.initializers.push({ name: unique, dims: [values.length], data: BigInt64Array.from(values, (v) => BigInt(v)) });
    return unique;
  }

  reserveName(name: string): void {
    if (this.usedNames.has(name)) throw new Error(`duplicate ONNX value name ${name}`);
    this.usedNames.add(name);
  }

  /** Renames a value everywhere it is produced or consumed (used to give graph outputs their public names). */
  renameValue(from: string, to: string): void {
    this.reserveName(to);
    for (const node of this.nodes) {
      node.inputs = node.inputs.map((v) => (v === from ? to : v));
      node.outputs = node.outputs.map((v) => (v === from ? to : v));
    }
  }

  private uniqueName(base: string): string {
    let name = base;
    for (let i = 1; this.usedNames.has(name); i++) name = `${base}_${i}`;
    this.usedNames.add(name);
    return name;
  }
}
