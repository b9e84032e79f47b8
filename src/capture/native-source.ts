import type { Frame, FramePlane, RgbImage } from '../image/frame';
import { createRgbImage } from '../image/frame';
import { CameraError, FrameDecodeError, FrameSourceError } from './errors';
import { convertFrameToRgb } from './frame-convert';
import { captureErrorCode, type CaptureStats, type CaptureStreamHandle, type NativeFrameDescriptor } from './native-capture';
import type { CapturedFrame, FrameResult, FrameSource } from './source';

export interface NativeSourceDetails {
  /** For logs and `CapturedFrame.source`. */
  readonly name: string;
  readonly fps: number | undefined;
  readonly frameCount: number | undefined;
  /** Live: times count from the first frame and `index` is the backend's sequence (gaps = drops). */
  readonly live: boolean;
  /** Deliver at most this many frames (default all). */
  readonly maxFrames?: number;
  /** Skip this many frames first (files; they are decoded and given back). */
  readonly startFrame?: number;
  /**
   * Files: the container's duration promises `frameCount` frames; ending clearly short of that
   * (GStreamer ends a truncated file quietly) is reported as damage.
   */
  readonly expectComplete?: boolean;
  /** Give up on a source that shows no first frame within this long (a stalled camera). Default: wait. */
  readonly firstFrameTimeoutMs?: number;
}

/**
 * How long `close()` waits for the addon's producer thread to stop the pipeline/device (usually a
 * few ms; a V4L2 poll round is 100 ms) so that the camera is free for the next open. A source
 * stuck in a blocking read (a GStreamer filesrc on a FIFO whose writer hung) can take for ever:
 * after this long close() resolves anyway and the addon finishes the teardown in the background,
 * whenever the read returns. The JS thread never waits on the camera either way.
 */
export const STREAM_STOP_GRACE_MS = 500;

