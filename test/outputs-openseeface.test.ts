/**
 * OpenSeeFace output over a real UDP socket. The record is parsed here field by field with a DataView
 * at the offsets of facetracker.py's packing order (written out independently below), and compared
 * with the TrackingFrame sent. The face is synthetic but exact: its 68 points and irises are the
 * projections of the head model under a known pose and focal length, so every field has an analytic
 * expected value. Where OpenSeeFace's own conventions matter they are checked against numbers from
 * its tracker.py (its 3D face model) rather than against our code.
 */

import dgram from 'node:dgram';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readImageFile } from '../src/capture/image-decode';
import { defaultModelsDir } from '../src/system/paths';
import { FaceTracker } from '../src/tracking/tracker';
import { HEAD_MODEL_MM } from '../src/geometry/face-model';
import { LANDMARKS68_MESH } from '../src/geometry/landmarks68';
import { matrixToQuaternion, quaternionToMatrix } from '../src/geometry/linalg';
import { eulerToRotation } from '../src/geometry/pose';
import { OpenSeeFaceOutput } from '../src/outputs/openseeface';
import type { TrackingFrame, Vec2, Vec3 } from '../src/tracking/types';
import { sleep, waitUntil } from './helpers/wait';

// ---------- independent parser (facetracker.py's order: d i f f f f B f 4f 3f 3f 68f 136f 210f 14f) ----------

interface OsfRecord {
  time: number;
  id: number;
  width: number;
  height: number;
  rightOpen: number;
  leftOpen: number;
  success: number;
  pnpError: number;
  quat: number[];
  euler: number[];
  translation: number[];
  confidence: number[];
  points: Vec2[];
  points3d: Vec3[];
  features: number[];
}

function parseRecord(buf: Buffer): OsfRecord {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let o = 0;
  const f = (): number => {
    const x = v.getFloat32(o, true);
    o += 4;
    return x;
  };
  const time = v.getFloat64(0, true);
  const id = v.getInt32(8, true);
  o = 12;
  const width = f(), height = f(), rightOpen = f(), leftOpen = f();
  const success = v.getUint8(28);
  o = 29;
  const pnpError = f();
  const quat = [f(), f(), f(), f()];
  const euler = [f(), f(), f()];
  const translation = [f(), f(), f()];
  expect(o).toBe(73);
  const confidence = Array.from({ length: 68 }, f);
  expect(o).toBe(345);
  const points = Array.from({ length: 68 }, (): Vec2 => [f(), f()]);
  expect(o).toBe(889);
  const points3d = Array.from({ length: 70 }, (): Vec3 => [f(), f(), f()]);
  expect(o).toBe(1729);
  const features = Array.from({ length: 14 }, f);
  expect(o).toBe(1785);
  return { time, id, width, height, rightOpen, leftOpen, success, pnpError, quat, euler, translation, confidence, points, points3d, features };
}

// ---------- an exact synthetic face ----------

const W = 640, H = 480, FOCAL = 640;

const model68 = (j: number): Vec3 => {
  const p: Vec3 = [0, 0, 0];
  for (const v of LANDMARKS68_MESH[j]) for (let a = 0; a < 3; a++) p[a] += HEAD_MODEL_MM[v * 3 + a] / LANDMARKS68_MESH[j].length;
  return p;
};

function apply(R: ArrayLike<number>, p: Vec3, t: Vec3): Vec3 {
  return [R[0] * p[0] + R[1] * p[1] + R[2] * p[2] + t[0], R[3] * p[0] + R[4] * p[1] + R[5] * p[2] + t[1], R[6] * p[0] + R[7] * p[1] + R[8] * p[2] + t[2]];
}
const project = (c: Vec3): Vec2 => [(FOCAL * c[0]) / c[2] + W / 2, (FOCAL * c[1]) / c[2] + H / 2];

function gazeOf(v: Vec3): { vector: Vec3; yaw: number; pitch: number } {
  const n = Math.hypot(...v);
  return { vector: [v[0] / n, v[1] / n, v[2] / n], yaw: 0, pitch: 0 };
}

