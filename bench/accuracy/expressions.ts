/**
 * Head pose during expressions: how far the tracker's yaw/pitch/roll move while the face blinks or
 * opens its mouth wide, against the frames just around each expression.
 *
 * Per event (a labelled blink, or a mouth opening found from the tracker's own mouth.open, see
 * `mouthOpenings`): the reference frames are up to REF_FRAMES frames with a face on each side of the
 * event, taken outwards from its first/last frame, skipping frames inside any event, at most
 * REF_SEARCH frames away; an event with fewer than MIN_REF_FRAMES on either side is skipped. The
 * reference pose is the mean over the reference frames (per axis for yaw/pitch/roll; the normalised,
 * sign-aligned sum of quaternions for the combined angle). The event's change is, per axis, the max
 * over its frames of |angle - reference|, and for the combined angle the max over its frames of the
 * rotation angle between that frame's rotation and the reference rotation.
 */
import { openVideoFile } from '../../src/capture/video-file';
import { defaultIntrinsics } from '../../src/geometry/intrinsics';
import { HeadPoseEstimator, type HeadPoseOptions } from '../../src/geometry/pose';
import type { RigidPose } from '../../src/geometry/pnp';
import type { FaceTracker } from '../../src/tracking/tracker';
import { mean, median, percentile } from '../lib/stats';

export const REF_FRAMES = 5;
export const REF_SEARCH = 10;
export const MIN_REF_FRAMES = 2;

/** Mouth openings: runs with mouth.open above OPEN_HIGH, grown while it stays at or above OPEN_LOW. */
export const OPEN_HIGH = 0.3;
export const OPEN_LOW = 0.1;

export interface PoseSample {
  yaw: number;
  pitch: number;
  roll: number;
  /** [w, x, y, z] */
  q: [number, number, number, number];
}

export interface FaceTrackLog {
  file: string;
  width: number;
  height: number;
  /** Per frame: the (smoothed, as the tracker hands them to PnP) 468 points, x y z interleaved, or null. */
  landmarks: (Float32Array | null)[];
  /** Per frame: the tracker's pose, or null without a face. */
  poses: (PoseSample | null)[];
  /** Per frame: mouth.open (NaN without a face). */
  mouthOpen: number[];
}

/** Runs the tracker over a video the way the product does (its own video source, frames in order). */
export async function trackLog(tracker: FaceTracker, file: string): Promise<FaceTrackLog> {
  const source = await openVideoFile(file);
  const log: FaceTrackLog = { file, width: source.width, height: source.height, landmarks: [], poses: [], mouthOpen: [] };
  tracker.reset();
  try {
    for await (const result of source.frames()) {
      if (result.kind === 'skipped') throw result.error;
      const face = (await tracker.process(result)).face;
      if (!face) {
        log.landmarks.push(null);
        log.poses.push(null);
        log.mouthOpen.push(Number.NaN);
        continue;
      }
      log.landmarks.push(Float32Array.from(face.landmarks.flat()));
      const p = face.pose;
      log.poses.push({ yaw: p.yaw, pitch: p.pitch, roll: p.roll, q: [p.quaternion[0], p.quaternion[1], p.quaternion[2], p.quaternion[3]] });
      log.mouthOpen.push(face.mouth.open);
    }
  } finally {
    await source.close();
  }
  return log;
}

/**
 * The pose of every frame recomputed from the logged landmarks with other PnP options (e.g. another
 * point set), warm-started from the previous frame as the tracker does.
 */
export function reposeLog(log: FaceTrackLog, options: HeadPoseOptions): (PoseSample | null)[] {
  const estimator = new HeadPoseEstimator(options);
  const K = defaultIntrinsics(log.width, log.height);
  let previous: RigidPose | null = null;
  return log.landmarks.map((points) => {
    if (!points) {
      previous = null;
      return null;
    }
    const r = estimator.estimate(points, K, previous);
    previous = r && { rotation: Float64Array.from(r.rotation), translation: Float64Array.from(r.translation) };
    return r && { yaw: r.yaw, pitch: r.pitch, roll: r.roll, q: [r.quaternion[0], r.quaternion[1], r.quaternion[2], r.quaternion[3]] };
  });
}

