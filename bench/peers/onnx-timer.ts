/**
 * Times raw onnxruntime-node inference of one model: session.run wall time on fixed, preallocated
 * inputs, after a warm-up. Input shapes come from the session's own metadata.
 */
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { summarizeTimings, type TimingSummary } from '../lib/stats';
import { nowMs, processCpuMs } from '../lib/timing';

export interface OnnxTimingOptions {
  /** intra-op threads (ORT's per-operator parallelism); inter-op is always 1, sequential. */
  threads: number;
  /** Timed runs (median is reported). */
  runs: number;
  /** Untimed runs first (kernel selection, allocator growth, caches). */
  warmupRuns: number;
  /** Value for symbolic (named) dimensions, e.g. a dynamic batch; default 1. */
  symbolicDim?: number;
  /** Seed for the pseudo-random input values. */
  seed?: number;
}

export interface OnnxTiming {
  file: string;
  threads: number;
  /** Input name -> concrete shape used. */
  inputShapes: Record<string, number[]>;
  perRunMs: number[];
  summary: TimingSummary;
  /** Process CPU time over the timed runs / runs (with 2 threads this can exceed wall time). */
  cpuMsPerRun: number;
  sessionCreateMs: number;
}

/** Deterministic values in [-2, 2.6): roughly the range of ImageNet-normalised pixels these models take. */
function fillPseudoImage(out: Float32Array, seed: number): void {
  let s = seed >>> 0 || 1;
  for (let i = 0; i < out.length; i++) {
    // xorshift32: cheap, reproducible, no dependency.
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = ((s >>> 0) / 2 ** 32) * 4.6 - 2;
  }
}

function concreteShape(shape: ReadonlyArray<number | string>, symbolicDim: number): number[] {
  return shape.map((d) => (typeof d === 'number' && d > 0 ? d : symbolicDim));
}

export async function createTimingSession(file: string, threads: number): Promise<InferenceSession> {
  return InferenceSession.create(file, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    // 3 = errors only: ORT warns about unused initialisers in several exported models.
    logSeverityLevel: 3,
  });
}

/** Concrete input shapes of a session (symbolic dimensions replaced by `symbolicDim`). */
export function sessionInputShapes(session: InferenceSession, symbolicDim = 1): Record<string, number[]> {
  const shapes: Record<string, number[]> = {};
  for (const meta of session.inputMetadata) {
    if (!meta.isTensor) throw new Error(`input '${meta.name}' is not a tensor`);
    if (meta.type !== 'float32') throw new Error(`input '${meta.name}' is ${meta.type}; only float32 inputs are supported`);
    shapes[meta.name] = concreteShape(meta.shape, symbolicDim);
  }
  return shapes;
}

/** True when the first input's leading (batch) dimension is symbolic, i.e. batches other than 1 are allowed. */
export function hasDynamicBatch(session: InferenceSession): boolean {
  const first = session.inputMetadata[0];
  return !!first && first.isTensor && typeof first.shape[0] !== 'number';
}

export async function timeOnnxModel(file: string, options: OnnxTimingOptions): Promise<OnnxTiming> {
  const t0 = nowMs();
  const session = await createTimingSession(file, options.threads);
  const sessionCreateMs = nowMs() - t0;
  try {
    const inputShapes = sessionInputShapes(session, options.symbolicDim ?? 1);
    const feeds: Record<string, Tensor> = {};
    let seed = options.seed ?? 12345;
    for (const [name, shape] of Object.entries(inputShapes)) {
      const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
      fillPseudoImage(data, seed++);
      feeds[name] = new Tensor('float32', data, shape);
    }
    for (let i = 0; i < options.warmupRuns; i++) await session.run(feeds);
    const perRunMs: number[] = [];
    const cpuBefore = processCpuMs();
    for (let i = 0; i < options.runs; i++) {
      const start = nowMs();
      await session.run(feeds);
      perRunMs.push(nowMs() - start);
    }
    const cpuMsPerRun = (processCpuMs() - cpuBefore) / options.runs;
    return { file, threads: options.threads, inputShapes, perRunMs, summary: summarizeTimings(perRunMs), cpuMsPerRun, sessionCreateMs };
  } finally {
    await session.release();
  }
}
