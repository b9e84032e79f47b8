/**
 * A layered PSD to an avatar pack's layers: checked against the limits first (header, then the layer
 * records, before any pixel is decoded), then every drawn layer trimmed to its visible pixels and
 * written as a PNG. Runs in a worker thread (./psd-worker.ts): decoding hundreds of MB is seconds of
 * CPU that must not stall the service's event loop, and a file that exhausts the worker's memory
 * takes only the worker down.
 *
 * Read with ag-psd (reads and writes PSDs; the tests write theirs with it). Pixels come as ImageData
 * objects we create ourselves: no canvas library is needed in Node.
 */
import { readFileSync } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import path from 'node:path';
import { initializeCanvas, readPsd, type Layer, type Psd } from 'ag-psd';
import { PNG } from 'pngjs';
import type { PackLayer } from './pack';
import { partForLayerName } from './parts';

export interface AvatarLimits {
  maxFileBytes: number;
  maxCanvasSide: number;
  maxLayers: number;
  /** Sum of every layer's box, pixels: what decoding takes in memory (4 bytes each). */
  maxLayerPixels: number;
}

export const AVATAR_LIMITS: AvatarLimits = {
  maxFileBytes: 200 * 1024 * 1024,
  maxCanvasSide: 4096,
  maxLayers: 200,
  maxLayerPixels: 128 * 1024 * 1024,
};

export type PsdRefusalCode = 'not-a-psd' | 'unsupported-psd' | 'file-too-large' | 'canvas-too-large' | 'too-many-layers' | 'too-many-pixels' | 'no-layers' | 'corrupt-psd';

export class PsdRefusal extends Error {
  constructor(
    readonly code: PsdRefusalCode,
    message: string,
  ) {
    super(message);
    this.name = 'PsdRefusal';
  }
}

export const PSD_HEADER_BYTES = 26;

/** Checks the 26-byte header (signature, version, depth, colour mode, canvas) and the file's size. */
export function checkPsdHeader(head: Uint8Array, fileBytes: number, limits: AvatarLimits = AVATAR_LIMITS): { width: number; height: number } {
  if (fileBytes > limits.maxFileBytes) throw new PsdRefusal('file-too-large', `the file is ${mib(fileBytes)}; at most ${mib(limits.maxFileBytes)} is accepted`);
  if (head.length < PSD_HEADER_BYTES) throw new PsdRefusal('not-a-psd', 'not a Photoshop file: it is shorter than a PSD header');
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  if (String.fromCharCode(...head.subarray(0, 4)) !== '8BPS') throw new PsdRefusal('not-a-psd', 'not a Photoshop file (no 8BPS signature): save it as .psd');
  const version = view.getUint16(4);
  if (version === 2) throw new PsdRefusal('unsupported-psd', 'a large-document file (PSB): save it as a normal .psd');
  if (version !== 1) throw new PsdRefusal('not-a-psd', `unknown PSD version ${version}`);
  const height = view.getUint32(14);
  const width = view.getUint32(18);
  const depth = view.getUint16(22);
  const mode = view.getUint16(24);
  if (width > limits.maxCanvasSide || height > limits.maxCanvasSide) {
    throw new PsdRefusal('canvas-too-large', `the canvas is ${width}x${height}; at most ${limits.maxCanvasSide}x${limits.maxCanvasSide} is accepted: scale the image down`);
  }
  if (width === 0 || height === 0) throw new PsdRefusal('corrupt-psd', 'the canvas has no pixels');
  if (depth !== 8) throw new PsdRefusal('unsupported-psd', `${depth} bits per channel; save it with 8 bits per channel`);
  // 1 grayscale, 3 RGB: what ag-psd decodes to RGBA.
  if (mode !== 3 && mode !== 1) throw new PsdRefusal('unsupported-psd', `colour mode ${COLOUR_MODES[mode] ?? mode}; save it in RGB colour`);
  return { width, height };
}

/**
 * Refuses a file cut short. The sections before the merged picture say their lengths; the picture,
 * last in the file, says its own (raw: channels x pixels; RLE: a table of row lengths). ag-psd reads
 * a truncated merged picture without complaint, so this is checked here.
 */
function checkComplete(bytes: Uint8Array, width: number, height: number): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const truncated = (what: string) => new PsdRefusal('corrupt-psd', `the file is damaged or truncated (it ends inside ${what})`);
  let at = PSD_HEADER_BYTES;
  for (const section of ['the colour mode data', 'the image resources', 'the layers']) {
    if (at + 4 > bytes.length) throw truncated(section);
    at += 4 + view.getUint32(at);
    if (at > bytes.length) throw truncated(section);
  }
  if (at + 2 > bytes.length) throw truncated('the merged picture');
  const compression = view.getUint16(at);
  const channels = view.getUint16(12);
  at += 2;
  if (compression === 0) {
    if (at + channels * width * height > bytes.length) throw truncated('the merged picture');
  } else if (compression === 1) {
    const rows = channels * height;
    if (at + 2 * rows > bytes.length) throw truncated('the merged picture');
    let total = 0;
    for (let i = 0; i < rows; i++) total += view.getUint16(at + 2 * i);
    if (at + 2 * rows + total > bytes.length) throw truncated('the merged picture');
  }
  // ZIP-compressed pictures (2, 3) have no length to check; their inflate fails when cut.
}

const COLOUR_MODES: Record<number, string> = { 0: 'bitmap', 2: 'indexed', 4: 'CMYK', 7: 'multichannel', 8: 'duotone', 9: 'Lab' };

interface Leaf {
  layer: Layer;
  groups: string[];
  opacity: number;
  visible: boolean;
}

