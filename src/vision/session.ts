/**
 * ONNX Runtime session wrapper: loads one model file, checks it is the model we expect, and runs it
 * on input buffers owned by the caller's stage (one ort.Tensor over each buffer, made once and
 * reused every frame: no copies, no per-frame tensor allocation on our side).
 *
 * Tensors are matched by shape, with the expected name as a preference: the converter may name
 * outputs differently from the original graph, but a model with the wrong shapes is the wrong model.
 */
import { promises as fs } from 'node:fs';
import * as ort from 'onnxruntime-node';

/** A dimension: a fixed size, or 'dynamic' for a symbolic one (e.g. the batch). */
export type Dim = number | 'dynamic';

export interface TensorExpectation {
  /** Preferred name; when absent (or not found) the tensor is matched by shape alone. */
  readonly name?: string;
  /** Shape we will use; a model dimension may be symbolic where we give 'dynamic' here. */
  readonly shape: readonly Dim[];
}

export interface ModelExpectation {
  /** Human-readable description for error messages, e.g. "FaceMesh 192x192". */
  readonly label: string;
  readonly inputs: readonly TensorExpectation[];
  readonly outputs: readonly TensorExpectation[];
}

export interface SessionOptions {
  /** ORT intra-op threads (default 1: the tracker runs stages back to back on a small board). */
  readonly threads?: number;
}

export class ModelLoadError extends Error {
  constructor(message: string, readonly file: string) {
    super(message);
    this.name = 'ModelLoadError';
  }
}

function describe(shape: ReadonlyArray<number | string>): string {
  return `[${shape.join(',')}]`;
}

function dimsMatch(actual: ReadonlyArray<number | string>, expected: readonly Dim[]): boolean {
  if (actual.length !== expected.length) return false;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i];
    const a = actual[i];
    if (e === 'dynamic') continue;
    // A symbolic (string) or -1 model dimension accepts any fixed size we feed.
    if (typeof a === 'string' || a === -1) continue;
    if (a !== e) return false;
  }
  return true;
}

interface ResolvedTensor {
  readonly name: string;
  readonly shape: readonly number[] | readonly (number | string)[];
}

function resolve(
  file: string,
  label: string,
  kind: 'input' | 'output',
  metadata: readonly ort.InferenceSession.ValueMetadata[],
  expected: readonly TensorExpectation[],
): string[] {
  const found = metadata.map((m): ResolvedTensor => ({
    name: m.name,
    shape: m.isTensor ? m.shape : [],
  }));
  const listing = found.map((f) => `${f.name} ${describe(f.shape)}`).join(', ') || 'none';
  const wanted = expected.map((e) => `${e.name ?? '?'} ${describe(e.shape)}`).join(', ');
  // Inputs must match exactly; a model may have outputs we do not read (FaceMesh's contours).
  const countOk = kind === 'input' ? found.length === expected.length : found.length >= expected.length;
  if (!countOk) {
    throw new ModelLoadError(
      `${file}: is not the ${label} model: expected ${expected.length} ${kind}s (${wanted}), found ${found.length} (${listing})`,
      file,
    );
  }
  const used = new Set<string>();
  return expected.map((e) => {
    const byName = e.name !== undefined ? found.find((f) => f.name === e.name) : undefined;
    const match =
      byName && dimsMatch(byName.shape, e.shape)
        ? byName
        : found.find((f) => !used.has(f.name) && dimsMatch(f.shape, e.shape));
    if (!match) {
      throw new ModelLoadError(
        `${file}: is not the ${label} model: no ${kind} of shape ${describe(e.shape)}` +
          `${e.name ? ` (expected name ${e.name})` : ''}; the model has ${kind}s ${listing}`,
        file,
      );
    }
    used.add(match.name);
    return match.name;
  });
}

export class ModelSession {
  private readonly feeds: Record<string, ort.Tensor> = {};

  private constructor(
    readonly file: string,
    readonly label: string,
    private readonly session: ort.InferenceSession,
    readonly inputNames: readonly string[],
    readonly outputNames: readonly string[],
  ) {}

  /**
   * Loads and validates a model. Throws ModelLoadError naming the file and what was expected when
   * the file is missing, empty, truncated/corrupt, or has the wrong inputs/outputs.
   */
  static async load(file: string, expect: ModelExpectation, options: SessionOptions = {}): Promise<ModelSession> {
    let bytes: Uint8Array;
    try {
      bytes = await fs.readFile(file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'file not found' : `cannot read (${code ?? String(err)})`;
      throw new ModelLoadError(`${file}: ${why}; expected the ${expect.label} ONNX model (run \`npm run models\`)`, file);
    }
    if (bytes.length === 0) {
      throw new ModelLoadError(`${file}: file is empty; expected the ${expect.label} ONNX model`, file);
    }
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(bytes, {
        intraOpNumThreads: options.threads ?? 1,
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
        executionMode: 'sequential',
        // Warnings about unused initialisers in converted graphs are noise to a user.
        logSeverityLevel: 3,
      });
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      throw new ModelLoadError(
        `${file}: not a loadable ONNX model (truncated or corrupt? ${bytes.length} bytes); ` +
          `expected the ${expect.label} model. ONNX Runtime said: ${msg}`,
        file,
      );
    }
    try {
      const inputs = resolve(file, expect.label, 'input', session.inputMetadata, expect.inputs);
      const outputs = resolve(file, expect.label, 'output', session.outputMetadata, expect.outputs);
      return new ModelSession(file, expect.label, session, inputs, outputs);
    } catch (err) {
      await session.release();
      throw err;
    }
  }

  /**
   * Binds a caller-owned buffer as input `index` with the given shape. The buffer is read at every
   * run(); write the next frame into it in place.
   */
  bindInput(index: number, buffer: Float32Array, shape: readonly number[]): void {
    const count = shape.reduce((a, b) => a * b, 1);
    if (buffer.length !== count) {
      throw new RangeError(`${this.label}: input buffer holds ${buffer.length} floats, shape ${describe(shape)} needs ${count}`);
    }
    this.feeds[this.inputNames[index]] = new ort.Tensor('float32', buffer, shape);
  }

  /** Runs the model; returns output data in the order of the expectation's outputs. */
  async run(): Promise<Float32Array[]> {
    const result = await this.session.run(this.feeds, this.outputNames as string[]);
    return this.outputNames.map((name) => {
      const t = result[name];
      if (!t || t.type !== 'float32') throw new Error(`${this.label}: output ${name} missing or not float32`);
      return t.data as Float32Array;
    });
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
