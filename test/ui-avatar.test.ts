/**
 * The avatar: sample mapping, smooth playback of jittered samples, the idle hand-over (in Node), and
 * the rendered page in Debian's Chromium (playwright-core, headless, --disable-gpu): mouth, eyes and
 * head turn change the right regions, green and transparent backgrounds, both renderers.
 */
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrackingFrame } from '../src/tracking/types';
import { AvatarMotion, HANDOVER_MS } from '../ui/src/avatar/motion';
import { mouthShape } from '../ui/src/avatar/mouth-shape';
import type { AvatarHandle } from '../ui/src/avatar/handle';
import { rendererPreference } from '../ui/src/avatar/renderer-choice';
import { avatarSampleFromFrame, neutralSample, type AvatarSample } from '../ui/src/avatar/sample';
import { seededRandom } from './helpers/random';
import { bundleCliTo } from './service-harness';

const repoRoot = path.resolve(import.meta.dirname, '..');

function frameWithFace(overrides: { yaw?: number; pitch?: number; gazeYaw?: number; gazePitch?: number; tx?: number; tz?: number } = {}): TrackingFrame {
  const eyeGaze = { vector: [0, 0, -1] as [number, number, number], yaw: overrides.gazeYaw ?? 0, pitch: overrides.gazePitch ?? 0 };
  return {
    source: 'test',
    frame: 0,
    timeMs: 0,
    width: 640,
    height: 480,
    face: {
      score: 0.99,
      box: [0, 0, 1, 1],
      landmarks: [],
      iris: [],
      landmarks68: [],
      pose: {
        yaw: overrides.yaw ?? 0,
        pitch: overrides.pitch ?? 0,
        roll: 4,
        quaternion: [1, 0, 0, 0],
        translationMm: [overrides.tx ?? 0, 20, overrides.tz ?? 600],
        reprojectionPx: 1,
      },
      gaze: { left: eyeGaze, right: eyeGaze, combined: eyeGaze },
      eyes: { left: 0.2, right: 0.9 },
      mouth: { open: 0.7, wide: 0.3, vowels: { a: 0.6, i: 0, u: 0.1, e: 0, o: 0.2 } },
      brows: { left: 0.5, right: 0.1 },
      blendshapes: {},
    },
  };
}

describe('avatarSampleFromFrame', () => {
  it('takes gaze relative to the head, lean as an angle off the axis, and the expression fields', () => {
    const s = avatarSampleFromFrame(frameWithFace({ yaw: 20, pitch: -10, gazeYaw: 25, gazePitch: -4, tx: 120, tz: 400 }));
    expect(s.present).toBe(true);
    expect(s.headYaw).toBe(20);
    expect(s.headRoll).toBe(4);
    expect(s.gazeYaw).toBeCloseTo(5, 9);
    expect(s.gazePitch).toBeCloseTo(6, 9);
    // 120 mm at 400 mm is 0.3 of the way to the edge at tan(30°) = 0.577.
    expect(s.leanX).toBeCloseTo(0.3 / Math.tan(Math.PI / 6), 9);
    expect([s.eyeLeft, s.eyeRight, s.mouthOpen, s.mouthWide, s.vowelA, s.vowelO, s.browLeft]).toEqual([0.2, 0.9, 0.7, 0.3, 0.6, 0.2, 0.5]);
  });

  it('reports no face without touching the held numbers', () => {
    const s = avatarSampleFromFrame(frameWithFace({ yaw: 30 }));
    const after = avatarSampleFromFrame({ ...frameWithFace(), face: null }, s);
    expect(after).toBe(s);
    expect(after.present).toBe(false);
    expect(after.headYaw).toBe(30);
  });
});

