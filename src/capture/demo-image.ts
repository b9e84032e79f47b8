import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRgbImage, type RgbImage } from '../image/frame';
import { FrameSourceError } from './errors';
import { decodeImage } from './image-decode';

/**
 * The face the demo moves around: one woman (the rightmost) from a group photo that ships in an npm
 * package, so the demo needs no file of ours and no download.
 *
 * Where the file is at run time:
 * - development / tests: under node_modules (the package is a devDependency);
 * - the bundled service (dist/vtlink.mjs), which cannot read node_modules in production: the build
 *   script copies the whole photo to dist/assets/demo-face.jpg, next to the bundle.
 * `loadDemoImage()` looks for both, checks the SHA-256, and crops.
 *
 * Landmarks were read by eye from the photo at 4x zoom, then moved onto the darkest pupil pixels
 * (about ±1.5 px): iris centres. Her head is
 * rolled about 43° (right eye lower); the demo renders her upright and rolls her by the script.
 */
export const DEMO_IMAGE = {
  package: '@vladmandic/face-api',
  version: '1.7.15',
  /** Path inside the package. */
  path: 'demo/sample1.jpg',
  /** Name of the copy next to the bundle (relative to the bundle's folder). */
  bundledPath: 'assets/demo-face.jpg',
  sha256: '8ecae4b267b2d3169e06e00c7dee97097aa2a94635d45216f7732a5f4943cb51',
  licence: 'MIT (c) Vladimir Mandic, @vladmandic/face-api; see node_modules/@vladmandic/face-api/LICENSE',
  /** Size of the whole photo. */
  photoSize: [1920, 1280] as const,
  /** Crop around the face, in photo pixels: x, y, width, height. */
  crop: [1360, 144, 392, 392] as const,
  /** Iris centres in photo pixels: her right eye (image left) and her left eye (image right). */
  eyeImageLeft: [1559, 283] as const,
  eyeImageRight: [1618, 338] as const,
} as const;

/** The cropped face and its geometry, in crop pixels (pixel centres at +0.5). */
export interface DemoFace {
  readonly image: RgbImage;
  /** The file it was read from. */
  readonly file: string;
  /** Iris centres in crop coordinates. */
  readonly eyeLeft: readonly [number, number];
  readonly eyeRight: readonly [number, number];
  /** Midpoint of the eyes, crop coordinates. */
  readonly eyeMid: readonly [number, number];
  /** Distance between the iris centres, crop pixels. */
  readonly eyeDistance: number;
  /** Roll of the face in the photo, radians, image convention (positive = turned clockwise on screen). */
  readonly roll: number;
}

/** The geometry of the demo face from DEMO_IMAGE alone (no file needed). */
export function demoFaceGeometry(): Omit<DemoFace, 'image' | 'file'> {
  const [cx, cy] = DEMO_IMAGE.crop;
  // +0.5: the landmark numbers are pixel indices; our coordinates put pixel centres at +0.5.
  const eyeLeft = [DEMO_IMAGE.eyeImageLeft[0] - cx + 0.5, DEMO_IMAGE.eyeImageLeft[1] - cy + 0.5] as const;
  const eyeRight = [DEMO_IMAGE.eyeImageRight[0] - cx + 0.5, DEMO_IMAGE.eyeImageRight[1] - cy + 0.5] as const;
  const dx = eyeRight[0] - eyeLeft[0];
  const dy = eyeRight[1] - eyeLeft[1];
  return {
    eyeLeft,
    eyeRight,
    eyeMid: [(eyeLeft[0] + eyeRight[0]) / 2, (eyeLeft[1] + eyeRight[1]) / 2],
    eyeDistance: Math.hypot(dx, dy),
    roll: Math.atan2(dy, dx),
  };
}

/**
 * Where to look by default: the folder of this module (src/capture in development, dist/ when
 * bundled) and the working directory; each is searched upwards for node_modules.
 */
export function defaultDemoSearchDirs(): string[] {
  const dirs = [process.cwd()];
  try {
    dirs.unshift(dirname(fileURLToPath(import.meta.url)));
  } catch {
    // not a file: URL (e.g. bundled into something else); the working directory remains
  }
  return dirs;
}

/** Candidate paths, in the order they are tried. */
export function demoImageCandidates(searchDirs: readonly string[]): string[] {
  const out: string[] = [];
  for (const start of searchDirs) {
    out.push(join(resolve(start), DEMO_IMAGE.bundledPath));
    for (let dir = resolve(start); ; dir = dirname(dir)) {
      out.push(join(dir, 'node_modules', DEMO_IMAGE.package, DEMO_IMAGE.path));
      if (dirname(dir) === dir) break;
    }
  }
  return [...new Set(out)];
}

/**
 * Find, verify and crop the demo face. Rejects with a `FrameSourceError` that lists where it looked
 * when the file is nowhere, or says so when a file is found but is not the expected photo.
 */
export async function loadDemoImage(searchDirs: readonly string[] = defaultDemoSearchDirs()): Promise<DemoFace> {
  const candidates = demoImageCandidates(searchDirs);
  for (const file of candidates) {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(file);
    } catch {
      continue;
    }
    const digest = createHash('sha256').update(bytes).digest('hex');
    if (digest !== DEMO_IMAGE.sha256) {
      throw new FrameSourceError(file, `${file}: not the expected demo photo (${DEMO_IMAGE.package}@${DEMO_IMAGE.version} ${DEMO_IMAGE.path}); SHA-256 differs`);
    }
    const photo = decodeImage(bytes, file);
    return { image: cropImage(photo, DEMO_IMAGE.crop), file, ...demoFaceGeometry() };
  }
  throw new FrameSourceError(
    'demo',
    `demo face not found: install dev dependencies (npm ci) or run the build, which copies it to dist/${DEMO_IMAGE.bundledPath}. ` +
      `Looked in: ${candidates.join(', ')}`,
  );
}

function cropImage(src: RgbImage, [x, y, w, h]: readonly [number, number, number, number]): RgbImage {
  const out = createRgbImage(w, h);
  for (let row = 0; row < h; row++) {
    const from = ((y + row) * src.width + x) * 3;
    out.data.set(src.data.subarray(from, from + w * 3), row * w * 3);
  }
  return out;
}
