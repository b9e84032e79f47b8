/** 68-point NME of the tracker (and of Human's mesh through the same table) on labelled stills. */
import path from 'node:path';
import { readImageFile } from '../../src/capture/image-decode';
import { landmarks68FromMesh } from '../../src/geometry/landmarks68';
import type { FaceTracker } from '../../src/tracking/tracker';
import type { Landmarked68, Point2 } from './datasets';
import { nme68, outerEyeDistance } from './metrics';
import { flattenMesh, trackStill } from './track-stills';

/** Per image: the NME, or null when no face was found; `picked` says whether the face found is the labelled one. */
export interface ImageResult {
  file: string;
  nme: number | null;
  /** The face found lies on the labelled one: its 68-point centre within one outer-eye distance of the labels' centre. */
  picked: boolean;
}

/** Any 468-point face finder on a still: our tracker, Human, ... */
export type MeshFinder = (file: string) => Promise<Float32Array | null>;

export function trackerMeshFinder(tracker: FaceTracker): MeshFinder {
  return async (file) => {
    const face = await trackStill(tracker, file);
    return face ? flattenMesh(face.landmarks) : null;
  };
}

/** Human's mesh on the decoded image (Human detects from scratch on every call). */
export async function humanMeshFinder(): Promise<MeshFinder> {
  // Loaded lazily: Human pulls in tfjs and its WASM backend, which runs without it need not pay for.
  const { humanLandmarksForImage } = await import('../peers/human-peer');
  return async (file) => {
    const image = await readImageFile(file);
    const mesh = await humanLandmarksForImage(image.data, image.width, image.height);
    return mesh ? flattenMesh(mesh) : null;
  };
}

function centre(points: readonly Point2[]): Point2 {
  let x = 0;
  let y = 0;
  for (const p of points) {
    x += p[0];
    y += p[1];
  }
  return [x / points.length, y / points.length];
}

export function scoreMesh(mesh: Float32Array | null, label: Landmarked68, table?: readonly (readonly number[])[]): ImageResult {
  const file = path.basename(label.file);
  if (!mesh) return { file, nme: null, picked: false };
  const predicted = landmarks68FromMesh(mesh, table);
  const a = centre(predicted);
  const b = centre(label.pts68);
  return { file, nme: nme68(predicted, label.pts68), picked: Math.hypot(a[0] - b[0], a[1] - b[1]) < outerEyeDistance(label.pts68) };
}

/** Meshes for every labelled image, in order (kept so several tables can be scored on one run). */
export async function findMeshes(finder: MeshFinder, labels: readonly Landmarked68[]): Promise<(Float32Array | null)[]> {
  const out: (Float32Array | null)[] = [];
  for (const label of labels) out.push(await finder(label.file));
  return out;
}
