// Tensors known at conversion time, and the TF shape rules (broadcasting, StridedSlice's masks,
// gather, matmul) that both the constant folder (fold.ts) and the ONNX emitters (ops-*.ts) follow,
// so a folded value and an emitted one always agree on shape.

export type DType = 'float32' | 'int32' | 'bool';
export type TensorData = Float32Array | Int32Array | Uint8Array;

/** Dense, row-major, in TF dimension order. bool is held as 0/1 bytes. */
export interface ConstTensor {
  dtype: DType;
  shape: number[];
  data: TensorData;
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function isStatic(shape: readonly number[]): boolean {
  return shape.every((d) => d >= 0);
}

/** Typed arrays round every stored value to the dtype, which gives TF's float32 / int32 arithmetic. */
export function tensor(dtype: DType, shape: number[], values?: ArrayLike<number>): ConstTensor {
  const size = sizeOf(shape);
  if (values && values.length !== size) throw new Error(`tensor: ${values.length} values for shape [${shape}]`);
  const data = dtype === 'float32' ? new Float32Array(size) : dtype === 'int32' ? new Int32Array(size) : new Uint8Array(size);
  if (values) data.set(values);
  return { dtype, shape, data };
}

/** The TF dtype attribute (DT_FLOAT, ...) of a node. */
export function dtypeOf(tfType: string | undefined): DType {
  switch (tfType) {
    case 'DT_FLOAT':
      return 'float32';
    case 'DT_INT32':
      return 'int32';
    case 'DT_BOOL':
      return 'bool';
    default:
      throw new Error(`unsupported TF dtype ${tfType}`);
  }
}

/** Row-major strides of a shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let stride = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = stride;
    stride *= shape[i];
  }
  return strides;
}

/** NumPy/TF broadcasting of static shapes; -1 (a dynamic dimension) only matches itself or 1. */
export function broadcastShapes(...shapes: ReadonlyArray<readonly number[]>): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    let dim = 1;
    for (const shape of shapes) {
      const d = shape[shape.length - rank + i] ?? 1;
      if (d === 1 || d === dim) continue;
      if (dim !== 1) throw new Error(`shapes ${shapes.map((s) => `[${s}]`).join(' ')} do not broadcast`);
      dim = d;
    }
    out.push(dim);
  }
  return out;
}

/** For each element of `outShape`, the offset of the element of `shape` that broadcasts onto it. */
function broadcastOffsets(shape: readonly number[], outShape: readonly number[]): Int32Array {
  const offsets = new Int32Array(sizeOf(outShape));
  const rank = outShape.length;
  const inStrides = stridesOf(shape);
  // Broadcast dimensions (size 1 in the input) advance nothing.
  const steps = outShape.map((_, i) => {
    const d = shape[shape.length - rank + i];
    return d === undefined || d === 1 ? 0 : inStrides[shape.length - rank + i];
  });
  const index = new Array<number>(rank).fill(0);
  for (let flat = 0, offset = 0; flat < offsets.length; flat++) {
    offsets[flat] = offset;
    for (let axis = rank - 1; axis >= 0; axis--) {
      index[axis]++;
      offset += steps[axis];
      if (index[axis] < outShape[axis]) break;
      offset -= steps[axis] * index[axis];
      index[axis] = 0;
    }
  }
  return offsets;
}

export function mapElements(x: ConstTensor, dtype: DType, f: (v: number) => number): ConstTensor {
  return tensor(dtype, [...x.shape], Array.from(x.data, f));
}

export function zipBroadcast(inputs: ConstTensor[], dtype: DType, f: (...v: number[]) => number): ConstTensor {
  const shape = broadcastShapes(...inputs.map((t) => t.shape));
  const offsets = inputs.map((t) => broadcastOffsets(t.shape, shape));
  const out = tensor(dtype, shape);
  for (let i = 0; i < out.data.length; i++) out.data[i] = f(...inputs.map((t, k) => t.data[offsets[k][i]]));
  return out;
}

