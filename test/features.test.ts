/**
 * Expression features on synthetic faces: MediaPipe's canonical face model (geometry/face-model.ts,
 * Apache-2.0 data) deformed by anatomy (lids closed, jaw dropped, brows raised, corners pulled), rotated
 * and projected through a pinhole camera the way FaceMesh reports points (x, y pixels; z depth scaled
 * like x). Mesh regions for the deformations come from @vladmandic/human's named mesh annotations, an
 * independent source for what each index means.
 */
import { describe, expect, it } from 'vitest';
import { meshAnnotations } from '../node_modules/@vladmandic/human/src/face/facemeshcoords';
import { HEAD_MODEL_MM } from '../src/geometry/face-model';
import { BLENDSHAPE_NAMES, BS, FaceFeatures, blendshapesToRecord, canonicalNeutralMetrics, vowelWeights } from '../src/geometry/features';
import type { FeatureResult, VowelWeights } from '../src/geometry/features';

const N = 468;
const FOCAL = 900;
const CX = 320;
const CY = 240;
const DISTANCE_MM = 600;

type Model = Float64Array; // 468 x 3, head model frame, mm (x subject's left, y down, z into the head)

const cloneModel = (): Model => new Float64Array(HEAD_MODEL_MM);
const eyelidCentroid = (m: Model, ids: number[]): [number, number, number] => {
  const c: [number, number, number] = [0, 0, 0];
  for (const i of ids) for (let k = 0; k < 3; k++) c[k] += m[i * 3 + k] / ids.length;
  return c;
};

/** Rotation matrix (row-major, head -> camera) from yaw (about y), pitch (about x), roll (about z), degrees. */
function rotation(yawDeg: number, pitchDeg: number, rollDeg: number): Float64Array {
  const [y, p, r] = [yawDeg, pitchDeg, rollDeg].map((d) => (d * Math.PI) / 180);
  const Ry = [Math.cos(y), 0, Math.sin(y), 0, 1, 0, -Math.sin(y), 0, Math.cos(y)];
  const Rx = [1, 0, 0, 0, Math.cos(p), -Math.sin(p), 0, Math.sin(p), Math.cos(p)];
  const Rz = [Math.cos(r), -Math.sin(r), 0, Math.sin(r), Math.cos(r), 0, 0, 0, 1];
  const mul = (a: number[], b: number[]): number[] => {
    const o = new Array<number>(9).fill(0);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) o[i * 3 + j] += a[i * 3 + k] * b[k * 3 + j];
    return o;
  };
  return new Float64Array(mul(Rz, mul(Ry, Rx)));
}

interface Scene {
  landmarks: Float32Array;
  iris: Float32Array;
  rotation: Float64Array;
}

/**
 * Rotates the model (and two 3D iris centres) by R about the head's centre, puts it DISTANCE_MM in
 * front of a pinhole camera and projects: x, y in pixels, z = depth offset scaled like x.
 */
function project(m: Model, irisR: number[], irisL: number[], R: Float64Array): Scene {
  const landmarks = new Float32Array(N * 3);
  const iris = new Float32Array(20);
  const put = (p: ArrayLike<number>, o: number, out: Float32Array, withZ: boolean): void => {
    const X = R[0] * p[o] + R[1] * p[o + 1] + R[2] * p[o + 2];
    const Y = R[3] * p[o] + R[4] * p[o + 1] + R[5] * p[o + 2];
    const Z = R[6] * p[o] + R[7] * p[o + 1] + R[8] * p[o + 2] + DISTANCE_MM;
    const j = withZ ? (o / 3) * 3 : (o / 3) * 2;
    out[j] = (FOCAL * X) / Z + CX;
    out[j + 1] = (FOCAL * Y) / Z + CY;
    if (withZ) out[j + 2] = (FOCAL * (Z - DISTANCE_MM)) / DISTANCE_MM;
  };
  for (let i = 0; i < N; i++) put(m, i * 3, landmarks, true);
  const irisPts = new Float64Array([...irisR, ...irisL]);
  const tmp = new Float32Array(4);
  put(irisPts, 0, tmp, false);
  put(irisPts, 3, tmp, false);
  for (let k = 0; k < 5; k++) {
    iris.set(tmp.subarray(0, 2), k * 2); // right eye: centre + 4 edges (edges unused by the features)
    iris.set(tmp.subarray(2, 4), 10 + k * 2);
  }
  return { landmarks, iris, rotation: R };
}

