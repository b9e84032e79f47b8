/**
 * ONNX Runtime session wrapper: loads one model file, checks it is the model we expect, and runs it
 * on input buffers it allocates once (the stage writes each frame's input into `input(i)` in place:
 * no copies, no per-frame allocation on our side). The session runs on the calling thread, or on an
 * InferenceThread (SessionOptions.thread), which takes the input buffers there and back without copying.
 *
 * Tensors are matched by shape, with the expected name as a preference: the converter may name
 * outputs differently from the original graph, but a model with the wrong shapes is the wrong model.
 */
import { promises as fs } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { ModelRunError, type InferenceThread, type ModelInput, type SessionRunner, type TensorInfo } from './inference-thread';

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
  /** Run on this worker thread instead of the calling one. */
  readonly thread?: InferenceThread;
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
  metadata: readonly TensorInfo[],
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

/** A session on the calling thread. */
async function localRunner(bytes: Uint8Array, options: ort.InferenceSession.SessionOptions): Promise<SessionRunner> {
  const session = await ort.InferenceSession.create(bytes, options);
  const info = (m: readonly ort.InferenceSession.ValueMetadata[]): TensorInfo[] => m.map((t) => ({ name: t.name, isTensor: t.isTensor, shape: t.isTensor ? t.shape : [] }));
  // One ort.Tensor per input buffer, made on first use and reused (the buffers never move here).
  const tensors = new Map<Float32Array, ort.Tensor>();
  return {
    inputs: info(session.inputMetadata),
    outputs: info(session.outputMetadata),
    async run(inputs, outputNames) {
      const feeds: Record<string, ort.Tensor> = {};
      for (const input of inputs) {
        let tensor = tensors.get(input.data);
        if (!tensor) tensors.set(input.data, (tensor = new ort.Tensor('float32', input.data, input.shape)));
        feeds[input.name] = tensor;
      }
      const result = await session.run(feeds, outputNames as string[]);
      return {
        inputs: inputs.map((i) => i.data),
        outputs: outputNames.map((name) => {
          const t = result[name];
          if (!t || t.type !== 'float32') throw new Error(`output ${name} missing or not float32`);
          return t.data as Float32Array;
        }),
      };
    },
    release: () => session.release(),
  };
}

export class ModelSession {
  private inputs: ModelInput[] = [];

  private constructor(
    readonly file: string,
    readonly label: string,
    private readonly runner: SessionRunner,
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
    const ortOptions: ort.InferenceSession.SessionOptions = {
      intraOpNumThreads: options.threads ?? 1,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
      // Warnings about unused initialisers in converted graphs are noise to a user.
      logSeverityLevel: 3,
    };
    let runner: SessionRunner;
    try {
      runner = options.thread ? await options.thread.load(bytes, ortOptions) : await localRunner(bytes, ortOptions);
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      throw new ModelLoadError(
        `${file}: not a loadable ONNX model (truncated or corrupt? ${bytes.length} bytes); ` +
          `expected the ${expect.label} model. ONNX Runtime said: ${msg}`,
        file,
      );
    }
    try {
      const inputs = resolve(file, expect.label, 'input', runner.inputs, expect.inputs);
      const outputs = resolve(file, expect.label, 'output', runner.outputs, expect.outputs);
      return new ModelSession(file, expect.label, runner, inputs, outputs);
    } catch (err) {
      await runner.release();
      throw err;
    }
  }

  /**
   * Allocates input `index` with the given shape and returns its buffer. On the calling thread the
   * buffer stays the same; on an InferenceThread take `input(index)` again before each run.
   */
  bindInput(index: number, shape: readonly number[]): Float32Array {
    if (index < 0 || index >= this.inputNames.length) throw new RangeError(`${this.label}: no input ${index} (the model has ${this.inputNames.length})`);
    const count = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(count);
    this.inputs[index] = { name: this.inputNames[index], data, shape: [...shape] };
    return data;
  }

  /**
   * The buffer of input `index`, to write the next run's input into. Take it again before each run:
   * a session on an InferenceThread gets its buffers back as new views after every run.
   */
  input(index: number): Float32Array {
    const input = this.inputs[index];
    if (!input) throw new RangeError(`${this.label}: input ${index} is not bound`);
    if (input.data.buffer.byteLength === 0) throw new Error(`${this.label}: input ${index} is in use by a run that has not finished`);
    return input.data;
  }

  /** Runs the model; returns output data in the order of the expectation's outputs. */
  async run(): Promise<Float32Array[]> {
    const inputs = this.inputs;
    try {
      const result = await this.runner.run(inputs, this.outputNames);
      this.inputs = inputs.map((input, i) => ({ ...input, data: result.inputs[i] }));
      return result.outputs;
    } catch (err) {
      if (err instanceof ModelRunError) this.inputs = inputs.map((input, i) => ({ ...input, data: err.inputs[i] }));
      throw err;
    }
  }

  async release(): Promise<void> {
    await this.runner.release();
  }
}
