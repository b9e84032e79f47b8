/**
 * Close-range pruning of a RetinaFace ONNX graph: the stride-8 level is removed from the graph, so
 * the finest FPN branch, its SSH module and its three heads are not computed at all.
 *
 * How (biubug6/Pytorch_Retinaface export convention): each output (boxes, scores, landmarks) comes
 * from a Concat over the levels, finest first, possibly followed by single-input ops (Softmax). The
 * editor drops the first input of those Concats, then every node and initializer no output needs any
 * more, and writes the model back; all other bytes are kept as they were. The output's N dimension
 * becomes symbolic ('priors_pruned'). Usage: node prune.mjs IN.onnx OUT.onnx
 *
 * ONNX field numbers (onnx/onnx.proto): ModelProto.graph 7; GraphProto node 1, initializer 5,
 * input 11, output 12, value_info 13; NodeProto input 1, output 2, op_type 4, attribute 5;
 * TensorProto name 8; ValueInfoProto name 1, type 2.
 */
import { ProtoWriter } from '../models/protobuf';
import { concatBytes, fieldString, readFields, type ProtoField } from './protobuf-reader';

interface Node {
  inputs: string[];
  outputs: string[];
  opType: string;
  /** Fields other than inputs/outputs, raw. */
  rest: Uint8Array[];
}

function parseNode(bytes: Uint8Array): Node {
  const node: Node = { inputs: [], outputs: [], opType: '', rest: [] };
  for (const f of readFields(bytes)) {
    if (f.field === 1) node.inputs.push(fieldString(f));
    else if (f.field === 2) node.outputs.push(fieldString(f));
    else {
      if (f.field === 4) node.opType = fieldString(f);
      node.rest.push(f.raw);
    }
  }
  return node;
}

function encodeNode(node: Node): Uint8Array {
  const w = new ProtoWriter();
  for (const i of node.inputs) w.string(1, i);
  for (const o of node.outputs) w.string(2, o);
  return concatBytes([w.finish(), ...node.rest]);
}

function nameOf(message: Uint8Array, field: number): string {
  const f = readFields(message).find((x) => x.field === field);
  return f ? fieldString(f) : '';
}

/** The output's value info with its shape's dimension 1 made symbolic. */
function symbolicN(valueInfo: Uint8Array): Uint8Array {
  const w = new ProtoWriter();
  w.string(1, nameOf(valueInfo, 1));
  w.message(2, (t) =>
    t.message(1, (tt) => {
      tt.varint(1, 1); // float
      tt.message(2, (s) => {
        s.message(1, (d) => d.varint(1, 1));
        s.message(1, (d) => d.string(2, 'priors_pruned'));
        // keep the last dimension (4, 2 or 10) from the original shape
        const type = readFields(readFields(valueInfo).find((f) => f.field === 2)?.bytes ?? new Uint8Array());
        const tensor = readFields(type.find((f) => f.field === 1)?.bytes ?? new Uint8Array());
        const dims = readFields(tensor.find((f) => f.field === 2)?.bytes ?? new Uint8Array()).filter((f) => f.field === 1);
        const last = dims.at(-1);
        const value = last ? readFields(last.bytes ?? new Uint8Array()).find((f) => f.field === 1)?.varint : undefined;
        s.message(1, (d) => (value !== undefined ? d.varint(1, value) : d.string(2, 'k')));
      });
    }),
  );
  return w.finish();
}

export interface PruneReport {
  readonly removedNodes: number;
  readonly removedInitializers: number;
  readonly keptNodes: number;
}

export function pruneFinestLevel(model: Uint8Array): { model: Uint8Array; report: PruneReport } {
  const modelFields = readFields(model);
  const graphField = modelFields.find((f) => f.field === 7);
  if (!graphField?.bytes) throw new Error('not an ONNX model: no graph');
  const graphFields = readFields(graphField.bytes);
  const nodes = graphFields.filter((f) => f.field === 1).map((f) => parseNode(f.bytes as Uint8Array));
  const outputs = graphFields.filter((f) => f.field === 12).map((f) => nameOf(f.bytes as Uint8Array, 1));
  const producer = new Map<string, Node>();
  for (const n of nodes) for (const o of n.outputs) producer.set(o, n);

  // 1. Each output's level Concat: drop its first (finest) input.
  for (const out of outputs) {
    let n = producer.get(out);
    while (n && n.opType !== 'Concat' && n.inputs.length >= 1) n = producer.get(n.inputs[0]);
    if (!n || n.opType !== 'Concat' || n.inputs.length < 2) {
      throw new Error(`output ${out}: no Concat over levels found above it; not a biubug6-style RetinaFace export`);
    }
    n.inputs.shift();
  }
  // 2. Keep only what the outputs still need.
  const needed = new Set<string>(outputs);
  const kept = new Set<Node>();
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i];
    if (n.outputs.some((o) => needed.has(o))) {
      kept.add(n);
      for (const inp of n.inputs) if (inp !== '') needed.add(inp);
    }
  }
  const inits = graphFields.filter((f) => f.field === 5);
  const keptInits = inits.filter((f) => needed.has(nameOf(f.bytes as Uint8Array, 8)));

  const parts: Uint8Array[] = [];
  const w = (f: ProtoField, payload: Uint8Array): Uint8Array => new ProtoWriter().bytes(f.field, payload).finish();
  let ni = 0;
  for (const f of graphFields) {
    if (f.field === 1) {
      const n = nodes[ni++];
      if (kept.has(n)) parts.push(w(f, encodeNode(n)));
    } else if (f.field === 5) {
      if (keptInits.includes(f)) parts.push(f.raw);
    } else if (f.field === 12) {
      parts.push(w(f, symbolicN(f.bytes as Uint8Array)));
    } else if (f.field === 13) {
      if (needed.has(nameOf(f.bytes as Uint8Array, 1))) parts.push(f.raw);
    } else parts.push(f.raw);
  }
  const graph = concatBytes(parts);
  const out = concatBytes(modelFields.map((f) => (f === graphField ? w(f, graph) : f.raw)));
  return {
    model: out,
    report: { removedNodes: nodes.length - kept.size, removedInitializers: inits.length - keptInits.length, keptNodes: kept.size },
  };
}
