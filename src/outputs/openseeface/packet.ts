/**
 * Writes one OpenSeeFace face record (layout.ts) from a tracked face. Where each field comes from:
 *
 * - time: the caller's (wall-clock seconds, as facetracker.py's time.time()); face id: the caller's.
 * - width, height: TrackingFrame.width/height.
 * - right/left eye open: EyeState.right/left (1 open, 0 closed, as OSF's eye_blink).
 * - 3D success: 1 (a TrackedFace always has a pose; frames without a face send no record, as OSF).
 * - PnP error: HeadPose.reprojectionPx (OSF: RMS pixel error of its fitted contour points).
 * - quaternion, Euler: from HeadPose.quaternion via OSF's rotation R_osf = -S R (pose.ts).
 * - translation: where OSF's solvePnP would put its model origin (the nose tip) in its swapped camera
 *   frame and units: depth = our nose-tip depth * (w / f) / mm-per-unit (OSF assumes a focal length of
 *   w pixels), and x' (rows), y' (columns) from the nose tip's pixel with OSF's principal point
 *   (w/2 for rows, h/2 for columns).
 * - confidences: TrackedFace.score for all 68 points (our mesh has one face score, no per-point one).
 * - 2D points: TrackedFace.landmarks68 in OSF's 66-point order (layout.ts), then the iris centres
 *   (TrackedFace.iris[0] right, iris[5] left) as pupils; x, y in pixels.
 * - 3D points, OSF model frame and units (x subject's right, y up, z out of the face, origin at the nose
 *   tip, what OSF's normalize step leaves), sent as (x, -y, -z) like facetracker.py:
 *   0-65: each landmark back-projected onto the depth of its model point and moved into the head
 *         frame (R^T (p - t)), as tracker.py does with its own model;
 *   68, 69: eyeball centres, right then left: the model's eye-corner midpoint 8.5 mm into the head
 *         (the same average eye as geometry/gaze.ts);
 *   66, 67: pupils: eyeball centre + 10.5 mm along the eye's gaze vector (Gaze.right/left, rotated
 *         into the head frame), so pupil - eyeball, which OpenSee.cs turns into the eye rotation, is
 *         our gaze direction.
 * - focal length f: fitted to the frame (least squares between the model points, posed by the head
 *   pose, and landmarks68), since TrackingFrame does not carry intrinsics; image width if the fit fails.
 * - features (OSF's are signed, 0 at the user's neutral face, about -1..1; `_l` = subject's left):
 *   eye_l/r            eye openness - 1 + eyeWide        (-1 closed, 0 neutral, + wide)
 *   eyebrow_updown     brow raise - browDown             (+ raised)
 *   eyebrow_steepness  browInnerUp - browDown            (+ inner end raised, - inner end lowered)
 *   eyebrow_quirk      browOuterUp                       (arch of one brow)
 *   mouth_corner_updown mouthFrown - mouthSmile          (OSF measures upper-lip height minus corner
 *                                                       height, y up: + when the corner drops)
 *   mouth_corner_inout 2 (MouthState.wide - 0.5) + sideways shift towards that side
 *   mouth_open         MouthState.open
 *   mouth_wide         2 (MouthState.wide - 0.5)
 */

import { EYE_CORNERS, HEAD_MODEL_MM } from '../../geometry/face-model';
import { AVERAGE_EYE } from '../../geometry/gaze';
import { quaternionToMatrix } from '../../geometry/linalg';
import type { TrackedFace } from '../../tracking/types';
import { OSF, OSF66_FROM_IBUG, OSF_PACKET_BYTES, OSF_POINTS_3D } from './layout';
import { MM_PER_OSF_UNIT, MODEL68_MM, MODEL_NOSE_TIP_MM, osfQuaternion, osfRotation, rqDecompEuler } from './pose';

const clamp = (v: number, lo: number, hi: number): number => (v > lo ? (v < hi ? v : hi) : lo); // NaN -> lo
const finite = (v: number): number => (Number.isFinite(v) ? v : 0);

/** Eyeball centres in our head model, mm: corner midpoint moved into the head. */
function eyeballCentre(outer: number, inner: number): [number, number, number] {
  return [
    (HEAD_MODEL_MM[outer * 3] + HEAD_MODEL_MM[inner * 3]) / 2,
    (HEAD_MODEL_MM[outer * 3 + 1] + HEAD_MODEL_MM[inner * 3 + 1]) / 2 + AVERAGE_EYE.centreBelowCornersMm,
    (HEAD_MODEL_MM[outer * 3 + 2] + HEAD_MODEL_MM[inner * 3 + 2]) / 2 + AVERAGE_EYE.centreBehindCornersMm,
  ];
}
const RIGHT_EYEBALL = eyeballCentre(EYE_CORNERS.right.outer, EYE_CORNERS.right.inner);
const LEFT_EYEBALL = eyeballCentre(EYE_CORNERS.left.outer, EYE_CORNERS.left.inner);

