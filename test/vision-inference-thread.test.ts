/**
 * Models on worker threads (src/vision/inference-thread.ts): the same numbers as on the calling thread,
 * input buffers handed over and back without copies, the event loop free while a model runs, clear
 * errors when the thread or the model fails, and the whole tracker the same frame for frame when its
 * stages run on three workers and frames overlap.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CapturedFrame } from '../src/capture/source';
import { openVideoFile } from '../src/capture/video-file';
import { defaultModelsDir } from '../src/system/paths';
import { FaceTracker } from '../src/tracking/tracker';
import type { TrackingFrame } from '../src/tracking/types';
import { defaultInferenceThreads } from '../src/vision/face-vision';
import { InferenceThread, InferenceThreadError } from '../src/vision/inference-thread';
import { irisExpectation, MESH_EXPECTATION } from '../src/vision/model-specs';
import { ModelLoadError, ModelSession } from '../src/vision/session';
import { seededRandom } from './helpers/random';
import { sharedDataDir } from './helpers/tracker-fixture';

const models = defaultModelsDir();
const threads: InferenceThread[] = [];
afterAll(async () => {
  await Promise.all(threads.map((t) => t.close()));
});

function newThread(): InferenceThread {
  const thread = new InferenceThread('test inference');
  threads.push(thread);
  return thread;
}

function fillRandom(buffer: Float32Array, seed: number): void {
  const next = seededRandom(seed);
  for (let i = 0; i < buffer.length; i++) buffer[i] = next();
}

describe('ModelSession on an InferenceThread', () => {
  it('gives the same outputs as on the calling thread, and hands the input buffer over and back', async () => {
    const file = path.join(models, 'iris.onnx');
    const local = await ModelSession.load(file, irisExpectation(2));
    const remote = await ModelSession.load(file, irisExpectation(2), { thread: newThread() });
    const shape = [2, 64, 64, 3];
    fillRandom(local.bindInput(0, shape), 7);
    const sent = remote.bindInput(0, shape);
    fillRandom(sent, 7);
    const pending = remote.run();
    // In flight, the buffer is with the worker: detached here, and the session says so.
    expect(sent.length).toBe(0);
    expect(() => remote.input(0)).toThrow(/in use by a run/);
    const [a] = await local.run();
    const [b] = await pending;
    expect(Array.from(b)).toEqual(Array.from(a));
    // Back: a new view of the same bytes, not a copy made here (the values are the ones written).
    const back = remote.input(0);
    expect(back === sent).toBe(false);
    expect(back.length).toBe(2 * 64 * 64 * 3);
    const expected = new Float32Array(back.length);
    fillRandom(expected, 7);
    expect(back).toEqual(expected);
    await Promise.all([local.release(), remote.release()]);
  });

  it('keeps the event loop free while the model runs (on the calling thread, the run holds it)', async () => {
    const file = path.join(models, 'facemesh.onnx');
    /** Event-loop turns (setImmediate) that happen while one run is pending. */
    const turnsDuringRun = async (session: ModelSession): Promise<number> => {
      let turns = 0;
      let pending = true;
      const spin = (): void => {
        turns++;
        if (pending) setImmediate(spin);
      };
      setImmediate(spin);
      await session.run();
      pending = false;
      return turns;
    };
    const local = await ModelSession.load(file, MESH_EXPECTATION);
    const remote = await ModelSession.load(file, MESH_EXPECTATION, { thread: newThread() });
    fillRandom(local.bindInput(0, [1, 192, 192, 3]), 3);
    fillRandom(remote.bindInput(0, [1, 192, 192, 3]), 3);
    const localTurns: number[] = [];
    const remoteTurns: number[] = [];
    for (let i = 0; i < 7; i++) {
      localTurns.push(await turnsDuringRun(local));
      remoteTurns.push(await turnsDuringRun(remote));
    }
    console.log(`event-loop turns during a run: calling thread ${localTurns}, worker ${remoteTurns}`);
    // onnxruntime-node runs inside one setImmediate callback: the loop turns once or twice around it.
    expect(Math.max(...localTurns)).toBeLessThanOrEqual(3);
    // On the worker the loop keeps turning for the whole run (a mesh run is hundreds of turns long).
    expect(remoteTurns.reduce((a, b) => a + b, 0)).toBeGreaterThan(7 * 20);
    await Promise.all([local.release(), remote.release()]);
  });

  it('refuses a corrupt model with the same ModelLoadError as on the calling thread', async () => {
    const bytes = readFileSync(path.join(models, 'iris.onnx'));
    const file = path.join(sharedDataDir(), '..', 'nonexistent-dir', 'x.onnx');
    const missing = await ModelSession.load(file, irisExpectation(2), { thread: newThread() }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ModelLoadError);
    const thread = newThread();
    const truncated = path.join(process.env.TMPDIR ?? '/tmp', `vtlink-truncated-${process.pid}.onnx`);
    await import('node:fs/promises').then((fs) => fs.writeFile(truncated, bytes.subarray(0, 1000)));
    const corrupt = await ModelSession.load(truncated, irisExpectation(2), { thread }).catch((e: unknown) => e);
    expect(corrupt).toBeInstanceOf(ModelLoadError);
    expect((corrupt as Error).message).toMatch(/truncated or corrupt/);
    // The thread survives a refused model and still loads a good one.
    const good = await ModelSession.load(path.join(models, 'iris.onnx'), irisExpectation(2), { thread });
    good.bindInput(0, [2, 64, 64, 3]);
    expect((await good.run())[0]).toHaveLength(2 * 228);
  });

  it('a run on a closed thread rejects with InferenceThreadError, as does a run in flight when it closes', async () => {
    const thread = newThread();
    const session = await ModelSession.load(path.join(models, 'facemesh.onnx'), MESH_EXPECTATION, { thread });
    session.bindInput(0, [1, 192, 192, 3]);
    const inFlight = expect(session.run()).rejects.toBeInstanceOf(InferenceThreadError);
    await thread.close();
    await inFlight;
    await expect(session.run()).rejects.toThrow(/thread closed/);
  });

  it('uses one worker per core but one, at least one and at most three', () => {
    expect([1, 2, 3, 4, 16].map((cores) => defaultInferenceThreads(cores))).toEqual([1, 1, 2, 3, 3]);
  });
});

