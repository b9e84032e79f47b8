// Elementwise and linear-algebra TF ops as ONNX nodes (their constant-input cases are folded
// before they get here, see fold.ts).
import { constantValue, runtimeValue, type OpContext, type RuntimeValue, type Value } from './context';
import { attrInt, attrInts } from './onnx';
import { absoluteAxis, broadcastShapes, dtypeOf, matmulShape, transposeTensor, type DType } from './tensor';
import type { TfNode } from './tfjs-graph';

type Emit = (ctx: OpContext, node: TfNode) => void;

const UNARY: Record<string, string> = {
  Neg: 'Neg',
  Abs: 'Abs',
  Floor: 'Floor',
  Cos: 'Cos',
  Sin: 'Sin',
  Relu: 'Relu',
};

/** TF op -> ONNX op; `bool` marks comparisons. ONNX broadcasts like TF (NumPy rules). */
const BINARY: Record<string, { op: string; bool?: boolean }> = {
  Add: { op: 'Add' },
  AddV2: { op: 'Add' },
  Sub: { op: 'Sub' },
  Mul: { op: 'Mul' },
  RealDiv: { op: 'Div' },
  Minimum: { op: 'Min' },
  Maximum: { op: 'Max' },
  Less: { op: 'Less', bool: true },
  LessEqual: { op: 'LessOrEqual', bool: true },
  Greater: { op: 'Greater', bool: true },
  GreaterEqual: { op: 'GreaterOrEqual', bool: true },
  Equal: { op: 'Equal', bool: true },
  LogicalAnd: { op: 'And', bool: true },
};

/** onnx.proto TensorProto.DataType, for Cast. */
const ONNX_TYPE: Record<DType, number> = { float32: 1, int32: 6, bool: 9 };

function layoutOf(held: RuntimeValue[]): RuntimeValue['layout'] {
  return held.some((v) => v.layout === 'nchw') ? 'nchw' : 'tf';
}

function unary(op: string): Emit {
  return (ctx, node) => {
    const [x] = ctx.aligned([ctx.value(node.inputs[0])]);
    const out = ctx.builder.addNode(op, node.name, [x.onnxName]);
    ctx.define(node.name, runtimeValue(out, x.layout, x.shape, x.dtype));
  };
}

/** See ConvertOptions.exactSigmoid for why there are two forms. */
function sigmoid(ctx: OpContext, node: TfNode): void {
  if (!ctx.options.exactSigmoid) return unary('Sigmoid')(ctx, node);
  const [x] = ctx.aligned([ctx.value(node.inputs[0])]);
  const b = ctx.builder;
  const one = b.addInitializer(`${node.name}/one`, [], Float32Array.of(1));
  const exp = b.addNode('Exp', `${node.name}/exp`, [b.addNode('Neg', `${node.name}/neg`, [x.onnxName])]);
  const out = b.addNode('Reciprocal', node.name, [b.addNode('Add', `${node.name}/denominator`, [exp, one])]);
  ctx.define(node.name, runtimeValue(out, x.layout, x.shape, x.dtype));
}

function binary(op: string, bool: boolean): Emit {
  return (ctx, node) => {
    const values = node.inputs.map((n) => ctx.value(n));
    const shape = broadcastShapes(...values.map((v) => v.shape));
    const held = ctx.aligned(values);
    const out = ctx.builder.addNode(op, node.name, held.map((v) => v.onnxName));
    ctx.define(node.name, runtimeValue(out, layoutOf(held), shape, bool ? 'bool' : values[0].dtype));
  };
}

/**
 * ONNX has no Atan2. From t = atan(min(|x|,|y|) / max(|x|,|y|)), in [0, pi/4] where atan is most
 * accurate, the angle is unfolded by octant: pi/2 - t when |y| > |x|, pi - t when x < 0, negated
 * when y < 0. No division by zero except at x = y = 0, where TF's atan2 gives 0 and so does this.
 * (Signed zeros are not told apart: atan2(-0, x < 0) is pi here, -pi in TF.)
 */