/** The drawn layers back to front, folders flattened (ag-psd lists children back to front). */
function leaves(parent: { children?: Layer[] }, groups: string[] = [], opacity = 1, visible = true, out: Leaf[] = []): Leaf[] {
  for (const layer of parent.children ?? []) {
    const o = opacity * (layer.opacity ?? 1);
    const v = visible && layer.hidden !== true;
    if (layer.children) leaves(layer, [...groups, layer.name ?? ''], o, v, out);
    else out.push({ layer, groups, opacity: o, visible: v });
  }
  return out;
}

function parse(bytes: Uint8Array, options: Parameters<typeof readPsd>[1]): Psd {
  try {
    return readPsd(bytes, { useImageData: true, skipCompositeImageData: true, skipThumbnail: true, skipLinkedFilesData: true, ...options });
  } catch (err) {
    throw new PsdRefusal('corrupt-psd', `the file is damaged or truncated (${(err as Error).message})`);
  }
}

let canvasReady = false;
/** ag-psd makes its ImageData through this hook: plain RGBA arrays, no canvas. */
function useImageDataWithoutCanvas(): void {
  if (canvasReady) return;
  canvasReady = true;
  initializeCanvas(
    () => {
      throw new Error('no canvas in the service');
    },
    // ag-psd's own ImageData type, whose data is a plain RGBA array.
    (width, height) => ({ width, height, data: new Uint8ClampedArray(width * height * 4), colorSpace: 'srgb' }) as unknown as ReturnType<NonNullable<Parameters<typeof initializeCanvas>[1]>>,
  );
}

/** The smallest box holding every pixel with alpha > 0, or null when there is none. */
function opaqueBounds(data: ArrayLike<number>, width: number, height: number): { x: number; y: number; width: number; height: number } | null {
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    const row = y * width * 4;
    for (let x = 0; x < width; x++) {
      if (data[row + x * 4 + 3] === 0) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      y0 = Math.min(y0, y);
      y1 = y;
    }
  }
  return x1 < 0 ? null : { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

const NO_LAYERS = 'the file has no layers with pixels: an avatar needs its parts on separate layers';

export interface ConvertedPsd {
  width: number;
  height: number;
  layers: PackLayer[];
}

/**
 * Converts the PSD at `psdFile` into `outDir/layers/NNN.png` (outDir must exist) and returns the
 * layers for the manifest. Throws PsdRefusal with a reason a user can act on.
 */
export async function convertPsd(psdFile: string, outDir: string, limits: AvatarLimits = AVATAR_LIMITS): Promise<ConvertedPsd> {
  const bytes = readFileSync(psdFile);
  const { width, height } = checkPsdHeader(bytes.subarray(0, PSD_HEADER_BYTES), bytes.length, limits);
  useImageDataWithoutCanvas();

  checkComplete(bytes, width, height);
  // The layer records first: counts and sizes are refused before the layers' pixels take memory.
  const structure = leaves(parse(bytes, { skipLayerImageData: true }));
  if (structure.length === 0) throw new PsdRefusal('no-layers', NO_LAYERS);
  if (structure.length > limits.maxLayers) throw new PsdRefusal('too-many-layers', `${structure.length} layers; at most ${limits.maxLayers} are accepted: merge the ones that move together`);
  let pixels = 0;
  for (const { layer } of structure) pixels += Math.max(0, (layer.right ?? 0) - (layer.left ?? 0)) * Math.max(0, (layer.bottom ?? 0) - (layer.top ?? 0));
  if (pixels > limits.maxLayerPixels) {
    throw new PsdRefusal('too-many-pixels', `the layers hold ${(pixels / 1e6).toFixed(0)} million pixels; at most ${(limits.maxLayerPixels / 1e6).toFixed(0)} million are accepted: crop layers to what they draw, or scale down`);
  }

  const all = leaves(parse(bytes, {}));
  const layers: PackLayer[] = [];
  await mkdir(path.join(outDir, 'layers'), { recursive: true });
  for (const { layer, groups, opacity, visible } of all) {
    const image = layer.imageData;
    if (!image || image.width === 0 || image.height === 0) continue; // empty, adjustment or text-only layer
    const box = opaqueBounds(image.data, image.width, image.height);
    if (!box) continue;
    const png = new PNG({ width: box.width, height: box.height });
    for (let y = 0; y < box.height; y++) {
      const from = ((box.y + y) * image.width + box.x) * 4;
      png.data.set(image.data.subarray(from, from + box.width * 4), y * box.width * 4);
    }
    const index = layers.length;
    const file = `layers/${String(index).padStart(3, '0')}.png`;
    await writeDurably(path.join(outDir, file), PNG.sync.write(png));
    const name = layer.name ?? `Layer ${index + 1}`;
    const part = partForLayerName(name, groups);
    layers.push({
      index,
      name,
      groups,
      part,
      partFromName: part !== null,
      x: (layer.left ?? 0) + box.x,
      y: (layer.top ?? 0) + box.y,
      width: box.width,
      height: box.height,
      opacity: Math.min(1, Math.max(0, opacity)),
      visible,
      file,
    });
  }
  if (layers.length === 0) throw new PsdRefusal('no-layers', NO_LAYERS);
  return { width, height, layers };
}

/** The pack becomes visible by a rename once complete; its files must be on disk by then. */
async function writeDurably(file: string, bytes: Uint8Array): Promise<void> {
  const fh = await open(file, 'wx', 0o600);
  try {
    await fh.writeFile(bytes);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export function mib(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(bytes < 10 * 1024 * 1024 ? 1 : 0)} MiB`;
}
