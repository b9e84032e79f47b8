/**
 * FaceTracker's `mirror` and `sensitivity` options on real faces (../shared/data/aflw2000-3d).
 *
 * mirror: tracking the original with mirror=true must give what tracking a flipped copy (flipped
 * here by a plain loop, the independent reference) gives with mirror=false, landmark for landmark;
 * and the head's yaw and roll change sign against the unmirrored original.
 * sensitivity: k multiplies every scaled signal's deviation from its neutral value, clamped to 0..1,
 * against the same frame tracked with k = 1.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAflw } from '../bench/accuracy/datasets';
import { readImageFile } from '../src/capture/image-decode';
import { BLENDSHAPE_NAMES } from '../src/geometry/features';
import { defaultModelsDir } from '../src/system/paths';
import { FaceTracker } from '../src/tracking/tracker';
import type { TrackedFace } from '../src/tracking/types';
import { createRgbImage, type RgbImage } from '../src/image/frame';
import { sharedDataDir, useFrontTracker } from './helpers/tracker-fixture';

const data = sharedDataDir();
const fixture = useFrontTracker();

function flipLeftRight(src: RgbImage): RgbImage {
  const out = createRgbImage(src.width, src.height);
  for (let y = 0; y < src.height; y++) {
    for (let x = 0; x < src.width; x++) {
      const from = (y * src.width + x) * 3;
      const to = (y * src.width + (src.width - 1 - x)) * 3;
      out.data[to] = src.data[from];
      out.data[to + 1] = src.data[from + 1];
      out.data[to + 2] = src.data[from + 2];
    }
  }
  return out;
}

async function track(image: RgbImage, mirror: boolean, source: string): Promise<TrackedFace> {
  fixture.tracker.mirror = mirror;
  fixture.tracker.reset();
  const frame = await fixture.tracker.process({ kind: 'frame', image, index: 0, timeMs: 0, source });
  expect(frame.face, `no face in ${source} (mirror ${mirror})`).not.toBeNull();
  return frame.face!;
}

/** AFLW images with a clearly turned head, so that the yaw sign is meaningful. */
const turned = loadAflw(path.join(data, 'aflw2000-3d')).filter((l) => Math.abs(l.yaw) > 15).slice(0, 3);

describe('FaceTracker mirror', () => {
  it('tracks the original mirrored exactly like a flipped copy unmirrored; yaw and roll change sign', async () => {
    expect(turned.length).toBe(3);
    try {
      for (const label of turned) {
        const original = await readImageFile(label.file);
        const flipped = flipLeftRight(original);
        const reference = await track(flipped, false, label.file);
        const mirrored = await track(original, true, label.file);
        const plain = await track(original, false, label.file);
        let worst = 0;
        let sum = 0;
        for (let i = 0; i < reference.landmarks.length; i++) {
          const d = Math.hypot(mirrored.landmarks[i][0] - reference.landmarks[i][0], mirrored.landmarks[i][1] - reference.landmarks[i][1]);
          worst = Math.max(worst, d);
          sum += d;
        }
        let irisWorst = 0;
        for (let i = 0; i < reference.iris.length; i++) {
          irisWorst = Math.max(irisWorst, Math.hypot(mirrored.iris[i][0] - reference.iris[i][0], mirrored.iris[i][1] - reference.iris[i][1]));
        }
        const faceSize = reference.box[2];
        console.log(
          `${path.basename(label.file)} (${original.width}x${original.height}, face ${faceSize.toFixed(0)} px, label yaw ${label.yaw.toFixed(1)}): ` +
            `mirror vs flipped copy: landmarks mean ${(sum / reference.landmarks.length).toFixed(3)} px, worst ${worst.toFixed(3)} px, iris worst ${irisWorst.toFixed(3)} px; ` +
            `yaw ${plain.pose.yaw.toFixed(1)} -> ${mirrored.pose.yaw.toFixed(1)}, roll ${plain.pose.roll.toFixed(1)} -> ${mirrored.pose.roll.toFixed(1)}`,
        );
        expect(sum / reference.landmarks.length).toBeLessThan(1);
        expect(worst).toBeLessThan(2);
        expect(irisWorst).toBeLessThan(2);
        expect(Math.abs(mirrored.pose.yaw - reference.pose.yaw)).toBeLessThan(1);
        // Against the unmirrored original: the same face seen in a mirror turns the other way.
        expect(Math.sign(mirrored.pose.yaw)).toBe(-Math.sign(plain.pose.yaw));
        expect(Math.abs(mirrored.pose.yaw + plain.pose.yaw)).toBeLessThan(8);
        expect(Math.abs(mirrored.pose.roll + plain.pose.roll)).toBeLessThan(8);
        // The face box is the original's flipped: x' = width - x.
        const centre = (f: TrackedFace): number => f.box[0] + f.box[2] / 2;
        expect(Math.abs(centre(mirrored) - (original.width - centre(plain)))).toBeLessThan(3);
      }
    } finally {
      fixture.tracker.mirror = false;
    }
  });
});