function exactFace(yaw: number, pitch: number, roll: number, t: Vec3): TrackingFrame {
  const R = eulerToRotation(yaw, pitch, roll);
  const q = [0, 0, 0, 0];
  matrixToQuaternion(R, q);
  const landmarks68 = Array.from({ length: 68 }, (_, j) => project(apply(R, model68(j), t)));
  const iris: Vec2[] = Array.from({ length: 10 }, (_, i) => [300 + i, 200 + i]);
  const blendshapes: Record<string, number> = {
    eyeWideLeft: 0.1, eyeWideRight: 0, browInnerUp: 0.3, browDownLeft: 0.05, browDownRight: 0.2, browOuterUpLeft: 0.4,
    browOuterUpRight: 0.1, mouthFrownLeft: 0.1, mouthFrownRight: 0, mouthSmileLeft: 0.6, mouthSmileRight: 0.5, mouthLeft: 0.2, mouthRight: 0,
  };
  return {
    source: 'test', frame: 0, timeMs: 1234, width: W, height: H,
    face: {
      score: 0.93, box: [0, 0, 1, 1], landmarks: [], iris, landmarks68,
      pose: { yaw, pitch, roll, quaternion: [q[0], q[1], q[2], q[3]], translationMm: t, reprojectionPx: 1.75 },
      gaze: { right: gazeOf([0.2, -0.1, -1]), left: gazeOf([0.1, 0.15, -1]), combined: gazeOf([0.15, 0, -1]) },
      eyes: { left: 0.8, right: 0.35 },
      mouth: { open: 0.45, wide: 0.7, vowels: { a: 0.4, i: 0, u: 0, e: 0.1, o: 0 } },
      brows: { left: 0.6, right: 0.1 },
      blendshapes,
    },
  };
}

// ---------- sockets ----------

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});
async function receiver(): Promise<{ port: number; packets: Buffer[] }> {
  const sock = dgram.createSocket('udp4');
  const packets: Buffer[] = [];
  sock.on('message', (b) => packets.push(b));
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  cleanups.push(() => new Promise<void>((r) => sock.close(() => r())));
  return { port: sock.address().port, packets };
}

async function sendOne(frame: TrackingFrame): Promise<{ rec: OsfRecord; raw: Buffer; before: number; after: number }> {
  const rx = await receiver();
  const out = new OpenSeeFaceOutput({ targets: [{ host: '127.0.0.1', port: rx.port }], rateHz: 0 });
  cleanups.push(() => out.close());
  await waitUntil(() => out.state().status === 'sending');
  const before = Date.now() / 1000;
  out.send(frame);
  const after = Date.now() / 1000;
  await waitUntil(() => rx.packets.length === 1);
  expect(out.state()).toMatchObject({ status: 'sending', framesSent: 1, errors: 0 });
  return { rec: parseRecord(rx.packets[0]), raw: rx.packets[0], before, after };
}

// OpenSeeFace's 66-point order: iBUG 68 without the outer mouth corners 48 and 54.
const OSF_TO_IBUG = [...Array.from({ length: 48 }, (_, i) => i), 49, 50, 51, 52, 53, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67];

function mat3(q: number[]): number[] {
  // Unit quaternion x y z w to a row-major matrix (standard formula, written out here).
  const [x, y, z, w] = q;
  return [
    1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y),
    2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x),
    2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y),
  ];
}
function mul(a: number[], b: number[]): number[] {
  const r = new Array<number>(9).fill(0);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) r[i * 3 + j] += a[i * 3 + k] * b[k * 3 + j];
  return r;
}
const rad = (d: number): number => (d * Math.PI) / 180;
const Rx = (a: number): number[] => [1, 0, 0, 0, Math.cos(a), -Math.sin(a), 0, Math.sin(a), Math.cos(a)];
const Ry = (a: number): number[] => [Math.cos(a), 0, Math.sin(a), 0, 1, 0, -Math.sin(a), 0, Math.cos(a)];
const Rz = (a: number): number[] => [Math.cos(a), -Math.sin(a), 0, Math.sin(a), Math.cos(a), 0, 0, 0, 1];

