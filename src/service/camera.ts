/**
 * Opening settings.camera.source for the service, and pacing file inputs like a camera.
 *
 * - "demo": the embedded demo, paced at camera.fps (realTime), looping unless `once`.
 * - "v4l2:…", "gst:…": live sources; they deliver at the camera's own rate.
 * - anything else: a file path (video, still, image folder), delivered no faster than its frame
 *   rate (or camera.fps for stills), so a video stands in for a camera. Unless `once`, a video
 *   loops inside its GStreamer pipeline (a seek to its start: no re-open, whose new decoder and
 *   threads each cost RSS); stills and image folders end and the pipeline opens them again.
 */
import { openDemoSource } from '../capture/demo';
import { openSourceSpec } from '../capture/open';
import { parseSourceUri, type SourceSpec } from '../capture/source-uri';
import type { FrameResult, FrameSource } from '../capture/source';
import type { Settings } from '../config';

export type SourceKind = 'demo' | 'live' | 'file';

export function sourceKind(source: string): SourceKind {
  if (source === 'demo') return 'demo';
  if (source.startsWith('v4l2:') || source.startsWith('gst:')) return 'live';
  return 'file';
}

export interface OpenCameraOptions {
  /** One pass of the input: the demo does not loop. */
  once: boolean;
}

/** Rejects as the FrameSource contract says (FrameSourceError subclasses) when the source cannot be opened. */
export async function openCamera(camera: Settings['camera'], options: OpenCameraOptions): Promise<FrameSource> {
  switch (sourceKind(camera.source)) {
    case 'demo':
      return openDemoSource({ width: camera.width, height: camera.height, fps: camera.fps, realTime: true, loop: !options.once });
    case 'live':
    case 'file':
      return openSourceSpec(withCameraMode(parseSourceUri(camera.source), camera), { loopVideo: !options.once });
  }
}

/** A V4L2 source without its own ?width=…&fps=… asks for the settings' mode. */
function withCameraMode(spec: SourceSpec, camera: Settings['camera']): SourceSpec {
  if (spec.kind !== 'v4l2') return spec;
  return {
    ...spec,
    width: spec.width ?? camera.width,
    height: spec.height ?? camera.height,
    fps: spec.fps ?? camera.fps,
    format: spec.format ?? camera.format,
  };
}

/**
 * The source's results, no faster than `fps` (file inputs). The wait is abortable through
 * `stopped()` so closing the source never waits for a whole frame interval.
 */
export async function* paced(results: AsyncIterable<FrameResult>, fps: number, stopped: () => boolean): AsyncGenerator<FrameResult> {
  const intervalMs = 1000 / fps;
  let due = performance.now();
  for await (const result of results) {
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    if (stopped()) return;
    // A consumer slower than the rate does not build up a debt of frames to rush through later.
    due = Math.max(due + intervalMs, performance.now() - intervalMs);
    yield result;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Retry delays while the camera is missing: 0.5 s doubling to 10 s. */
export const CAMERA_RETRY = { initialMs: 500, maxMs: 10_000 } as const;