const clamp01 = (v: number): number => Math.min(1, Math.max(0, v));

/** Every scaled signal of a face with its neutral value and sensitivity group; eyeLook* and others unscaled. */
function signals(face: TrackedFace): { name: string; value: number; neutral: number; group: 'eyes' | 'mouth' | 'brows' | null }[] {
  const out: { name: string; value: number; neutral: number; group: 'eyes' | 'mouth' | 'brows' | null }[] = [
    { name: 'eyes.left', value: face.eyes.left, neutral: 1, group: 'eyes' },
    { name: 'eyes.right', value: face.eyes.right, neutral: 1, group: 'eyes' },
    { name: 'mouth.open', value: face.mouth.open, neutral: 0, group: 'mouth' },
    { name: 'mouth.wide', value: face.mouth.wide, neutral: 0.5, group: 'mouth' },
    { name: 'brows.left', value: face.brows.left, neutral: 0, group: 'brows' },
    { name: 'brows.right', value: face.brows.right, neutral: 0, group: 'brows' },
  ];
  for (const [vowel, value] of Object.entries(face.mouth.vowels)) out.push({ name: `vowel.${vowel}`, value, neutral: 0, group: 'mouth' });
  for (const name of BLENDSHAPE_NAMES) {
    const group = /^eye(Blink|Wide|Squint)/.test(name) ? 'eyes' : /^(jaw|mouth)/.test(name) ? 'mouth' : name.startsWith('brow') ? 'brows' : null;
    out.push({ name, value: face.blendshapes[name], neutral: 0, group });
  }
  return out;
}

describe('FaceTracker sensitivity', () => {
  // Half-closed eyes, open mouth, blinks (2981942448_1); raised brows (2968784797_1). Measured at k = 1.
  const files = ['2981942448_1.jpg', '2968784797_1.jpg'].map((f) => path.join(data, '300w-helen-test-crop', f));

  it('k multiplies each signal\'s deviation from neutral (clamped to 0..1); k = 1 changes nothing', async () => {
    // The same still tracked again and again: nothing learnt between the tracks, so they compare.
    fixture.tracker.setAutoCalibration(false);
    try {
      for (const file of files) {
        const image = await readImageFile(file);
        const base = await track(image, false, file);
        for (const k of [{ eyes: 2, mouth: 2, brows: 2 }, { eyes: 0.5, mouth: 1.5, brows: 2 }]) {
          fixture.tracker.setSensitivity(k);
          const scaled = signals(await track(image, false, file));
          let moved = 0;
          for (const [i, s] of signals(base).entries()) {
            const expected = s.group === null ? s.value : clamp01(s.neutral + (s.value - s.neutral) * k[s.group]);
            expect(scaled[i].value, `${path.basename(file)} ${s.name} at ${JSON.stringify(k)}`).toBeCloseTo(expected, 5);
            if (Math.abs(scaled[i].value - s.value) > 0.05) moved++;
          }
          // The check is not vacuous: many signals actually moved.
          expect(moved).toBeGreaterThan(4);
        }
        fixture.tracker.setSensitivity({ eyes: 1, mouth: 1, brows: 1 });
        const again = signals(await track(image, false, file));
        for (const [i, s] of signals(base).entries()) expect(again[i].value, s.name).toBe(s.value);
      }
    } finally {
      fixture.tracker.setAutoCalibration(true);
      fixture.tracker.setSensitivity({ eyes: 1, mouth: 1, brows: 1 });
    }
  });

  it('is a constructor option too, and refuses nonsense', async () => {
    expect(() => fixture.tracker.setSensitivity({ eyes: -1 })).toThrow(RangeError);
    expect(() => fixture.tracker.setSensitivity({ mouth: Number.NaN })).toThrow(RangeError);
    const other = await FaceTracker.create({ modelsDir: defaultModelsDir(), smoothing: false, sensitivity: { mouth: 2 } });
    try {
      expect(other.features.sensitivity).toEqual({ eyes: 1, mouth: 2, brows: 1 });
    } finally {
      await other.release();
    }
  });
});
