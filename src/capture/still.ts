import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { RgbImage } from '../image/frame';
import { FrameDecodeError, FrameSourceError } from './errors';
import { IMAGE_EXTENSIONS, readImageFile } from './image-decode';
import type { FrameResult, FrameSource, SkippedFrame } from './source';

export { decodeImage, readImageFile, IMAGE_EXTENSIONS } from './image-decode';

/** Stills have no clock; this spacing gives filters downstream a steady, camera-like one. */
const DEFAULT_FRAME_INTERVAL_MS = 1000 / 30;

export interface StillImageOptions {
  /** Yield the image this many times (lets temporal filters settle on a still). Default 1. */
  repeat?: number;
  /** timeMs step between results. Default 1000/30. */
  frameIntervalMs?: number;
}

export interface ImageFolderOptions {
  /** timeMs step between files. Default 1000/30. */
  frameIntervalMs?: number;
}

/**
 * One image file as a source. The file is decoded by `openStillImage`, so a bad file fails there
 * with a `FrameDecodeError`; iteration then cannot fail. The same buffer is yielded every time.
 */
export async function openStillImage(path: string, options: StillImageOptions = {}): Promise<FrameSource> {
  const image = await readImageFile(path);
  const repeat = options.repeat ?? 1;
  if (!Number.isInteger(repeat) || repeat < 1) throw new RangeError(`repeat must be a positive integer, got ${repeat}`);
  const interval = options.frameIntervalMs ?? DEFAULT_FRAME_INTERVAL_MS;
  return new PulledSource(path, image.width, image.height, repeat, async (index) => ({
    kind: 'frame',
    image,
    index,
    timeMs: index * interval,
    source: path,
  }));
}

/**
 * The JPEG/PNG files of a folder (not its subfolders), in natural name order ("2.jpg" before
 * "10.jpg"), one result per file. A file that cannot be decoded is yielded as a `SkippedFrame`
 * and the folder goes on. Other files (no image extension) are ignored.
 * Fails to open (`FrameSourceError`) when the folder cannot be listed, holds no image files, or
 * none of them decodes. The nominal size is the first decodable image's size.
 */
export async function openImageFolder(dir: string, options: ImageFolderOptions = {}): Promise<FrameSource> {
  const files = await listImageFiles(dir);
  if (files.length === 0) throw new FrameSourceError(dir, `${dir}: no JPEG or PNG images in this folder`);
  const interval = options.frameIntervalMs ?? DEFAULT_FRAME_INTERVAL_MS;

  // Decode files up to the first good one now, for the nominal size; keep those results to yield.
  let buffer: RgbImage | undefined;
  const early: FrameResult[] = [];
  for (let i = 0; i < files.length && !buffer; i++) {
    const result = await decodeAt(i);
    early.push(result);
    if (result.kind === 'frame') buffer = result.image;
  }
  if (!buffer) {
    const first = early[0] as SkippedFrame;
    throw new FrameSourceError(dir, `${dir}: none of the ${files.length} images could be decoded (first: ${first.error.message})`);
  }
  const nominal = buffer;

  async function decodeAt(index: number): Promise<FrameResult> {
    const file = files[index];
    const timeMs = index * interval;
    try {
      buffer = await readImageFile(file, buffer);
      return { kind: 'frame', image: buffer, index, timeMs, source: file };
    } catch (error) {
      if (!(error instanceof FrameDecodeError)) throw error;
      return { kind: 'skipped', index, timeMs, source: file, error };
    }
  }

  return new PulledSource(dir, nominal.width, nominal.height, files.length, (index) =>
    index < early.length ? Promise.resolve(early[index]) : decodeAt(index),
  );
}

/** Image files directly in `dir`, natural name order. */
export async function listImageFiles(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (cause) {
    throw new FrameSourceError(dir, `${dir}: cannot list folder (${(cause as Error).message})`, { cause });
  }
  const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });
  const images = names
    .filter((n) => !n.startsWith('.') && IMAGE_EXTENSIONS.has(extname(n).toLowerCase()))
    .sort((a, b) => collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0));
  const files: string[] = [];
  for (const name of images) {
    const path = join(dir, name);
    // A folder named "x.jpg" is not an image; a file we cannot stat is, and will fail to decode.
    const info = await stat(path).catch(() => undefined);
    if (!info || info.isFile()) files.push(path);
  }
  return files;
}

/**
 * A finite source whose results are produced on demand by `produce(index)`, for index 0..count-1.
 * Implements the single-pass and close() parts of the FrameSource contract.
 */
class PulledSource implements FrameSource {
  readonly fps = undefined;
  private started = false;
  private closed = false;

  constructor(
    readonly name: string,
    readonly width: number,
    readonly height: number,
    readonly frameCount: number,
    private readonly produce: (index: number) => Promise<FrameResult>,
  ) {}

  frames(): AsyncIterable<FrameResult> {
    if (this.started) throw new Error(`${this.name}: frames() may be called only once`);
    this.started = true;
    return this.iterate();
  }

  private async *iterate(): AsyncGenerator<FrameResult> {
    try {
      for (let index = 0; index < this.frameCount && !this.closed; index++) {
        const result = await this.produce(index);
        if (this.closed) return; // closed while decoding: end cleanly, do not hand out the frame
        yield result;
      }
    } finally {
      this.closed = true;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
