/**
 * Blinks against people's labels: the ZJU Eyeblink clips in ../shared/data/blink-zju/ (RESULTS "Blinks").
 * Only labelled frames count (a tag often ends a few frames before its video).
 *
 * The tracker runs as the product runs it (default settings, smoothing on, a fresh tracker per clip
 * as for a new user); the threshold on the blink signal (mean of eyeBlinkLeft/Right) is picked on the
 * tuning half (subjects 1-5) and reported on the other (subjects 6-11). Per-eye closed-frame agreement:
 * of the frames labelled fully closed, the share whose eyeBlink is at or above the threshold; of the
 * frames outside every labelled blink, the share below it; depth: how far the blinks labelled fully
 * closed shut both eyes (see blinkDepth). Plots: bench/out/blink/plots/<clip>.png.
 *
 *   bash bench/run.sh bench/blink.ts              (the product's tracker on every clip: the report)
 *   bash bench/run.sh bench/blink.ts --offline    (for tuning: the product's smoothing and features
 *       replayed over cached unsmoothed tracks; add --retrack after a change in the models or vision)
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { BS, FaceFeatures } from '../src/geometry/features';
import { defaultIntrinsics } from '../src/geometry/intrinsics';
import { quaternionToMatrix } from '../src/geometry/linalg';
import { reportFooter } from './lib/command';
import { median } from './lib/stats';
import { repoRoot } from './lib/paths';
import { formatTable, type Row } from './lib/table';
import { halfOf, loadZjuClips, type ZjuClip } from './lib/zju-blinks';
import { plotClip } from './blink/plot';
import { addCounts, blinkSignal, detectBlinks, f1, matchBlinks, type Counts, type EyeSignals } from './blink/score';
import { OneEuroBank } from '../src/filters';
import { DEFAULT_LANDMARK_SMOOTHING, landmarkFilter, SMOOTHED_SIGNALS } from '../src/tracking/landmark-smoothing';
import { rawTracks, trackClips, type TrackedClip } from './blink/track-clips';

const offline = process.argv.includes('--offline');
const clips = loadZjuClips();

/** The product's smoothing and features over an unsmoothed track (the head pose and gaze stay unsmoothed). */
function replay(t: TrackedClip, smoothing: 'product' | 'uniform' | 'none' = 'product'): EyeSignals {
  const features = new FaceFeatures({ camera: defaultIntrinsics(t.width, t.height) });
  // 'uniform': every point on the face's filter, the eyelids too (as before they had their own).
  const filter = smoothing === 'product' ? landmarkFilter() : new OneEuroBank(SMOOTHED_SIGNALS, smoothing === 'uniform' ? DEFAULT_LANDMARK_SMOOTHING : { minCutoff: 1e6, beta: 0, dCutoff: 1 });
  const signals = new Float64Array(SMOOTHED_SIGNALS);
  const rotation = new Float64Array(9);
  return t.frames.map((f) => {
    if (!f) {
      filter.reset();
      return null;
    }
    signals.set(f.landmarks);
    signals.set(f.iris, f.landmarks.length);
    const smooth = filter.filter(signals, f.timeMs);
    quaternionToMatrix(f.quaternion, rotation);
    const r = features.compute(smooth.subarray(0, f.landmarks.length), smooth.subarray(f.landmarks.length), rotation, f.gaze);
    return [r.blendshapes[BS.eyeBlinkLeft], r.blendshapes[BS.eyeBlinkRight]];
  });
}

const labelledOnly = (s: EyeSignals, k: number): EyeSignals => s.slice(0, clips[k].frames[clips[k].frames.length - 1].index + 1);
const raw = offline ? await rawTracks(clips, process.argv.includes('--retrack')) : [];
/** Per clip, the eye signals of its labelled frames. */
const signals: EyeSignals[] = (offline ? raw.map((t) => replay(t)) : (await trackClips(clips)).map((t) => t.frames.map((f) => f && f.blink))).map(labelledOnly);

function counts(subset: readonly number[], threshold: number): Counts {
  let c: Counts = { hits: 0, labelled: 0, detected: 0 };
  for (const k of subset) c = addCounts(c, matchBlinks(detectBlinks(blinkSignal(signals[k]), threshold), clips[k].blinks));
  return c;
}

const indices = (keep: (c: ZjuClip) => boolean): number[] => clips.flatMap((c, k) => (keep(c) ? [k] : []));
const tune = indices((c) => halfOf(c) === 'tune');
const report = indices((c) => halfOf(c) === 'report');

// The threshold: best F1 on the tuning half; of a plateau of equal F1, its middle.
const grid = Array.from({ length: 91 }, (_, i) => 0.05 + i * 0.01);
const scores = grid.map((th) => f1(counts(tune, th)).f1);
const best = Math.max(...scores);
const plateau = grid.filter((_, i) => scores[i] === best);
const threshold = plateau[Math.floor(plateau.length / 2)];