function atan2(ctx: OpContext, node: TfNode): void {
  const values = node.inputs.map((n) => ctx.value(n));
  const shape = broadcastShapes(...values.map((v) => v.shape));
  const [y, x] = ctx.aligned(values).map((v) => v.onnxName);
  const b = ctx.builder;
  const name = node.name;
  const scalar = (suffix: string, value: number) => b.addInitializer(`${name}/${suffix}`, [], Float32Array.of(value));
  const zero = scalar('zero', 0);
  const ax = b.addNode('Abs', `${name}/abs_x`, [x]);
  const ay = b.addNode('Abs', `${name}/abs_y`, [y]);
  const lo = b.addNode('Min', `${name}/min`, [ax, ay]);
  const hi = b.addNode('Max', `${name}/max`, [ax, ay]);
  const ratio = b.addNode('Div', `${name}/ratio`, [lo, hi]);
  const origin = b.addNode('Equal', `${name}/at_origin`, [hi, zero]);
  const safe = b.addNode('Where', `${name}/safe_ratio`, [origin, zero, ratio]);
  const t = b.addNode('Atan', `${name}/atan`, [safe]);
  const steep = b.addNode('Greater', `${name}/steep`, [ay, ax]);
  const t2 = b.addNode('Where', `${name}/octant`, [steep, b.addNode('Sub', `${name}/complement`, [scalar('half_pi', Math.PI / 2), t]), t]);
  const left = b.addNode('Less', `${name}/left`, [x, zero]);
  const t3 = b.addNode('Where', `${name}/half`, [left, b.addNode('Sub', `${name}/supplement`, [scalar('pi', Math.PI), t2]), t2]);
  const below = b.addNode('Less', `${name}/below`, [y, zero]);
  const out = b.addNode('Where', name, [below, b.addNode('Neg', `${name}/negated`, [t3]), t3]);
  ctx.define(name, runtimeValue(out, 'tf', shape, 'float32'));
}

/** TF truncates float to int toward zero, as ONNX Runtime's Cast does. */
function cast(ctx: OpContext, node: TfNode): void {
  const x = ctx.value(node.inputs[0]);
  const to = dtypeOf(node.attr.DstT?.type);
  const [held] = ctx.aligned([x]);
  const out = ctx.builder.addNode('Cast', node.name, [held.onnxName], { to: attrInt(ONNX_TYPE[to]) });
  ctx.define(node.name, runtimeValue(out, held.layout, x.shape, to));
}

function addN(ctx: OpContext, node: TfNode): void {
  const values = node.inputs.map((n) => ctx.value(n));
  const held = ctx.aligned(values);
  const shape = broadcastShapes(...values.map((v) => v.shape));
  const names = held.map((v) => v.onnxName);
  // ONNX Sum is float-only; integer sums chain Adds.
  const out =
    values[0].dtype === 'float32'
      ? ctx.builder.addNode('Sum', node.name, names)
      : names.slice(1).reduce((acc, n, i) => ctx.builder.addNode('Add', i === names.length - 2 ? node.name : `${node.name}/${i}`, [acc, n]));
  ctx.define(node.name, runtimeValue(out, layoutOf(held), shape, values[0].dtype));
}

/** The last two dimensions swapped: at conversion time for a constant, else a Transpose node. */
function swapLastTwo(ctx: OpContext, v: Value, name: string): Value {
  const rank = v.shape.length;
  const perm = [...Array(rank).keys()];
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  const shape = perm.map((p) => v.shape[p]);
  if (v.kind === 'constant') return constantValue(name, transposeTensor(v.tensor, perm));
  const x = ctx.tfOrder(v);
  return runtimeValue(ctx.builder.addNode('Transpose', name, [x.onnxName], { perm: attrInts(perm) }), 'tf', shape, v.dtype);
}

function matmul(ctx: OpContext, node: TfNode): void {
  const [adjA, adjB] = node.op === 'MatMul' ? ['transpose_a', 'transpose_b'] : ['adj_x', 'adj_y'];
  let a = ctx.value(node.inputs[0]);
  let b = ctx.value(node.inputs[1]);
  if (node.attr[adjA]?.b === true) a = swapLastTwo(ctx, a, `${node.name}/a_t`);
  if (node.attr[adjB]?.b === true) b = swapLastTwo(ctx, b, `${node.name}/b_t`);
  const shape = matmulShape(a.shape, b.shape);
  const out = ctx.builder.addNode('MatMul', node.name, [ctx.tfOrder(a).onnxName, ctx.tfOrder(b).onnxName]);
  ctx.define(node.name, runtimeValue(out, 'tf', shape, a.dtype));
}

function reduce(op: string): Emit {
  return (ctx, node) => {
    const x = ctx.tfOrder(ctx.value(node.inputs[0]));
    const rank = x.shape.length;
    const axes = [...new Set(Array.from(ctx.constant(node.inputs[1]).data, (a) => absoluteAxis(a, rank)))].sort();
    const keep = node.attr.keep_dims?.b === true;
    const shape = keep ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !axes.includes(i));
    const out = ctx.builder.addNode(op, node.name, [x.onnxName], { axes: attrInts(axes), keepdims: attrInt(keep ? 1 : 0) });
    ctx.define(node.name, runtimeValue(out, 'tf', shape, x.dtype));
  };
}

export const MATH_OPS: Record<string, Emit> = {
  ...Object.fromEntries(Object.entries(UNARY).map(([tf, onnx]) => [tf, unary(onnx)])),
  ...Object.fromEntries(Object.entries(BINARY).map(([tf, { op, bool }]) => [tf, binary(op, bool === true)])),
  Sigmoid: sigmoid,
  Atan2: atan2,
  Cast: cast,
  AddN: addN,
  MatMul: matmul,
  BatchMatMulV2: matmul,
  Min: reduce('ReduceMin'),
  Max: reduce('ReduceMax'),
};
