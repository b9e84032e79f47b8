/**
 * Small dense linear algebra for the geometry stage. Matrices are row-major Float64Arrays; every
 * function writes into caller-owned storage so the per-frame path allocates nothing.
 */

export type Mat3 = Float64Array; // 9 entries, row-major
export type Vec3Buf = Float64Array; // 3 entries

export function mat3Identity(out: Mat3): Mat3 {
  out.fill(0);
  out[0] = out[4] = out[8] = 1;
  return out;
}

/** out = a * b (3x3). `out` may alias neither input. */
export function mat3Multiply(a: Mat3, b: Mat3, out: Mat3): Mat3 {
  for (let r = 0; r < 3; r++) {
    const a0 = a[r * 3], a1 = a[r * 3 + 1], a2 = a[r * 3 + 2];
    out[r * 3] = a0 * b[0] + a1 * b[3] + a2 * b[6];
    out[r * 3 + 1] = a0 * b[1] + a1 * b[4] + a2 * b[7];
    out[r * 3 + 2] = a0 * b[2] + a1 * b[5] + a2 * b[8];
  }
  return out;
}

/**
 * Rodrigues' formula: rotation vector (axis * angle, radians) to a rotation matrix.
 * Uses the series form near zero so tiny LM steps stay exact.
 */
export function rotationVectorToMatrix(wx: number, wy: number, wz: number, out: Mat3): Mat3 {
  const theta2 = wx * wx + wy * wy + wz * wz;
  let a: number, b: number;
  if (theta2 < 1e-12) {
    a = 1 - theta2 / 6;
    b = 0.5 - theta2 / 24;
  } else {
    const theta = Math.sqrt(theta2);
    a = Math.sin(theta) / theta;
    b = (1 - Math.cos(theta)) / theta2;
  }
  // R = I + a [w]x + b [w]x^2
  out[0] = 1 - b * (wy * wy + wz * wz);
  out[1] = -a * wz + b * wx * wy;
  out[2] = a * wy + b * wx * wz;
  out[3] = a * wz + b * wx * wy;
  out[4] = 1 - b * (wx * wx + wz * wz);
  out[5] = -a * wx + b * wy * wz;
  out[6] = -a * wy + b * wx * wz;
  out[7] = a * wx + b * wy * wz;
  out[8] = 1 - b * (wx * wx + wy * wy);
  return out;
}

/** Inverse of Rodrigues: rotation matrix to rotation vector (radians). Exact near 0 and near pi. */
export function matrixToRotationVector(R: Mat3, out: Vec3Buf): Vec3Buf {
  const q = QUAT_SCRATCH;
  matrixToQuaternion(R, q);
  const w = q[0], x = q[1], y = q[2], z = q[3];
  const s = Math.sqrt(x * x + y * y + z * z);
  if (s < 1e-12) {
    out[0] = 2 * x; out[1] = 2 * y; out[2] = 2 * z;
    return out;
  }
  const angle = 2 * Math.atan2(s, w);
  out[0] = (x / s) * angle; out[1] = (y / s) * angle; out[2] = (z / s) * angle;
  return out;
}

const QUAT_SCRATCH = new Float64Array(4);

/**
 * Rotation matrix to unit quaternion [w, x, y, z] with w >= 0 (Shepperd's method: pick the largest
 * diagonal term so the square root never sees a tiny argument).
 */
export function matrixToQuaternion(R: Mat3, out: Float64Array | number[]): void {
  const m00 = R[0], m01 = R[1], m02 = R[2];
  const m10 = R[3], m11 = R[4], m12 = R[5];
  const m20 = R[6], m21 = R[7], m22 = R[8];
  const trace = m00 + m11 + m22;
  let w: number, x: number, y: number, z: number;
  if (trace > 0) {
    const s = 2 * Math.sqrt(1 + trace);
    w = 0.25 * s; x = (m21 - m12) / s; y = (m02 - m20) / s; z = (m10 - m01) / s;
  } else if (m00 > m11 && m00 > m22) {
    const s = 2 * Math.sqrt(1 + m00 - m11 - m22);
    w = (m21 - m12) / s; x = 0.25 * s; y = (m01 + m10) / s; z = (m02 + m20) / s;
  } else if (m11 > m22) {
    const s = 2 * Math.sqrt(1 + m11 - m00 - m22);
    w = (m02 - m20) / s; x = (m01 + m10) / s; y = 0.25 * s; z = (m12 + m21) / s;
  } else {
    const s = 2 * Math.sqrt(1 + m22 - m00 - m11);
    w = (m10 - m01) / s; x = (m02 + m20) / s; y = (m12 + m21) / s; z = 0.25 * s;
  }
  const sign = w < 0 ? -1 : 1;
  const n = sign / Math.sqrt(w * w + x * x + y * y + z * z);
  out[0] = w * n; out[1] = x * n; out[2] = y * n; out[3] = z * n;
}

/** Unit quaternion [w, x, y, z] to rotation matrix. */
export function quaternionToMatrix(q: ArrayLike<number>, out: Mat3): Mat3 {
  const w = q[0], x = q[1], y = q[2], z = q[3];
  out[0] = 1 - 2 * (y * y + z * z); out[1] = 2 * (x * y - w * z); out[2] = 2 * (x * z + w * y);
  out[3] = 2 * (x * y + w * z); out[4] = 1 - 2 * (x * x + z * z); out[5] = 2 * (y * z - w * x);
  out[6] = 2 * (x * z - w * y); out[7] = 2 * (y * z + w * x); out[8] = 1 - 2 * (x * x + y * y);
  return out;
}

