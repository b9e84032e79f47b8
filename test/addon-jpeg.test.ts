/**
 * The native preview JPEG (addon/src/image/preview_jpeg.cc): a real photo in every pixel format (with
 * row padding) is downscaled and encoded by the addon, decoded again by jpeg-js (an independent
 * decoder), and compared with a plain box downscale computed here from ffmpeg's RGB of the same frame.
 * Also: bad arguments throw clear errors, and the encode runs off the JS thread (the event loop turns
 * while encodes are in flight).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import jpeg from 'jpeg-js';
import { afterAll, describe, expect, it } from 'vitest';
import { encodePreviewJpeg } from '../src/native/jpeg';
import { bytesPerPixel, packedFrame, type Frame, type PixelFormat, type RgbImage } from '../src/image/frame';
import { dataFile } from './vision-fixtures';

const W = 640;
const H = 480;
const dir = mkdtempSync(path.join(tmpdir(), 'vtlink-jpeg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function ffmpeg(...args: string[]): void {
  execFileSync('ffmpeg', ['-v', 'error', '-y', ...args]);
}

function photo(): string {
  const crops = dataFile('300w-helen-test-crop');
  return path.join(crops, readdirSync(crops).filter((f) => f.endsWith('.jpg'))[0]);
}

const FFMPEG_FORMATS: Record<PixelFormat, string> = { rgb: 'rgb24', bgr: 'bgr24', rgba: 'rgba', yuyv: 'yuyv422', nv12: 'nv12' };

/** The photo at W x H in `format` (ffmpeg does the conversion), and ffmpeg's rgb24 of that very frame. */
function sourceFrame(format: PixelFormat): { frame: Frame; rgb: RgbImage } {
  const raw = path.join(dir, `${format}.raw`);
  ffmpeg('-i', photo(), '-vf', `scale=${W}:${H}`, '-pix_fmt', FFMPEG_FORMATS[format], '-f', 'rawvideo', raw);
  const rgbFile = path.join(dir, `${format}.rgb`);
  ffmpeg('-f', 'rawvideo', '-pix_fmt', FFMPEG_FORMATS[format], '-s', `${W}x${H}`, '-i', raw, '-pix_fmt', 'rgb24', '-f', 'rawvideo', rgbFile);
  return {
    frame: padded(packedFrame(format, W, H, new Uint8Array(readFileSync(raw))), 13),
    rgb: { width: W, height: H, data: new Uint8Array(readFileSync(rgbFile)) },
  };
}

/** The same frame with `pad` spare bytes after every row and planes that do not start at byte 0. */
function padded(frame: Frame, pad: number): Frame {
  const rowBytes = frame.width * bytesPerPixel(frame.format);
  const rows = [frame.height, frame.height / 2];
  const planes = frame.format === 'nv12' ? frame.planes : frame.planes.slice(0, 1);
  const out = new Uint8Array(5 + planes.reduce((n, _, k) => n + (rowBytes + pad) * rows[k] + 3, 0));
  let at = 5;
  const newPlanes = planes.map((p, k) => {
    const offset = at;
    for (let y = 0; y < rows[k]; y++) out.set(frame.data.subarray(p.offset + y * p.stride, p.offset + y * p.stride + rowBytes), at + y * (rowBytes + pad));
    at += (rowBytes + pad) * rows[k] + 3;
    return { offset, stride: rowBytes + pad };
  });
  return { ...frame, data: out, planes: newPlanes };
}

/** Plain box downscale (each output pixel = the mean of its cell), the reference. */
function boxDownscale(image: RgbImage, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const y0 = Math.floor((y * image.height) / height);
    const y1 = Math.max(y0 + 1, Math.floor(((y + 1) * image.height) / height));
    for (let x = 0; x < width; x++) {
      const x0 = Math.floor((x * image.width) / width);
      const x1 = Math.max(x0 + 1, Math.floor(((x + 1) * image.width) / width));
      const sum = [0, 0, 0];
      for (let yy = y0; yy < y1; yy++) for (let xx = x0; xx < x1; xx++) for (let c = 0; c < 3; c++) sum[c] += image.data[(yy * image.width + xx) * 3 + c];
      for (let c = 0; c < 3; c++) out[(y * width + x) * 3 + c] = Math.round(sum[c] / ((y1 - y0) * (x1 - x0)));
    }
  }
  return out;
}

function decode(bytes: Uint8Array): { width: number; height: number; rgb: Uint8Array } {
  const raw = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false });
  return { width: raw.width, height: raw.height, rgb: raw.data };
}