function closedAgreement(subset: readonly number[], th: number): Row {
  let closed = 0;
  let closedHit = 0;
  let open = 0;
  let openHit = 0;
  for (const k of subset) {
    const inBlink = new Set(clips[k].blinks.flatMap((b) => Array.from({ length: b.end - b.start + 1 }, (_, i) => b.start + i)));
    for (const f of clips[k].frames) {
      const s = signals[k][f.index];
      for (const eye of [0, 1] as const) {
        const isClosed = eye === 0 ? f.leftClosed : f.rightClosed;
        const hidden = eye === 0 ? f.leftHidden : f.rightHidden;
        if (hidden) continue;
        const v = s ? s[eye] : 0;
        if (isClosed) {
          closed++;
          if (v >= th) closedHit++;
        } else if (!inBlink.has(f.index)) {
          open++;
          if (v < th) openHit++;
        }
      }
    }
  }
  return { 'closed frames (eye-frames)': closed, 'read closed': closedHit / closed, 'open frames (eye-frames)': open, 'read open': openHit / open, 'closed blinks: depth (median)': blinkDepth(subset) };
}

/**
 * How far a closed blink shuts an avatar's eyes: per labelled blink with a frame labelled fully
 * closed, the deepest frame's smaller eyeBlink of the two eyes (the blink and one frame after it,
 * the smoothing's delay); the median over blinks.
 */
function blinkDepth(subset: readonly number[]): number {
  const depths: number[] = [];
  for (const k of subset) {
    for (const b of clips[k].blinks) {
      if (!clips[k].frames.some((f) => f.index >= b.start && f.index <= b.end && f.leftClosed && f.rightClosed)) continue;
      depths.push(Math.max(...signals[k].slice(b.start, b.end + 2).map((e) => (e ? Math.min(e[0], e[1]) : 0))));
    }
  }
  return median(depths);
}

const rows: Row[] = [];
const addRow = (label: string, subset: number[]): void => {
  const c = counts(subset, threshold);
  const s = f1(c);
  rows.push({ clips: label, 'labelled blinks': c.labelled, detected: c.detected, hits: c.hits, precision: s.precision, recall: s.recall, F1: s.f1, ...closedAgreement(subset, threshold) });
};
addRow('tune (subjects 1-5)', tune);
addRow('REPORT (subjects 6-11)', report);
for (const view of ['FBN', 'FNN', 'FTN', 'UNN']) addRow(`report, ${view}`, report.filter((k) => clips[k].view === view));
addRow('all 40', [...tune, ...report]);

const plots = path.join(repoRoot(), 'bench', 'out', 'blink', 'plots');
mkdirSync(plots, { recursive: true });
const missed: string[] = [];
clips.forEach((clip, k) => {
  const sig = blinkSignal(signals[k]);
  const detected = detectBlinks(sig, threshold);
  plotClip(path.join(plots, `${clip.name}.png`), clip, signals[k], detected, threshold);
  for (const b of clip.blinks) {
    if (!detected.some((d) => d.start <= b.end && b.start <= d.end)) missed.push(`${clip.name} ${b.start}-${b.end} (peak ${Math.max(...sig.slice(b.start, b.end + 1)).toFixed(2)})`);
  }
  for (const d of detected) if (!clip.blinks.some((b) => d.start <= b.end && b.start <= d.end)) missed.push(`${clip.name} false ${d.start}-${d.end}`);
});

console.log(`Blinks on blink-zju: threshold ${threshold.toFixed(2)} on the blink signal, picked on the tuning half (best F1 ${best.toFixed(3)}).`);
console.log('');
console.log(formatTable(rows, { digits: 3 }));
console.log('');
console.log(`Missed labelled blinks and false detections (${missed.length}): ${missed.join('; ') || 'none'}`);
console.log(`Plots: ${path.relative(repoRoot(), plots)}/<clip>.png; faces found in ${signals.flat().filter(Boolean).length} of ${signals.flat().length} labelled frames.${offline ? ' OFFLINE replay over cached unsmoothed tracks (head pose and gaze unsmoothed): for tuning, not for the record.' : ''}`);
if (offline) {
  // What the smoothing costs a blink: frames from the unsmoothed replay's first frame at or above half
  // its peak to the smoothed replay's, per labelled blink with a clear unsmoothed dip (peak >= 0.5).
  const unsmoothed = raw.map((t) => replay(t, 'none')).map(labelledOnly);
  const uniform = raw.map((t) => replay(t, 'uniform')).map(labelledOnly);
  const delays = (smoothed: EyeSignals[]): number[] =>
    clips.flatMap((clip, k) =>
      clip.blinks.flatMap((b) => {
        const ref = blinkSignal(unsmoothed[k]).slice(b.start, b.end + 4);
        const peak = Math.max(...ref);
        if (peak < 0.5) return [];
        const sig = blinkSignal(smoothed[k]).slice(b.start, b.end + 4);
        const at = sig.findIndex((v) => v >= peak / 2);
        return at < 0 ? [] : [at - ref.findIndex((v) => v >= peak / 2)];
      }),
    );
  const product = delays(signals);
  const before = delays(uniform);
  console.log(`Onset delay against the unsmoothed replay (frames at 30 fps, median / mean over ${product.length} blinks): eyelid filter ${median(product)} / ${(product.reduce((a, b) => a + b, 0) / product.length).toFixed(2)}; every point on the face's filter (before) ${median(before)} / ${(before.reduce((a, b) => a + b, 0) / before.length).toFixed(2)}.`);
}
console.log('');
console.log(reportFooter('bench/blink.ts'));
