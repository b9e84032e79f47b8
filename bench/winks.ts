/**
 * Winks and looking down (issue 12 item 2, RESULTS "Winks and looking down").
 *
 * Winks: blink-zju has 2 labelled one-eye-closed frames, so winks are made from its blinks
 * (bench/winks/composite.ts: one eye's region pasted open from a frame just before each blink). The
 * product's tracker (default settings, a new user per clip, every clip from its start) runs over
 * each wink clip; in the frames labelled closed for the closing eye (the one-eye-closed frames) it
 * reports the open eye's openness (face.eyes; gate: >= 0.7 in >= 95 % of them), whether the closing
 * eye still reads closed (eyeBlink >= 0.5), and how far the open eye's gaze moves from the frames
 * before the paste (the "veers" complaint). A control clip has BOTH eyes pasted open (the blink
 * erased): what the paste alone does to the readings. Split by the tuning half (subjects 1-5) and the
 * report half (6-11).
 *
 * Diagnosis, at the one-eye-closed frames, the open eye against the frames before the paste: its
 * lids' opening in the image (the iris model's lid points, pixels over the corner distance), the head
 * pitch and roll, the openness replayed with the head rotation frozen at its pre-paste value, and the
 * iris model run on the same frame with the eye crop fixed at its pre-paste place.
 *
 * Look-down: the frames of bench/winks/look-down-frames.json (our own labels: open eyes looking down,
 * and lids lowered in a look-down, not a blink), each video tracked from its start; false blinks =
 * the share with eyeBlink >= 0.25.
 *
 *   bash bench/run.sh bench/winks.ts [--clips N] [--no-look-down]
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { FaceFeatures } from '../src/geometry/features';
import { LEFT_EYE, RIGHT_EYE, type EyeIndices } from '../src/geometry/features/mesh-indices';
import { defaultIntrinsics } from '../src/geometry/intrinsics';
import { quaternionToMatrix } from '../src/geometry/linalg';
import type { RgbImage } from '../src/image/frame';
import { defaultModelsDir } from '../src/system/paths';
import { IrisModel, refineMeshWithIris } from '../src/vision/iris';
import { parseArgs } from './lib/args';
import { reportFooter } from './lib/command';
import { mean, percentile } from './lib/stats';
import { repoRoot, sharedDataDir } from './lib/paths';
import { formatTable, type Row } from './lib/table';
import { decodeVideoFrames } from './lib/video-frames';
import { halfOf, loadZjuClips, type ZjuClip } from './lib/zju-blinks';
import { makeWinkClip, other, type Eye, type WinkEvent } from './winks/composite';
import { newTracker, trackFrames, trackVideo, type FrameRead } from './winks/track';

/** The blink detection threshold bench/blink.ts picks on the tuning half (RESULTS "Blinks"). */
const BLINK_THRESHOLD = 0.16;

const args = parseArgs();
const maxClips = args.number('clips', Infinity);
const clips = loadZjuClips().slice(0, maxClips);
const EYE: Record<Eye, EyeIndices> = { left: LEFT_EYE, right: RIGHT_EYE };
/** Frames before the pasted range that give the open eye's "before" values. */
const BEFORE = 5;

type Variant = 'wink' | 'control' | 'original';

interface Sample {
  half: 'tune' | 'report';
  clip: string;
  variant: Variant;
  event: string;
  /** Eye measured as open, and the one closing (the same eye for the control). */
  eye: Eye;
  face: boolean;
  open: number;
  /** The closing eye's eyeBlink (wink clips). */
  closingBlink: number;
  dYaw: number;
  dPitch: number;
  dHeadPitch: number;
  dHeadRoll: number;
  /** The open eye's lid opening in the image over its pre-paste value. */
  lidRatio: number;
  /** Openness replayed with the head rotation frozen at its pre-paste value. */
  openFrozenPose: number;
  /** The closing eye's lid opening in the image over its pre-paste value (tracked), and from the iris model with its crop fixed before / where tracked. */
  closingLid: number;
  closingLidFixedCrop: number;
  closingLidOwnCrop: number;
  /** Lid opening from the iris model on this frame: crop fixed at the pre-paste place / crop where the tracked corners put it (both unsmoothed), over the pre-paste tracked value. */
  lidRatioFixedCrop: number;
  lidRatioOwnCrop: number;
}