/**
 * The synthetic iris centre sits in the middle of the lid opening, at the lids' depth: the mean of the
 * three middle points of each lid (the model has no iris; the features assume this depth too).
 */
const RIGHT_LIDS = [...meshAnnotations.rightEyeUpper0.slice(2, 5), ...meshAnnotations.rightEyeLower0.slice(3, 6)];
const LEFT_LIDS = [...meshAnnotations.leftEyeUpper0.slice(2, 5), ...meshAnnotations.leftEyeLower0.slice(3, 6)];

/** A face with options: eye closure per side (0..1), jaw drop (mm), lip widening factor, brow lift per side (mm), smile (mm), iris shift (fraction of eye width towards the subject's left). */
interface Expression {
  closeRight?: number;
  closeLeft?: number;
  jawMm?: number;
  mouthWidthFactor?: number;
  browRightMm?: number;
  browLeftMm?: number;
  smileMm?: number;
  irisShift?: number;
}

function makeFace(e: Expression, yaw = 0, pitch = 0, roll = 0): Scene {
  const m = cloneModel();
  const irisR = eyelidCentroid(m, RIGHT_LIDS);
  const irisL = eyelidCentroid(m, LEFT_LIDS);
  const closeEye = (upper: number[], lower: number[], t: number): void => {
    // Lower-lid height under each upper-lid point, by linear interpolation along x.
    const lowerPts = lower.map((i) => [m[i * 3], m[i * 3 + 1]]).sort((a, b) => a[0] - b[0]);
    for (const i of upper) {
      const x = m[i * 3];
      let y = lowerPts[0][1];
      for (let k = 0; k + 1 < lowerPts.length; k++) {
        const [x0, y0] = lowerPts[k];
        const [x1, y1] = lowerPts[k + 1];
        if (x >= x0 && x <= x1) y = y0 + ((y1 - y0) * (x - x0)) / (x1 - x0 || 1);
      }
      m[i * 3 + 1] += t * (y - m[i * 3 + 1]);
    }
  };
  if (e.closeRight) closeEye(meshAnnotations.rightEyeUpper0, meshAnnotations.rightEyeLower0, e.closeRight);
  if (e.closeLeft) closeEye(meshAnnotations.leftEyeUpper0, meshAnnotations.leftEyeLower0, e.closeLeft);

  const lips = new Set(Object.entries(meshAnnotations).filter(([k]) => k.startsWith('lips')).flatMap(([, v]) => v));
  if (e.mouthWidthFactor) for (const i of lips) m[i * 3] *= e.mouthWidthFactor;
  if (e.smileMm) {
    // Corners (and the lip points near them) pulled up and out, falling off towards the centre.
    for (const i of lips) {
      const w = Math.max(0, (Math.abs(m[i * 3]) - 10) / 15);
      m[i * 3 + 1] -= e.smileMm * w;
      m[i * 3] += Math.sign(m[i * 3]) * 0.5 * e.smileMm * w;
    }
  }
  if (e.jawMm) {
    // Everything at or below the lower inner lip (lower lip, chin, jaw front) drops; the mouth corners
    // follow by 30% (as measured on a real face, cap13_edit2.mp4).
    const yCut = m[14 * 3 + 1] - 0.5;
    for (let i = 0; i < N; i++) {
      if (m[i * 3 + 1] >= yCut && Math.abs(m[i * 3]) < 60) m[i * 3 + 1] += e.jawMm;
      else if (lips.has(i)) m[i * 3 + 1] += 0.3 * e.jawMm * Math.min(1, Math.max(0, (Math.abs(m[i * 3]) - 15) / 8));
    }
  }
  const browPts = (side: 'right' | 'left'): number[] => [...meshAnnotations[`${side}EyebrowUpper`], ...meshAnnotations[`${side}EyebrowLower`]];
  if (e.browRightMm) for (const i of browPts('right')) m[i * 3 + 1] -= e.browRightMm;
  if (e.browLeftMm) for (const i of browPts('left')) m[i * 3 + 1] -= e.browLeftMm;
  if (e.irisShift) {
    const w = Math.abs(m[133 * 3] - m[33 * 3]);
    irisR[0] += e.irisShift * w;
    irisL[0] += e.irisShift * w;
  }
  return project(m, irisR, irisL, rotation(yaw, pitch, roll));
}