describe('OpenSeeFace output', () => {
  it('sends one 1785-byte little-endian record whose header, points and features match the frame', async () => {
    const frame = exactFace(20, -8, 5, [40, -25, 650]);
    const face = frame.face!;
    const { rec, raw, before, after } = await sendOne(frame);
    expect(raw.length).toBe(1785);
    const floats = [rec.width, rec.height, rec.rightOpen, rec.leftOpen, rec.pnpError, ...rec.quat, ...rec.euler, ...rec.translation, ...rec.confidence, ...rec.points.flat(), ...rec.points3d.flat(), ...rec.features];
    expect(floats.every(Number.isFinite)).toBe(true);

    expect(rec.time).toBeGreaterThanOrEqual(before - 1e-3);
    expect(rec.time).toBeLessThanOrEqual(after + 1e-3);
    expect(rec.id).toBe(0);
    expect([rec.width, rec.height]).toEqual([W, H]);
    expect(rec.rightOpen).toBeCloseTo(face.eyes.right, 6);
    expect(rec.leftOpen).toBeCloseTo(face.eyes.left, 6);
    expect(rec.success).toBe(1);
    expect(rec.pnpError).toBeCloseTo(1.75, 6);
    for (const c of rec.confidence) expect(c).toBeCloseTo(0.93, 6);

    for (let i = 0; i < 66; i++) {
      const p = face.landmarks68[OSF_TO_IBUG[i]];
      expect(rec.points[i][0]).toBeCloseTo(p[0], 3);
      expect(rec.points[i][1]).toBeCloseTo(p[1], 3);
    }
    expect(rec.points[66]).toEqual([Math.fround(face.iris[0][0]), Math.fround(face.iris[0][1])]); // right pupil
    expect(rec.points[67]).toEqual([Math.fround(face.iris[5][0]), Math.fround(face.iris[5][1])]); // left pupil

    const b = face.blendshapes;
    const wide = 2 * (face.mouth.wide - 0.5);
    const expected = [
      face.eyes.left - 1 + b.eyeWideLeft, face.eyes.right - 1 + b.eyeWideRight,
      b.browInnerUp - b.browDownLeft, face.brows.left - b.browDownLeft, b.browOuterUpLeft,
      b.browInnerUp - b.browDownRight, face.brows.right - b.browDownRight, b.browOuterUpRight,
      b.mouthFrownLeft - b.mouthSmileLeft, wide + (b.mouthLeft - b.mouthRight),
      b.mouthFrownRight - b.mouthSmileRight, wide - (b.mouthLeft - b.mouthRight),
      face.mouth.open, wide,
    ].map((x) => Math.max(-1, Math.min(1, x)));
    rec.features.forEach((x, i) => expect(x).toBeCloseTo(expected[i], 5));
  });

  it('rotation: the quaternion is that of OSF matrix -S R transposed, the Euler angles recompose it as Rz Ry Rx', async () => {
    for (const [yaw, pitch, roll] of [[0, 0, 0], [25, 10, -7], [-40, -15, 20]]) {
      const frame = exactFace(yaw, pitch, roll, [0, 0, 600]);
      const { rec } = await sendOne(frame);
      const R = Array.from(quaternionToMatrix(frame.face!.pose.quaternion, new Float64Array(9)));
      // OSF's camera swaps x and y, and its model axes are ours negated.
      const Rosf = [-R[3], -R[4], -R[5], -R[0], -R[1], -R[2], -R[6], -R[7], -R[8]];
      const fromQuat = mat3(rec.quat);
      for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) expect(fromQuat[i * 3 + j]).toBeCloseTo(Rosf[j * 3 + i], 5);
      const [ex, ey, ez] = rec.euler.map(rad);
      const recomposed = mul(mul(Rz(ez), Ry(ey)), Rx(ex));
      recomposed.forEach((x, i) => expect(x).toBeCloseTo(Rosf[i], 5));
    }
    // Frontal face: OpenSeeFace's matrix_to_quaternion branch for diag(0, 0, -1) gives (-0.7071, 0.7071, 0, 0).
    const { rec } = await sendOne(exactFace(0, 0, 0, [0, 0, 600]));
    expect(rec.quat[0]).toBeCloseTo(-Math.SQRT1_2, 6);
    expect(rec.quat[1]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(Math.abs(rec.quat[2]) + Math.abs(rec.quat[3])).toBeLessThan(1e-6);
  });

  it('3D points follow OpenSeeFace: nose-tip origin, x to the subject right, sent (x, -y, -z), its model size and shape', async () => {
    const frame = exactFace(15, 5, -3, [-30, 20, 700]);
    const { rec } = await sendOne(frame);
    const p = rec.points3d;
    // Points from the exact projections back-project onto the model: pose-independent shape.
    expect(p[30][0]).toBeCloseTo(0, 4);
    expect(p[30][1]).toBeCloseTo(0, 4);
    expect(p[30][2]).toBeCloseTo(0, 4);
    // OpenSeeFace's tracker.py 3D model (its face_3d, sent as x, -y, -z): jaw 0 at (0.455, -0.301, 0.764),
    // chin 8 at (0, 0.621, 0.287), right eye outer corner 36 at (0.316, -0.298, 0.285). Our model is a
    // different face (MediaPipe's canonical model), so shapes agree only roughly; the scale is set by the
    // eye corners and nose-bridge-to-chin distances, so those come out close to OSF's 0.632 and 0.927.
    const dist = (a: number, c: number): number => Math.hypot(p[a][0] - p[c][0], p[a][1] - p[c][1], p[a][2] - p[c][2]);
    expect(dist(36, 45) / 0.6318).toBeGreaterThan(0.9);
    expect(dist(36, 45) / 0.6318).toBeLessThan(1.1);
    expect(dist(27, 8) / 0.9266).toBeGreaterThan(0.9);
    expect(dist(27, 8) / 0.9266).toBeLessThan(1.1);
    expect(p[36][0]).toBeGreaterThan(0.2); // the subject's right eye has OSF x > 0
    expect(p[45][0]).toBeLessThan(-0.2);
    expect(p[8][1]).toBeGreaterThan(0.4); // chin: OSF y < 0 (down), sent -y > 0
    expect(p[19][1]).toBeLessThan(-0.2); // brow: above the nose tip
    const osf: [number, Vec3][] = [[8, [0, 0.621, 0.287]], [36, [0.316, -0.298, 0.285]], [45, [-0.316, -0.298, 0.285]], [33, [0, 0.069, 0.091]]];
    for (const [i, q] of osf) for (let a = 0; a < 3; a++) expect(Math.abs(p[i][a] - q[a])).toBeLessThan(0.15);
    // Pupil minus eyeball centre, taken back to the camera frame, is the eye's gaze direction.
    const R = Array.from(quaternionToMatrix(frame.face!.pose.quaternion, new Float64Array(9)));
    for (const [pupil, ball, g] of [[66, 68, frame.face!.gaze.right.vector], [67, 69, frame.face!.gaze.left.vector]] as const) {
      const d = [p[pupil][0] - p[ball][0], p[pupil][1] - p[ball][1], p[pupil][2] - p[ball][2]];
      const head: Vec3 = [d[0], -d[1], -d[2]].map((x) => -x) as Vec3; // sent -> OSF model -> ours (negated)
      const cam = apply(R, head, [0, 0, 0]);
      const n = Math.hypot(...cam);
      for (let a = 0; a < 3; a++) expect(cam[a] / n).toBeCloseTo(g[a], 5);
      // Eyeballs sit behind the eyes' corners (OSF z out of the face, sent -z: larger = deeper).
      expect(p[ball][2]).toBeGreaterThan((p[36][2] + p[39][2]) / 2);
    }
  });

  it('translation: OSF nose-tip position with focal length = width, rows first', async () => {
    const frame = exactFace(10, 0, 0, [50, -40, 800]);
    const { rec } = await sendOne(frame);
    const [xr, yc, z] = rec.translation;
    // Projected with OSF's camera [[w, 0, w/2], [0, w, h/2]] on (row, column), the nose tip lands on its pixel.
    const nose = frame.face!.landmarks68[30];
    expect((W * xr) / z + W / 2).toBeCloseTo(nose[1], 2);
    expect((W * yc) / z + H / 2).toBeCloseTo(nose[0], 2);
    expect(z).toBeGreaterThan(4);
    expect(z).toBeLessThan(8); // 800 mm / (~130 mm a unit)
  });

  it('sends nothing for frames without a face, limits the rate, and reports no-listener / recovery', async () => {
    const rx = await receiver();
    // The record's time field comes from this clock: 1 for the burst, 2 for the sentinel below.
    let clockSec = 1;
    // A long period (2 Hz): the burst below would have to stall for 3/4 of it to let a second frame by.
    const periodMs = 500;
    const out = new OpenSeeFaceOutput({ targets: [{ host: '127.0.0.1', port: rx.port }], rateHz: 1000 / periodMs, clock: () => clockSec });
    cleanups.push(() => out.close());
    await waitUntil(() => out.state().status === 'sending');
    out.send({ source: 'test', frame: 0, timeMs: 0, width: W, height: H, face: null });
    for (let i = 0; i < 10; i++) out.send(exactFace(0, 0, 0, [0, 0, 600]));
    const burstEnd = performance.now();
    expect(out.state().framesSent).toBe(1); // the face-less frame sent nothing, then one face passed
    // A sentinel sent once a full period has passed (so the limiter lets it through) arrives after
    // anything the burst put on the wire: once it is here, nothing else from the burst is coming.
    while (performance.now() - burstEnd < periodMs) await sleep(periodMs / 4);
    clockSec = 2;
    out.send(exactFace(0, 0, 0, [0, 0, 600]));
    expect(out.state().framesSent).toBe(2);
    await waitUntil(() => rx.packets.some((p) => p.length === 1785 && parseRecord(p).time === 2));
    expect(rx.packets.map((p) => p.length)).toEqual([1785, 1785]);
    expect(rx.packets.map((p) => parseRecord(p)).map((r) => [r.time, r.success])).toEqual([[1, 1], [2, 1]]);

    // Nobody listening on a port: ECONNREFUSED -> no-listener; a listener appears -> sending.
    const probe = dgram.createSocket('udp4');
    await new Promise<void>((r) => probe.bind(0, '127.0.0.1', () => r()));
    const port = probe.address().port;
    await new Promise<void>((r) => probe.close(() => r()));
    const lonely = new OpenSeeFaceOutput({ targets: [{ host: '127.0.0.1', port }], rateHz: 0, udp: { refusedHoldMs: 300 } });
    cleanups.push(() => lonely.close());
    const pump = setInterval(() => lonely.send(exactFace(0, 0, 0, [0, 0, 600])), 20);
    cleanups.push(() => clearInterval(pump));
    await waitUntil(() => lonely.state().status === 'no-listener' && lonely.state().errors > 0);
    const late = dgram.createSocket('udp4');
    const got: Buffer[] = [];
    late.on('message', (m) => got.push(m));
    await new Promise<void>((r) => late.bind(port, '127.0.0.1', () => r()));
    cleanups.push(() => new Promise<void>((r) => late.close(() => r())));
    await waitUntil(() => lonely.state().status === 'sending' && got.length > 0);
    expect(got[0].length).toBe(1785);
  });

  it('a real tracked face (AFLW2000-3D image00050) gives a NaN-free record consistent with the frame', async () => {
    const data = path.resolve(__dirname, '..', '../shared/data');
    if (!existsSync(data)) throw new Error(`shared test data missing at ${data}`);
    const tracker = await FaceTracker.create({ modelsDir: defaultModelsDir(), detector: 'front', threads: 1, smoothing: false });
    cleanups.push(() => tracker.release());
    const file = path.join(data, 'aflw2000-3d/image00050.jpg');
    const frame = await tracker.process({ kind: 'frame', image: await readImageFile(file), index: 0, timeMs: 0, source: file });
    const face = frame.face!;
    expect(face).not.toBeNull();
    const { rec, raw } = await sendOne(frame);
    expect(raw.length).toBe(1785);
    const floats = [rec.quat, rec.euler, rec.translation, rec.confidence, rec.points.flat(), rec.points3d.flat(), rec.features].flat();
    expect(floats.every(Number.isFinite)).toBe(true);
    expect([rec.width, rec.height]).toEqual([frame.width, frame.height]);
    for (let i = 0; i < 66; i++) expect(rec.points[i][0]).toBeCloseTo(face.landmarks68[OSF_TO_IBUG[i]][0], 3);
    for (const c of rec.confidence) expect(c).toBeCloseTo(face.score, 6);
    for (const x of rec.features) expect(Math.abs(x)).toBeLessThanOrEqual(1);
    // The 3D shape of a real face still has OSF's proportions (eye corners ~0.63 units apart).
    const p = rec.points3d;
    expect(Math.hypot(p[36][0] - p[45][0], p[36][1] - p[45][1]) / 0.6318).toBeGreaterThan(0.8);
    expect(Math.hypot(p[36][0] - p[45][0], p[36][1] - p[45][1]) / 0.6318).toBeLessThan(1.2);
    // Gaze survives exactly: pupil - eyeball centre back in the camera frame is the gaze vector.
    const R = Array.from(quaternionToMatrix(face.pose.quaternion, new Float64Array(9)));
    const d = [p[66][0] - p[68][0], p[66][1] - p[68][1], p[66][2] - p[68][2]];
    const cam = apply(R, [-d[0], d[1], d[2]], [0, 0, 0]);
    const n = Math.hypot(...cam);
    for (let a = 0; a < 3; a++) expect(cam[a] / n).toBeCloseTo(face.gaze.right.vector[a], 4);
  });
});