/** Lid opening in the image: mean upper-lower distance of the paired lid points over the corner distance. */
function lidOpening(p: ArrayLike<number>, eye: EyeIndices): number {
  let gap = 0;
  for (let k = 0; k < eye.upper.length; k++) {
    const u = eye.upper[k] * 3;
    const l = eye.lower[k] * 3;
    gap += Math.hypot(p[l] - p[u], p[l + 1] - p[u + 1]);
  }
  const w = Math.hypot(p[eye.outer * 3] - p[eye.inner * 3], p[eye.outer * 3 + 1] - p[eye.inner * 3 + 1]);
  return gap / eye.upper.length / Math.max(1e-9, w);
}

/** The product's features replayed over the tracked (smoothed) points, with the head rotation frozen inside `frozen` ranges. */
function replayOpenness(reads: readonly (FrameRead | null)[], width: number, height: number, frozen: readonly WinkEvent[]): { left: number; right: number }[] {
  const features = new FaceFeatures({ camera: defaultIntrinsics(width, height) });
  const rotation = new Float64Array(9);
  const out: { left: number; right: number }[] = [];
  let held: [number, number, number, number] | null = null;
  reads.forEach((f, i) => {
    const ev = frozen.find((e) => i >= e.pasted.start && i <= e.pasted.end);
    if (!f) {
      out.push({ left: Number.NaN, right: Number.NaN });
      return;
    }
    if (!ev) held = f.quaternion;
    quaternionToMatrix(ev && held ? held : f.quaternion, rotation);
    const r = features.compute(f.landmarks, f.iris, rotation, f.gaze);
    out.push({ left: r.eyes.left, right: r.eyes.right });
  });
  return out;
}

const samples: Sample[] = [];
const tracker = await newTracker();
const iris = await IrisModel.create(path.join(defaultModelsDir(), 'iris.onnx'), { threads: 1 });
let eventCount = 0;

/** Open-eye lid opening from the iris model on `image` with the eye crop from `corners` (a mesh-sized array holding the 4 corners). */
async function irisLids(image: RgbImage, cornersFrom: ArrayLike<number>, eye: Eye): Promise<number> {
  const mesh = Float32Array.from(cornersFrom);
  const res = await iris.run(image, mesh);
  refineMeshWithIris(mesh, res);
  return lidOpening(mesh, EYE[eye]);
}