/** The tracker knows its camera: features undo perspective with it. */
const CAMERA = { fx: FOCAL, fy: FOCAL, cx: CX, cy: CY };
// The mapping against a known neutral: nothing learnt from the frames (auto-calibration has its own tests).
const newFeatures = (): FaceFeatures => new FaceFeatures({ camera: CAMERA, autoCalibration: false });

const bs = (r: FeatureResult): Record<string, number> => blendshapesToRecord(r.blendshapes);

const FLAT_NAMES = ['eyes.left', 'eyes.right', 'mouth.open', 'mouth.wide', 'a', 'i', 'u', 'e', 'o', 'brows.left', 'brows.right', ...BLENDSHAPE_NAMES];

/** Every feature value in one flat list, for comparing two results. */
function flat(r: FeatureResult): number[] {
  const v = r.mouth.vowels;
  return [r.eyes.left, r.eyes.right, r.mouth.open, r.mouth.wide, v.a, v.i, v.u, v.e, v.o, r.brows.left, r.brows.right, ...r.blendshapes];
}

describe('FaceFeatures on the canonical face', () => {
  it('reads a neutral face as neutral: eyes open 1, blink 0, mouth closed, brows at rest', () => {
    const f = newFeatures();
    const s = makeFace({});
    const r = f.compute(s.landmarks, s.iris);
    expect(r.valid).toBe(true);
    expect(r.eyes.left).toBeGreaterThan(0.97);
    expect(r.eyes.right).toBeGreaterThan(0.97);
    expect(r.mouth.open).toBeLessThan(0.03);
    expect(Math.abs(r.mouth.wide - 0.5)).toBeLessThan(0.03);
    expect(r.brows.left).toBeLessThan(0.03);
    for (const name of BLENDSHAPE_NAMES) expect(bs(r)[name], name).toBeLessThan(0.05);
    expect(Object.values(r.mouth.vowels).reduce((a, b) => a + b, 0)).toBeLessThan(0.05);
  });

  it('has at least 20 ARKit blend shapes with unique names', () => {
    expect(BLENDSHAPE_NAMES.length).toBeGreaterThanOrEqual(20);
    expect(new Set(BLENDSHAPE_NAMES).size).toBe(BLENDSHAPE_NAMES.length);
  });

  it('closing the eyes drives openness to 0 and blink to 1, monotonically, per side', () => {
    const f = newFeatures();
    let prev = 2;
    for (const t of [0, 0.25, 0.5, 0.75, 1]) {
      const s = makeFace({ closeRight: t, closeLeft: t });
      const r = f.compute(s.landmarks, s.iris);
      expect(r.eyes.right).toBeLessThan(prev + 1e-6);
      prev = r.eyes.right;
      expect(r.blendshapes[BS.eyeBlinkRight]).toBeCloseTo(1 - r.eyes.right, 5);
    }
    const closed = f.compute(makeFace({ closeRight: 1, closeLeft: 1 }).landmarks, makeFace({}).iris);
    expect(closed.eyes.left).toBeLessThan(0.05);
    expect(closed.eyes.right).toBeLessThan(0.05);
    expect(closed.blendshapes[BS.eyeBlinkLeft]).toBeGreaterThan(0.95);
    expect(closed.blendshapes[BS.eyeBlinkRight]).toBeGreaterThan(0.95);

    // Subject's LEFT eye only (model x > 0, image right when facing the camera).
    const wink = makeFace({ closeLeft: 1 });
    const w = f.compute(wink.landmarks, wink.iris);
    expect(w.eyes.left).toBeLessThan(0.05);
    expect(w.eyes.right).toBeGreaterThan(0.95);
    expect(wink.landmarks[263 * 3]).toBeGreaterThan(wink.landmarks[33 * 3]); // left eye is image-right
  });

  it('widening the lids reads eyeWide', () => {
    const f = newFeatures();
    const s = makeFace({ closeRight: -0.4, closeLeft: -0.4 }); // negative closure opens the lids further
    const r = f.compute(s.landmarks, s.iris);
    expect(r.eyes.left).toBe(1);
    expect(r.blendshapes[BS.eyeWideLeft]).toBeGreaterThan(0.8);
    expect(r.blendshapes[BS.eyeWideRight]).toBeGreaterThan(0.8);
    expect(r.blendshapes[BS.eyeBlinkLeft]).toBe(0);
  });

  it('dropping the jaw opens the mouth: open, jawOpen and vowel A rise; wide stays neutral', () => {
    const f = newFeatures();
    const opens: number[] = [];
    for (const mm of [0, 8, 16, 27]) {
      const s = makeFace({ jawMm: mm });
      opens.push(f.compute(s.landmarks, s.iris).mouth.open);
    }
    for (let k = 1; k < opens.length; k++) expect(opens[k]).toBeGreaterThan(opens[k - 1]);
    // 27 mm is a wide-open mouth: 27 / 88.9 (IOD) / 0.3 = 1.0.
    const s = makeFace({ jawMm: 27 });
    const r = f.compute(s.landmarks, s.iris);
    expect(r.mouth.open).toBeGreaterThan(0.9);
    expect(r.blendshapes[BS.jawOpen]).toBeGreaterThan(0.5);
    expect(Math.abs(r.mouth.wide - 0.5)).toBeLessThan(0.05);
    const v = r.mouth.vowels;
    expect(v.a).toBeGreaterThan(0.8);
    expect(Math.max(v.i, v.u, v.e, v.o)).toBeLessThan(0.1);
    expect(r.eyes.left).toBeGreaterThan(0.97); // nothing else moved
    expect(r.blendshapes[BS.mouthSmileLeft]).toBeLessThan(0.1);
    expect(r.blendshapes[BS.mouthFrownLeft]).toBeLessThan(0.1);
  });

  it('a wider mouth reads wide up (and a smile when the corners rise); a narrower one reads pucker', () => {
    const f = newFeatures();
    const wider = makeFace({ mouthWidthFactor: 1.2 });
    const rw = f.compute(wider.landmarks, wider.iris);
    expect(rw.mouth.wide).toBeGreaterThan(0.85);
    expect(rw.blendshapes[BS.mouthStretchLeft]).toBeGreaterThan(0.5);
    expect(rw.blendshapes[BS.mouthStretchRight]).toBeGreaterThan(0.5);
    expect(rw.blendshapes[BS.mouthPucker]).toBe(0);

    const narrower = makeFace({ mouthWidthFactor: 0.8 });
    const rn = f.compute(narrower.landmarks, narrower.iris);
    expect(rn.mouth.wide).toBeLessThan(0.15);
    expect(rn.blendshapes[BS.mouthPucker]).toBeGreaterThan(0.7);

    const smile = makeFace({ smileMm: 5 });
    const rs = f.compute(smile.landmarks, smile.iris);
    expect(rs.blendshapes[BS.mouthSmileLeft]).toBeGreaterThan(0.7);
    expect(rs.blendshapes[BS.mouthSmileRight]).toBeGreaterThan(0.7);
    expect(rs.blendshapes[BS.mouthFrownLeft]).toBe(0);
    const frown = makeFace({ smileMm: -3 });
    const rf = f.compute(frown.landmarks, frown.iris);
    expect(rf.blendshapes[BS.mouthFrownLeft]).toBeGreaterThan(0.5);
    expect(rf.blendshapes[BS.mouthSmileLeft]).toBe(0);
  });

  it('raising the brows reads brow raise, inner and outer up; per side; lowering reads browDown', () => {
    const f = newFeatures();
    const up = makeFace({ browLeftMm: 9, browRightMm: 9 });
    const r = f.compute(up.landmarks, up.iris);
    // 9 mm / 88.9 mm IOD / 0.1 range = 1.0
    expect(r.brows.left).toBeGreaterThan(0.9);
    expect(r.brows.right).toBeGreaterThan(0.9);
    expect(r.blendshapes[BS.browInnerUp]).toBeGreaterThan(0.9);
    expect(r.blendshapes[BS.browOuterUpLeft]).toBeGreaterThan(0.9);
    expect(r.blendshapes[BS.browDownLeft]).toBe(0);

    const leftOnly = makeFace({ browLeftMm: 6 });
    const rl = f.compute(leftOnly.landmarks, leftOnly.iris);
    expect(rl.brows.left).toBeGreaterThan(0.55);
    expect(rl.brows.right).toBeLessThan(0.03);
    expect(rl.blendshapes[BS.browOuterUpLeft]).toBeGreaterThan(0.55);
    expect(rl.blendshapes[BS.browOuterUpRight]).toBeLessThan(0.03);

    const down = makeFace({ browLeftMm: -4, browRightMm: -4 });
    const rd = f.compute(down.landmarks, down.iris);
    expect(rd.blendshapes[BS.browDownLeft]).toBeGreaterThan(0.7);
    expect(rd.blendshapes[BS.browDownRight]).toBeGreaterThan(0.7);
    expect(rd.brows.left).toBe(0);
  });

  it('iris towards the subject\'s left reads lookOut for the left eye and lookIn for the right', () => {
    const f = newFeatures();
    const s = makeFace({ irisShift: 0.15 });
    const r = bs(f.compute(s.landmarks, s.iris));
    // 0.15 eye widths / 0.2 range = 0.75
    expect(r.eyeLookOutLeft).toBeGreaterThan(0.6);
    expect(r.eyeLookInRight).toBeGreaterThan(0.6);
    expect(r.eyeLookInLeft).toBe(0);
    expect(r.eyeLookOutRight).toBe(0);
    const t = makeFace({ irisShift: -0.15 });
    const q = bs(f.compute(t.landmarks, t.iris));
    expect(q.eyeLookInLeft).toBeGreaterThan(0.6);
    expect(q.eyeLookOutRight).toBeGreaterThan(0.6);
  });

  it('takes eyeLook from gaze vectors when given: head-relative, independent of head rotation', () => {
    const f = newFeatures();
    const R = rotation(20, -10, 5);
    const s = makeFace({}, 20, -10, 5);
    // Eyes turned 15 deg towards the subject's left and 10 deg up, in the head frame (face looks along -z, y down).
    const a = (15 * Math.PI) / 180;
    const b = (10 * Math.PI) / 180;
    const head = [Math.sin(a) * Math.cos(b), -Math.sin(b), -Math.cos(a) * Math.cos(b)];
    const cam = [0, 1, 2].map((i) => R[i * 3] * head[0] + R[i * 3 + 1] * head[1] + R[i * 3 + 2] * head[2]);
    const gaze = { left: { vector: cam }, right: { vector: cam } };
    for (const rot of [undefined, R]) {
      const r = bs(f.compute(s.landmarks, s.iris, rot, gaze));
      expect(r.eyeLookOutLeft).toBeCloseTo(15 / 30, 1);
      expect(r.eyeLookInRight).toBeCloseTo(15 / 30, 1);
      expect(r.eyeLookUpLeft).toBeCloseTo(10 / 20, 1);
      expect(r.eyeLookDownLeft).toBe(0);
      expect(r.eyeLookInLeft).toBe(0);
    }
  });

  const poses: [number, number, number][] = [
    [30, 0, 0],
    [-30, 0, 0],
    [0, 20, 0],
    [0, -20, 0],
    [0, 0, 25],
    [25, -15, 12],
  ];
  const expressions: Expression[] = [{}, { closeLeft: 0.6, closeRight: 0.3 }, { jawMm: 25 }, { browLeftMm: 5, smileMm: 3 }, { mouthWidthFactor: 0.85, irisShift: 0.1 }];

  it('features barely change when the head turns (with and without the rotation given)', () => {
    const f = newFeatures();
    let worst = 0;
    let where = '';
    for (const e of expressions) {
      const front = makeFace(e);
      const ref = flat(f.compute(front.landmarks, front.iris));
      for (const [y, p, r] of poses) {
        const s = makeFace(e, y, p, r);
        for (const rot of [undefined, s.rotation]) {
          const got = flat(f.compute(s.landmarks, s.iris, rot));
          for (let k = 0; k < ref.length; k++) {
            const d = Math.abs(got[k] - ref[k]);
            if (d > worst) {
              worst = d;
              where = `${FLAT_NAMES[k]} for ${JSON.stringify(e)} at yaw ${y} pitch ${p} roll ${r}${rot ? ' (rotation given)' : ''}`;
            }
          }
        }
      }
    }
    // With the true intrinsics the un-projection is exact for this synthetic camera (FaceMesh's real z is
    // noisier). Without them perspective alone moves some shapes by up to ~0.6 at 600 mm; with a focal
    // length 30% off, by up to ~0.25 (measured when this test was written).
    expect(worst, where).toBeLessThan(0.02);
  });

  it('calibration makes a user\'s own relaxed face the neutral', () => {
    // A user whose relaxed eyes are narrower than the canonical ones and whose mouth is slightly wider.
    const relaxed = makeFace({ closeLeft: 0.3, closeRight: 0.3, mouthWidthFactor: 1.08, browLeftMm: 2, browRightMm: 2 });
    const f = newFeatures();
    const before = f.compute(relaxed.landmarks, relaxed.iris);
    expect(before.eyes.left).toBeLessThan(0.8);
    expect(before.mouth.wide).toBeGreaterThan(0.6);
    expect(f.calibrateNeutral(relaxed.landmarks, relaxed.iris)).toBe(true);
    expect(f.neutral.isCalibrated).toBe(true);
    const after = f.compute(relaxed.landmarks, relaxed.iris);
    expect(after.eyes.left).toBeCloseTo(1, 5);
    expect(after.eyes.right).toBeCloseTo(1, 5);
    expect(after.mouth.wide).toBeCloseTo(0.5, 5);
    expect(after.brows.left).toBeCloseTo(0, 5);
    // Blinking from that neutral still closes fully.
    const blink = makeFace({ closeLeft: 1, closeRight: 1, mouthWidthFactor: 1.08, browLeftMm: 2, browRightMm: 2 });
    expect(f.compute(blink.landmarks, blink.iris).eyes.left).toBeLessThan(0.05);
    f.resetCalibration();
    expect(f.neutral.isCalibrated).toBe(false);
    // Averaging: the mean of two captured frames is the neutral.
    const a = makeFace({ browLeftMm: 2 });
    const b = makeFace({ browLeftMm: 4 });
    const mid = makeFace({ browLeftMm: 3 });
    f.calibrateNeutral(a.landmarks, a.iris, undefined, undefined, 1);
    f.calibrateNeutral(b.landmarks, b.iris, undefined, undefined, 1 / 2);
    expect(f.compute(mid.landmarks, mid.iris).brows.left).toBeLessThan(0.01);
    expect(f.compute(b.landmarks, b.iris).brows.left).toBeGreaterThan(0.05);
    f.resetCalibration();
    expect(Array.from(f.neutral.values)).toEqual(Array.from(canonicalNeutralMetrics()));
  });

  it('reuses its result object and rejects short inputs', () => {
    const f = newFeatures();
    const s = makeFace({});
    const a = f.compute(s.landmarks, s.iris);
    const b = f.compute(s.landmarks, s.iris);
    expect(a).toBe(b);
    expect(() => f.compute(new Float32Array(100), s.iris)).toThrow(RangeError);
    expect(() => f.compute(s.landmarks, new Float32Array(4))).toThrow(RangeError);
    const degenerate = f.compute(new Float32Array(N * 3), s.iris);
    expect(degenerate.valid).toBe(false);
  });
});