export class OsfPacketWriter {
  /** The record, rewritten by each `write`. */
  readonly bytes = new Uint8Array(OSF_PACKET_BYTES);
  private readonly view = new DataView(this.bytes.buffer);
  private readonly R = new Float64Array(9);
  private readonly Rosf = new Float64Array(9);
  private readonly q = new Float64Array(4);
  private readonly euler = new Float64Array(3);
  /** Head-frame points (mm) for the 70 3D slots. */
  private readonly head3d = new Float64Array(OSF_POINTS_3D * 3);
  /** Focal length fitted to the last face, pixels (for tests and diagnostics). */
  focalPx = 0;

  write(face: TrackedFace, width: number, height: number, timeSec: number, faceId = 0): Uint8Array {
    const v = this.view;
    const R = quaternionToMatrix(face.pose.quaternion, this.R);
    const t = face.pose.translationMm;
    const f = (this.focalPx = this.fitFocal(face, width, height));

    v.setFloat64(OSF.time, timeSec, true);
    v.setInt32(OSF.faceId, faceId, true);
    v.setFloat32(OSF.width, width, true);
    v.setFloat32(OSF.height, height, true);
    v.setFloat32(OSF.rightEyeOpen, clamp(face.eyes.right, 0, 1), true);
    v.setFloat32(OSF.leftEyeOpen, clamp(face.eyes.left, 0, 1), true);
    v.setUint8(OSF.success3d, 1);
    v.setFloat32(OSF.pnpError, finite(face.pose.reprojectionPx), true);

    osfRotation(R, this.Rosf);
    osfQuaternion(this.Rosf, this.q);
    for (let i = 0; i < 4; i++) v.setFloat32(OSF.quaternion + 4 * i, finite(this.q[i]), true);
    rqDecompEuler(this.Rosf, this.euler);
    for (let i = 0; i < 3; i++) v.setFloat32(OSF.euler + 4 * i, finite(this.euler[i]), true);

    // Translation of the nose tip, in OSF's camera (rows, columns, depth) with focal length = width.
    const n = MODEL_NOSE_TIP_MM;
    const nx = R[0] * n[0] + R[1] * n[1] + R[2] * n[2] + t[0];
    const ny = R[3] * n[0] + R[4] * n[1] + R[5] * n[2] + t[1];
    const nz = R[6] * n[0] + R[7] * n[1] + R[8] * n[2] + t[2];
    const u = (f * nx) / nz + width / 2;
    const row = (f * ny) / nz + height / 2;
    const depth = ((nz * width) / f) / MM_PER_OSF_UNIT;
    v.setFloat32(OSF.translation, finite(((row - width / 2) * depth) / width), true);
    v.setFloat32(OSF.translation + 4, finite(((u - height / 2) * depth) / width), true);
    v.setFloat32(OSF.translation + 8, finite(depth), true);

    const conf = clamp(face.score, 0, 1);
    for (let i = 0; i < 68; i++) v.setFloat32(OSF.confidence + 4 * i, conf, true);

    const lm = face.landmarks68;
    const h = this.head3d;
    for (let i = 0; i < 66; i++) {
      const j = OSF66_FROM_IBUG[i];
      const p = lm[j];
      const px = p ? finite(p[0]) : 0;
      const py = p ? finite(p[1]) : 0;
      v.setFloat32(OSF.points + 8 * i, px, true);
      v.setFloat32(OSF.points + 8 * i + 4, py, true);
      // Depth of the model point under the pose, then the landmark's camera ray at that depth.
      const mx = MODEL68_MM[j * 3], my = MODEL68_MM[j * 3 + 1], mz = MODEL68_MM[j * 3 + 2];
      const z = R[6] * mx + R[7] * my + R[8] * mz + t[2];
      if (p) {
        const cx = ((px - width / 2) * z) / f - t[0];
        const cy = ((py - height / 2) * z) / f - t[1];
        const cz = z - t[2];
        h[i * 3] = R[0] * cx + R[3] * cy + R[6] * cz; // R^T
        h[i * 3 + 1] = R[1] * cx + R[4] * cy + R[7] * cz;
        h[i * 3 + 2] = R[2] * cx + R[5] * cy + R[8] * cz;
      } else {
        h[i * 3] = mx; h[i * 3 + 1] = my; h[i * 3 + 2] = mz;
      }
    }
    const iris = face.iris;
    const pupils = [iris[0], iris[5]];
    for (let e = 0; e < 2; e++) {
      const p = pupils[e];
      v.setFloat32(OSF.points + 8 * (66 + e), p ? finite(p[0]) : 0, true);
      v.setFloat32(OSF.points + 8 * (66 + e) + 4, p ? finite(p[1]) : 0, true);
      const ball = e === 0 ? RIGHT_EYEBALL : LEFT_EYEBALL;
      const g = (e === 0 ? face.gaze.right : face.gaze.left).vector;
      // Gaze into the head frame: R^T g.
      const gx = R[0] * g[0] + R[3] * g[1] + R[6] * g[2];
      const gy = R[1] * g[0] + R[4] * g[1] + R[7] * g[2];
      const gz = R[2] * g[0] + R[5] * g[1] + R[8] * g[2];
      const r = AVERAGE_EYE.irisSphereRadiusMm;
      h[(66 + e) * 3] = ball[0] + r * gx;
      h[(66 + e) * 3 + 1] = ball[1] + r * gy;
      h[(66 + e) * 3 + 2] = ball[2] + r * gz;
      h[(68 + e) * 3] = ball[0];
      h[(68 + e) * 3 + 1] = ball[1];
      h[(68 + e) * 3 + 2] = ball[2];
    }
    // Head frame (mm) -> OSF model (x right, y up, z out, nose-tip origin, OSF units) -> sent (x, -y, -z).
    // OSF = -(h - nose) / k, so the sent triple is (-(hx - nx), hy - ny, hz - nz) / k.
    const k = MM_PER_OSF_UNIT;
    for (let i = 0; i < OSF_POINTS_3D; i++) {
      const o = OSF.points3d + 12 * i;
      v.setFloat32(o, finite(-(h[i * 3] - n[0]) / k), true);
      v.setFloat32(o + 4, finite((h[i * 3 + 1] - n[1]) / k), true);
      v.setFloat32(o + 8, finite((h[i * 3 + 2] - n[2]) / k), true);
    }

    this.writeFeatures(face);
    return this.bytes;
  }