const t0 = performance.now();
for (const clip of clips) {
  const video = await decodeVideoFrames(clip.video);
  const runs: { variant: Variant; pairs: { ev: WinkEvent; eye: Eye }[]; frames: RgbImage[]; events: WinkEvent[] }[] = [];
  const winkPairs: { ev: WinkEvent; eye: Eye }[] = [];
  for (const eye of ['left', 'right'] as const) {
    const w = makeWinkClip(clip, video.frames, eye);
    const pairs = w.events.map((ev) => ({ ev, eye }));
    winkPairs.push(...pairs);
    runs.push({ variant: 'wink', pairs, frames: w.frames, events: w.events });
  }
  // The clip as filmed: the same frames and eyes, both eyes closing (what the closing eye reads in a real blink).
  runs.push({ variant: 'original', pairs: winkPairs, frames: video.frames, events: winkPairs.map((p) => p.ev) });
  // Control: both eyes pasted open; its "closed" frames are those labelled closed in either eye.
  const l = makeWinkClip(clip, video.frames, 'left');
  const both = makeWinkClip(clip, l.frames, 'right');
  const byIndex = new Map(clip.frames.map((f) => [f.index, f]));
  const controlEvents = l.events.map((e) => ({
    ...e,
    closedFrames: Array.from({ length: e.blink.end - e.blink.start + 1 }, (_, k) => e.blink.start + k).filter((i) => byIndex.get(i)?.leftClosed || byIndex.get(i)?.rightClosed),
  }));
  runs.push({ variant: 'control', pairs: controlEvents.flatMap((ev) => (['left', 'right'] as const).map((eye) => ({ ev, eye }))), frames: both.frames, events: controlEvents });

  for (const run of runs) {
    const reads = await trackFrames(tracker, run.frames, video.fps, clip.name);
    const frozen = replayOpenness(reads, video.width, video.height, run.events);
    for (const { ev, eye } of run.pairs) {
      eventCount += run.variant === 'wink' ? 1 : 0;
      const before = Array.from({ length: BEFORE }, (_, k) => ev.pasted.start - 1 - k)
        .filter((i) => i >= 0 && reads[i])
        .map((i) => reads[i]!);
      if (before.length === 0) continue;
      // The pre-paste mesh, for a crop fixed where the eye was.
      const beforeMesh = new Float32Array(before[0].landmarks.length);
      for (const b of before) for (let j = 0; j < beforeMesh.length; j++) beforeMesh[j] += b.landmarks[j] / before.length;
      {
        const m = (f: FrameRead) => f[eye];
        const closing = other(eye);
        const closingLid0 = mean(before.map((b) => lidOpening(b.landmarks, EYE[closing])));
        const yaw0 = mean(before.map((b) => m(b).yaw));
        const pitch0 = mean(before.map((b) => m(b).pitch));
        const head0 = mean(before.map((b) => b.head.pitch));
        const roll0 = mean(before.map((b) => b.head.roll));
        const lid0 = mean(before.map((b) => lidOpening(b.landmarks, EYE[eye])));
        for (const i of ev.closedFrames) {
          const f = reads[i];
          const base = { half: halfOf(clip), clip: clip.name, variant: run.variant, event: `${clip.name}:${ev.blink.start}`, eye };
          if (!f) {
            samples.push({ ...base, face: false, open: 0, closingBlink: 0, dYaw: Number.NaN, dPitch: Number.NaN, dHeadPitch: Number.NaN, dHeadRoll: Number.NaN, lidRatio: Number.NaN, openFrozenPose: Number.NaN, lidRatioFixedCrop: Number.NaN, lidRatioOwnCrop: Number.NaN, closingLid: Number.NaN, closingLidFixedCrop: Number.NaN, closingLidOwnCrop: Number.NaN });
            continue;
          }
          samples.push({
            ...base,
            face: true,
            open: m(f).open,
            closingBlink: f[other(eye)].blink,
            dYaw: m(f).yaw - yaw0,
            dPitch: m(f).pitch - pitch0,
            dHeadPitch: f.head.pitch - head0,
            dHeadRoll: f.head.roll - roll0,
            lidRatio: lidOpening(f.landmarks, EYE[eye]) / lid0,
            openFrozenPose: frozen[i][eye],
            lidRatioFixedCrop: (await irisLids(run.frames[i], beforeMesh, eye)) / lid0,
            lidRatioOwnCrop: (await irisLids(run.frames[i], f.landmarks, eye)) / lid0,
            closingLid: lidOpening(f.landmarks, EYE[closing]) / closingLid0,
            closingLidFixedCrop: (await irisLids(run.frames[i], beforeMesh, closing)) / closingLid0,
            closingLidOwnCrop: (await irisLids(run.frames[i], f.landmarks, closing)) / closingLid0,
          });
        }
      }
    }
  }
  process.stderr.write(`${clip.name}: done (${((performance.now() - t0) / 1000).toFixed(0)} s)\n`);
}

const share = (xs: readonly boolean[]): number => (xs.length ? xs.filter(Boolean).length / xs.length : Number.NaN);
const abs = (xs: readonly number[]): number[] => xs.filter(Number.isFinite).map(Math.abs);

function winkRow(label: string, s: readonly Sample[]): Row {
  const events = new Set(s.map((x) => `${x.event}:${x.eye}`));
  const failedEvents = new Set(s.filter((x) => x.open < 0.7).map((x) => `${x.event}:${x.eye}`));
  const open = s.map((x) => x.open);
  return {
    set: label,
    'winks (events)': events.size,
    'one-eye-closed frames': s.length,
    'open eye >= 0.7 (gate 95 %)': share(s.map((x) => x.open >= 0.7)),
    'open p5': percentile(open, 5),
    'open median': percentile(open, 50),
    'winks with every frame >= 0.7': 1 - failedEvents.size / events.size,
    'closing eye eyeBlink >= 0.5': share(s.map((x) => x.closingBlink >= 0.5)),
    'no face': share(s.map((x) => !x.face)),
  };
}

