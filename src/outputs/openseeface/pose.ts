/**
 * Head pose in OpenSeeFace's conventions, from ours (tracking/types.ts).
 *
 * OpenSeeFace keeps its 2D landmarks as (row, column) and runs cv2.solvePnP on them with the camera
 * matrix [[w, 0, w/2], [0, w, h/2], [0, 0, 1]]. Its "camera" frame C' is therefore ours with x and y
 * swapped (x' = down, y' = right, z' = forward), and the first principal-point coordinate is w/2
 * although it applies to rows. Its 3D face model (tracker.py) has x towards the subject's RIGHT, y up,
 * z out of the face, origin at the nose tip (point 30), 0.63 units between the outer eye corners.
 *
 * Our head model (x subject's left, y down, z into the head, mm) is OSF's model negated and scaled:
 * p_ours = -k p_osf (+ the nose tip). With S the x/y swap, OSF's rotation is
 *     R_osf = S R (-I) = -S R         (det = +1: two reflections)
 * and the quaternion and Euler angles are what OSF derives from R_osf:
 * - quaternion: tracker.py's matrix_to_quaternion, which returns the quaternion of the TRANSPOSE
 *   (x y z w, the branch chosen by the diagonal, so w may be negative);
 * - Euler: cv2.RQDecomp3x3's angles (degrees), for which R_osf = Rz(ez) Ry(ey) Rx(ex).
 */

import { HEAD_MODEL_MM } from '../../geometry/face-model';
import { LANDMARKS68_MESH } from '../../geometry/landmarks68';

/**
 * Two distances of OSF's 3D face model (tracker.py's face_3d, OpenSeeFace, BSD 2-Clause licence), in
 * its units: outer eye corners 36-45 (x = +-0.315905195966084) and nose bridge 27 (0, 0.293332603215811,
 * -0.137582088779393) to chin 8 (0, -0.621079019321682, -0.287294770748887). The jaw points are not
 * used: OSF's sit further forward than the MediaPipe vertices our 68-point table uses there.
 */
const OSF_EYE_CORNERS = 2 * 0.315905195966084;
const OSF_BRIDGE_TO_CHIN = Math.hypot(0.293332603215811 + 0.621079019321682, -0.137582088779393 + 0.287294770748887);

/** Our head model at the 68 iBUG points (mean of each point's mesh vertices), mm, flat x y z. */
export const MODEL68_MM: Float64Array = (() => {
  const out = new Float64Array(68 * 3);
  LANDMARKS68_MESH.forEach((vertices, i) => {
    for (const v of vertices) for (let a = 0; a < 3; a++) out[i * 3 + a] += HEAD_MODEL_MM[v * 3 + a] / vertices.length;
  });
  return out;
})();

const modelDistance = (a: number, b: number): number =>
  Math.hypot(MODEL68_MM[a * 3] - MODEL68_MM[b * 3], MODEL68_MM[a * 3 + 1] - MODEL68_MM[b * 3 + 1], MODEL68_MM[a * 3 + 2] - MODEL68_MM[b * 3 + 2]);

/** Millimetres per OpenSeeFace model unit: mean ratio of the two distances, ours over OSF's (about 139). */
export const MM_PER_OSF_UNIT = (modelDistance(36, 45) / OSF_EYE_CORNERS + modelDistance(27, 8) / OSF_BRIDGE_TO_CHIN) / 2;

/** The nose tip (iBUG 30), OSF's model origin, in our head model, mm. */
export const MODEL_NOSE_TIP_MM: readonly [number, number, number] = [MODEL68_MM[90], MODEL68_MM[91], MODEL68_MM[92]];

/** R_osf = -S R for our row-major head->camera rotation R. */
export function osfRotation(R: ArrayLike<number>, out: Float64Array = new Float64Array(9)): Float64Array {
  out[0] = -R[3]; out[1] = -R[4]; out[2] = -R[5];
  out[3] = -R[0]; out[4] = -R[1]; out[5] = -R[2];
  out[6] = -R[6]; out[7] = -R[7]; out[8] = -R[8];
  return out;
}

/**
 * The quaternion OpenSeeFace sends for rotation matrix m (row-major): that of m's transpose, x y z w,
 * by the branch of Shepperd's method OSF's matrix_to_quaternion takes.
 */
