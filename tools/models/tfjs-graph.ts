// Reads a TensorFlow.js graph model (model.json + weight shards) into plain nodes and
// dequantised weights, without tfjs itself.
import { readFile } from 'node:fs/promises';
import path from 'node:path';

export interface TfAttrValue {
  s?: string; // base64
  i?: string | number;
  f?: number;
  b?: boolean;
  type?: string;
  list?: { i?: Array<string | number>; s?: string[]; f?: number[] };
  shape?: { dim?: Array<{ size?: string | number }> };
}

export interface TfNode {
  name: string;
  op: string;
  /** Data inputs as node names (output index 0 only; control inputs dropped). */
  inputs: string[];
  attr: Record<string, TfAttrValue>;
}

export interface TfWeight {
  name: string;
  shape: number[];
  values: Float32Array | Int32Array;
}

export interface TfGraphModel {
  nodes: TfNode[];
  weights: Map<string, TfWeight>;
}

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; scale?: number; min?: number };
}

interface WeightGroup {
  paths: string[];
  weights: WeightSpec[];
}

/** Weight shard file names a model.json refers to, in load order. */
export function weightShardPaths(modelJson: unknown): string[] {
  return weightGroups(modelJson).flatMap((g) => g.paths);
}

/** Loads `model.json` and its shards from disk. */
export async function readTfjsGraphModel(modelJsonPath: string): Promise<TfGraphModel> {
  const json: unknown = JSON.parse(await readFile(modelJsonPath, 'utf8'));
  const shards = new Map<string, Uint8Array>();
  for (const shard of weightShardPaths(json)) {
    shards.set(shard, await readFile(path.join(path.dirname(modelJsonPath), shard)));
  }
  return parseTfjsGraphModel(json, shards);
}

export function parseTfjsGraphModel(modelJson: unknown, shards: ReadonlyMap<string, Uint8Array>): TfGraphModel {
  const topology = field(modelJson, 'modelTopology');
  const rawNodes = field(topology, 'node');
  if (!Array.isArray(rawNodes)) throw new Error('modelTopology.node is not an array');
  const nodes = rawNodes.map(parseNode);
  const weights = new Map<string, TfWeight>();
  for (const group of weightGroups(modelJson)) {
    const buffer = concat(group.paths.map((p) => {
      const data = shards.get(p);
      if (!data) throw new Error(`missing weight shard ${p}`);
      return data;
    }));
    let offset = 0;
    for (const spec of group.weights) {
      const { weight, byteLength } = decodeWeight(spec, buffer, offset);
      weights.set(weight.name, weight);
      offset += byteLength;
    }
    if (offset !== buffer.length) throw new Error(`weight shards ${group.paths} hold ${buffer.length} bytes, specs use ${offset}`);
  }
  return { nodes, weights };
}

function parseNode(raw: unknown): TfNode {
  const name = field(raw, 'name');
  const op = field(raw, 'op');
  if (typeof name !== 'string' || typeof op !== 'string') throw new Error('graph node without name/op');
  const rawInputs = optionalField(raw, 'input') ?? [];
  if (!Array.isArray(rawInputs)) throw new Error(`node ${name}: input is not an array`);
  const inputs: string[] = [];
  for (const input of rawInputs) {
    if (typeof input !== 'string') throw new Error(`node ${name}: non-string input`);
    if (input.startsWith('^')) continue; // control dependency: no data flows
    const [source, index] = input.split(':');
    if (index !== undefined && index !== '0') throw new Error(`node ${name}: multi-output input ${input} is not supported`);
    inputs.push(source);
  }
  const attr = (optionalField(raw, 'attr') ?? {}) as Record<string, TfAttrValue>;
  return { name, op, inputs, attr };
}

function weightGroups(modelJson: unknown): WeightGroup[] {
  const manifest = field(modelJson, 'weightsManifest');
  if (!Array.isArray(manifest)) throw new Error('weightsManifest is not an array');
  return manifest as WeightGroup[];
}

const BYTES_PER_ELEMENT: Record<string, number> = { float32: 4, int32: 4, float16: 2, uint16: 2, uint8: 1 };

function decodeWeight(spec: WeightSpec, buffer: Uint8Array, offset: number): { weight: TfWeight; byteLength: number } {
  const count = spec.shape.reduce((a, b) => a * b, 1);
  const storedDtype = spec.quantization?.dtype ?? spec.dtype;
  const bytesPer = BYTES_PER_ELEMENT[storedDtype];
  if (bytesPer === undefined) throw new Error(`weight ${spec.name}: unsupported stored dtype ${storedDtype}`);
  const byteLength = count * bytesPer;
  if (offset + byteLength > buffer.length) throw new Error(`weight ${spec.name} runs past the end of its shards`);
  const view = new DataView(buffer.buffer, buffer.byteOffset + offset, byteLength);
  let values: Float32Array | Int32Array;
  if (spec.dtype === 'int32' && !spec.quantization) {
    values = Int32Array.from({ length: count }, (_, i) => view.getInt32(i * 4, true));
  } else if (spec.dtype === 'float32') {
    values = new Float32Array(count);
    const q = spec.quantization;
    for (let i = 0; i < count; i++) {
      if (!q) values[i] = view.getFloat32(i * 4, true);
      else if (q.dtype === 'float16') values[i] = float16ToFloat32(view.getUint16(i * 2, true));
      else {
        // tfjs affine quantisation: value = q * scale + min
        const stored = q.dtype === 'uint8' ? view.getUint8(i) : view.getUint16(i * 2, true);
        values[i] = stored * (q.scale ?? 1) + (q.min ?? 0);
      }
    }
  } else {
    throw new Error(`weight ${spec.name}: unsupported dtype ${spec.dtype} with quantization ${JSON.stringify(spec.quantization)}`);
  }
  return { weight: { name: spec.name, shape: spec.shape, values }, byteLength };
}

/** IEEE-754 half to single precision (exact: every half value is representable). */
export function float16ToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

function optionalField(obj: unknown, key: string): unknown {
  if (typeof obj !== 'object' || obj === null) throw new Error(`expected an object holding ${key}`);
  return (obj as Record<string, unknown>)[key];
}

function field(obj: unknown, key: string): unknown {
  const value = optionalField(obj, key);
  if (value === undefined) throw new Error(`missing field ${key}`);
  return value;
}

// --- attribute accessors -------------------------------------------------------------

export function attrString(node: TfNode, key: string): string | undefined {
  const s = node.attr[key]?.s;
  return s === undefined ? undefined : Buffer.from(s, 'base64').toString('utf8');
}

export function attrStringList(node: TfNode, key: string): string[] {
  return (node.attr[key]?.list?.s ?? []).map((s) => Buffer.from(s, 'base64').toString('utf8'));
}

export function attrIntList(node: TfNode, key: string): number[] {
  return (node.attr[key]?.list?.i ?? []).map((v) => Number(v));
}