function veerRow(label: string, s: readonly Sample[]): Row {
  const y = abs(s.map((x) => x.dYaw));
  const p = s.map((x) => x.dPitch).filter(Number.isFinite);
  return {
    set: label,
    frames: y.length,
    '|d yaw| median (deg)': percentile(y, 50),
    '|d yaw| p95': percentile(y, 95),
    'd pitch median (deg)': percentile(p, 50),
    '|d pitch| p95': percentile(abs(p), 95),
    'd head pitch median': percentile(s.map((x) => x.dHeadPitch).filter(Number.isFinite), 50),
    '|d head roll| p95': percentile(abs(s.map((x) => x.dHeadRoll)), 95),
  };
}

function diagRow(label: string, s: readonly Sample[]): Row {
  const f = s.filter((x) => x.face);
  const med = (xs: number[]): number => percentile(xs.filter(Number.isFinite), 50);
  return {
    frames: label,
    n: f.length,
    'openness median': med(f.map((x) => x.open)),
    'lid opening / before (tracked, median)': med(f.map((x) => x.lidRatio)),
    'iris model, own crop': med(f.map((x) => x.lidRatioOwnCrop)),
    'iris model, crop fixed before': med(f.map((x) => x.lidRatioFixedCrop)),
    'openness, head rotation frozen': med(f.map((x) => x.openFrozenPose)),
    '>= 0.7 with rotation frozen': share(f.map((x) => x.openFrozenPose >= 0.7)),
    'd head pitch median': med(f.map((x) => x.dHeadPitch)),
  };
}

const wink = samples.filter((s) => s.variant === 'wink');
const control = samples.filter((s) => s.variant === 'control');
const original = samples.filter((s) => s.variant === 'original');
const rows: Row[] = [];
const veers: Row[] = [];
for (const [label, set] of [
  ['tune (subjects 1-5), winks', wink.filter((s) => s.half === 'tune')],
  ['REPORT (subjects 6-11), winks', wink.filter((s) => s.half === 'report')],
  ['report, left eye kept open', wink.filter((s) => s.half === 'report' && s.eye === 'left')],
  ['report, right eye kept open', wink.filter((s) => s.half === 'report' && s.eye === 'right')],
  ...['FBN', 'FNN', 'FTN', 'UNN'].map((v) => [`report, ${v}`, wink.filter((s) => s.half === 'report' && s.clip.endsWith(v))] as const),
  ['all, winks', wink],
  ['tune, as filmed (both eyes blink)', original.filter((s) => s.half === 'tune')],
  ['report, as filmed (both eyes blink)', original.filter((s) => s.half === 'report')],
  ['tune, control (both eyes pasted open)', control.filter((s) => s.half === 'tune')],
  ['report, control (both eyes pasted open)', control.filter((s) => s.half === 'report')],
] as const) {
  rows.push(winkRow(label, set));
  veers.push(veerRow(label, set));
}

console.log(`Winks made from blink-zju (${clips.length} clips, ${eventCount} wink events = labelled blinks x 2 eyes, ${wink.length} one-eye-closed eye-frames): the open eye in the frames labelled closed for the closing eye.`);
console.log('');
console.log(formatTable(rows, { digits: 3 }));
console.log('');
console.log('The open eye\'s gaze at the one-eye-closed frames minus its mean over the 5 frames before the paste (face.gaze per eye, degrees; pitch + = up), and the head\'s.');
console.log('');
console.log(formatTable(veers, { digits: 2 }));
console.log('');
console.log('Why: the open eye at the one-eye-closed frames (wink clips, report half), split by whether it read >= 0.7; ratios are over its pre-paste value.');
console.log('');
const rep = wink.filter((s) => s.half === 'report');
console.log(
  formatTable(
    [diagRow('open eye reads < 0.7', rep.filter((s) => s.open < 0.7)), diagRow('open eye reads >= 0.7', rep.filter((s) => s.open >= 0.7)), diagRow('control (both pasted)', control.filter((s) => s.half === 'report')), diagRow('all halves, < 0.7', wink.filter((s) => s.open < 0.7))],
    { digits: 3 },
  ),
);
console.log('');
const closingRow = (label: string, s: readonly Sample[]): Row => {
  const f = s.filter((x) => x.face);
  const med = (xs: number[]): number => percentile(xs.filter(Number.isFinite), 50);
  return {
    frames: label,
    n: f.length,
    'eyeBlink >= 0.5': share(f.map((x) => x.closingBlink >= 0.5)),
    'eyeBlink median': med(f.map((x) => x.closingBlink)),
    'lid opening / before (tracked)': med(f.map((x) => x.closingLid)),
    'iris model, own crop': med(f.map((x) => x.closingLidOwnCrop)),
    'iris model, crop fixed before': med(f.map((x) => x.closingLidFixedCrop)),
  };
};
console.log('The closing eye at the one-eye-closed frames: in the wink clips, and in the same frames as filmed (both eyes closing); lid openings over the pre-paste value.');
console.log('');
console.log(
  formatTable(
    [
      closingRow('report, wink', rep),
      closingRow('report, as filmed', original.filter((s) => s.half === 'report')),
      closingRow('tune, wink', wink.filter((s) => s.half === 'tune')),
      closingRow('tune, as filmed', original.filter((s) => s.half === 'tune')),
    ],
    { digits: 3 },
  ),
);
console.log('');
const worst = [...new Set(wink.filter((s) => s.open < 0.7).map((s) => `${s.event}:${s.eye}`))];
console.log(`Wink events with an open-eye frame < 0.7 (${worst.length}): ${worst.join(', ') || 'none'}`);