export function transposeTensor(x: ConstTensor, perm: readonly number[]): ConstTensor {
  const shape = perm.map((p) => x.shape[p]);
  const inStrides = stridesOf(x.shape);
  const out = tensor(x.dtype, shape);
  const index = new Array<number>(shape.length).fill(0);
  for (let flat = 0; flat < out.data.length; flat++) {
    let offset = 0;
    for (let i = 0; i < shape.length; i++) offset += index[i] * inStrides[perm[i]];
    out.data[flat] = x.data[offset];
    for (let axis = shape.length - 1; axis >= 0; axis--) {
      if (++index[axis] < shape[axis]) break;
      index[axis] = 0;
    }
  }
  return out;
}

/** Concatenation along one axis of tensors that agree on every other dimension. */
export function concatTensors(parts: ConstTensor[], axis: number): ConstTensor {
  const shape = [...parts[0].shape];
  shape[axis] = parts.reduce((sum, p) => sum + p.shape[axis], 0);
  const out = tensor(parts[0].dtype, shape);
  const outer = sizeOf(shape.slice(0, axis));
  let offset = 0;
  for (let o = 0; o < outer; o++) {
    for (const p of parts) {
      const chunk = sizeOf(p.shape.slice(axis));
      out.data.set(p.data.subarray(o * chunk, (o + 1) * chunk), offset);
      offset += chunk;
    }
  }
  return out;
}

// --- StridedSlice -------------------------------------------------------------------

export interface StridedSliceSpec {
  begin: number[];
  end: number[];
  strides: number[];
  beginMask: number;
  endMask: number;
  ellipsisMask: number;
  newAxisMask: number;
  shrinkAxisMask: number;
}

/**
 * A StridedSlice made dense: per input dimension a start, an exclusive end and a step (all
 * resolved to in-range indices; for a negative step an end of -1 means "through index 0"), the
 * sliced shape per input dimension, and the output shape after shrinking and inserting axes.
 */
export interface ResolvedSlice {
  starts: number[];
  ends: number[];
  steps: number[];
  sliced: number[];
  outShape: number[];
}

export function resolveStridedSlice(shape: readonly number[], spec: StridedSliceSpec): ResolvedSlice {
  const bit = (mask: number, i: number) => (mask >> i) & 1;
  const n = spec.begin.length;
  // An ellipsis covers whatever the other (non-new-axis) entries leave; without one, there is an
  // implicit one at the end.
  let explicitDims = 0;
  for (let i = 0; i < n; i++) if (!bit(spec.ellipsisMask, i) && !bit(spec.newAxisMask, i)) explicitDims++;
  const starts: number[] = [];
  const ends: number[] = [];
  const steps: number[] = [];
  const sliced: number[] = [];
  const outShape: number[] = [];
  let dim = 0;
  const full = () => {
    const size = shape[dim++];
    starts.push(0);
    ends.push(size);
    steps.push(1);
    sliced.push(size);
    outShape.push(size);
  };
  let sawEllipsis = false;
  for (let i = 0; i < n; i++) {
    if (bit(spec.ellipsisMask, i)) {
      if (sawEllipsis) throw new Error('StridedSlice: more than one ellipsis');
      sawEllipsis = true;
      const covered = shape.length - explicitDims;
      for (let k = 0; k < covered; k++) full();
      continue;
    }
    if (bit(spec.newAxisMask, i)) {
      outShape.push(1);
      continue;
    }
    if (dim >= shape.length) throw new Error(`StridedSlice: spec longer than rank ${shape.length}`);
    const size = shape[dim++];
    if (size < 0) throw new Error('StridedSlice over a dynamic dimension');
    const step = spec.strides[i];
    if (step === 0) throw new Error('StridedSlice: stride 0');
    const clamp = (v: number) => (step > 0 ? Math.min(Math.max(v, 0), size) : Math.min(Math.max(v, -1), size - 1));
    const normalise = (v: number) => clamp(v < 0 ? v + size : v);
    let start = bit(spec.beginMask, i) ? (step > 0 ? 0 : size - 1) : normalise(spec.begin[i]);
    let end = bit(spec.endMask, i) ? (step > 0 ? size : -1) : normalise(spec.end[i]);
    if (bit(spec.shrinkAxisMask, i)) {
      start = spec.begin[i] < 0 ? spec.begin[i] + size : spec.begin[i];
      if (start < 0 || start >= size) throw new Error(`StridedSlice: index ${spec.begin[i]} out of range for size ${size}`);
      end = start + 1;
    }
    const length = Math.max(0, Math.ceil((end - start) / step));
    starts.push(start);
    ends.push(bit(spec.shrinkAxisMask, i) ? start + 1 : end);
    steps.push(bit(spec.shrinkAxisMask, i) ? 1 : step);
    sliced.push(length);
    if (!bit(spec.shrinkAxisMask, i)) outShape.push(length);
  }
  while (dim < shape.length) full();
  return { starts, ends, steps, sliced, outShape };
}

