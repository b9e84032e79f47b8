import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { openDemoSource } from './demo';
import { FrameSourceError } from './errors';
import { openGstreamer, openGstVideoFile } from './gstreamer';
import { IMAGE_EXTENSIONS } from './image-decode';
import type { FrameSource } from './source';
import { parseSourceUri, type SourceSpec } from './source-uri';
import { openImageFolder, openStillImage, type StillImageOptions } from './still';
import { openV4l2 } from './v4l2';

export interface OpenSourceOptions extends StillImageOptions {
  /** Video files: first frame to deliver (0-based; earlier frames are decoded and skipped). Default 0. */
  startFrame?: number;
  /** Video files: deliver at most this many frames. Default: all. */
  maxFrames?: number;
  /** Video files: play again from the start at the end, in the same pipeline (never ends). */
  loopVideo?: boolean;
}

/**
 * Open a file source by what `path` is: a folder → its images in name order; a file with an image
 * extension (.jpg .jpeg .png …) → one still; any other file → a video, decoded by GStreamer
 * (decodebin knows far more containers than we could list; a file it cannot read fails the open
 * with its message), every frame in order. Rejects with a `FrameSourceError` subclass as the
 * `FrameSource` contract says; a missing path is a `FrameSourceError` naming it.
 */
export async function openSource(path: string, options: OpenSourceOptions = {}): Promise<FrameSource> {
  const info = await stat(path).catch((cause: NodeJS.ErrnoException) => {
    const why = cause.code === 'ENOENT' ? 'no such file or folder' : cause.message;
    throw new FrameSourceError(path, `${path}: cannot open (${why})`, { cause });
  });
  if (info.isDirectory()) return openImageFolder(path, options);
  if (!info.isFile()) throw new FrameSourceError(path, `${path}: not a file or folder`);
  if (IMAGE_EXTENSIONS.has(extname(path).toLowerCase())) return openStillImage(path, options);
  return openGstVideoFile(path, { startFrame: options.startFrame, maxFrames: options.maxFrames, loop: options.loopVideo });
}

export interface OpenSpecOptions extends OpenSourceOptions {
  /** The demo: run until closed instead of once through its script. */
  loop?: boolean;
}

/**
 * Open what a `--source` names (see source-uri.ts): the demo, a V4L2 camera, a GStreamer
 * pipeline or a file. `spec` may be the text or an already parsed spec. Throws `SourceUriError`
 * for a malformed text, and rejects as the opened kind does.
 */
export async function openSourceSpec(spec: string | SourceSpec, options: OpenSpecOptions = {}): Promise<FrameSource> {
  const s = typeof spec === 'string' ? parseSourceUri(spec) : spec;
  switch (s.kind) {
    case 'demo':
      return openDemoSource({ loop: options.loop, maxFrames: options.maxFrames });
    case 'v4l2':
      return openV4l2(s.path, { width: s.width, height: s.height, fps: s.fps, format: s.format });
    case 'gst':
      return openGstreamer(s.pipeline, { maxFrames: options.maxFrames });
    case 'file':
      return openSource(s.path, options);
  }
}
