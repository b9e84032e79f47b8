import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { FrameSourceError } from './errors';
import { IMAGE_EXTENSIONS } from './image-decode';
import type { FrameSource } from './source';
import { openImageFolder, openStillImage, type StillImageOptions } from './still';
import { openVideoFile, type VideoFileOptions } from './video-file';

export type OpenSourceOptions = StillImageOptions & VideoFileOptions;

/**
 * Open a file source by what `path` is: a folder → its images in name order; a file with an image
 * extension (.jpg .jpeg .png …) → one still; any other file → a video, for ffmpeg to read (it knows
 * far more containers than we could list; a file it cannot read fails the open with its message).
 * Rejects with a `FrameSourceError` subclass as the `FrameSource` contract says; a missing path is
 * a `FrameSourceError` naming it.
 */
export async function openSource(path: string, options: OpenSourceOptions = {}): Promise<FrameSource> {
  const info = await stat(path).catch((cause: NodeJS.ErrnoException) => {
    const why = cause.code === 'ENOENT' ? 'no such file or folder' : cause.message;
    throw new FrameSourceError(path, `${path}: cannot open (${why})`, { cause });
  });
  if (info.isDirectory()) return openImageFolder(path, options);
  if (!info.isFile()) throw new FrameSourceError(path, `${path}: not a file or folder`);
  if (IMAGE_EXTENSIONS.has(extname(path).toLowerCase())) return openStillImage(path, options);
  return openVideoFile(path, options);
}