describe('mouth shapes', () => {
  it('spreads for I and E, purses for U and O, opens with A', () => {
    const shape = (v: Partial<AvatarSample>) => mouthShape({ ...neutralSample(), mouthOpen: 0.6, ...v });
    const i = shape({ vowelI: 1 });
    const u = shape({ vowelU: 1 });
    const a = shape({ vowelA: 1 });
    const o = shape({ vowelO: 1 });
    expect(i.halfWidth).toBeGreaterThan(a.halfWidth);
    expect(u.halfWidth).toBeLessThan(o.halfWidth);
    expect(o.halfWidth).toBeLessThan(a.halfWidth);
    expect(a.halfHeight).toBeGreaterThan(i.halfHeight * 2);
    // Half I, half U lies between the two.
    const mixed = shape({ vowelI: 0.5, vowelU: 0.5 });
    expect(mixed.halfWidth).toBeLessThan(i.halfWidth);
    expect(mixed.halfWidth).toBeGreaterThan(u.halfWidth);
    expect(shape({ mouthOpen: 0 }).halfHeight).toBe(0);
  });
});

describe('renderer choice', () => {
  it('uses WebGL on a GPU and Canvas 2D where WebGL is missing or emulated on the CPU', () => {
    expect(rendererPreference('auto', () => 'ANGLE (NVIDIA Tegra X1, OpenGL ES 3.2)')).toEqual(['webgl', 'canvas']);
    expect(rendererPreference('auto', () => 'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero)), SwiftShader driver)')).toEqual(['canvas']);
    expect(rendererPreference('auto', () => 'llvmpipe (LLVM 15.0.6, 256 bits)')).toEqual(['canvas']);
    expect(rendererPreference('auto', () => '')).toEqual(['canvas']);
    expect(rendererPreference('webgl', () => 'SwiftShader')).toEqual(['webgl']);
  });
});

/** Feeds a 30 fps sine of head yaw with irregular arrivals and draws at 60 Hz; returns the drawn yaw per frame. */
function playJittered(options: { jitterMs: number; seed: number; naive?: boolean }): { drawn: number[]; input: (t: number) => number } {
  const random = seededRandom(options.seed);
  const amplitude = 20;
  const omega = (2 * Math.PI) / 1500;
  const input = (t: number) => amplitude * Math.sin(omega * t);
  // Capture every 33.3 ms; arrival = capture + 20 ms + jitter (uniform 0..jitterMs), bursts included.
  const arrivals: { capture: number; arrival: number }[] = [];
  for (let capture = 0; capture < 6000; capture += 1000 / 30) {
    arrivals.push({ capture, arrival: capture + 20 + random() * options.jitterMs });
  }
  arrivals.sort((a, b) => a.arrival - b.arrival);
  const motion = new AvatarMotion();
  const sample = neutralSample();
  const out = neutralSample();
  const drawn: number[] = [];
  let next = 0;
  let latest = 0;
  for (let now = 0; now < 6000; now += 1000 / 60) {
    while (next < arrivals.length && arrivals[next].arrival <= now) {
      const a = arrivals[next++];
      if (a.capture < latest) continue; // A late frame behind a newer one is dropped, as the stream does.
      latest = a.capture;
      sample.present = true;
      sample.headYaw = input(a.capture);
      motion.push(sample, a.capture, a.arrival);
    }
    if (options.naive) drawn.push(latest === 0 ? 0 : input(latest));
    else drawn.push(motion.frame(now, out).headYaw);
  }
  return { drawn, input };
}

function maxSecondDifference(values: number[], from: number): number {
  let worst = 0;
  for (let i = from + 2; i < values.length; i++) worst = Math.max(worst, Math.abs(values[i] - 2 * values[i - 1] + values[i - 2]));
  return worst;
}

