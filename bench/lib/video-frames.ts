/**
 * Decodes a whole video (or its first frames) into memory through the product's own capture source
 * (src/capture/video-file.ts, ffmpeg). All frames are decoded before timing starts so decoding never
 * competes with the code under test for the CPU; each frame is copied out of the source's reused buffers.
 */
import { onlyFrames } from '../../src/capture/source';
import { openVideoFile } from '../../src/capture/video-file';
import type { RgbImage } from '../../src/image/frame';

export interface DecodedVideo {
  path: string;
  width: number;
  height: number;
  fps: number;
  frames: RgbImage[];
}

/** Decodes up to maxFrames frames (default: all) of `file` into packed RGB24 images. */
export async function decodeVideoFrames(file: string, maxFrames = Number.POSITIVE_INFINITY): Promise<DecodedVideo> {
  const source = await openVideoFile(file, { maxFrames: Number.isFinite(maxFrames) ? maxFrames : undefined });
  const frames: RgbImage[] = [];
  try {
    for await (const frame of onlyFrames(source.frames())) {
      frames.push({ width: frame.image.width, height: frame.image.height, data: frame.image.data.slice() });
    }
  } finally {
    await source.close();
  }
  if (frames.length === 0) throw new Error(`no frames decoded from ${file}`);
  return { path: file, width: source.width, height: source.height, fps: source.fps, frames };
}