  private writeFeatures(face: TrackedFace): void {
    const b = face.blendshapes;
    const g = (name: string): number => clamp(b[name] ?? 0, 0, 1);
    const wide = 2 * (clamp(face.mouth.wide, 0, 1) - 0.5);
    const shift = g('mouthLeft') - g('mouthRight');
    const values = [
      face.eyes.left - 1 + g('eyeWideLeft'),
      face.eyes.right - 1 + g('eyeWideRight'),
      g('browInnerUp') - g('browDownLeft'),
      face.brows.left - g('browDownLeft'),
      g('browOuterUpLeft'),
      g('browInnerUp') - g('browDownRight'),
      face.brows.right - g('browDownRight'),
      g('browOuterUpRight'),
      g('mouthFrownLeft') - g('mouthSmileLeft'),
      wide + shift,
      g('mouthFrownRight') - g('mouthSmileRight'),
      wide - shift,
      face.mouth.open,
      wide,
    ];
    for (let i = 0; i < 14; i++) this.view.setFloat32(OSF.features + 4 * i, clamp(values[i], -1, 1), true);
  }

  /**
   * Focal length (pixels) that best maps the posed model points onto landmarks68, principal point at
   * the image centre: least squares of f * X/Z against (u - w/2) and f * Y/Z against (v - h/2).
   */
  private fitFocal(face: TrackedFace, width: number, height: number): number {
    const R = this.R;
    const t = face.pose.translationMm;
    const lm = face.landmarks68;
    let num = 0, den = 0;
    for (let j = 0; j < lm.length && j < 68; j++) {
      const mx = MODEL68_MM[j * 3], my = MODEL68_MM[j * 3 + 1], mz = MODEL68_MM[j * 3 + 2];
      const X = R[0] * mx + R[1] * my + R[2] * mz + t[0];
      const Y = R[3] * mx + R[4] * my + R[5] * mz + t[1];
      const Z = R[6] * mx + R[7] * my + R[8] * mz + t[2];
      if (!(Z > 1)) continue;
      const a = X / Z, b = Y / Z;
      num += a * (lm[j][0] - width / 2) + b * (lm[j][1] - height / 2);
      den += a * a + b * b;
    }
    const f = num / den;
    return Number.isFinite(f) && f > 0 && den > 1e-6 ? f : width;
  }
}