describe('playback of irregular samples', () => {
  // The input's own second difference at 60 Hz: A ω² dt² = 20 (2π/1.5 s)² (1/60 s)² ≈ 0.097°.
  const inputBound = 20 * ((2 * Math.PI) / 1.5) ** 2 * (1 / 60) ** 2;

  it('draws a trajectory as smooth as the motion itself when arrivals jitter by up to 25 ms', () => {
    for (const seed of [1, 2, 3]) {
      const { drawn } = playJittered({ jitterMs: 25, seed });
      // After the first second (hand-over done), no kink larger than a few times the input's own curvature.
      expect(maxSecondDifference(drawn, 60)).toBeLessThan(4 * inputBound);
    }
  });

  it('would stutter if it drew the latest sample (the check can fail)', () => {
    const { drawn } = playJittered({ jitterMs: 25, seed: 1, naive: true });
    expect(maxSecondDifference(drawn, 60)).toBeGreaterThan(10 * inputBound);
  });

  it('follows the input, late by about the playout delay and no more', () => {
    const { drawn, input } = playJittered({ jitterMs: 25, seed: 4 });
    // Best-fitting lag between 0 and 200 ms, and the error there.
    let best = { lagMs: 0, error: Infinity };
    for (let lagMs = 0; lagMs <= 200; lagMs += 2) {
      let error = 0;
      for (let i = 90; i < drawn.length; i++) error = Math.max(error, Math.abs(drawn[i] - input((i * 1000) / 60 - lagMs)));
      if (error < best.error) best = { lagMs, error };
    }
    expect(best.lagMs).toBeGreaterThan(40);
    expect(best.lagMs).toBeLessThan(160);
    expect(best.error).toBeLessThan(1.5);
  });
});

describe('idle and hand-over', () => {
  it('blends from the tracked face to the idle motion over the hand-over time without jumps', () => {
    const motion = new AvatarMotion();
    const sample = { ...neutralSample(), present: true, headYaw: 40, mouthOpen: 1 };
    const out = neutralSample();
    const trace: { t: number; yaw: number; weight: number }[] = [];
    for (let now = 0; now < 4000; now += 1000 / 60) {
      // A face for 2 s, then frames without one.
      const frameDue = Math.floor(now / 33.3) !== Math.floor((now - 1000 / 60) / 33.3);
      if (frameDue) motion.push({ ...sample, present: now < 2000 }, now, now + 5);
      motion.frame(now, out);
      trace.push({ t: now, yaw: out.headYaw, weight: motion.trackedWeight });
    }
    const at = (t: number) => trace.find((p) => p.t >= t)!;
    expect(at(1500).weight).toBe(1);
    expect(at(1500).yaw).toBeCloseTo(40, 0);
    expect(at(3500).weight).toBe(0);
    // The idle pose is not the tracked one, and the way there takes the hand-over time, in small steps.
    expect(Math.abs(at(3500).yaw)).toBeLessThan(15);
    const lostAt = trace.find((p) => p.t > 2000 && p.weight < 1)!.t;
    const goneAt = trace.find((p) => p.t > lostAt && p.weight === 0)!.t;
    expect(goneAt - lostAt).toBeGreaterThan(HANDOVER_MS * 0.9);
    let worstStep = 0;
    for (let i = 1; i < trace.length; i++) worstStep = Math.max(worstStep, Math.abs(trace[i].yaw - trace[i - 1].yaw));
    expect(worstStep).toBeLessThan(2.5);
  });
});

// ---------------------------------------------------------------------------------------------
// In Chromium

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}
type Regions = Record<'leftEye' | 'rightEye' | 'mouth' | 'face', Box>;
/** The page's test hook (ui/src/avatar-page.ts); this file is type-checked without the DOM library. */
type TestWindow = { __vtlinkAvatar?: AvatarHandle };

/** The avatar page bundled as tools/build.mjs bundles the UI (esbuild, browser platform). */
async function buildAvatarPage(dir: string): Promise<void> {
  await build({
    entryPoints: [path.join(repoRoot, 'ui/src/avatar-page.ts')],
    outfile: path.join(dir, 'avatar-page.js'),
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    logLevel: 'warning',
  });
  await copyFile(path.join(repoRoot, 'ui/avatar.html'), path.join(dir, 'avatar.html'));
}

/** Debian's Chromium as the kiosk runs it, without a GPU (playwright gives it a fresh temporary profile). */
function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

let distDir = '';
let server: http.Server;
let baseUrl = '';
let browser: Browser;

async function startStaticServer(dir: string): Promise<http.Server> {
  const s = http.createServer((req, res) => {
    const name = path.basename(new URL(req.url ?? '/', 'http://x').pathname);
    const type = name.endsWith('.js') ? 'text/javascript' : name.endsWith('.html') ? 'text/html' : 'application/octet-stream';
    readFile(path.join(dir, name)).then(
      (body) => {
        res.writeHead(200, { 'content-type': type });
        res.end(body);
      },
      () => {
        res.writeHead(404);
        res.end();
      },
    );
  });
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return s;
}