function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}

describe('native preview JPEG', () => {
  for (const format of ['rgb', 'bgr', 'rgba', 'yuyv', 'nv12'] as const) {
    it(`${format}: decodes to the box downscale of the frame`, async () => {
      const { frame, rgb } = sourceFrame(format);
      const bytes = await encodePreviewJpeg(frame, 320, 90);
      expect(Buffer.isBuffer(bytes)).toBe(true);
      expect([bytes[0], bytes[1]]).toEqual([0xff, 0xd8]);
      const got = decode(bytes);
      expect([got.width, got.height]).toEqual([320, 240]);
      const diff = meanAbsDiff(got.rgb, boxDownscale(rgb, 320, 240));
      console.log(`${format}: mean abs diff ${diff.toFixed(2)} grey levels, ${bytes.length} bytes`);
      // JPEG at quality 90 on a photo: ~1 level; YUV: our chroma averaging differs slightly from
      // ffmpeg's. A wrong channel order, plane or stride gives tens of levels.
      expect(diff).toBeLessThan(3);
    });
  }

  it('never enlarges, keeps the aspect ratio, and honours the quality', async () => {
    const { frame } = sourceFrame('rgb');
    const full = decode(await encodePreviewJpeg(frame, 5000, 75));
    expect([full.width, full.height]).toEqual([W, H]);
    const odd = decode(await encodePreviewJpeg(frame, 101, 75));
    expect([odd.width, odd.height]).toEqual([101, Math.round((H * 101) / W)]);
    const small = await encodePreviewJpeg(frame, 320, 20);
    const large = await encodePreviewJpeg(frame, 320, 95);
    expect(small.length).toBeLessThan(large.length);
  });

  it('throws clear errors for bad arguments', () => {
    const frame = packedFrame('rgb', 8, 8, new Uint8Array(8 * 8 * 3));
    expect(() => encodePreviewJpeg({ ...frame, data: new Uint8Array(10) }, 4)).toThrow(/does not fit 10 bytes/);
    expect(() => encodePreviewJpeg(frame, 0)).toThrow(/maxWidth must be an integer/);
    expect(() => encodePreviewJpeg(frame, 4, 101)).toThrow(/quality must be an integer in \[1, 100\]/);
    expect(() => encodePreviewJpeg(packedFrame('yuyv', 7, 4, new Uint8Array(100)), 4)).toThrow(/width must be even/);
    expect(() => encodePreviewJpeg({ ...packedFrame('nv12', 8, 8, new Uint8Array(96)), planes: [{ offset: 0, stride: 8 }] }, 4)).toThrow(
      /nv12 frame needs two planes/,
    );
    expect(() => encodePreviewJpeg({ ...frame, format: 'cmyk' as PixelFormat }, 4)).toThrow(/unknown pixel format 'cmyk'/);
  });

  it('encodes off the JS thread: the event loop keeps turning during 20 encodes of a full-HD frame', async () => {
    const width = 1920;
    const height = 1080;
    const data = new Uint8Array(width * height * 3);
    for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24; // noise: the slowest to encode
    const frame = packedFrame('rgb', width, height, data);
    let turns = 0;
    let maxGapMs = 0;
    let last = 0;
    let running = true;
    const spin = (): void => {
      const now = performance.now();
      maxGapMs = Math.max(maxGapMs, now - last);
      last = now;
      turns++;
      if (running) setImmediate(spin);
    };
    // The source buffer may be reused at once (capture buffers are): the encodes must not read it later.
    const pending = Array.from({ length: 20 }, () => encodePreviewJpeg(frame, width, 90));
    data.fill(0);
    const turnsAtStart = turns;
    last = performance.now();
    setImmediate(spin);
    const results = await Promise.all(pending);
    running = false;
    console.log(`20 encodes of ${width}x${height}: ${turns - turnsAtStart} event-loop turns meanwhile, max gap ${maxGapMs.toFixed(1)} ms`);
    // Each promise resolves from a later loop turn, never synchronously; and the loop turned many times.
    expect(turns - turnsAtStart).toBeGreaterThanOrEqual(20);
    const decoded = decode(results[19]);
    expect(decoded.width).toBe(width);
    // Encoded from the copy taken at call time (noise), not the zeroed buffer.
    expect(meanAbsDiff(decoded.rgb.subarray(0, 30000), new Uint8Array(30000))).toBeGreaterThan(30);
  });
});
