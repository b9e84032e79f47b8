// Constant folding: evaluates a TF op in JavaScript when all its inputs are known at conversion
// time. With the batch fixed, TF's run-time shape arithmetic (Shape -> StridedSlice -> Pack ->
// Reshape/Fill/Range/Tile ...) becomes constants here, so the ONNX graph carries none of it.
import type { TfNode } from './tfjs-graph';
import {
  absoluteAxis,
  concatTensors,
  dtypeOf,
  gatherTensor,
  mapElements,
  matmulTensor,
  resolveReshape,
  resolveStridedSlice,
  stridedSliceTensor,
  tensor,
  transposeTensor,
  zipBroadcast,
  type ConstTensor,
  type DType,
  type StridedSliceSpec,
} from './tensor';

/** TF unary ops as JS functions on one element (float32 rounding comes from the typed array). */
export const UNARY_FUNCTIONS: Record<string, (x: number) => number> = {
  Neg: (x) => -x,
  Abs: Math.abs,
  Floor: Math.floor,
  Cos: Math.cos,
  Sin: Math.sin,
  Relu: (x) => Math.max(x, 0),
  Sigmoid: (x) => 1 / (1 + Math.exp(-x)),
};

/** TF binary (broadcasting) ops as JS functions; `bool` marks a comparison's result type. */
export const BINARY_FUNCTIONS: Record<string, { f: (x: number, y: number) => number; bool?: boolean }> = {
  Add: { f: (x, y) => x + y },
  AddV2: { f: (x, y) => x + y },
  Sub: { f: (x, y) => x - y },
  Mul: { f: (x, y) => x * y },
  RealDiv: { f: (x, y) => x / y },
  Minimum: { f: Math.min },
  Maximum: { f: Math.max },
  Atan2: { f: Math.atan2 },
  Less: { f: (x, y) => +(x < y), bool: true },
  LessEqual: { f: (x, y) => +(x <= y), bool: true },
  Greater: { f: (x, y) => +(x > y), bool: true },
  GreaterEqual: { f: (x, y) => +(x >= y), bool: true },
  Equal: { f: (x, y) => +(x === y), bool: true },
  LogicalAnd: { f: (x, y) => +(x && y), bool: true },
};

/** Reads a StridedSlice node's masks and its begin/end/strides (already known constants). */
export function stridedSliceSpec(node: TfNode, begin: ConstTensor, end: ConstTensor, strides: ConstTensor): StridedSliceSpec {
  const mask = (key: string) => Number(node.attr[key]?.i ?? 0);
  return {
    begin: Array.from(begin.data),
    end: Array.from(end.data),
    strides: Array.from(strides.data),
    beginMask: mask('begin_mask'),
    endMask: mask('end_mask'),
    ellipsisMask: mask('ellipsis_mask'),
    newAxisMask: mask('new_axis_mask'),
    shrinkAxisMask: mask('shrink_axis_mask'),
  };
}

/** Shape after ExpandDims / Pack insert a 1 / N at `axis` (which may be negative, counting rank + 1). */
export function insertAxis(shape: readonly number[], axis: number, size: number): number[] {
  const at = absoluteAxis(axis, shape.length + 1);
  return [...shape.slice(0, at), size, ...shape.slice(at)];
}

const scalarOf = (t: ConstTensor): number => {
  if (t.data.length !== 1) throw new Error(`expected a scalar, got shape [${t.shape}]`);
  return t.data[0];
};

/**
 * The op's value, or undefined when this op is not folded (the caller then emits it with its
 * constant inputs as initializers).
 */
export function foldTfOp(node: TfNode, inputs: ConstTensor[]): ConstTensor | undefined {
  const [x] = inputs;
  const unary = UNARY_FUNCTIONS[node.op];
  if (unary) return mapElements(x, x.dtype, unary);
  const binary = BINARY_FUNCTIONS[node.op];
  if (binary) return zipBroadcast(inputs, binary.bool ? 'bool' : x.dtype, binary.f);
  switch (node.op) {
    case 'Identity':
      return x;
    case 'Cast': {
      const to = dtypeOf(node.attr.DstT?.type);
      // TF casts float to int by truncation toward zero.
      const f = to === 'int32' ? Math.trunc : to === 'bool' ? (v: number) => +(v !== 0) : (v: number) => v;
      return mapElements(x, to, f);
    }
    case 'Reshape':
      return { ...x, shape: resolveReshape(x.shape, Array.from(inputs[1].data)) };
    case 'ExpandDims':
      return { ...x, shape: insertAxis(x.shape, scalarOf(inputs[1]), 1) };
    case 'Pack': {
      const axis = Number(node.attr.axis?.i ?? 0);
      const shape = insertAxis(x.shape, axis, 1);
      return concatTensors(inputs.map((t) => ({ ...t, shape })), absoluteAxis(axis, shape.length));
    }
    case 'ConcatV2': {
      const parts = inputs.slice(0, -1);
      return concatTensors(parts, absoluteAxis(scalarOf(inputs[inputs.length - 1]), x.shape.length));
    }
    case 'StridedSlice':
      return stridedSliceTensor(x, resolveStridedSlice(x.shape, stridedSliceSpec(node, inputs[1], inputs[2], inputs[3])));
    case 'GatherV2':
      if (Number(node.attr.batch_dims?.i ?? 0) !== 0) return undefined;
      return gatherTensor(x, inputs[1], absoluteAxis(scalarOf(inputs[2]), x.shape.length));
    case 'Transpose':
      return transposeTensor(x, Array.from(inputs[1].data));
    case 'Tile': {
      const multiples = Array.from(inputs[1].data);
      let out = x;
      for (let axis = 0; axis < multiples.length; axis++) out = concatTensors(new Array<ConstTensor>(multiples[axis]).fill(out), axis);
      return out;
    }
    case 'Fill': {
      const value = scalarOf(inputs[1]);
      const shape = Array.from(x.data);
      return tensor(inputs[1].dtype, shape, new Array<number>(shape.reduce((a, b) => a * b, 1)).fill(value));
    }
    case 'Range': {
      const [start, limit, delta] = inputs.map(scalarOf);
      const values: number[] = [];
      for (let v = start; delta > 0 ? v < limit : v > limit; v += delta) values.push(v);
      const dtype: DType = node.attr.Tidx ? dtypeOf(node.attr.Tidx.type) : x.dtype;
      return tensor(dtype, [values.length], values);
    }
    case 'MatMul':
    case 'BatchMatMulV2': {
      const [adjA, adjB] = node.op === 'MatMul' ? ['transpose_a', 'transpose_b'] : ['adj_x', 'adj_y'];
      const swapLast = (t: ConstTensor, yes: boolean) => {
        if (!yes) return t;
        const perm = t.shape.map((_, i) => i);
        [perm[perm.length - 2], perm[perm.length - 1]] = [perm[perm.length - 1], perm[perm.length - 2]];
        return transposeTensor(t, perm);
      };
      return matmulTensor(swapLast(x, node.attr[adjA]?.b === true), swapLast(inputs[1], node.attr[adjB]?.b === true));
    }
    case 'AddN':
      // Left to right, rounding to the dtype after each addition.
      return inputs.slice(1).reduce((acc, t) => zipBroadcast([acc, t], x.dtype, (a, b) => a + b), x);
    default:
      return undefined;
  }
}