// Look-down frames (our own labels).
const labelFile = path.join(repoRoot(), 'bench', 'winks', 'look-down-frames.json');
if (!args.flag('no-look-down') && existsSync(labelFile)) {
  interface LookDownLabels {
    note: string;
    videos: Record<string, { open: number[]; lowered: number[] }>;
  }
  const labels = JSON.parse(readFileSync(labelFile, 'utf8')) as LookDownLabels;
  const ld: { kind: string; video: string; blink: number; open: number; down: number; face: boolean }[] = [];
  for (const [name, sets] of Object.entries(labels.videos)) {
    const wanted = new Set([...sets.open, ...sets.lowered]);
    const file = name.includes('/') ? path.join(sharedDataDir(), name) : path.join(sharedDataDir(), 'video', name);
    const reads = await trackVideo(tracker, file, (i) => wanted.has(i));
    for (const [kind, frames] of [['open, looking down', sets.open], ['lids lowered, looking down', sets.lowered]] as const) {
      for (const i of frames) {
        const f = reads[i];
        for (const eye of ['left', 'right'] as const) ld.push({ kind, video: name, face: !!f, blink: f ? f[eye].blink : Number.NaN, open: f ? f[eye].open : Number.NaN, down: f ? f[eye].lookDown : Number.NaN });
      }
    }
  }
  const ldRow = (label: string, s: typeof ld): Row => {
    const b = s.filter((x) => x.face).map((x) => x.blink);
    return {
      set: label,
      'eye-frames': s.length,
      'eyeBlink >= blink threshold': share(s.map((x) => x.face && x.blink >= BLINK_THRESHOLD)),
      // Lowered lids read half closed at most (src/geometry/features/look-down.ts): more is a blink.
      'read as a blink (eyeBlink > 0.5)': share(s.map((x) => x.face && x.blink > 0.5)),
      'eyeBlink median': percentile(b, 50),
      'p90': percentile(b, 90),
      max: b.length ? Math.max(...b) : Number.NaN,
      'eyeLookDown median': percentile(s.filter((x) => x.face).map((x) => x.down), 50),
      'no face': share(s.map((x) => !x.face)),
    };
  };
  const ldRows: Row[] = [];
  for (const kind of ['open, looking down', 'lids lowered, looking down']) {
    ldRows.push(ldRow(kind, ld.filter((x) => x.kind === kind)));
    for (const v of Object.keys(labels.videos)) {
      const s = ld.filter((x) => x.kind === kind && x.video === v);
      if (s.length) ldRows.push(ldRow(`  ${kind}, ${v}`, s));
    }
  }
  console.log('');
  console.log(`Look-down frames (${labelFile.slice(repoRoot().length + 1)}: our own labels; ${labels.note})`);
  console.log('');
  console.log(formatTable(ldRows, { digits: 3 }));
}

await iris.release();
await tracker.release();
console.log('');
console.log(reportFooter('bench/winks.ts'));
