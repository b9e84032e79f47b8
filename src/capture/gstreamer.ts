import { stat } from 'node:fs/promises';
import { CameraError, FrameSourceError } from './errors';
import { captureAddon, captureErrorCode, type CaptureStreamHandle } from './native-capture';
import { NativeFrameSource } from './native-source';

/**
 * GStreamer sources, read through an appsink in the addon (addon/src/capture/gstreamer.cc).
 *
 * Which appsink: the one named `vtlink`, or the only one. A pipeline whose text has no `appsink`
 * gets ` ! appsink name=vtlink` appended, so `gst:videotestsrc` and `gst:v4l2src ! videoconvert`
 * work as typed. Unless the pipeline sets caps on its appsink, the appsink accepts
 * video/x-raw NV12, YUY2, RGB, BGR or RGBA (what the tracker's preprocessing reads); end other
 * pipelines with `videoconvert !`.
 *
 * Delivery: a live pipeline (a camera, `videotestsrc is-live=true`) gives the newest frame and
 * drops (counts) older ones a slow consumer did not take; a non-live one (a file) gives every
 * frame and waits for the consumer. `everyFrame` overrides.
 *
 * On the Jetson the CSI camera is read as
 *   nvarguscamerasrc sensor-id=0 ! video/x-raw(memory:NVMM),width=1280,height=720,framerate=60/1
 *     ! nvvidconv ! video/x-raw,format=NV12 ! appsink name=vtlink
 * (nvvidconv copies out of NVMM into system memory that the appsink maps; the tracker reads the
 * NV12 without a further copy).
 */
export interface GstreamerSourceOptions {
  /** Name for logs and frames (default: "gst:" + the pipeline). */
  readonly name?: string;
  /** true: every frame, the pipeline waits for the consumer; false: newest frame wins. Default: by liveness. */
  readonly everyFrame?: boolean;
  /** Pace by the pipeline clock (appsink sync). Default false: as fast as frames come. */
  readonly sync?: boolean;
  /** Frames the consumer may hold at once through the raw stream (default 2). */
  readonly maxLent?: number;
  /** Skip this many frames first. */
  readonly startFrame?: number;
  /** Deliver at most this many frames. */
  readonly maxFrames?: number;
  /** A file: ending well short of the frames its duration promises is an error (truncated). */
  readonly expectComplete?: boolean;
  /**
   * A file (non-live pipeline): at its end, seek back to the start in the same pipeline instead of
   * ending (no new decoder or streaming threads: re-opening costs memory, see bench/RESULTS.md
   * "Soak"). Times go on increasing across passes; `info().loops` counts the restarts.
   */
  readonly loop?: boolean;
}

interface GstInfo {
  readonly live: boolean;
  readonly fps: number | null;
  readonly durationMs: number | null;
  readonly pipeline: string;
}

/**
 * Start `pipeline` and resolve once its first frame arrived (size and format known). Rejects with
 * a `CameraError` quoting GStreamer when it does not parse, fails to start (missing file, no such
 * device, caps not negotiated) or ends before a frame.
 */
export async function openGstreamer(pipeline: string, options: GstreamerSourceOptions = {}): Promise<NativeFrameSource> {
  const name = options.name ?? `gst:${pipeline}`;
  let stream: CaptureStreamHandle;
  try {
    stream = new (captureAddon().CaptureStream)('gst', pipeline, { everyFrame: options.everyFrame, sync: options.sync, maxLent: options.maxLent, loop: options.loop });
  } catch (cause) {
    throw new CameraError(name, `${name}: ${(cause as Error).message}`, captureErrorCode(cause) ?? 'ECAPTURE', { cause });
  }
  return NativeFrameSource.start(stream, { name, fps: undefined, frameCount: undefined, live: false, startFrame: options.startFrame, maxFrames: options.maxFrames, expectComplete: options.expectComplete }, () => {
    const info = stream.info() as GstInfo;
    const fps = info.fps ?? undefined;
    // Frames in a file: from its duration and rate (what the container states), an estimate.
    const total = !info.live && fps && info.durationMs ? Math.round((info.durationMs * fps) / 1000) : undefined;
    const frameCount = total === undefined ? undefined : Math.min(Math.max(0, total - (options.startFrame ?? 0)), options.maxFrames ?? Infinity);
    return { fps, live: info.live, frameCount };
  });
}

/** Quote a value for GStreamer's launch syntax (double quotes, backslash escapes). */
export function quoteGstValue(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** The pipeline that decodes a video file into NV12 frames for the tracker. */
export function videoFilePipeline(path: string): string {
  return `filesrc location=${quoteGstValue(path)} ! decodebin ! videoconvert ! video/x-raw,format=NV12 ! appsink name=vtlink`;
}

/**
 * A video file decoded by GStreamer (decodebin picks the demuxer and decoder), every frame in
 * order, NV12. `timeMs` is the frame's presentation time from the first frame; `frameCount` is
 * estimated from the container's duration and rate. A file GStreamer cannot read fails the open
 * with its message; one that ends well short of its stated duration (truncated: GStreamer just
 * ends) makes the iterator throw "video damaged" after the frames it had.
 */
export async function openGstVideoFile(path: string, options: Pick<GstreamerSourceOptions, 'startFrame' | 'maxFrames' | 'loop'> = {}): Promise<NativeFrameSource> {
  const info = await stat(path).catch((cause: Error) => {
    throw new FrameSourceError(path, `${path}: cannot open video (${cause.message})`, { cause });
  });
  if (!info.isFile()) throw new FrameSourceError(path, `${path}: not a file`);
  return openGstreamer(videoFilePipeline(path), { ...options, name: path, everyFrame: true, expectComplete: true });
}
