import type { V4l2FormatInfo, V4l2FrameSize } from './native-capture';

/** The capture formats vtlink reads from V4L2, by their config names. */
export type CameraPixelFormat = 'yuyv' | 'nv12' | 'mjpeg';
export const CAMERA_FOURCC: Readonly<Record<CameraPixelFormat, string>> = { yuyv: 'YUYV', nv12: 'NV12', mjpeg: 'MJPG' };

export interface CameraRequest {
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  /** 'auto': the format that best gives the size and rate, preferring uncompressed (no decoding). */
  readonly format: CameraPixelFormat | 'auto';
}

export interface NegotiatedFormat {
  readonly fourcc: string;
  readonly width: number;
  readonly height: number;
  /** Frames per second of the chosen interval; undefined when the driver lists no intervals. */
  readonly fps: number | undefined;
  readonly intervalNumerator?: number;
  readonly intervalDenominator?: number;
  /** Exactly the requested size and rate. */
  readonly exact: boolean;
}

/** No format of the camera fits the request; `available` lists what it has, for the message. */
export class UnsupportedCameraFormatError extends Error {
  constructor(
    message: string,
    readonly available: readonly string[],
  ) {
    super(message);
    this.name = 'UnsupportedCameraFormatError';
  }
}

// Weights of the choice: the size matters most, then reaching the rate, then the format's cost.
const SIZE_WEIGHT = 10;
const TOO_SLOW_WEIGHT = 5;
const TOO_FAST_WEIGHT = 1;
const MJPEG_COST = 0.05;

interface Candidate {
  readonly fourcc: string;
  readonly width: number;
  readonly height: number;
  readonly fps: number | undefined;
  readonly interval?: { numerator: number; denominator: number };
}

function snap(value: number, min: number, max: number, step: number): number {
  const clamped = Math.min(max, Math.max(min, value));
  return step > 1 ? min + Math.round((clamped - min) / step) * step : Math.round(clamped);
}

/** The sizes a format entry offers that matter for the request: each discrete size, or the range's best fit. */
function sizeOptions(size: V4l2FrameSize, request: CameraRequest): Array<{ width: number; height: number }> {
  const r = size.range;
  if (!r) return [{ width: size.width, height: size.height }];
  return [{ width: snap(request.width, r.minWidth, r.maxWidth, r.stepWidth), height: snap(request.height, r.minHeight, r.maxHeight, r.stepHeight) }];
}

function rateOptions(size: V4l2FrameSize, fps: number): Array<{ fps: number | undefined; interval?: { numerator: number; denominator: number } }> {
  if (size.intervals.length === 0) return [{ fps: undefined }];
  return size.intervals.map((i) => {
    if (i.maxNumerator !== undefined && i.maxDenominator) {
      // A continuous range of intervals: take the requested rate, clamped into it.
      const fastest = i.denominator / i.numerator;
      const slow = i.maxDenominator / i.maxNumerator;
      const chosen = Math.min(fastest, Math.max(slow, fps));
      return { fps: chosen, interval: { numerator: 1000, denominator: Math.round(chosen * 1000) } };
    }
    return { fps: i.denominator / i.numerator, interval: { numerator: i.numerator, denominator: i.denominator } };
  });
}

function cost(c: Candidate, request: CameraRequest): number {
  const size = Math.abs(Math.log(c.width / request.width)) + Math.abs(Math.log(c.height / request.height));
  const rate = c.fps === undefined ? 0.1 : c.fps < request.fps ? TOO_SLOW_WEIGHT * Math.log(request.fps / c.fps) : TOO_FAST_WEIGHT * Math.log(c.fps / request.fps);
  return SIZE_WEIGHT * size + rate + (c.fourcc === 'MJPG' ? MJPEG_COST : 0);
}

/** "YUYV 640x480@30/15, 1280x720@10; MJPG ..." — what a camera offers, for messages. */
export function summarizeFormats(formats: readonly V4l2FormatInfo[]): string[] {
  return formats.map((f) => {
    const sizes = f.sizes.map((s) => {
      const rates = s.intervals.map((i) => +(i.denominator / i.numerator).toFixed(2)).join('/');
      const dims = s.range ? `${s.range.minWidth}x${s.range.minHeight}..${s.range.maxWidth}x${s.range.maxHeight}` : `${s.width}x${s.height}`;
      return rates ? `${dims}@${rates}` : dims;
    });
    return `${f.fourcc}${sizes.length ? ` ${sizes.join(', ')}` : ''}`;
  });
}

/**
 * Pick the camera mode closest to the request from what the camera enumerates: the nearest size
 * (log-ratio distance, both sides), then a rate at least the requested one if there is one, then
 * uncompressed (YUYV/NV12) over MJPEG at equal fit. A pure function: tests give it enumerations.
 * Throws `UnsupportedCameraFormatError` listing the camera's formats when none fits (e.g. it has no
 * `request.format`, or only formats vtlink cannot read).
 */
export function negotiateCameraFormat(formats: readonly V4l2FormatInfo[], request: CameraRequest): NegotiatedFormat {
  const wanted = request.format === 'auto' ? Object.values(CAMERA_FOURCC) : [CAMERA_FOURCC[request.format]];
  const usable = formats.filter((f) => wanted.includes(f.fourcc));
  if (usable.length === 0) {
    const available = summarizeFormats(formats);
    const what = request.format === 'auto' ? 'YUYV, NV12 or MJPG' : CAMERA_FOURCC[request.format];
    throw new UnsupportedCameraFormatError(`the camera cannot give ${what}; it offers: ${available.join('; ') || 'no formats'}`, available);
  }
  let best: Candidate | null = null;
  let bestCost = Infinity;
  for (const f of usable) {
    for (const s of f.sizes) {
      for (const dims of sizeOptions(s, request)) {
        for (const rate of rateOptions(s, request.fps)) {
          const c: Candidate = { fourcc: f.fourcc, ...dims, ...rate };
          const k = cost(c, request);
          if (k < bestCost) {
            best = c;
            bestCost = k;
          }
        }
      }
    }
  }
  if (!best) {
    const available = summarizeFormats(formats);
    throw new UnsupportedCameraFormatError(`the camera lists no frame sizes for ${wanted.join('/')}; it offers: ${available.join('; ')}`, available);
  }
  const exact = best.width === request.width && best.height === request.height && best.fps !== undefined && Math.abs(best.fps - request.fps) < 0.01;
  return {
    fourcc: best.fourcc,
    width: best.width,
    height: best.height,
    fps: best.fps,
    intervalNumerator: best.interval?.numerator,
    intervalDenominator: best.interval?.denominator,
    exact,
  };
}
