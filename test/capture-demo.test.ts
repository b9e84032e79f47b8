import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DEMO_IMAGE,
  DEMO_KEYFRAMES,
  demoFaceGeometry,
  demoFramesPerPass,
  demoGroundTruth,
  demoImageCandidates,
  loadDemoImage,
  openDemoSource,
  type DemoFace,
  type DemoTruth,
} from '../src/capture/demo';
import { FrameSourceError } from '../src/capture/errors';
import type { FrameSource } from '../src/capture/source';
import { createRgbImage } from '../src/image/frame';

const repoRoot = resolve(__dirname, '..');
const SIZE = { width: 640, height: 480, fps: 30 };
const work = mkdtempSync(join(tmpdir(), 'vtlink-demo-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function frameHashes(source: FrameSource, every = 1): Promise<string[]> {
  const out: string[] = [];
  for await (const r of source.frames()) {
    if (r.kind !== 'frame') throw new Error('demo never skips');
    if (r.index % every === 0) out.push(createHash('sha1').update(r.image.data).digest('hex'));
  }
  return out;
}

const truths: DemoTruth[] = Array.from({ length: demoFramesPerPass(SIZE.fps) }, (_, i) => demoGroundTruth(i, SIZE));

/** Runs of consecutive frames with the given visibility: [first, last] pairs. */
function runs(kind: DemoTruth['visibility']): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const t of truths) {
    if (t.visibility !== kind) continue;
    const last = out[out.length - 1];
    if (last && last[1] === t.index - 1) last[1] = t.index;
    else out.push([t.index, t.index]);
  }
  return out;
}

describe('demo face image', () => {
  it('is found in node_modules, verified and cropped', async () => {
    const face = await loadDemoImage([repoRoot]);
    expect(face.file).toBe(join(repoRoot, 'node_modules', DEMO_IMAGE.package, DEMO_IMAGE.path));
    expect([face.image.width, face.image.height]).toEqual([DEMO_IMAGE.crop[2], DEMO_IMAGE.crop[3]]);
    // The labelled eyes are inside the crop, about 81 px apart, rolled about 43 degrees.
    expect(face.eyeDistance).toBeGreaterThan(75);
    expect(face.eyeDistance).toBeLessThan(90);
    expect((face.roll * 180) / Math.PI).toBeCloseTo(43, -1);
    // Irises are darker than the cheek 0.6 eye-distances below them (a check that the labels hit eyes).
    const lum = (x: number, y: number): number => {
      const i = (Math.floor(y) * face.image.width + Math.floor(x)) * 3;
      return face.image.data[i] + face.image.data[i + 1] + face.image.data[i + 2];
    };
    const mean3 = (x: number, y: number): number => {
      let sum = 0;
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) sum += lum(x + dx, y + dy);
      return sum / 9;
    };
    for (const [x, y] of [face.eyeLeft, face.eyeRight]) {
      const down = [-Math.sin(face.roll), Math.cos(face.roll)];
      const cheek = mean3(x + down[0] * 0.6 * face.eyeDistance, y + down[1] * 0.6 * face.eyeDistance);
      expect(mean3(x, y)).toBeLessThan(cheek * 0.5);
    }
  });

  it('the bundled copy next to the bundle is found first; a wrong file is refused; none found lists where it looked', async () => {
    const dist = join(work, 'dist');
    expect(demoImageCandidates([dist])[0]).toBe(join(dist, DEMO_IMAGE.bundledPath));
    mkdirSync(join(dist, 'assets'), { recursive: true });
    writeFileSync(join(dist, DEMO_IMAGE.bundledPath), 'not the photo');
    await expect(loadDemoImage([dist])).rejects.toThrow(/not the expected demo photo/);
    const empty = join(work, 'nowhere');
    mkdirSync(empty);
    const error = await loadDemoImage([empty]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FrameSourceError);
    expect((error as Error).message).toContain(join(empty, DEMO_IMAGE.bundledPath));
  });
});