/** Close `stream` and wait (at most STREAM_STOP_GRACE_MS) for its pipeline/device to stop. */
export async function stopStream(stream: CaptureStreamHandle): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, STREAM_STOP_GRACE_MS);
  });
  try {
    await Promise.race([stream.close(), grace]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A `FrameSource` over an addon `CaptureStream` (GStreamer or V4L2): the contract in source.ts.
 * Each frame is lent to the consumer until it asks for the next result, then released (its
 * ArrayBuffer detached, the buffer back to GStreamer or re-queued to the driver).
 */
export class NativeFrameSource implements FrameSource {
  readonly name: string;
  readonly width: number;
  readonly height: number;
  readonly fps: number | undefined;
  readonly frameCount: number | undefined;
  private started = false;
  private closed = false;
  private first: NativeFrameDescriptor | null;
  private rgb: RgbImage | null = null;
  private firstTimestamp: number | null = null;
  /** The frame the consumer holds now; released on its next request or on close(). */
  private lent: NativeFrameDescriptor | null = null;

  private constructor(
    private readonly stream: CaptureStreamHandle,
    first: NativeFrameDescriptor,
    private readonly details: NativeSourceDetails,
  ) {
    this.name = details.name;
    this.first = first;
    this.width = first.width;
    this.height = first.height;
    this.fps = details.fps;
    this.frameCount = details.frameCount;
  }

  /**
   * Wait for the stream's first frame (its size is the source's size), then wrap it. Rejects with
   * a `CameraError` carrying the backend's message when the stream fails or ends before any frame;
   * the stream is closed then.
   */
  static async start(stream: CaptureStreamHandle, details: NativeSourceDetails, describe: (first: NativeFrameDescriptor) => Partial<NativeSourceDetails> = () => ({})): Promise<NativeFrameSource> {
    let first: NativeFrameDescriptor | null;
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    if (details.firstFrameTimeoutMs !== undefined) {
      // Closing the stream resolves the waiting next() with null (its teardown is awaited below).
      timer = setTimeout(() => {
        timedOut = true;
        void stream.close();
      }, details.firstFrameTimeoutMs);
    }
    try {
      first = await stream.next();
    } catch (cause) {
      await stopStream(stream);
      throw new CameraError(details.name, `${details.name}: ${(cause as Error).message}`, captureErrorCode(cause) ?? 'ECAPTURE', { cause });
    } finally {
      clearTimeout(timer);
    }
    if (timedOut) {
      await stopStream(stream);
      throw new CameraError(details.name, `${details.name}: no frame within ${details.firstFrameTimeoutMs} ms of starting (is the camera streaming?)`, 'ETIMEDOUT');
    }
    if (!first) {
      await stopStream(stream);
      throw new CameraError(details.name, `${details.name}: the source ended before its first frame`, 'ECAPTURE');
    }
    return new NativeFrameSource(stream, first, { ...details, ...describe(first) });
  }

  get dropped(): number {
    return this.stream.stats().dropped;
  }

  /** Frames delivered, dropped (latest-frame mode) and held right now. */
  stats(): CaptureStats {
    return this.stream.stats();
  }

  /** What the backend opened (negotiated V4L2 format, the GStreamer pipeline that runs). */
  info(): unknown {
    return this.stream.info();
  }

  frames(): AsyncIterable<FrameResult> {
    if (this.started) throw new Error(`${this.name}: frames() may be called only once`);
    this.started = true;
    return this.iterate();
  }

  private async *iterate(): AsyncGenerator<FrameResult> {
    const maxFrames = this.details.maxFrames ?? Infinity;
    let skip = this.details.startFrame ?? 0;
    let count = 0;
    let position = 0;
    try {
      while (count < maxFrames && !this.closed) {
        let desc = this.first;
        this.first = null;
        if (!desc) {
          try {
            desc = await this.stream.next();
          } catch (cause) {
            if (this.closed) return;
            throw new FrameSourceError(this.name, `${this.name}: ${(cause as Error).message}`, { cause });
          }
        }
        if (this.closed) return;
        if (!desc) {
          this.checkComplete(position);
          return;
        }
        const index = this.details.live ? desc.sequence : position;
        position++;
        const timeMs = this.timeOf(desc, index);
        if (skip > 0) {
          skip--;
          this.release(desc);
          continue;
        }
        count++;
        if (desc.error !== undefined || !desc.data) {
          yield { kind: 'skipped', index, timeMs, source: this.name, error: new FrameDecodeError(this.name, desc.error ?? 'no data') };
          continue;
        }
        this.lent = desc;
        try {
          yield this.captured(desc, index, timeMs);
        } finally {
          this.lent = null;
          this.release(desc);
        }
      }
    } finally {
      await this.close();
    }
  }

  /** `frameCount` is an estimate (duration x rate): allow 2 % and a frame of rounding. */
  private checkComplete(decoded: number): void {
    const promised = this.frameCount === undefined ? undefined : this.frameCount + (this.details.startFrame ?? 0);
    if (!this.details.expectComplete || promised === undefined || decoded >= promised * 0.98 - 1) return;
    throw new FrameSourceError(this.name, `${this.name}: video damaged: ended after ${decoded} of ${promised} frames (the file is shorter than its header says: truncated?)`);
  }

  /**
   * Milliseconds from the first frame: a camera's clock (V4L2 monotonic time, a live pipeline's
   * running time) and a file's first PTS (often the decoder's reorder delay) do not start at 0.
   */
  private timeOf(desc: NativeFrameDescriptor, index: number): number {
    if (desc.timestampMs === null) return this.fps ? (index * 1000) / this.fps : 0;
    this.firstTimestamp ??= desc.timestampMs;
    return desc.timestampMs - this.firstTimestamp;
  }

  private release(desc: NativeFrameDescriptor): void {
    this.stream.release(desc.slot, desc.generation, desc.data);
  }

  private captured(desc: NativeFrameDescriptor, index: number, timeMs: number): CapturedFrame {
    const planes: FramePlane[] = desc.strides.map((stride, p) => ({ stride, offset: desc.offsets[p] }));
    const frame: Frame = { format: desc.format, width: desc.width, height: desc.height, data: new Uint8Array(desc.data as ArrayBuffer), planes };
    // `image` converts on first use only: the tracker's native path reads `frame` and never pays.
    const self = this;
    let image: RgbImage | null = null;
    return {
      kind: 'frame',
      frame,
      index,
      timeMs,
      source: this.name,
      get image(): RgbImage {
        if (!image) {
          if (!self.rgb || self.rgb.width !== frame.width || self.rgb.height !== frame.height) self.rgb = createRgbImage(frame.width, frame.height);
          convertFrameToRgb(frame, self.rgb);
          image = self.rgb;
        }
        return image;
      },
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const held of [this.first, this.lent]) if (held) this.release(held);
    this.first = this.lent = null;
    await stopStream(this.stream);
  }
}
