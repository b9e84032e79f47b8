import { rgbFrame, type Frame, type RgbImage } from '../image/frame';
import type { FrameDecodeError } from './errors';

/**
 * The one interface every frame source implements: still images, image folders, video files
 * (GStreamer), the embedded demo, and the native camera backends (V4L2, GStreamer pipelines).
 *
 * Contract, including the failure cases:
 *
 * - Opening. Sources are created by async `open…` functions that either resolve with a ready source
 *   (size known, file readable, decoder present) or reject with a `FrameSourceError` subclass:
 *   `DecoderMissingError` when ffmpeg/ffprobe cannot be started, `FrameDecodeError` when a single
 *   still image cannot be decoded, `CameraError` when a camera or pipeline cannot be opened (its
 *   message lists the cameras and formats that do exist, or quotes GStreamer), `FrameSourceError`
 *   for anything else (missing path, probe failed). The native sources (GStreamer, V4L2) resolve
 *   only once their first frame has arrived, so a pipeline that fails at start fails the open.
 *   Nothing needs closing after a rejected open.
 *
 * - Single pass. `frames()` may be called once; a second call throws an `Error`. A camera cannot
 *   rewind, so no consumer may rely on it for files either. Open the source again to re-read.
 *
 * - Buffer reuse. The `RgbImage` in a yielded `CapturedFrame` MAY BE REUSED for a later frame: it is
 *   valid only until the consumer asks for the next result (the next `next()` of the iterator, i.e.
 *   the next turn of a `for await` loop), or until `close()`. A consumer that needs a frame longer
 *   must copy it, and must not write into it (a still source yields the same buffer every time).
 *   This is what lets every source run without per-frame image allocation.
 *   Camera frames (GStreamer, V4L2) go further: `frame.data` IS the capture buffer (a GstBuffer
 *   mapped for reading, a V4L2 mmap buffer), lent to the consumer without a copy and given back
 *   to the backend when the consumer asks for the next result; from then on the view is detached
 *   (length 0), so a stale reference reads nothing rather than another frame's pixels.
 *   `image.width`/`image.height` are authoritative for each frame; `width`/`height` on the source are
 *   the nominal size (the first image's size for an image folder, whose files may differ).
 *
 * - Per-frame failures. A frame that cannot be decoded but does not end the source (a corrupt file
 *   in a folder; later, a corrupt MJPEG frame from a USB camera) is yielded as a `SkippedFrame`
 *   carrying a `FrameDecodeError`; the next result follows as usual. Its `index` is consumed, so
 *   indices keep matching positions in the input (file order in a folder). `error.message` is a
 *   complete one-line description (path and reason) for a CLI to print before it continues.
 *   Use `onlyFrames()` to turn the first skip into a thrown error instead.
 *
 * - Fatal failures. An error that ends the source (the decoder process dies, the file vanishes, the
 *   stream is truncated mid-frame, a GStreamer bus error, a camera unplugged mid-stream) is thrown
 *   from the iterator's `next()` as a `FrameSourceError` whose message includes the decoder's (or
 *   GStreamer's, or the kernel's) own words where there are any. Results produced before the
 *   failure are yielded first. After a fatal error the source has released its resources;
 *   `close()` is still allowed and resolves.
 *
 * - Live sources (cameras, live pipelines) never queue frames for a slow consumer: when a newer
 *   frame arrives before the consumer asked for the previous one, the older one goes straight back
 *   to the driver (counted in the source's `dropped`), and the consumer always gets the newest.
 *   `index` then jumps over the dropped frames. File sources deliver every frame instead: the
 *   decoder waits for the consumer.
 *
 * - End. A finite source ends its iteration normally (`done: true`) after the last frame.
 *
 * - Closing. `close()` is idempotent and resolves once every resource (child process, file handle,
 *   device) is released; a decoder child process has exited when it resolves. A native stream stuck
 *   in the driver (a stalled pipe) cannot be interrupted: `close()` then resolves after a short grace
 *   (STREAM_STOP_GRACE_MS) and the capture thread finishes its teardown when the read returns. Calling it while a
 *   consumer is iterating (or waiting in `next()`) ends the iteration cleanly: the pending and every
 *   later `next()` resolve `done: true`, nothing is thrown. Leaving a `for await` loop early (break,
 *   return, throw) closes the source too.
 */
export interface FrameSource {
  /** What the source reads, for logs and `CapturedFrame.source` (a path, "demo", a device). */
  readonly name: string;
  /** Nominal frame width in pixels (see "Buffer reuse" above). */
  readonly width: number;
  /** Nominal frame height in pixels. */
  readonly height: number;
  /** Frames per second when the source has a rate (video, demo, camera); undefined for stills. */
  readonly fps: number | undefined;
  /** Number of results the source will yield when known in advance; undefined when not. */
  readonly frameCount: number | undefined;
  /** Live sources: frames dropped so far for a busy consumer (see above); absent for the others. */
  readonly dropped?: number;
  /** The results, in order. Single pass; see the contract above. */
  frames(): AsyncIterable<FrameResult>;
  /** Release everything; ends a running iteration cleanly. Idempotent. Never rejects. */
  close(): Promise<void>;
}

/** One decoded frame. */
export interface CapturedFrame {
  readonly kind: 'frame';
  /**
   * The pixels as packed RGB. May be overwritten by the next frame: see "Buffer reuse". For
   * camera sources this is converted from `frame` on first access (a copy into a reused buffer):
   * consumers that read camera layouts should use `frame` (or `frameOf()`) instead.
   */
  readonly image: RgbImage;
  /**
   * The pixels as the source delivered them (NV12, YUYV, RGB, ... with row strides): for camera
   * sources a view of the capture buffer itself. Absent for sources that only make RgbImages
   * (stills, the demo): `frameOf()` covers both.
   */
  readonly frame?: Frame;
  /** 0-based position in the input (frame number in a video, file position in a folder). */
  readonly index: number;
  /**
   * Presentation time in milliseconds from the start of the input: index / fps for video and the
   * demo (so a start offset keeps the original times), index * the source's frame interval for
   * image folders and stills.
   */
  readonly timeMs: number;
  /** Where it came from: the image file for stills and folders, the source's name otherwise. */
  readonly source: string;
}

/** The frame's pixels in their delivered layout: `frame` when the source has one, else `image` as RGB. */
export function frameOf(captured: CapturedFrame): Frame {
  return captured.frame ?? rgbFrame(captured.image);
}

/** A frame that could not be decoded; the source goes on after it. */
export interface SkippedFrame {
  readonly kind: 'skipped';
  readonly index: number;
  readonly timeMs: number;
  /** The file (or device) the failed frame came from. */
  readonly source: string;
  readonly error: FrameDecodeError;
}

export type FrameResult = CapturedFrame | SkippedFrame;

/**
 * The frames of a source, throwing the first skipped frame's `FrameDecodeError` instead of
 * yielding it: for consumers that want "any bad input stops the run".
 */
export async function* onlyFrames(results: AsyncIterable<FrameResult>): AsyncGenerator<CapturedFrame> {
  for await (const result of results) {
    if (result.kind === 'skipped') throw result.error;
    yield result;
  }
}