describe('FaceTracker with its stages on worker threads', () => {
  it('overlapping frames on three workers give the same TrackingFrames, in order, as one thread', async () => {
    const video = path.join(sharedDataDir(), 'video/cap13_edit2.mp4');
    const frames: CapturedFrame[] = [];
    const source = await openVideoFile(video, { maxFrames: 90 });
    try {
      for await (const result of source.frames()) {
        if (result.kind === 'skipped') throw result.error;
        // The source reuses its buffer: keep a copy of each frame, as RGB.
        const image = { ...result.image, data: Uint8Array.from(result.image.data) };
        frames.push({ kind: 'frame', image, index: result.index, timeMs: result.timeMs, source: result.source });
      }
    } finally {
      await source.close();
    }
    const serial = await FaceTracker.create({ modelsDir: models, detector: 'front', threads: 1 });
    const expected: TrackingFrame[] = [];
    try {
      for (const frame of frames) expected.push(await serial.process(frame));
    } finally {
      await serial.release();
    }
    expect(expected.length).toBe(90);

    const overlapped = await FaceTracker.create({ modelsDir: models, detector: 'front', threads: 1, inferenceThreads: 3 });
    const results: Promise<TrackingFrame>[] = [];
    const order: number[] = [];
    try {
      for (const frame of frames) {
        const job = overlapped.submit(frame);
        results.push(job.result.then((r) => (order.push(r.frame), r)));
        await job.released;
      }
      const got = await Promise.all(results);
      expect(order).toEqual(frames.map((f) => f.index));
      for (let i = 0; i < got.length; i++) {
        const a = expected[i].face!;
        const b = got[i].face!;
        expect(b, `frame ${i}`).not.toBeNull();
        // Same models, same inputs: the same numbers to float rounding (the worker's ORT is the same build).
        let worst = 0;
        for (let p = 0; p < a.landmarks.length; p++) worst = Math.max(worst, Math.hypot(a.landmarks[p][0] - b.landmarks[p][0], a.landmarks[p][1] - b.landmarks[p][1]));
        expect(worst, `frame ${i}: worst landmark difference`).toBeLessThan(1e-3);
        expect(b.pose.yaw).toBeCloseTo(a.pose.yaw, 3);
        expect(b.eyes.left).toBeCloseTo(a.eyes.left, 4);
      }
    } finally {
      await overlapped.release();
    }
  });
});