async function openAvatar(query: string, viewport = { width: 960, height: 600 }): Promise<Page> {
  const page = await browser.newPage({ viewport });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${baseUrl}/avatar.html?stream=0&${query}`);
  await page.waitForFunction(() => (globalThis as unknown as TestWindow).__vtlinkAvatar !== undefined, undefined, { timeout: 20_000 });
  expect(errors).toEqual([]);
  return page;
}

/** Holds a pose (sent at 30 fps, as the stream would) until the avatar draws it. */
async function holdPose(page: Page, pose: Partial<AvatarSample>): Promise<void> {
  // The neutral face with the pose on top, built here: the page has no module to import it from.
  const sample: AvatarSample = { ...neutralSample(), present: true, ...pose };
  await page.evaluate((s) => {
    const w = globalThis as unknown as { __feed?: ReturnType<typeof setInterval>; __vtlinkAvatar: { update(s: AvatarSample, t: number): void } };
    if (w.__feed) clearInterval(w.__feed);
    const feed = () => w.__vtlinkAvatar.update(s, performance.now());
    feed();
    w.__feed = setInterval(feed, 33);
  }, sample);
  await page.waitForFunction(
    (p) => {
      const drawn = (globalThis as unknown as TestWindow).__vtlinkAvatar!.drawnPose() as unknown as Record<string, number | boolean>;
      return drawn.present === true && Object.entries(p).every(([k, v]) => Math.abs((drawn[k] as number) - (v as number)) < 0.02 * Math.max(1, Math.abs(v as number)));
    },
    pose as Record<string, number>,
    { timeout: 20_000, polling: 50 },
  );
  // The hand-over blend (0.5 s) must be over too.
  await page.waitForTimeout(700);
}

async function shot(page: Page, omitBackground = false): Promise<PNG> {
  return PNG.sync.read(await page.screenshot({ omitBackground }));
}

function regionStats(png: PNG, box: Box): { dark: number; white: number; darkCentroidX: number; pixels: number } {
  let dark = 0;
  let white = 0;
  let sumX = 0;
  const x0 = Math.max(0, Math.floor(box.x));
  const y0 = Math.max(0, Math.floor(box.y));
  const x1 = Math.min(png.width, Math.ceil(box.x + box.width));
  const y1 = Math.min(png.height, Math.ceil(box.y + box.height));
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const i = (y * png.width + x) * 4;
      const [r, g, b] = [png.data[i], png.data[i + 1], png.data[i + 2]];
      const luma = 0.299 * r + 0.587 * g + 0.114 * b;
      if (luma < 90) {
        dark++;
        sumX += x;
      }
      // Eye whites and catch-lights: bright and neutral (the skin is bright but yellow-pink).
      if (r > 235 && g > 235 && b > 230) white++;
    }
  }
  return { dark, white, darkCentroidX: dark > 0 ? sumX / dark : NaN, pixels: (x1 - x0) * (y1 - y0) };
}

/** A box grown by `f` of its size on every side (room for breathing and small head motion). */
const grow = (b: Box, f: number): Box => ({ x: b.x - b.width * f, y: b.y - b.height * f, width: b.width * (1 + 2 * f), height: b.height * (1 + 2 * f) });

async function neutralRegions(page: Page): Promise<Regions & { mouthArea: Box; eyes: Box }> {
  await holdPose(page, { headYaw: 0 });
  const r = (await page.evaluate(() => (globalThis as unknown as TestWindow).__vtlinkAvatar!.regions())) as Regions;
  // The closed mouth is a line: look at a box around it the size an open mouth takes.
  const cx = r.mouth.x + r.mouth.width / 2;
  const cy = r.mouth.y + r.mouth.height / 2;
  const mouthArea = { x: cx - r.face.width * 0.2, y: cy - r.face.height * 0.08, width: r.face.width * 0.4, height: r.face.height * 0.25 };
  const eyes = grow({ x: r.leftEye.x, y: r.leftEye.y, width: r.rightEye.x + r.rightEye.width - r.leftEye.x, height: r.leftEye.height }, 0.15);
  return { ...r, mouthArea, eyes };
}

describe('in Chromium', () => {
  beforeAll(async () => {
    distDir = await mkdtemp(path.join(os.tmpdir(), 'vtlink-avatar-'));
    await buildAvatarPage(distDir);
    server = await startStaticServer(distDir);
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
    if (distDir) await rm(distDir, { recursive: true, force: true });
  });

  describe.each(['auto', 'webgl'])('avatar page in Chromium, renderer=%s', (renderer) => {
    let page: Page;
    beforeAll(async () => {
      page = await openAvatar(`renderer=${renderer}`);
    });
    afterAll(async () => page?.close());

    it('renders with the renderer asked for (auto: Canvas 2D on this CPU-emulated WebGL)', async () => {
      const name = await page.evaluate(() => (globalThis as unknown as TestWindow).__vtlinkAvatar!.rendererName);
      expect(name).toBe(renderer === 'webgl' ? 'webgl' : 'canvas');
    });

    it('an open mouth darkens the mouth region and leaves the eyes as they were', async () => {
      const r = await neutralRegions(page);
      const closed = await shot(page);
      await holdPose(page, { mouthOpen: 1, vowelA: 1 });
      const open = await shot(page);
      const mouthClosed = regionStats(closed, r.mouthArea);
      const mouthOpen = regionStats(open, r.mouthArea);
      expect(mouthOpen.dark).toBeGreaterThan(mouthClosed.dark * 3);
      expect(mouthOpen.dark).toBeGreaterThan(mouthOpen.pixels * 0.08);
      const eyesClosedMouth = regionStats(closed, r.eyes);
      const eyesOpenMouth = regionStats(open, r.eyes);
      expect(Math.abs(eyesOpenMouth.white - eyesClosedMouth.white)).toBeLessThan(0.25 * eyesClosedMouth.white);
    });

    // The slow SwiftShader WebGL path draws the same rig: one region check there is enough.
    if (renderer === 'auto') {
      it('closed eyes hide the whites and irises under the lids, and leave the mouth alone', async () => {
        const r = await neutralRegions(page);
        const open = await shot(page);
        await holdPose(page, { eyeLeft: 0, eyeRight: 0 });
        const closed = await shot(page);
        const eyesOpen = regionStats(open, r.eyes);
        const eyesClosed = regionStats(closed, r.eyes);
        expect(eyesOpen.white).toBeGreaterThan(50);
        expect(eyesClosed.white).toBeLessThan(eyesOpen.white * 0.1);
        // Pupils gone, lashes stay: far fewer dark pixels, but not none.
        expect(eyesClosed.dark).toBeLessThan(eyesOpen.dark * 0.7);
        expect(eyesClosed.dark).toBeGreaterThan(0);
        const mouthA = regionStats(open, r.mouthArea);
        const mouthB = regionStats(closed, r.mouthArea);
        expect(Math.abs(mouthA.dark - mouthB.dark)).toBeLessThan(0.3 * Math.max(mouthA.dark, 20));
      });

      it('turning the head moves the face features the way the face turns in the image', async () => {
        const r = await neutralRegions(page);
        const faceBox = grow(r.face, 0.1);
        await holdPose(page, { headYaw: 35 });
        const towardsImageLeft = regionStats(await shot(page), faceBox);
        await holdPose(page, { headYaw: -35 });
        const towardsImageRight = regionStats(await shot(page), faceBox);
        // yaw > 0: the subject turns to their right, which is the image's left (-x).
        expect(towardsImageRight.darkCentroidX - towardsImageLeft.darkCentroidX).toBeGreaterThan(0.05 * r.face.width);
      });
    }
  });

  describe('avatar page backgrounds and avatars', () => {
    it('green background: chroma green in the corners, the avatar in the middle', async () => {
      const page = await openAvatar('background=green');
      const png = await shot(page);
      for (const [x, y] of [
        [2, 2],
        [png.width - 3, 2],
        [2, png.height - 3],
        [png.width - 3, png.height - 3],
      ]) {
        const i = (y * png.width + x) * 4;
        expect([png.data[i], png.data[i + 1], png.data[i + 2]]).toEqual([0, 255, 0]);
      }
      const c = ((png.height >> 1) * png.width + (png.width >> 1)) * 4;
      expect(png.data[c + 1] === 255 && png.data[c] === 0).toBe(false);
      await page.close();
    });

    it('transparent background: alpha 0 around the avatar, opaque on it', async () => {
      const page = await openAvatar('background=transparent');
      const png = await shot(page, true);
      const alpha = (x: number, y: number) => png.data[(y * png.width + x) * 4 + 3];
      expect([alpha(2, 2), alpha(png.width - 3, 2), alpha(2, png.height >> 1)]).toEqual([0, 0, 0]);
      const r = (await page.evaluate(() => (globalThis as unknown as TestWindow).__vtlinkAvatar!.regions())) as Regions;
      expect(alpha(Math.round(r.face.x + r.face.width / 2), Math.round(r.face.y + r.face.height / 2))).toBe(255);
      // And back to a scene without reloading.
      await page.evaluate(() => (globalThis as unknown as TestWindow).__vtlinkAvatar!.setBackground('scene'));
      await page.waitForTimeout(200);
      expect((await shot(page, true)).data[3]).toBe(255);
      await page.close();
    });

    it('the second avatar and custom colours draw a different character', async () => {
      const page = await openAvatar('avatar=default&primary=%23204080');
      const hairOf = async (): Promise<number> => {
        const png = await shot(page);
        const r = (await page.evaluate(() => (globalThis as unknown as TestWindow).__vtlinkAvatar!.regions())) as Regions;
        // The crown: above the brows, in the middle of the head.
        const y = Math.round(r.face.y + r.face.height * 0.08);
        const i = (y * png.width + Math.round(r.face.x + r.face.width / 2)) * 4;
        return (png.data[i] << 16) | (png.data[i + 1] << 8) | png.data[i + 2];
      };
      const blueHair = await hairOf();
      expect(blueHair & 0xff).toBeGreaterThan((blueHair >> 16) & 0xff);
      await page.evaluate(() => (globalThis as unknown as TestWindow).__vtlinkAvatar!.setAvatar('kit', { primary: '#f08a3c', accent: '#3cb8a8' }));
      await page.waitForTimeout(300);
      const orangeHair = await hairOf();
      expect((orangeHair >> 16) & 0xff).toBeGreaterThan(orangeHair & 0xff);
      await page.close();
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Against the real service, tracking a video with a wide-open mouth at times

/** The service as `npm run build` bundles it, in a package folder of its own under build/ (no race on dist/). */
async function packageService(uiDir: string): Promise<string> {
  const root = path.join(repoRoot, 'build/test-ui-avatar');
  await rm(root, { recursive: true, force: true });
  await mkdir(path.join(root, 'dist/ui'), { recursive: true });
  // packageRoot() looks for vtlink's package.json; node_modules and the addon resolve from the repository above.
  await writeFile(path.join(root, 'package.json'), JSON.stringify({ name: 'vtlink', version: '0.0.0-test', type: 'module' }));
  await bundleCliTo(path.join(root, 'dist/vtlink.mjs'));
  for (const name of ['avatar.html', 'avatar-page.js']) await copyFile(path.join(uiDir, name), path.join(root, 'dist/ui', name));
  return path.join(root, 'dist/vtlink.mjs');
}

interface Service {
  url: string;
  output: () => string;
  stop(): Promise<void>;
}

async function startService(cli: string, source: string, stateDir: string): Promise<Service> {
  const child = spawn(process.execPath, [cli, 'run', '--state-dir', stateDir, '--port', '0', '--source', source, '--models', path.join(repoRoot, 'models')], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NOTIFY_SOCKET: '' },
  });
  let text = '';
  child.stdout.on('data', (c: Buffer) => (text += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (text += c.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
    }
  };
  const until = Date.now() + 90_000;
  for (;;) {
    const m = /UI and API at (http:\/\/\S+)/.exec(text);
    if (m) return { url: m[1].endsWith('/') ? m[1] : `${m[1]}/`, output: () => text, stop };
    if (child.exitCode !== null || Date.now() > until) {
      await stop();
      throw new Error(`the service did not start:\n${text}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('avatar page served by the running service (video source)', () => {
  const video = path.resolve(repoRoot, '../shared/data/video/cap13_edit2.mp4');
  let uiDir = '';
  let stateDir = '';
  let service: Service | undefined;
  let chromium2: Browser | undefined;

  beforeAll(async () => {
    if (!existsSync(video)) throw new Error(`test data missing: ${video} (../shared/data next to the repository)`);
    uiDir = await mkdtemp(path.join(os.tmpdir(), 'vtlink-avatar-svc-ui-'));
    await buildAvatarPage(uiDir);
    const cli = await packageService(uiDir);
    stateDir = await mkdtemp(path.join(os.tmpdir(), 'vtlink-avatar-state-'));
    [service, chromium2] = await Promise.all([startService(cli, video, stateDir), launchChromium()]);
  });

  afterAll(async () => {
    await chromium2?.close();
    await service?.stop();
    for (const dir of [uiDir, stateDir]) if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('draws an open mouth while the stream says the mouth is open, a closed one when it is closed', async () => {
    const page = await chromium2!.newPage({ viewport: { width: 960, height: 600 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${service!.url}avatar.html?background=green`);
    await page.waitForFunction(() => (globalThis as unknown as TestWindow & { __vtlinkAvatar?: { streamState: string } }).__vtlinkAvatar?.streamState === 'open', undefined, {
      timeout: 30_000,
    });
    // Face found: the drawn pose is the tracked one (hand-over done).
    await page.waitForFunction(() => (globalThis as unknown as TestWindow).__vtlinkAvatar!.drawnPose().present, undefined, { timeout: 60_000 });
    // The video keeps playing while the screenshot is taken, so a shot counts only when the mouth was
    // in the wanted state, and the face in the same place, both before and after it.
    const drawnState = async (open: boolean): Promise<{ held: boolean; regions: Regions; value: number }> =>
      page.evaluate((o) => {
        const avatar = (globalThis as unknown as TestWindow).__vtlinkAvatar!;
        const p = avatar.drawnPose();
        return { held: p.present && (o ? p.mouthOpen > 0.5 : p.mouthOpen < 0.1), regions: avatar.regions() as Regions, value: p.mouthOpen };
      }, open);
    const waitMouth = async (open: boolean): Promise<{ png: PNG; regions: Regions; value: number }> => {
      for (let attempt = 0; attempt < 20; attempt++) {
        await page.waitForFunction(
          (o) => {
            const p = (globalThis as unknown as TestWindow).__vtlinkAvatar!.drawnPose();
            return p.present && (o ? p.mouthOpen > 0.5 : p.mouthOpen < 0.1);
          },
          open,
          { timeout: 90_000, polling: 16 },
        );
        const before = await drawnState(open);
        const png = await shot(page);
        const after = await drawnState(open);
        const moved = Math.hypot(after.regions.mouth.x - before.regions.mouth.x, after.regions.mouth.y - before.regions.mouth.y);
        if (before.held && after.held && moved < 3) return { png, regions: after.regions, value: after.value };
      }
      throw new Error(`the mouth never stayed ${open ? 'open' : 'closed'} for the length of a screenshot`);
    };
    const opened = await waitMouth(true);
    const closed = await waitMouth(false);
    // The mouth's box from the avatar at each moment (the head moves with the video), as big as an open mouth.
    const area = (r: Regions): Box => {
      const cx = r.mouth.x + r.mouth.width / 2;
      const top = r.mouth.y;
      return { x: cx - r.face.width * 0.2, y: top - r.face.height * 0.05, width: r.face.width * 0.4, height: r.face.height * 0.3 };
    };
    const darkOpen = regionStats(opened.png, area(opened.regions)).dark;
    const darkClosed = regionStats(closed.png, area(closed.regions)).dark;
    expect(darkOpen, `mouth ${opened.value.toFixed(2)} vs ${closed.value.toFixed(2)}`).toBeGreaterThan(3 * darkClosed);
    expect(errors).toEqual([]);
    await page.close();
  });
});