/**
 * Nearest rotation to an arbitrary 3x3 matrix (polar decomposition by Newton iteration
 * X <- (X + X^-T) / 2), used to clean up linear estimates. Converges quadratically when det > 0.
 */
export function orthonormalize(M: Mat3, out: Mat3): Mat3 {
  out.set(M);
  if (mat3Determinant(out) < 0) {
    for (let i = 6; i < 9; i++) out[i] = -out[i];
  }
  const inv = ORTHO_SCRATCH;
  for (let iter = 0; iter < 30; iter++) {
    if (!mat3InverseTranspose(out, inv)) break;
    let delta = 0;
    for (let i = 0; i < 9; i++) {
      const v = 0.5 * (out[i] + inv[i]);
      delta += Math.abs(v - out[i]);
      out[i] = v;
    }
    if (delta < 1e-14) break;
  }
  return out;
}

const ORTHO_SCRATCH = new Float64Array(9);

export function mat3Determinant(m: Mat3): number {
  return (
    m[0] * (m[4] * m[8] - m[5] * m[7]) -
    m[1] * (m[3] * m[8] - m[5] * m[6]) +
    m[2] * (m[3] * m[7] - m[4] * m[6])
  );
}

/** out = (m^-1)^T; returns false when m is singular. */
function mat3InverseTranspose(m: Mat3, out: Mat3): boolean {
  const det = mat3Determinant(m);
  if (Math.abs(det) < 1e-300) return false;
  const k = 1 / det;
  // cofactor matrix / det is the inverse transpose
  out[0] = (m[4] * m[8] - m[5] * m[7]) * k;
  out[1] = -(m[3] * m[8] - m[5] * m[6]) * k;
  out[2] = (m[3] * m[7] - m[4] * m[6]) * k;
  out[3] = -(m[1] * m[8] - m[2] * m[7]) * k;
  out[4] = (m[0] * m[8] - m[2] * m[6]) * k;
  out[5] = -(m[0] * m[7] - m[1] * m[6]) * k;
  out[6] = (m[1] * m[5] - m[2] * m[4]) * k;
  out[7] = -(m[0] * m[5] - m[2] * m[3]) * k;
  out[8] = (m[0] * m[4] - m[1] * m[3]) * k;
  return true;
}

/**
 * Solves A x = b for a symmetric positive-definite n x n matrix A (row-major) by Cholesky, in place:
 * A is overwritten by its factor, b by the solution. Returns false if A is not positive definite.
 */
export function choleskySolveInPlace(A: Float64Array, b: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    let d = A[j * n + j];
    for (let k = 0; k < j; k++) d -= A[j * n + k] * A[j * n + k];
    if (!(d > 0)) return false;
    const ljj = Math.sqrt(d);
    A[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = A[i * n + j];
      for (let k = 0; k < j; k++) s -= A[i * n + k] * A[j * n + k];
      A[i * n + j] = s / ljj;
    }
  }
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= A[i * n + k] * b[k];
    b[i] = s / A[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i];
    for (let k = i + 1; k < n; k++) s -= A[k * n + i] * b[k];
    b[i] = s / A[i * n + i];
  }
  return true;
}

/**
 * Eigen-decomposition of a symmetric n x n matrix by cyclic Jacobi rotations. `A` is destroyed;
 * eigenvalues land in `values` (ascending) and the matching unit eigenvectors in the COLUMNS of
 * `vectors` (n x n, row-major). Accurate for the small matrices used here (n <= 12).
 */
export function symmetricEigen(A: Float64Array, n: number, values: Float64Array, vectors: Float64Array): void {
  vectors.fill(0);
  for (let i = 0; i < n; i++) vectors[i * n + i] = 1;
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += A[p * n + q] * A[p * n + q];
    if (off < 1e-30) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = A[p * n + q];
        if (Math.abs(apq) < 1e-300) continue;
        const app = A[p * n + p], aqq = A[q * n + q];
        const tau = (aqq - app) / (2 * apq);
        const t = Math.sign(tau || 1) / (Math.abs(tau) + Math.sqrt(1 + tau * tau));
        const c = 1 / Math.sqrt(1 + t * t), s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = A[k * n + p], akq = A[k * n + q];
          A[k * n + p] = c * akp - s * akq;
          A[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = A[p * n + k], aqk = A[q * n + k];
          A[p * n + k] = c * apk - s * aqk;
          A[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = vectors[k * n + p], vkq = vectors[k * n + q];
          vectors[k * n + p] = c * vkp - s * vkq;
          vectors[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  for (let i = 0; i < n; i++) values[i] = A[i * n + i];
  // selection sort, ascending, swapping eigenvector columns along
  for (let i = 0; i < n - 1; i++) {
    let m = i;
    for (let j = i + 1; j < n; j++) if (values[j] < values[m]) m = j;
    if (m !== i) {
      const tv = values[i]; values[i] = values[m]; values[m] = tv;
      for (let k = 0; k < n; k++) {
        const tmp = vectors[k * n + i]; vectors[k * n + i] = vectors[k * n + m]; vectors[k * n + m] = tmp;
      }
    }
  }
}