describe('vowelWeights', () => {
  const w = (open: number, spread: number, round: number): VowelWeights => vowelWeights(open, spread, round, { a: 0, i: 0, u: 0, e: 0, o: 0 });
  const top = (v: VowelWeights): string => Object.entries(v).sort((p, q) => q[1] - p[1])[0][0];
  it('is silent for a closed neutral mouth and picks the documented shape for each vowel', () => {
    expect(Object.values(w(0, 0, 0)).every((x) => x === 0)).toBe(true);
    expect(top(w(0.8, 0, 0))).toBe('a');
    expect(top(w(0.2, 0.8, 0))).toBe('i');
    expect(top(w(0.2, 0, 0.8))).toBe('u');
    expect(top(w(0.5, 0.8, 0))).toBe('e');
    expect(top(w(0.7, 0, 0.8))).toBe('o');
  });
  it('keeps every weight in 0..1 and their sum at most 1', () => {
    for (let o = 0; o <= 1; o += 0.1)
      for (let s = 0; s <= 1; s += 0.25)
        for (let r = 0; r <= 1; r += 0.25) {
          const v = w(o, s, r);
          const vals = Object.values(v);
          expect(Math.min(...vals)).toBeGreaterThanOrEqual(0);
          expect(vals.reduce((x, y) => x + y, 0)).toBeLessThanOrEqual(1 + 1e-9);
        }
  });
});

