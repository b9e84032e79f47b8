/**
 * Winks made from the ZJU blinks: the data has only 2 labelled one-eye-closed frames, so for every
 * labelled blink one eye is kept open by pasting its region from an open-eye frame just before the
 * blink into each frame of the blink (plus MARGIN frames either side). The region is aligned by the
 * labelled eye corners (a translation by the corner midpoints' difference: the subjects hardly move)
 * and blended through a feathered ellipse over the eye and lids, short of the brow. Everything else in
 * the clip stays as filmed, so the tracker sees an ordinary video of someone winking.
 *
 * One wink clip per clip and kept-open eye: every blink of the clip becomes a wink of that eye (they
 * are seconds apart, so each is its own event; it halves the tracker runs).
 */
import type { RgbImage } from '../../src/image/frame';
import type { ZjuClip, ZjuFrame } from '../lib/zju-blinks';

export type Eye = 'left' | 'right';

/** Frames pasted before the labelled start and after the labelled end (lids move just outside the label). */
export const MARGIN = 2;
/** The source frame is at least this many frames before the pasted range (clear of the lids' first move). */
const SOURCE_GAP = 2;
/** Ellipse semi-axes in eye widths (corner to corner): along the corner line, and across it. */
const MASK_ALONG = 0.85;
const MASK_ACROSS = 0.55;
/** The mask's centre sits this far above the corner midpoint (eye widths): the upper lid folds cover more than the lower. */
const MASK_RAISE = 0.08;
/** Inside this normalised radius the paste is opaque; it fades to nothing at 1 (smoothstep). */
const MASK_CORE = 0.6;

export interface WinkEvent {
  /** The labelled blink (inclusive). */
  blink: { start: number; end: number };
  /** The open-eye frame whose eye region was pasted. */
  source: number;
  /** Pasted frames (inclusive). */
  pasted: { start: number; end: number };
  /** Frames of the blink labelled fully closed for the closing eye: the one-eye-closed frames. */
  closedFrames: number[];
}

export interface WinkClip {
  clip: ZjuClip;
  /** The eye kept open (subject's side). */
  open: Eye;
  frames: RgbImage[];
  events: WinkEvent[];
}

const corners = (f: ZjuFrame, eye: Eye): [number, number, number, number] => (eye === 'left' ? f.leftCorners : f.rightCorners);
const closed = (f: ZjuFrame, eye: Eye): boolean => (eye === 'left' ? f.leftClosed : f.rightClosed);
const hidden = (f: ZjuFrame, eye: Eye): boolean => (eye === 'left' ? f.leftHidden : f.rightHidden);
export const other = (eye: Eye): Eye => (eye === 'left' ? 'right' : 'left');

/** The wink clip keeping `open` open through every labelled blink of `clip` (decoded `frames`, not modified). */
export function makeWinkClip(clip: ZjuClip, frames: readonly RgbImage[], open: Eye): WinkClip {
  const byIndex = new Map(clip.frames.map((f) => [f.index, f]));
  const inBlink = (i: number): boolean => clip.blinks.some((b) => i >= b.start - MARGIN && i <= b.end + MARGIN);
  const out = frames.map((f) => ({ width: f.width, height: f.height, data: f.data.slice() }));
  const events: WinkEvent[] = [];
  for (const blink of clip.blinks) {
    // The nearest usable open frame before the blink: labelled, both eyes open and visible, outside every blink.
    let source = blink.start - MARGIN - SOURCE_GAP;
    const usable = (i: number): boolean => {
      const f = byIndex.get(i);
      return !!f && !inBlink(i) && !closed(f, 'left') && !closed(f, 'right') && !hidden(f, open) && corners(f, open)[0] > 0;
    };
    while (source >= 0 && !usable(source)) source--;
    if (source < 0) continue;
    const src = byIndex.get(source)!;
    const pasted = { start: Math.max(0, blink.start - MARGIN), end: Math.min(frames.length - 1, blink.end + MARGIN) };
    for (let i = pasted.start; i <= pasted.end; i++) {
      const target = byIndex.get(i);
      // Without a label for this frame, its eye is where the source's was.
      pasteEye(frames[source], out[i], corners(src, open), target && corners(target, open)[0] > 0 ? corners(target, open) : corners(src, open));
    }
    const closedFrames: number[] = [];
    for (let i = blink.start; i <= blink.end; i++) {
      const f = byIndex.get(i);
      if (f && closed(f, other(open)) && !hidden(f, other(open))) closedFrames.push(i);
    }
    events.push({ blink, source, pasted, closedFrames });
  }
  return { clip, open, frames: out, events };
}

/**
 * Blends the eye at `from` (corners x0 y0 x1 y1) in `src` into `dst` at `to`, translated by the
 * corner midpoints' difference, bilinear, through the feathered ellipse (in place on dst).
 */
export function pasteEye(src: RgbImage, dst: RgbImage, from: readonly number[], to: readonly number[]): void {
  const { width: W, height: H } = dst;
  const dx = (to[0] + to[2]) / 2 - (from[0] + from[2]) / 2;
  const dy = (to[1] + to[3]) / 2 - (from[1] + from[3]) / 2;
  const w = Math.max(4, Math.hypot(to[2] - to[0], to[3] - to[1]));
  const angle = Math.atan2(to[3] - to[1], to[2] - to[0]);
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  // Ellipse centre: corner midpoint, raised across the corner line (image "up" for a level eye).
  const cx = (to[0] + to[2]) / 2 + s * MASK_RAISE * w;
  const cy = (to[1] + to[3]) / 2 - c * MASK_RAISE * w;
  const a = MASK_ALONG * w;
  const b = MASK_ACROSS * w;
  const reach = Math.ceil(Math.max(a, b)) + 1;
  for (let y = Math.max(0, Math.floor(cy - reach)); y <= Math.min(H - 1, Math.ceil(cy + reach)); y++) {
    for (let x = Math.max(0, Math.floor(cx - reach)); x <= Math.min(W - 1, Math.ceil(cx + reach)); x++) {
      const px = x + 0.5 - cx;
      const py = y + 0.5 - cy;
      const u = (c * px + s * py) / a;
      const v = (-s * px + c * py) / b;
      const r = Math.sqrt(u * u + v * v);
      if (r >= 1) continue;
      const t = r <= MASK_CORE ? 0 : (r - MASK_CORE) / (1 - MASK_CORE);
      const alpha = 1 - t * t * (3 - 2 * t);
      const sx = x - dx;
      const sy = y - dy;
      const o = (y * W + x) * 3;
      for (let ch = 0; ch < 3; ch++) dst.data[o + ch] = Math.round(dst.data[o + ch] * (1 - alpha) + sample(src, sx, sy, ch) * alpha);
    }
  }
}

/** Bilinear sample at pixel coordinates (x, y) = the pixel's top-left corner, edge clamped. */
function sample(img: RgbImage, x: number, y: number, ch: number): number {
  const x0 = Math.max(0, Math.min(img.width - 1, Math.floor(x)));
  const y0 = Math.max(0, Math.min(img.height - 1, Math.floor(y)));
  const x1 = Math.min(img.width - 1, x0 + 1);
  const y1 = Math.min(img.height - 1, y0 + 1);
  const fx = Math.max(0, Math.min(1, x - x0));
  const fy = Math.max(0, Math.min(1, y - y0));
  const p = (xx: number, yy: number): number => img.data[(yy * img.width + xx) * 3 + ch];
  return (p(x0, y0) * (1 - fx) + p(x1, y0) * fx) * (1 - fy) + (p(x0, y1) * (1 - fx) + p(x1, y1) * fx) * fy;
}
