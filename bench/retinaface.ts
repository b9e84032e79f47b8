/**
 * RetinaFace full pyramid vs close-range pruned graph, the seed's table: input = a 640x480 frame
 * scaled by 0.1, 0.4, 1.0, 2.0 (padded to a multiple of 32); median ms of inference, decode + NMS and
 * the whole detect (preprocess + transpose + inference + decode), beside BlazeFace front and back on
 * the same frames, in one run.
 *
 * The RetinaFace model is the MobileNet-0.25 ARCHITECTURE with random weights
 * (tools/retinaface/mnet-model.ts): same compute as a trained model, so the times are valid; its
 * detections are meaningless, so recall is not measured here. With a trained model (e.g. OpenSeeFace's
 * retinaface_640x640_opt.onnx) pass --model PATH for its times; recall is bench/detector-recall.ts
 * (--retinaface-model PATH); --recall only points there.
 *   bash bench/run.sh bench/retinaface.ts [--frames N] [--runs N] [--model PATH]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BlazeFaceDetector } from '../src/vision/blazeface';
import type { RgbImage } from '../src/image/frame';
import { modelFiles } from '../src/vision/model-specs';
import { RetinaFaceDetector } from '../src/vision/retinaface';
import { buildMnetModel } from '../tools/retinaface/mnet-model';
import { pruneFinestLevel } from '../tools/retinaface/prune';
import { commandLine, decodeVideoFrames, formatMachineInfo, formatTable, median, parseArgs, repoRoot, sharedDataDir, type Row } from './lib';

const args = parseArgs();
const frameCount = args.number('frames', 10);
const runs = args.number('runs', 3);
const userModel = args.get('model');
if (args.flag('recall')) {
  throw new Error(`recall is measured by bench/detector-recall.ts: bash bench/run.sh bench/detector-recall.ts --retinaface-model ${userModel ?? 'PATH'}`);
}

const video = await decodeVideoFrames(path.join(sharedDataDir(), 'video', 'cap13_edit2.mp4'), frameCount);
const frames: RgbImage[] = video.frames;
const toInputScale = (factor: number): number => (factor * 640) / video.width; // factor of a 640x480 frame

const dir = path.join(repoRoot(), 'build', 'bench-retinaface');
mkdirSync(dir, { recursive: true });
const fullFile = userModel ?? path.join(dir, 'mnet-random.onnx');
if (!userModel) writeFileSync(fullFile, buildMnetModel());
const prunedFile = path.join(dir, 'pruned.onnx');
const { readFileSync } = await import('node:fs');
writeFileSync(prunedFile, pruneFinestLevel(readFileSync(fullFile)).model);

interface Stat { infer: number; decode: number; total: number }

async function time(det: RetinaFaceDetector): Promise<Stat> {
  for (const f of frames.slice(0, 2)) await det.detect(f); // warm-up
  const infer: number[] = [];
  const decode: number[] = [];
  const total: number[] = [];
  for (let r = 0; r < runs; r++) {
    for (const f of frames) {
      const t0 = performance.now();
      await det.detect(f);
      total.push(performance.now() - t0);
      infer.push(det.timings.inferenceMs);
      decode.push(det.timings.decodeMs);
    }
  }
  return { infer: median(infer), decode: median(decode), total: median(total) };
}

const rows: Row[] = [];
for (const factor of [0.1, 0.4, 1.0, 2.0]) {
  const scale = toInputScale(factor);
  const full = await RetinaFaceDetector.create(fullFile, { mode: 'full', inputScale: scale, scoreThreshold: 0.9 });
  const pruned = await RetinaFaceDetector.create(prunedFile, { mode: 'close-range', inputScale: scale, scoreThreshold: 0.9 });
  const [w, h] = full.inputSizeFor(video.width, video.height);
  const a = await time(full);
  const b = await time(pruned);
  rows.push({
    scale: factor,
    input: `${w}x${h}`,
    'full infer': a.infer,
    'full decode+NMS': a.decode,
    'full total': a.total,
    'pruned infer': b.infer,
    'pruned decode+NMS': b.decode,
    'pruned total': b.total,
    'speed-up (total)': `${(a.total / b.total).toFixed(2)}x`,
  });
  await Promise.all([full.release(), pruned.release()]);
}

const blaze: Row[] = [];
for (const kind of ['front', 'back'] as const) {
  const det = await BlazeFaceDetector.create(modelFiles(path.join(repoRoot(), 'models'), kind).detector, kind);
  for (const f of frames.slice(0, 2)) await det.detect(f);
  const total: number[] = [];
  for (let r = 0; r < runs; r++) for (const f of frames) {
    const t0 = performance.now();
    await det.detect(f);
    total.push(performance.now() - t0);
  }
  blaze.push({ detector: `BlazeFace ${kind} (${det.inputSize}x${det.inputSize})`, 'total ms (median)': median(total) });
  await det.release();
}

console.log(`RetinaFace model: ${userModel ?? 'MobileNet-0.25 architecture, RANDOM weights (speed only)'}; frames: ${frames.length} of ${path.basename(video.path)} (${video.width}x${video.height}) x ${runs} runs; 1 ORT thread\n`);
console.log(formatTable(rows));
console.log();
console.log(formatTable(blaze));
console.log(`\n${formatMachineInfo()}\nCommand: \`${commandLine('bench/retinaface.ts', process.argv.slice(2))}\``);