describe('demo script ground truth', () => {
  it('the face moves, rolls and changes size', () => {
    const xs = truths.filter((t) => t.visibility === 'visible').map((t) => t.centerX);
    expect(Math.max(...xs) - Math.min(...xs)).toBeGreaterThan(200);
    const rolls = truths.map((t) => (t.roll * 180) / Math.PI);
    expect(Math.max(...rolls)).toBeCloseTo(30, 5);
    expect(Math.min(...rolls)).toBeCloseTo(-30, 5);
    const sizes = truths.map((t) => t.eyeDistance);
    expect(Math.max(...sizes) / Math.min(...sizes)).toBeGreaterThan(2);
    // Eyes are one eye distance apart and rolled as the script says.
    for (const t of truths) {
      const dx = t.eyeRight[0] - t.eyeLeft[0];
      const dy = t.eyeRight[1] - t.eyeLeft[1];
      expect(Math.hypot(dx, dy)).toBeCloseTo(t.eyeDistance, 6);
      expect(Math.atan2(dy, dx)).toBeCloseTo(t.roll, 6);
    }
  });

  it('has two absent stretches (out of frame, then covered), each followed by a visible face', () => {
    const absent = runs('absent');
    expect(absent.length).toBe(2);
    for (const [first, last] of absent) {
      expect(last - first + 1).toBeGreaterThanOrEqual(SIZE.fps / 2); // at least half a second
      expect(truths[last + 1].visibility).not.toBe('absent');
    }
    const [outOfFrame, covered] = absent;
    const mid = (r: [number, number]): DemoTruth => truths[Math.floor((r[0] + r[1]) / 2)];
    expect(mid(outOfFrame).centerX > SIZE.width || mid(outOfFrame).centerX < 0).toBe(true);
    expect(mid(covered).coverLeft).toBeLessThan(mid(covered).centerX);
    expect(mid(covered).coverRight).toBeGreaterThan(mid(covered).centerX);
    // Mostly the face is in full view.
    expect(truths.filter((t) => t.visibility === 'visible').length / truths.length).toBeGreaterThan(0.7);
  });

  it('is continuous between keyframes and the loop is seamless', () => {
    expect(DEMO_KEYFRAMES[0]).toMatchObject({ ...DEMO_KEYFRAMES[DEMO_KEYFRAMES.length - 1], t: 0 });
    const pass = truths.length;
    const wrapped = demoGroundTruth(pass + 10, SIZE);
    expect(wrapped.centerX).toBeCloseTo(truths[10].centerX, 6);
    expect(wrapped.timeMs).toBeCloseTo(((pass + 10) * 1000) / 30, 6);
  });
});