describe('FaceFeatures learning the resting face (auto-calibration)', () => {
  it('reads a user whose lids rest wider than the canonical face as resting, and their blinks as blinks', () => {
    const wide = makeFace({ closeRight: -0.4, closeLeft: -0.4 });
    expect(newFeatures().compute(wide.landmarks, wide.iris).blendshapes[BS.eyeWideLeft]).toBeGreaterThan(0.8);

    const f = new FaceFeatures({ camera: CAMERA });
    let r = f.compute(wide.landmarks, wide.iris);
    for (let i = 0; i < 60; i++) r = f.compute(wide.landmarks, wide.iris);
    expect(r.blendshapes[BS.eyeWideLeft]).toBe(0);
    expect(r.blendshapes[BS.eyeBlinkLeft]).toBe(0);
    // Lids closed from that user's rest: a full blink, on both sides.
    const closed = makeFace({ closeRight: 1, closeLeft: 1 });
    r = f.compute(closed.landmarks, closed.iris);
    expect(r.blendshapes[BS.eyeBlinkLeft]).toBeGreaterThan(0.9);
    expect(r.blendshapes[BS.eyeBlinkRight]).toBeGreaterThan(0.9);
    // A few blinks do not move the learnt rest (it is the median, not the mean).
    for (let i = 0; i < 5; i++) f.compute(closed.landmarks, closed.iris);
    expect(f.compute(wide.landmarks, wide.iris).blendshapes[BS.eyeWideLeft]).toBe(0);
  });

  it('a smile now and then reads as a smile after learning a neutral face; an explicit neutral wins over what was learnt; reset forgets both', () => {
    const f = new FaceFeatures({ camera: CAMERA });
    const neutral = makeFace({});
    const smile = makeFace({ smileMm: 5 });
    // Mostly neutral frames with a smile now and then: the smile reads as a smile.
    for (let i = 0; i < 40; i++) f.compute(neutral.landmarks, neutral.iris);
    expect(f.compute(smile.landmarks, smile.iris).blendshapes[BS.mouthSmileLeft]).toBeGreaterThan(0.5);
    // Explicitly calibrated on the smile: it reads neutral whatever was learnt.
    f.calibrateNeutral(smile.landmarks, smile.iris);
    expect(f.compute(smile.landmarks, smile.iris).blendshapes[BS.mouthSmileLeft]).toBe(0);
    f.resetCalibration();
    expect(f.neutral.isCalibrated).toBe(false);
    expect(f.auto.frames).toBe(0);
  });
});
