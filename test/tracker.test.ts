/**
 * End to end: the whole tracker on real labelled data (../shared/data), against the labels.
 * Thresholds come from bench/accuracy.ts measurements with a margin (see each test).
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { halfOf, loadAflw, loadHelen } from '../bench/accuracy/datasets';
import { nme68 } from '../bench/accuracy/metrics';
import { poseErrors, summarizePose } from '../bench/accuracy/pose';
import { trackStill } from '../bench/accuracy/track-stills';
import { trackVideo } from '../bench/accuracy/video';
import { readImageFile } from '../src/capture/image-decode';
import { defaultModelsDir } from '../src/system/paths';
import { FaceTracker } from '../src/tracking/tracker';
import type { TrackingFrame } from '../src/tracking/types';
import { createRgbImage, type RgbImage } from '../src/image/frame';
import { sharedDataDir, useFrontTracker } from './helpers/tracker-fixture';

const data = sharedDataDir();
const fixture = useFrontTracker();

function noiseImage(width: number, height: number, seed: number): RgbImage {
  const image = createRgbImage(width, height);
  let s = seed >>> 0;
  for (let i = 0; i < image.data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    image.data[i] = s >>> 24;
  }
  return image;
}

async function processStill(t: FaceTracker, image: RgbImage, source: string): Promise<TrackingFrame> {
  t.reset();
  return t.process({ kind: 'frame', image, index: 0, timeMs: 0, source });
}

describe('FaceTracker on 300-W HELEN crops (report half)', () => {
  it('puts the 68 points near the labels: mean NME of 20 images below 0.06', async () => {
    // The first 20 of the report half (never used to fit the mesh -> 68 table). Measured: mean 0.0466, worst 0.0862; the hand-picked table of face-model.ts gives ~0.07 and fails.
    const labels = halfOf(loadHelen(path.join(data, '300w-helen-test-crop')), 'report').slice(0, 20);
    expect(labels).toHaveLength(20);
    const errors: number[] = [];
    for (const label of labels) {
      const face = await trackStill(fixture.tracker, label.file);
      expect(face, `no face in ${label.file}`).not.toBeNull();
      errors.push(nme68(face!.landmarks68, label.pts68));
    }
    const mean = errors.reduce((s, e) => s + e, 0) / errors.length;
    console.log(`HELEN crops, 20 report-half images: mean NME ${mean.toFixed(4)}, worst ${Math.max(...errors).toFixed(4)}`);
    expect(mean).toBeLessThan(0.06);
    expect(Math.max(...errors)).toBeLessThan(0.15);
  });
});

describe('FaceTracker head pose on AFLW2000-3D (16 images)', () => {
  it('keeps the yaw/pitch/roll mean absolute error within the 6 degree target', async () => {
    const pose = summarizePose(await poseErrors(fixture.tracker, loadAflw(path.join(data, 'aflw2000-3d'))));
    console.log(`AFLW2000-3D pose MAE: yaw ${pose.yawMae.toFixed(2)} pitch ${pose.pitchMae.toFixed(2)} roll ${pose.rollMae.toFixed(2)} mean ${pose.meanMae.toFixed(2)}`);
    expect(pose.missed).toBe(0);
    // Measured: yaw 4.33, pitch 7.17, roll 2.23, mean 4.58 degrees.
    expect(pose.meanMae).toBeLessThan(6);
    expect(pose.yawMae).toBeLessThan(7);
    expect(pose.pitchMae).toBeLessThan(10);
    expect(pose.rollMae).toBeLessThan(4);
  });
});

describe('FaceTracker with the attention mesh (tracking.landmarks attention)', () => {
  it('meshes the HELEN report-half crops as well, and keeps a 71-degree profile its detector box scores low', async () => {
    const tracker = await FaceTracker.create({ modelsDir: defaultModelsDir(), detector: 'front', threads: 1, landmarks: 'attention', smoothing: false });
    try {
      const labels = halfOf(loadHelen(path.join(data, '300w-helen-test-crop')), 'report').slice(0, 20);
      const errors: number[] = [];
      for (const label of labels) {
        const face = await trackStill(tracker, label.file);
        expect(face, `no face in ${label.file}`).not.toBeNull();
        errors.push(nme68(face!.landmarks68, label.pts68));
        // The irises come from the same model: inside the eye they belong to.
        expect(face!.iris).toHaveLength(10);
      }
      const mean = errors.reduce((s, e) => s + e, 0) / errors.length;
      console.log(`attention mesh, HELEN crops, 20 report-half images: mean NME ${mean.toFixed(4)}`);
      expect(mean).toBeLessThan(0.06);
      // AFLW2000-3D image02420 (yaw 71): the face score is 0.25 on the detector's ROI and 0.99 on the
      // mesh's own; without the second run the tracker reported no face.
      const pose = summarizePose(await poseErrors(tracker, loadAflw(path.join(data, 'aflw2000-3d'))));
      expect(pose.missed).toBe(0);
      expect(pose.meanMae).toBeLessThan(6);
    } finally {
      await tracker.release();
    }
  });
});

describe('FaceTracker on video (cap13_edit2.mp4, first 150 frames)', () => {
  it('finds the face in nearly every frame and runs the detector only to (re)acquire it', async () => {
    const video = await FaceTracker.create({ modelsDir: defaultModelsDir(), detector: 'front', threads: 1 });
    try {
      const track = await trackVideo(video, path.join(data, 'video/cap13_edit2.mp4'), 150);
      expect(track.frames).toBe(150);
      expect(track.facesFound / track.frames).toBeGreaterThan(0.95);
      // Tracking mode: the mesh gives the next ROI, so the detector runs once, plus a rare re-acquisition.
      expect(track.detectorRuns).toBeGreaterThanOrEqual(1);
      expect(track.detectorRuns).toBeLessThanOrEqual(5);
    } finally {
      await video.release();
    }
  });
});

describe('FaceTracker without a face', () => {
  it('reports face: null on flat grey and on noise', async () => {
    const grey = createRgbImage(320, 240);
    grey.data.fill(128);
    expect((await processStill(fixture.tracker, grey, 'grey')).face).toBeNull();
    for (const seed of [1, 2, 3]) expect((await processStill(fixture.tracker, noiseImage(320, 240, seed), `noise ${seed}`)).face).toBeNull();
  });
});

describe('TrackingFrame shape', () => {
  it('carries the full face description with finite values', async () => {
    const file = path.join(data, 'aflw2000-3d/image00050.jpg');
    const image = await readImageFile(file);
    const frame = await processStill(fixture.tracker, image, file);
    expect(frame).toMatchObject({ source: file, frame: 0, timeMs: 0, width: image.width, height: image.height });
    const face = frame.face;
    expect(face).not.toBeNull();
    if (!face) return;
    expect(face.score).toBeGreaterThan(0.5);
    expect(face.score).toBeLessThanOrEqual(1);
    expect(face.landmarks).toHaveLength(468);
    expect(face.iris).toHaveLength(10);
    expect(face.landmarks68).toHaveLength(68);
    for (const p of [...face.landmarks, ...face.iris, ...face.landmarks68]) for (const v of p) expect(Number.isFinite(v)).toBe(true);
    // Every point inside (or at the edge of) the image: the face fills the middle of this picture.
    for (const [x, y] of face.landmarks68) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThanOrEqual(image.width);
      expect(y).toBeGreaterThanOrEqual(0);
      expect(y).toBeLessThanOrEqual(image.height);
    }
    const { pose } = face;
    for (const v of [pose.yaw, pose.pitch, pose.roll, ...pose.quaternion, ...pose.translationMm, pose.reprojectionPx]) expect(Number.isFinite(v)).toBe(true);
    expect(Math.hypot(...pose.quaternion)).toBeCloseTo(1, 5);
    // In front of the camera, at a plausible distance for a 450 px picture with the default focal length.
    expect(pose.translationMm[2]).toBeGreaterThan(100);
    const names = Object.keys(face.blendshapes);
    expect(names.length).toBeGreaterThanOrEqual(20);
    for (const name of names) {
      const v = face.blendshapes[name];
      expect(v, name).toBeGreaterThanOrEqual(0);
      expect(v, name).toBeLessThanOrEqual(1);
    }
    for (const v of [face.eyes.left, face.eyes.right, face.mouth.open, face.mouth.wide, face.brows.left, face.brows.right, ...Object.values(face.mouth.vowels)]) {
      expect(Number.isFinite(v)).toBe(true);
    }
    for (const g of [face.gaze.left, face.gaze.right, face.gaze.combined]) expect(Math.hypot(...g.vector)).toBeCloseTo(1, 4);
  });
});