export interface ExpressionEvent {
  /** Inclusive frame range. */
  start: number;
  end: number;
}

/**
 * Wide mouth openings from a track's mouth.open: each maximal run of frames with open > OPEN_HIGH,
 * grown on both sides while open >= OPEN_LOW (so the opening and closing frames belong to the event
 * and the reference frames have the mouth closed); overlapping grown runs merge.
 */
export function mouthOpenings(open: readonly number[]): ExpressionEvent[] {
  const out: ExpressionEvent[] = [];
  for (let i = 0; i < open.length; i++) {
    if (!(open[i] > OPEN_HIGH)) continue;
    let start = i;
    let end = i;
    while (end + 1 < open.length && open[end + 1] > OPEN_HIGH) end++;
    while (start - 1 >= 0 && open[start - 1] >= OPEN_LOW) start--;
    while (end + 1 < open.length && open[end + 1] >= OPEN_LOW) end++;
    const last = out[out.length - 1];
    if (last && start <= last.end + 1) last.end = Math.max(last.end, end);
    else out.push({ start, end });
    i = end;
  }
  return out;
}

export interface EventChange {
  event: ExpressionEvent;
  yaw: number;
  pitch: number;
  roll: number;
  /** Rotation angle, degrees. */
  angle: number;
  /** Signed yaw/pitch/roll minus the reference at the event's middle frame (NaN without a face there). */
  mid: { yaw: number; pitch: number; roll: number };
}

function referenceFrames(poses: readonly (PoseSample | null)[], inEvent: (f: number) => boolean, from: number, step: number): number[] {
  const out: number[] = [];
  for (let k = 1; k <= REF_SEARCH && out.length < REF_FRAMES; k++) {
    const f = from + step * k;
    if (f < 0 || f >= poses.length) break;
    if (!inEvent(f) && poses[f]) out.push(f);
  }
  return out;
}

/**
 * Control windows: for each event, windows of its length elsewhere in the same track that keep
 * REF_SEARCH frames clear of every event (tiled from the start, one window per slot), so the same
 * measure on them gives the change a face shows without the expression (head motion plus noise).
 */
export function controlWindows(events: readonly ExpressionEvent[], frames: number): ExpressionEvent[] {
  const out: ExpressionEvent[] = [];
  for (const e of events) {
    const length = e.end - e.start + 1;
    for (let start = REF_SEARCH; start + length - 1 + REF_SEARCH < frames; start += length + REF_SEARCH) {
      const end = start + length - 1;
      if (events.some((b) => b.start <= end + REF_SEARCH && b.end >= start - REF_SEARCH)) continue;
      if (out.some((w) => w.start === start && w.end === end)) continue; // events of equal length tile alike
      out.push({ start, end });
    }
  }
  return out;
}

/**
 * Per event, the pose change (module comment); events without enough reference frames are left out.
 * Reference frames avoid the frames of `exclude` (default: the events themselves; for control
 * windows, the real events, so overlapping windows do not starve each other of references).
 */
