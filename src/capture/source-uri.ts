import type { CameraPixelFormat } from './v4l2-negotiate';

/**
 * What `--source` (and the config's camera.source) names:
 *   demo                                         the built-in animated face
 *   v4l2:/dev/video0?width=1280&height=720&fps=60&format=mjpeg
 *                                                a V4L2 camera (query optional: nearest mode)
 *   gst:<pipeline>                               a GStreamer pipeline (see gstreamer.ts)
 *   anything else                                a file path: image, folder of images or video
 */
export type SourceSpec =
  | { readonly kind: 'demo' }
  | {
      readonly kind: 'v4l2';
      readonly path: string;
      readonly width?: number;
      readonly height?: number;
      readonly fps?: number;
      readonly format?: CameraPixelFormat | 'auto';
    }
  | { readonly kind: 'gst'; readonly pipeline: string }
  | { readonly kind: 'file'; readonly path: string };

/** A `--source` that cannot be understood; the message says what was expected. */
export class SourceUriError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SourceUriError';
  }
}

const FORMATS = new Set(['auto', 'yuyv', 'nv12', 'mjpeg']);

function positiveNumber(key: string, value: string, integer: boolean): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new SourceUriError(`v4l2 source: ${key} must be a positive ${integer ? 'integer' : 'number'}, got "${value}"`);
  }
  return n;
}

function parseV4l2(rest: string): SourceSpec {
  const q = rest.indexOf('?');
  const path = q < 0 ? rest : rest.slice(0, q);
  if (!path.startsWith('/')) throw new SourceUriError(`v4l2 source: expected v4l2:/dev/videoN, got "v4l2:${rest}"`);
  const spec: { kind: 'v4l2'; path: string; width?: number; height?: number; fps?: number; format?: CameraPixelFormat | 'auto' } = { kind: 'v4l2', path };
  if (q >= 0) {
    for (const [key, value] of new URLSearchParams(rest.slice(q + 1))) {
      if (key === 'width' || key === 'height') spec[key] = positiveNumber(key, value, true);
      else if (key === 'fps') spec.fps = positiveNumber(key, value, false);
      else if (key === 'format') {
        const f = value.toLowerCase();
        if (!FORMATS.has(f)) throw new SourceUriError(`v4l2 source: format must be auto, yuyv, nv12 or mjpeg, got "${value}"`);
        spec.format = f as CameraPixelFormat | 'auto';
      } else throw new SourceUriError(`v4l2 source: unknown option "${key}" (width, height, fps, format)`);
    }
  }
  return spec;
}

/** Parse a `--source` value. Throws `SourceUriError` for a malformed v4l2:/gst: source. */
export function parseSourceUri(text: string): SourceSpec {
  const value = text.trim();
  if (value === '') throw new SourceUriError('empty source');
  if (value === 'demo') return { kind: 'demo' };
  if (value.startsWith('v4l2:')) return parseV4l2(value.slice(5));
  if (value.startsWith('gst:')) {
    const pipeline = value.slice(4).trim();
    if (!pipeline) throw new SourceUriError('gst source: expected gst:<pipeline>, e.g. gst:videotestsrc');
    return { kind: 'gst', pipeline };
  }
  return { kind: 'file', path: value };
}
