/**
 * A worker thread that runs ONNX Runtime sessions, so inference never holds the service's event loop
 * (onnxruntime-node's run() is synchronous on the calling thread) and models on different threads can
 * run at the same time (both eyes' iris models, on a board with the cores for it).
 *
 * Model inputs travel without copies: each run transfers the caller's input ArrayBuffers to the
 * worker and the worker transfers them back with the outputs (a few KB, cloned). While a run is in
 * flight the caller's views of those buffers are detached; ModelSession hands out the returned ones.
 * The camera frame itself never leaves the calling thread (the addon warps it into the model input).
 *
 * Failure semantics: a run that ONNX Runtime rejects rejects with its message; if the worker itself
 * dies (an uncaught error, terminate()), every pending and later call rejects with
 * InferenceThreadError naming why, and the thread stays dead: its owner builds a new one.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { InferenceSession } from 'onnxruntime-node';

/** What ModelSession needs to know of a loaded model's tensors. */
export interface TensorInfo {
  readonly name: string;
  readonly isTensor: boolean;
  readonly shape: ReadonlyArray<number | string>;
}

export interface ModelInput {
  readonly name: string;
  readonly data: Float32Array;
  readonly shape: readonly number[];
}

/** One loaded model, wherever it runs. */
export interface SessionRunner {
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];
  /**
   * Runs the model. The input arrays may be detached until the promise settles (a worker has them);
   * the result's `inputs` are the arrays to write the next inputs into, in the same order.
   */
  run(inputs: readonly ModelInput[], outputNames: readonly string[]): Promise<{ inputs: Float32Array[]; outputs: Float32Array[] }>;
  release(): Promise<void>;
}

/** A run ONNX Runtime refused; `inputs` are the caller's buffers, handed back. */
export class ModelRunError extends Error {
  constructor(message: string, readonly inputs: Float32Array[]) {
    super(message);
    this.name = 'ModelRunError';
  }
}

export class InferenceThreadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InferenceThreadError';
  }
}

type Request =
  | { op: 'load'; seq: number; bytes: Uint8Array; options: InferenceSession.SessionOptions }
  | { op: 'run'; seq: number; id: number; inputs: ModelInput[]; outputNames: readonly string[] }
  | { op: 'release'; seq: number; id: number };

type Reply = { seq: number; error?: string; id?: number; inputs?: TensorInfo[]; outputs?: TensorInfo[]; data?: Float32Array[]; returned?: Float32Array[] };

// The worker's side, plain JavaScript run with `eval` so that the same code works from the esbuild
// bundle and from the TypeScript sources under test. It loads onnxruntime-node from the path the
// calling thread resolved.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const ort = require(workerData.ortPath);
const sessions = new Map();
let nextId = 1;
const info = (m) => m.map((t) => ({ name: t.name, isTensor: t.isTensor, shape: t.isTensor ? Array.from(t.shape) : [] }));
parentPort.on('message', async (m) => {
  try {
    if (m.op === 'load') {
      const session = await ort.InferenceSession.create(m.bytes, m.options);
      const id = nextId++;
      sessions.set(id, session);
      parentPort.postMessage({ seq: m.seq, id, inputs: info(session.inputMetadata), outputs: info(session.outputMetadata) });
    } else if (m.op === 'run') {
      const feeds = {};
      for (const input of m.inputs) feeds[input.name] = new ort.Tensor('float32', input.data, input.shape);
      let data;
      try {
        const result = await sessions.get(m.id).run(feeds, m.outputNames);
        data = m.outputNames.map((name) => result[name].data);
      } catch (error) {
        const returned = m.inputs.map((i) => i.data);
        parentPort.postMessage({ seq: m.seq, error: String(error && error.message || error), returned }, returned.map((d) => d.buffer));
        return;
      }
      const returned = m.inputs.map((i) => i.data);
      parentPort.postMessage({ seq: m.seq, data, returned }, returned.map((d) => d.buffer));
    } else if (m.op === 'release') {
      const session = sessions.get(m.id);
      sessions.delete(m.id);
      if (session) await session.release();
      parentPort.postMessage({ seq: m.seq });
    }
  } catch (error) {
    parentPort.postMessage({ seq: m.seq, error: String(error && error.message || error) });
  }
});
`;

export class InferenceThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (reply: Reply) => void; reject: (error: Error) => void }>();
  private seq = 0;
  private dead: InferenceThreadError | null = null;

  constructor(readonly name = 'vtlink inference') {
    const ortPath = createRequire(import.meta.url).resolve('onnxruntime-node');
    this.worker = new Worker(WORKER_SOURCE, { eval: true, name, workerData: { ortPath } });
    this.worker.on('message', (reply: Reply) => {
      const waiter = this.pending.get(reply.seq);
      this.pending.delete(reply.seq);
      waiter?.resolve(reply);
    });
    this.worker.on('error', (error) => this.fail(`${name} thread failed: ${error.message}`));
    this.worker.on('exit', (code) => this.fail(`${name} thread exited (code ${code})`));
  }

  /** Loads a model on this thread (bytes are copied to it once). */
  async load(bytes: Uint8Array, options: InferenceSession.SessionOptions): Promise<SessionRunner> {
    const reply = await this.request({ op: 'load', seq: 0, bytes, options });
    const id = reply.id!;
    return {
      inputs: reply.inputs!,
      outputs: reply.outputs!,
      run: async (inputs, outputNames) => {
        const seq = ++this.seq;
        const buffers = inputs.map((i) => i.data.buffer as ArrayBuffer);
        const answer = await this.send({ op: 'run', seq, id, inputs: [...inputs], outputNames }, buffers);
        if (answer.error) throw new ModelRunError(answer.error, answer.returned!);
        return { inputs: answer.returned!, outputs: answer.data! };
      },
      release: async () => {
        if (!this.dead) await this.request({ op: 'release', seq: 0, id });
      },
    };
  }

  /** Ends the thread; pending calls reject. */
  async close(): Promise<void> {
    this.fail(`${this.name} thread closed`);
    await this.worker.terminate();
  }

  private async request(message: Request): Promise<Reply> {
    const reply = await this.send({ ...message, seq: ++this.seq });
    if (reply.error) throw new Error(reply.error);
    return reply;
  }

  private send(message: Request, transfer: ArrayBuffer[] = []): Promise<Reply> {
    if (this.dead) return Promise.reject(this.dead);
    return new Promise((resolve, reject) => {
      this.pending.set(message.seq, { resolve, reject });
      this.worker.postMessage(message, transfer);
    });
  }

  private fail(why: string): void {
    if (this.dead) return;
    this.dead = new InferenceThreadError(why);
    for (const waiter of this.pending.values()) waiter.reject(this.dead);
    this.pending.clear();
  }
}