export function osfQuaternion(m: ArrayLike<number>, out: Float64Array = new Float64Array(4)): Float64Array {
  const m00 = m[0], m01 = m[1], m02 = m[2], m10 = m[3], m11 = m[4], m12 = m[5], m20 = m[6], m21 = m[7], m22 = m[8];
  let t: number;
  if (m22 < 0) {
    if (m00 > m11) {
      t = 1 + m00 - m11 - m22;
      out[0] = t; out[1] = m01 + m10; out[2] = m20 + m02; out[3] = m12 - m21;
    } else {
      t = 1 - m00 + m11 - m22;
      out[0] = m01 + m10; out[1] = t; out[2] = m12 + m21; out[3] = m20 - m02;
    }
  } else if (m00 < -m11) {
    t = 1 - m00 - m11 + m22;
    out[0] = m20 + m02; out[1] = m12 + m21; out[2] = t; out[3] = m01 - m10;
  } else {
    t = 1 + m00 + m11 + m22;
    out[0] = m12 - m21; out[1] = m20 - m02; out[2] = m01 - m10; out[3] = t;
  }
  const s = 0.5 / Math.sqrt(t);
  for (let i = 0; i < 4; i++) out[i] *= s;
  return out;
}

/**
 * Euler angles (degrees) as cv2.RQDecomp3x3 returns them for a rotation matrix: three Givens
 * rotations zero m21, m20 and m10 in turn, the 180-degree ambiguity is resolved so the first two
 * diagonal entries of the triangular factor are positive, and each angle is read from its Givens
 * rotation. For a rotation m = Rz(z) Ry(y) Rx(x).
 */
export function rqDecompEuler(m: ArrayLike<number>, out: Float64Array = new Float64Array(3)): Float64Array {
  const EPS = 2.220446049250313e-16;
  const mul = (a: number[], b: number[]): number[] => {
    const r = new Array<number>(9);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) r[i * 3 + j] = a[i * 3] * b[j] + a[i * 3 + 1] * b[3 + j] + a[i * 3 + 2] * b[6 + j];
    return r;
  };
  const givens = (s0: number, c0: number): [number, number] => {
    const pivot = Math.abs(s0) > EPS;
    const s = pivot ? s0 : 0, c = pivot ? c0 : 1;
    const z = 1 / Math.sqrt(c * c + s * s);
    return [s * z, c * z];
  };
  const M = Array.from(m as ArrayLike<number>);
  // x: zero M[2][1]
  let [s, c] = givens(M[7], M[8]);
  const qx = [1, 0, 0, 0, c, s, 0, -s, c];
  const r1 = mul(M, qx);
  r1[7] = 0;
  // y: zero R[2][0]
  [s, c] = givens(-r1[6], r1[8]);
  let qy = [c, 0, -s, 0, 1, 0, s, 0, c];
  const m2 = mul(r1, qy);
  m2[6] = 0;
  // z: zero M[1][0]
  [s, c] = givens(m2[3], m2[4]);
  let qz = [c, s, 0, -s, c, 0, 0, 0, 1];
  const r = mul(m2, qz);
  const t = (q: number[]): number[] => [q[0], q[3], q[6], q[1], q[4], q[7], q[2], q[5], q[8]];
  if (r[0] < 0) {
    if (r[4] < 0) {
      qz[0] *= -1; qz[1] *= -1; qz[3] *= -1; qz[4] *= -1;
    } else {
      qz = t(qz);
      qy[0] *= -1; qy[2] *= -1; qy[6] *= -1; qy[8] *= -1;
    }
  } else if (r[4] < 0) {
    qz = t(qz);
    qy = t(qy);
    qx[4] *= -1; qx[5] *= -1; qx[7] *= -1; qx[8] *= -1;
  }
  const DEG = 180 / Math.PI;
  const angle = (cos: number, sinSign: number): number => Math.acos(Math.max(-1, Math.min(1, cos))) * (sinSign >= 0 ? 1 : -1) * DEG;
  out[0] = angle(qx[4], qx[5]);
  out[1] = angle(qy[0], qy[6]);
  out[2] = angle(qz[0], qz[1]);
  return out;
}
