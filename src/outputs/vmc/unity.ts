/**
 * From vtlink's frames (tracking/types.ts) to the Unity conventions VMC receivers use: left-handed,
 * x right, y up, z forward, metres, quaternions written x y z w, bones in a humanoid avatar that
 * faces +z (the viewer) at rest.
 *
 * The mapping is anatomical, the way ARKit names sides: the subject's left is the avatar's left.
 * So when the user turns to their own right the avatar turns to ITS right (on screen, towards the
 * viewer's left, like a person facing you, not like a mirror); receivers that want a mirror image
 * offer that themselves.
 *
 * Axes: our head model is x = subject's left, y = down, z = backwards into the head; the avatar's
 * head is x = its right, y = up, z = forwards (out of the face). So head-model vector v is the avatar
 * vector -v. Our camera frame (x image right, y down, z away from the camera) at the neutral pose
 * lines up with the head model, so a camera-frame vector c is the avatar-world vector -c as well.
 * The head rotation in Unity world is therefore (-I) R (-I) = R: the same matrix numbers, hence the
 * same quaternion components; only their order changes (ours w x y z, Unity's x y z w). The sign
 * flips cancel because both frames are mirrored alike (right-handed ours, left-handed Unity's).
 *
 * Positions: Unity = -(camera mm) / 1000: moving to the image's right (the subject's left) moves the
 * avatar to its left, moving up moves it up, leaning towards the camera moves it forwards.
 */

import type { Vec3 } from '../../tracking/types';

/** Quaternion as Unity writes it: x, y, z, w. */
export type UnityQuat = Float64Array;

/** Our head quaternion [w, x, y, z] (head model -> camera) as the avatar head's world rotation, x y z w. */
export function headQuatToUnity(q: readonly [number, number, number, number], out: UnityQuat = new Float64Array(4)): UnityQuat {
  let [w, x, y, z] = q;
  const n = Math.hypot(w, x, y, z) || 1;
  // One of the two equal quaternions, the one with w >= 0, so values do not flip sign between frames.
  const s = w < 0 ? -1 / n : 1 / n;
  w *= s; x *= s; y *= s; z *= s;
  out[0] = x; out[1] = y; out[2] = z; out[3] = w;
  return out;
}

/** Inverse of headQuatToUnity: our [w, x, y, z] from a Unity x y z w. */
export function unityQuatToHead(u: ArrayLike<number>): [number, number, number, number] {
  return [u[3], u[0], u[1], u[2]];
}

/** Head translation (camera frame, mm) as a Unity position in metres. */
export function cameraMmToUnity(t: Readonly<Vec3>, out: Float64Array = new Float64Array(3)): Float64Array {
  out[0] = -t[0] / 1000;
  out[1] = -t[1] / 1000;
  out[2] = -t[2] / 1000;
  return out;
}

/**
 * q^t for a unit quaternion (x y z w, w >= 0): the same axis, t times the angle. Used to let the
 * neck carry a share of the head's rotation; q^t and q^(1-t) commute, so neck * head = q exactly.
 */
export function quatPower(q: ArrayLike<number>, t: number, out: UnityQuat = new Float64Array(4)): UnityQuat {
  const w = Math.max(-1, Math.min(1, q[3]));
  const half = Math.acos(w);
  const s = Math.sin(half);
  if (s < 1e-12) {
    out[0] = 0; out[1] = 0; out[2] = 0; out[3] = 1;
    return out;
  }
  const k = Math.sin(half * t) / s;
  out[0] = q[0] * k;
  out[1] = q[1] * k;
  out[2] = q[2] * k;
  out[3] = Math.cos(half * t);
  return out;
}

/** Hamilton product a * b (x y z w); out may alias neither input. */
export function quatMultiply(a: ArrayLike<number>, b: ArrayLike<number>, out: UnityQuat = new Float64Array(4)): UnityQuat {
  const ax = a[0], ay = a[1], az = a[2], aw = a[3];
  const bx = b[0], by = b[1], bz = b[2], bw = b[3];
  out[0] = aw * bx + ax * bw + ay * bz - az * by;
  out[1] = aw * by - ax * bz + ay * bw + az * bx;
  out[2] = aw * bz + ax * by - ay * bx + az * bw;
  out[3] = aw * bw - ax * bx - ay * by - az * bz;
  return out;
}

/** Rotates vector v by unit quaternion q (x y z w). */
export function quatRotate(q: ArrayLike<number>, v: ArrayLike<number>): [number, number, number] {
  const x = q[0], y = q[1], z = q[2], w = q[3];
  // v' = v + 2w (u x v) + 2 u x (u x v), u = (x, y, z)
  const cx = y * v[2] - z * v[1], cy = z * v[0] - x * v[2], cz = x * v[1] - y * v[0];
  return [
    v[0] + 2 * (w * cx + y * cz - z * cy),
    v[1] + 2 * (w * cy + z * cx - x * cz),
    v[2] + 2 * (w * cz + x * cy - y * cx),
  ];
}
