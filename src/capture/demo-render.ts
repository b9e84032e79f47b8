import { createRgbImage, type RgbImage } from '../image/frame';
import type { DemoFace } from './demo-image';
import { DEMO_CENTER_BELOW_EYES, type DemoPose } from './demo-script';

/**
 * Draws demo frames: a fixed background, the face patch placed by an affine warp (bilinear, with a
 * soft elliptical edge so no crop rectangle shows), and the covering panel. Everything that does not
 * change per frame (background, face alpha mask) is computed once; a frame allocates nothing.
 */

/** The face's visible patch: an ellipse around the face centre, in eye distances, soft edge. */
const MASK_HALF_WIDTH = 1.5;
const MASK_HALF_HEIGHT = 1.9;
/** Width of the soft edge, as a fraction of the ellipse radius. */
const MASK_FEATHER = 0.2;

export class DemoRenderer {
  private readonly background: Uint8Array;
  private readonly alpha: Float32Array;
  private readonly patch: RgbImage;
  /** Face centre in the patch (crop pixels, pixel centres at +0.5). */
  private readonly centerX: number;
  private readonly centerY: number;

  constructor(
    private readonly face: DemoFace,
    readonly width: number,
    readonly height: number,
  ) {
    this.patch = face.image;
    const down = [-Math.sin(face.roll), Math.cos(face.roll)];
    const below = DEMO_CENTER_BELOW_EYES * face.eyeDistance;
    this.centerX = face.eyeMid[0] + down[0] * below;
    this.centerY = face.eyeMid[1] + down[1] * below;
    this.alpha = this.buildMask();
    this.background = buildBackground(width, height);
  }

  /** A new image of the output size, for `render` to fill. */
  createFrame(): RgbImage {
    return createRgbImage(this.width, this.height);
  }

  /** Draw the frame for `pose` into `out` (overwriting it). */
  render(pose: DemoPose, out: RgbImage): void {
    if (out.width !== this.width || out.height !== this.height) throw new RangeError('demo frame has the wrong size');
    const dst = out.data;
    dst.set(this.background);
    this.drawFace(pose, dst);
    this.drawCover(pose, dst);
  }

  private drawFace(pose: DemoPose, dst: Uint8Array): void {
    const W = this.width;
    const H = this.height;
    const pw = this.patch.width;
    const ph = this.patch.height;
    const src = this.patch.data;
    const alpha = this.alpha;
    // Output → patch: q = C + (d / s) R(roll0 - roll) (p - F).
    const k = this.face.eyeDistance / pose.eyeDistance;
    const angle = this.face.roll - pose.roll;
    const a = k * Math.cos(angle);
    const b = k * Math.sin(angle);
    const reach = MASK_HALF_HEIGHT * pose.eyeDistance + 2;
    const x0 = Math.max(0, Math.floor(pose.centerX - reach));
    const x1 = Math.min(W - 1, Math.ceil(pose.centerX + reach));
    const y0 = Math.max(0, Math.floor(pose.centerY - reach));
    const y1 = Math.min(H - 1, Math.ceil(pose.centerY + reach));
    for (let y = y0; y <= y1; y++) {
      const ry = y + 0.5 - pose.centerY;
      for (let x = x0; x <= x1; x++) {
        const rx = x + 0.5 - pose.centerX;
        // Patch position in index space (pixel centres at integers).
        const qx = this.centerX + a * rx - b * ry - 0.5;
        const qy = this.centerY + b * rx + a * ry - 0.5;
        if (qx < 0 || qy < 0 || qx >= pw - 1 || qy >= ph - 1) continue;
        const ix = qx | 0;
        const iy = qy | 0;
        const fx = qx - ix;
        const fy = qy - iy;
        const w00 = (1 - fx) * (1 - fy);
        const w10 = fx * (1 - fy);
        const w01 = (1 - fx) * fy;
        const w11 = fx * fy;
        const m = iy * pw + ix;
        const al = w00 * alpha[m] + w10 * alpha[m + 1] + w01 * alpha[m + pw] + w11 * alpha[m + pw + 1];
        if (al <= 0) continue;
        const s00 = m * 3;
        const s10 = s00 + 3;
        const s01 = s00 + pw * 3;
        const s11 = s01 + 3;
        const d = (y * W + x) * 3;
        for (let c = 0; c < 3; c++) {
          const v = w00 * src[s00 + c] + w10 * src[s10 + c] + w01 * src[s01 + c] + w11 * src[s11 + c];
          dst[d + c] = Math.round(dst[d + c] + (v - dst[d + c]) * al);
        }
      }
    }
  }

  private drawCover(pose: DemoPose, dst: Uint8Array): void {
    const left = Math.max(0, Math.round(pose.coverLeft));
    const right = Math.min(this.width, Math.round(pose.coverRight));
    if (right <= left) return;
    const W = this.width;
    for (let y = 0; y < this.height; y++) {
      // A plain card with faint horizontal bands: opaque, nothing face-like.
      const shade = 150 + ((y >> 4) & 1) * 12;
      for (let x = left, d = (y * W + left) * 3; x < right; x++, d += 3) {
        dst[d] = shade;
        dst[d + 1] = shade - 20;
        dst[d + 2] = shade - 45;
      }
    }
  }

  private buildMask(): Float32Array {
    const pw = this.patch.width;
    const ph = this.patch.height;
    const mask = new Float32Array(pw * ph);
    const c = Math.cos(this.face.roll);
    const s = Math.sin(this.face.roll);
    const d = this.face.eyeDistance;
    for (let y = 0; y < ph; y++) {
      for (let x = 0; x < pw; x++) {
        const rx = x + 0.5 - this.centerX;
        const ry = y + 0.5 - this.centerY;
        // Into the upright face frame (eye distances): rotate by -roll.
        const u = (c * rx + s * ry) / d;
        const v = (-s * rx + c * ry) / d;
        const r = Math.hypot(u / MASK_HALF_WIDTH, v / MASK_HALF_HEIGHT);
        const t = (1 - r) / MASK_FEATHER;
        mask[y * pw + x] = t <= 0 ? 0 : t >= 1 ? 1 : t * t * (3 - 2 * t);
      }
    }
    return mask;
  }
}

/** A dim room: vertical gradient, a lighter "window" and a shelf line. Deterministic. */
function buildBackground(width: number, height: number): Uint8Array {
  const bg = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const t = y / Math.max(1, height - 1);
    for (let x = 0; x < width; x++) {
      let r = 46 + 40 * t;
      let g = 52 + 30 * t;
      let b = 66 + 10 * t;
      const inWindow = x > width * 0.06 && x < width * 0.22 && y > height * 0.1 && y < height * 0.45;
      if (inWindow) {
        r += 45;
        g += 50;
        b += 60;
      }
      if (Math.abs(y - height * 0.78) < 2) {
        r -= 20;
        g -= 20;
        b -= 20;
      }
      const i = (y * width + x) * 3;
      bg[i] = r;
      bg[i + 1] = g;
      bg[i + 2] = b;
    }
  }
  return bg;
}