export function eventChanges(
  poses: readonly (PoseSample | null)[],
  events: readonly ExpressionEvent[],
  exclude: readonly ExpressionEvent[] = events,
): EventChange[] {
  const inEvent = (f: number): boolean => exclude.some((e) => f >= e.start && f <= e.end);
  const out: EventChange[] = [];
  for (const event of events) {
    const before = referenceFrames(poses, inEvent, event.start, -1);
    const after = referenceFrames(poses, inEvent, event.end, 1);
    if (before.length < MIN_REF_FRAMES || after.length < MIN_REF_FRAMES) continue;
    const refs = [...before, ...after].map((f) => poses[f] as PoseSample);
    const mean = (k: 'yaw' | 'pitch' | 'roll'): number => refs.reduce((s, p) => s + p[k], 0) / refs.length;
    const ref = { yaw: mean('yaw'), pitch: mean('pitch'), roll: mean('roll') };
    const q = [0, 0, 0, 0];
    for (const p of refs) {
      const sign = p.q[0] * refs[0].q[0] + p.q[1] * refs[0].q[1] + p.q[2] * refs[0].q[2] + p.q[3] * refs[0].q[3] < 0 ? -1 : 1;
      for (let i = 0; i < 4; i++) q[i] += sign * p.q[i];
    }
    const qn = Math.hypot(q[0], q[1], q[2], q[3]);
    const middle = poses[Math.round((event.start + event.end) / 2)];
    const mid = middle
      ? { yaw: middle.yaw - ref.yaw, pitch: middle.pitch - ref.pitch, roll: middle.roll - ref.roll }
      : { yaw: Number.NaN, pitch: Number.NaN, roll: Number.NaN };
    const change: EventChange = { event, yaw: 0, pitch: 0, roll: 0, angle: 0, mid };
    let frames = 0;
    for (let f = event.start; f <= event.end; f++) {
      const p = poses[f];
      if (!p) continue;
      frames++;
      change.yaw = Math.max(change.yaw, Math.abs(p.yaw - ref.yaw));
      change.pitch = Math.max(change.pitch, Math.abs(p.pitch - ref.pitch));
      change.roll = Math.max(change.roll, Math.abs(p.roll - ref.roll));
      const dot = Math.abs(p.q[0] * q[0] + p.q[1] * q[1] + p.q[2] * q[2] + p.q[3] * q[3]) / qn;
      change.angle = Math.max(change.angle, (2 * Math.acos(Math.min(1, dot)) * 180) / Math.PI);
    }
    if (frames > 0) out.push(change);
  }
  return out;
}

export interface ChangeSummary {
  events: number;
  yawMedian: number;
  yawP90: number;
  pitchMedian: number;
  pitchP90: number;
  rollMedian: number;
  rollP90: number;
  angleMedian: number;
  angleP90: number;
  /** Mean signed change at the events' middle frames: a systematic shift shows here, noise averages out. */
  midYawMean: number;
  midPitchMean: number;
  midRollMean: number;
}

export function summarizeChanges(changes: readonly EventChange[]): ChangeSummary {
  const col = (k: 'yaw' | 'pitch' | 'roll' | 'angle'): number[] => changes.map((c) => c[k]);
  return {
    events: changes.length,
    yawMedian: median(col('yaw')),
    yawP90: percentile(col('yaw'), 90),
    pitchMedian: median(col('pitch')),
    pitchP90: percentile(col('pitch'), 90),
    rollMedian: median(col('roll')),
    rollP90: percentile(col('roll'), 90),
    angleMedian: median(col('angle')),
    angleP90: percentile(col('angle'), 90),
    midYawMean: mean(changes.map((c) => c.mid.yaw).filter(Number.isFinite)),
    midPitchMean: mean(changes.map((c) => c.mid.pitch).filter(Number.isFinite)),
    midRollMean: mean(changes.map((c) => c.mid.roll).filter(Number.isFinite)),
  };
}

/** Frame-to-frame rotation angle (degrees) at each given frame t (between t-1 and t; both need a pose). */
export function rotationSteps(poses: readonly (PoseSample | null)[], frames: readonly number[]): number[] {
  const out: number[] = [];
  for (const t of frames) {
    const a = poses[t - 1];
    const b = poses[t];
    if (!a || !b) continue;
    const dot = Math.abs(a.q[0] * b.q[0] + a.q[1] * b.q[1] + a.q[2] * b.q[2] + a.q[3] * b.q[3]);
    out.push((2 * Math.acos(Math.min(1, dot)) * 180) / Math.PI);
  }
  return out;
}