export function stridedSliceTensor(x: ConstTensor, r: ResolvedSlice): ConstTensor {
  const out = tensor(x.dtype, r.outShape);
  const inStrides = stridesOf(x.shape);
  const index = new Array<number>(r.sliced.length).fill(0);
  for (let flat = 0; flat < out.data.length; flat++) {
    let offset = 0;
    for (let d = 0; d < index.length; d++) offset += (r.starts[d] + index[d] * r.steps[d]) * inStrides[d];
    out.data[flat] = x.data[offset];
    for (let axis = index.length - 1; axis >= 0; axis--) {
      if (++index[axis] < r.sliced[axis]) break;
      index[axis] = 0;
    }
  }
  return out;
}

// --- gather, matmul, reshape ----------------------------------------------------------

export function gatherShape(params: readonly number[], indices: readonly number[], axis: number): number[] {
  return [...params.slice(0, axis), ...indices, ...params.slice(axis + 1)];
}

export function gatherTensor(params: ConstTensor, indices: ConstTensor, axis: number): ConstTensor {
  const out = tensor(params.dtype, gatherShape(params.shape, indices.shape, axis));
  const outer = sizeOf(params.shape.slice(0, axis));
  const inner = sizeOf(params.shape.slice(axis + 1));
  const size = params.shape[axis];
  let offset = 0;
  for (let o = 0; o < outer; o++) {
    for (const index of indices.data) {
      if (index < 0 || index >= size) throw new Error(`GatherV2: index ${index} out of range for size ${size}`);
      const from = (o * size + index) * inner;
      out.data.set(params.data.subarray(from, from + inner), offset);
      offset += inner;
    }
  }
  return out;
}

/** [..., m, k] x [..., k, n] with broadcast batch dimensions (BatchMatMulV2, ONNX MatMul). */
export function matmulShape(a: readonly number[], b: readonly number[]): number[] {
  if (a.length < 2 || b.length < 2) throw new Error(`matmul of [${a}] and [${b}]: rank below 2`);
  const [m, k] = a.slice(-2);
  const [k2, n] = b.slice(-2);
  if (k !== k2) throw new Error(`matmul of [${a}] and [${b}]: inner dimensions differ`);
  return [...broadcastShapes(a.slice(0, -2), b.slice(0, -2)), m, n];
}

export function matmulTensor(a: ConstTensor, b: ConstTensor): ConstTensor {
  const shape = matmulShape(a.shape, b.shape);
  const [m, k] = a.shape.slice(-2);
  const n = b.shape[b.shape.length - 1];
  const batch = shape.slice(0, -2);
  const aBatch = broadcastOffsets(a.shape.slice(0, -2), batch);
  const bBatch = broadcastOffsets(b.shape.slice(0, -2), batch);
  const out = tensor(a.dtype, shape);
  for (let t = 0; t < aBatch.length; t++) {
    const ao = aBatch[t] * m * k;
    const bo = bBatch[t] * k * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let l = 0; l < k; l++) sum = Math.fround(sum + Math.fround(a.data[ao + i * k + l] * b.data[bo + l * n + j]));
        out.data[(t * m + i) * n + j] = sum;
      }
    }
  }
  return out;
}

/** TF Reshape's target with its one -1 resolved (needs a static input). */
export function resolveReshape(inShape: readonly number[], target: readonly number[]): number[] {
  if (!isStatic(inShape)) return [...target]; // dynamic batch: leave the -1 in place
  const known = target.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const total = sizeOf(inShape);
  const shape = target.map((d) => (d === -1 ? total / known : d));
  if (sizeOf(shape) !== total) throw new Error(`cannot reshape [${inShape}] to [${target}]`);
  return shape;
}

/** A possibly negative axis made absolute. */
export function absoluteAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new Error(`axis ${axis} out of range for rank ${rank}`);
  return a;
}
