/**
 * The labelled still-image sets in ../shared/data, read the same way by the landmark-table fit
 * (tools/fit-landmarks68.ts), the accuracy benchmark and the end-to-end tests.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export type Point2 = readonly [number, number];

export interface Landmarked68 {
  /** Absolute image path. */
  readonly file: string;
  /** 68 iBUG points, 0-based order, image pixels. */
  readonly pts68: readonly Point2[];
}

export interface PoseLabelled {
  readonly file: string;
  readonly yaw: number;
  readonly pitch: number;
  readonly roll: number;
}

interface HelenLabel {
  image: string;
  pts68: [number, number][];
}

interface AflwLabel {
  image: string;
  yaw_deg: number;
  pitch_deg: number;
  roll_deg: number;
}

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

/** A 300-W HELEN folder (`300w-helen-test-crop` or `300w-helen-test`), sorted by file name. */
export function loadHelen(dir: string): Landmarked68[] {
  const labels = readJson<HelenLabel[]>(path.join(dir, 'labels.json'));
  return labels
    .map((l) => {
      if (l.pts68.length !== 68) throw new Error(`${l.image}: ${l.pts68.length} points, expected 68`);
      return { file: path.join(dir, l.image), pts68: l.pts68.map((p): Point2 => [p[0], p[1]]) };
    })
    .sort((a, b) => (path.basename(a.file) < path.basename(b.file) ? -1 : path.basename(a.file) > path.basename(b.file) ? 1 : 0));
}

/**
 * The fixed split of a name-sorted set: 'fit' = even positions (0, 2, 4, ...), used only to choose
 * the mesh-to-68 table; 'report' = odd positions, the held-out half every figure is measured on.
 */
export type Half = 'fit' | 'report';

export function halfOf<T>(items: readonly T[], half: Half): T[] {
  const parity = half === 'fit' ? 0 : 1;
  return items.filter((_, i) => i % 2 === parity);
}

/** AFLW2000-3D's 16 images with their Pose_Para angles in degrees, sorted by file name. */
export function loadAflw(dir: string): PoseLabelled[] {
  const labels = readJson<AflwLabel[]>(path.join(dir, 'labels.json'));
  return labels
    .map((l) => ({ file: path.join(dir, l.image), yaw: l.yaw_deg, pitch: l.pitch_deg, roll: l.roll_deg }))
    .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}
