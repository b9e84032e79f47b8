// What the op modules (ops-math.ts, ops-index.ts) see of the converter: values by TF name, in
// either of the two layouts a 4-D activation may be held in, and the graph being built.
import type { GraphBuilder } from './onnx';
import type { ConstTensor, DType } from './tensor';

/** 'nchw': a 4-D TF tensor held as [N,C,H,W] in ONNX. 'tf': held in TF's own dimension order. */
export type Layout = 'nchw' | 'tf';

export const NHWC_TO_NCHW = [0, 3, 1, 2];
export const NCHW_TO_NHWC = [0, 2, 3, 1];

/** A tensor the ONNX graph computes (or an initializer already emitted). */
export interface RuntimeValue {
  kind: 'runtime';
  onnxName: string;
  layout: Layout;
  /** TF (logical) shape; -1 for the dynamic batch. */
  shape: number[];
  dtype: DType;
}

/**
 * A tensor known at conversion time: a Const node, or an op folded by fold.ts. It becomes an
 * initializer only when an emitted ONNX node reads it.
 */
export interface ConstantValue {
  kind: 'constant';
  tensor: ConstTensor;
  shape: number[];
  dtype: DType;
  /** Initializer name, should it be needed. */
  name: string;
}

export type Value = RuntimeValue | ConstantValue;

export function runtimeValue(onnxName: string, layout: Layout, shape: number[], dtype: DType): RuntimeValue {
  return { kind: 'runtime', onnxName, layout, shape, dtype };
}

export function constantValue(name: string, tensor: ConstTensor): ConstantValue {
  return { kind: 'constant', tensor, shape: tensor.shape, dtype: tensor.dtype, name };
}

/** Per-model choices between equivalent ONNX formulations. */
export interface ConvertOptions {
  /**
   * Sigmoid as 1 / (1 + exp(-x)) instead of ONNX Sigmoid. ONNX Runtime's Sigmoid kernel is
   * approximate in the tails: below a logit of about -18 it answers 0 (TF: 1e-8 and less), at -15
   * it is 17 % off. That is harmless for a confidence, but breaks a relative comparison with TF
   * when the model sees no face. Off for the models converted before this option existed, so
   * their bytes (and manifest hashes) stay as they were.
   */
  exactSigmoid?: boolean;
}

export interface OpContext {
  readonly builder: GraphBuilder;
  readonly options: ConvertOptions;
  /** The value a TF node produces (a Const's weights included). */
  value(tfName: string): Value;
  /** A value that must be known at conversion time (shapes, axes, permutations). */
  constant(tfName: string): ConstTensor;
  define(tfName: string, value: Value): void;
  /** The value in TF dimension order, as an ONNX value (NCHW transposed back, constants emitted). */
  tfOrder(value: Value): RuntimeValue;
  /**
   * Operands of an elementwise op in one layout: NCHW when a 4-D operand already is and all
   * others can follow (constants are permuted at conversion time), TF order otherwise.
   */
  aligned(values: Value[]): RuntimeValue[];
  /** The value with a new TF shape of the same size (a Reshape node, or a relabelled constant). */
  reshaped(value: Value, shape: number[], name: string): Value;
}
