// Slicing, gathering and rearranging TF ops as ONNX nodes (constant-input cases are folded
// before they get here, see fold.ts).
import { NHWC_TO_NCHW, runtimeValue, type OpContext, type Value } from './context';
import { insertAxis, stridedSliceSpec } from './fold';
import { attrInt, attrInts } from './onnx';
import { absoluteAxis, gatherShape, resolveStridedSlice } from './tensor';
import type { TfNode } from './tfjs-graph';

type Emit = (ctx: OpContext, node: TfNode) => void;

/**
 * StridedSlice as ONNX Slice over the dimensions it actually cuts, then a Reshape where axes are
 * shrunk or inserted. A 4-D NCHW activation cut only along its own axes stays NCHW.
 */
function stridedSlice(ctx: OpContext, node: TfNode): void {
  const x = ctx.value(node.inputs[0]);
  const [begin, end, strides] = node.inputs.slice(1).map((n) => ctx.constant(n));
  const r = resolveStridedSlice(x.shape, stridedSliceSpec(node, begin, end, strides));
  const keepsRank = r.outShape.length === x.shape.length && r.outShape.every((d, i) => d === r.sliced[i]);
  const held = x.kind === 'runtime' && x.layout === 'nchw' && keepsRank ? ctx.aligned([x])[0] : ctx.tfOrder(x);
  const axisOf = (d: number) => (held.layout === 'nchw' ? NHWC_TO_NCHW.indexOf(d) : d);
  const cut = r.sliced.map((_, d) => d).filter((d) => r.starts[d] !== 0 || r.ends[d] !== x.shape[d] || r.steps[d] !== 1);

  let out = held;
  if (cut.length > 0) {
    // A negative step's end of -1 means "through index 0"; ONNX wants that as a very negative end.
    const ends = cut.map((d) => (r.steps[d] < 0 && r.ends[d] < 0 ? Number.MIN_SAFE_INTEGER : r.ends[d]));
    const b = ctx.builder;
    const inputs = [
      held.onnxName,
      b.addInt64Initializer(`${node.name}/starts`, cut.map((d) => r.starts[d])),
      b.addInt64Initializer(`${node.name}/ends`, ends),
      b.addInt64Initializer(`${node.name}/axes`, cut.map(axisOf)),
      b.addInt64Initializer(`${node.name}/steps`, cut.map((d) => r.steps[d])),
    ];
    const name = keepsRank ? node.name : `${node.name}/slice`;
    out = runtimeValue(b.addNode('Slice', name, inputs), held.layout, r.sliced, x.dtype);
  }
  ctx.define(node.name, keepsRank ? out : ctx.reshaped(out, r.outShape, node.name));
}

function gather(ctx: OpContext, node: TfNode): void {
  if (Number(node.attr.batch_dims?.i ?? 0) !== 0) throw new Error(`${node.name}: GatherV2 with batch_dims`);
  const params = ctx.tfOrder(ctx.value(node.inputs[0]));
  const indices = ctx.tfOrder(ctx.value(node.inputs[1]));
  const axis = absoluteAxis(ctx.constant(node.inputs[2]).data[0], params.shape.length);
  const out = ctx.builder.addNode('Gather', node.name, [params.onnxName, indices.onnxName], { axis: attrInt(axis) });
  ctx.define(node.name, runtimeValue(out, 'tf', gatherShape(params.shape, indices.shape, axis), params.dtype));
}

/** Pack (tf.stack): each input gets a size-1 axis, then one Concat along it. */
function pack(ctx: OpContext, node: TfNode): void {
  const values = node.inputs.map((n) => ctx.value(n));
  const axis = Number(node.attr.axis?.i ?? 0);
  const expanded = insertAxis(values[0].shape, axis, 1);
  const at = absoluteAxis(axis, expanded.length);
  const parts = values.map((v, i) => ctx.tfOrder(ctx.reshaped(v, expanded, `${node.name}/${i}`)));
  const out = ctx.builder.addNode('Concat', node.name, parts.map((p) => p.onnxName), { axis: attrInt(at) });
  ctx.define(node.name, runtimeValue(out, 'tf', insertAxis(values[0].shape, axis, values.length), values[0].dtype));
}

function expandDims(ctx: OpContext, node: TfNode): void {
  const x = ctx.value(node.inputs[0]);
  const axis = ctx.constant(node.inputs[1]).data[0];
  ctx.define(node.name, ctx.reshaped(x, insertAxis(x.shape, axis, 1), node.name));
}

function tile(ctx: OpContext, node: TfNode): void {
  const x = ctx.tfOrder(ctx.value(node.inputs[0]));
  const multiples = Array.from(ctx.constant(node.inputs[1]).data);
  const repeats = ctx.builder.addInt64Initializer(`${node.name}/repeats`, multiples);
  const out = ctx.builder.addNode('Tile', node.name, [x.onnxName, repeats]);
  ctx.define(node.name, runtimeValue(out, 'tf', x.shape.map((d, i) => d * multiples[i]), x.dtype));
}

function transpose(ctx: OpContext, node: TfNode): void {
  const x = ctx.tfOrder(ctx.value(node.inputs[0]));
  const perm = Array.from(ctx.constant(node.inputs[1]).data);
  const out = ctx.builder.addNode('Transpose', node.name, [x.onnxName], { perm: attrInts(perm) });
  ctx.define(node.name, runtimeValue(out, 'tf', perm.map((p) => x.shape[p]), x.dtype));
}

/** Ops TF evaluates on shapes: with a static batch they are folded; anything left is dynamic. */
function shapeOnly(ctx: OpContext, node: TfNode): void {
  const inputs: Value[] = node.inputs.map((n) => ctx.value(n));
  const shapes = inputs.map((v) => `[${v.shape}]`).join(', ');
  throw new Error(`${node.name}: ${node.op} of run-time values (${shapes}) is not supported; fix the batch size so it folds`);
}

export const INDEX_OPS: Record<string, Emit> = {
  StridedSlice: stridedSlice,
  GatherV2: gather,
  Pack: pack,
  ExpandDims: expandDims,
  Tile: tile,
  Transpose: transpose,
  Shape: shapeOnly,
  ZerosLike: shapeOnly,
  Fill: shapeOnly,
  Range: shapeOnly,
};