describe('demo source', () => {
  it('is deterministic: two runs give identical frames', async () => {
    const face = await loadDemoImage([repoRoot]);
    const a = await frameHashes(await openDemoSource({ face, maxFrames: 120 }), 7);
    const b = await frameHashes(await openDemoSource({ face, maxFrames: 120 }), 7);
    expect(a).toEqual(b);
    expect(new Set(a).size).toBeGreaterThan(a.length / 2); // and the frames do change
  });

  it('one pass by default; loop repeats the same frames with increasing times; close() ends it', async () => {
    const face = await loadDemoImage([repoRoot]);
    const single = await openDemoSource({ face, width: 64, height: 48 });
    expect(single.frameCount).toBe(demoFramesPerPass(30));
    expect((await frameHashes(single)).length).toBe(demoFramesPerPass(30));

    const pass = demoFramesPerPass(30);
    const looping = await openDemoSource({ face, width: 64, height: 48, loop: true });
    expect(looping.frameCount).toBeUndefined();
    const hashes: string[] = [];
    let lastTime = -1;
    for await (const r of looping.frames()) {
      if (r.kind !== 'frame') continue;
      expect(r.timeMs).toBeGreaterThan(lastTime);
      lastTime = r.timeMs;
      hashes.push(createHash('sha1').update(r.image.data).digest('hex'));
      if (r.index === pass + 20) await looping.close();
    }
    expect(hashes.length).toBe(pass + 21);
    expect(hashes.slice(pass, pass + 21)).toEqual(hashes.slice(0, 21));
  });

  it('renders the face where the ground truth says (synthetic face with marked eyes)', async () => {
    // A grey face patch with the photo's geometry and a red dot on each labelled eye: the renderer
    // (inverse warp) and the ground truth (forward map) are separate code; their eyes must agree.
    const geometry = demoFaceGeometry();
    const image = createRgbImage(DEMO_IMAGE.crop[2], DEMO_IMAGE.crop[3]);
    image.data.fill(128);
    for (const [ex, ey] of [geometry.eyeLeft, geometry.eyeRight]) {
      for (let y = 0; y < image.height; y++) {
        for (let x = 0; x < image.width; x++) {
          if (Math.hypot(x + 0.5 - ex, y + 0.5 - ey) <= 6) image.data.set([255, 0, 0], (y * image.width + x) * 3);
        }
      }
    }
    const face: DemoFace = { image, file: 'synthetic', ...geometry };
    const checked: number[] = [];
    const source = await openDemoSource({ face });
    for await (const r of source.frames()) {
      if (r.kind !== 'frame' || r.index % 13 !== 0) continue;
      const truth = demoGroundTruth(r.index, SIZE);
      if (truth.visibility !== 'visible') continue;
      for (const eye of [truth.eyeLeft, truth.eyeRight]) {
        // Red centroid within 1.5 eye-radius of the expected eye.
        const radius = (6 * truth.eyeDistance) / geometry.eyeDistance;
        let sx = 0;
        let sy = 0;
        let n = 0;
        for (let y = Math.floor(eye[1] - 2 * radius); y <= eye[1] + 2 * radius; y++) {
          for (let x = Math.floor(eye[0] - 2 * radius); x <= eye[0] + 2 * radius; x++) {
            const i = (y * SIZE.width + x) * 3;
            const red = r.image.data[i] - r.image.data[i + 1];
            if (red <= 0) continue;
            sx += (x + 0.5) * red;
            sy += (y + 0.5) * red;
            n += red;
          }
        }
        expect(n, `frame ${r.index}`).toBeGreaterThan(0);
        expect(Math.hypot(sx / n - eye[0], sy / n - eye[1]), `frame ${r.index}`).toBeLessThan(0.5);
      }
      checked.push(r.index);
    }
    expect(checked.length).toBeGreaterThan(25);
  });

  it('absent frames show no face: out of frame is the bare background, covered is the panel', async () => {
    const face = await loadDemoImage([repoRoot]);
    const [outOfFrame, covered] = runs('absent');
    // Two out-of-frame frames with different poses (leaving on the right, about to enter on the
    // left) must be the same picture: nothing of the face is drawn. One covered frame.
    const offRight = (t: DemoTruth): boolean => t.centerX - 2 * t.eyeDistance > SIZE.width;
    const offLeft = (t: DemoTruth): boolean => t.centerX + 2 * t.eyeDistance < 0;
    const stretch = truths.slice(outOfFrame[0], outOfFrame[1] + 1);
    const pick = [stretch.find(offRight)!.index, [...stretch].reverse().find(offLeft)!.index, covered[0] + 3];
    expect(truths[pick[0]].centerX).not.toBe(truths[pick[1]].centerX);
    const got = new Map<number, Uint8Array>();
    const source = await openDemoSource({ face, maxFrames: pick[2] + 1 });
    for await (const r of source.frames()) if (r.kind === 'frame' && pick.includes(r.index)) got.set(r.index, r.image.data.slice());
    expect(Buffer.from(got.get(pick[0])!).equals(Buffer.from(got.get(pick[1])!))).toBe(true);

    const truth = demoGroundTruth(pick[2], SIZE);
    const hidden = got.get(pick[2])!;
    for (const [x, y] of [[truth.centerX, truth.centerY], truth.eyeLeft, truth.eyeRight]) {
      const px = Math.floor(x);
      const py = Math.floor(y);
      const i = (py * SIZE.width + px) * 3;
      // The panel's plain warm grey (see demo-render drawCover), not skin or iris.
      const shade = 150 + ((py >> 4) & 1) * 12;
      expect([hidden[i], hidden[i + 1], hidden[i + 2]]).toEqual([shade, shade - 20, shade - 45]);
    }
  });
});
