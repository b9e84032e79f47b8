/**
 * Typed face of the addon's capture exports (addon/src/capture): `CaptureStream` over a GStreamer
 * pipeline or a V4L2 device, the device list and GStreamer's availability. The frame sources in
 * gstreamer.ts and v4l2.ts wrap it in the `FrameSource` contract; use those, not this, elsewhere.
 */
import { nativeAddon } from '../native/addon';
import type { PixelFormat } from '../image/frame';

/** One frame as the addon hands it over. `data` aliases the capture buffer (no copy). */
export interface NativeFrameDescriptor {
  /** External ArrayBuffer over the GstBuffer / V4L2 buffer; detached (length 0) once released. Absent on `error`. */
  readonly data?: ArrayBuffer;
  readonly width: number;
  readonly height: number;
  readonly format: PixelFormat;
  /** Per plane (1, or 2 for NV12): bytes per row and where the plane starts in `data`. */
  readonly strides: readonly number[];
  readonly offsets: readonly number[];
  /** The source's presentation time (GStreamer PTS, V4L2 buffer time) in ms; null when it gave none. */
  readonly timestampMs: number | null;
  /** Frames the backend produced before this one, dropped ones included. */
  readonly sequence: number;
  /** With `generation`, names the frame for `release()`. */
  readonly slot: number;
  readonly generation: number;
  /** Where `data`'s bytes live in the process (tests compare it with the ArrayBuffer's own address). */
  readonly address?: bigint;
  /** Set for a frame that could not be decoded (corrupt MJPEG); such a frame holds no buffer. */
  readonly error?: string;
}

export interface CaptureStats {
  /** Frames the backend handed over. */
  readonly offered: number;
  /** Frames taken by `next()`. */
  readonly delivered: number;
  /** Frames replaced by a newer one before anyone took them (latest-frame mode only). */
  readonly dropped: number;
  /** Frames taken and not released yet. */
  readonly lent: number;
  readonly pending: boolean;
}

export interface CaptureStreamOptions {
  /** true: every frame is delivered and the source waits for the consumer (files). Default false: latest frame wins. */
  readonly everyFrame?: boolean;
  /** Frames JS may hold at once (1..16, default 2). */
  readonly maxLent?: number;
  /** GStreamer: appsink sync (pace by the pipeline clock). Default false. */
  readonly sync?: boolean;
  /** GStreamer, non-live pipelines (files): seek back to the start at the end instead of ending. */
  readonly loop?: boolean;
  /** V4L2: the exact format to set (from `negotiateV4l2Format`). */
  readonly fourcc?: string;
  readonly width?: number;
  readonly height?: number;
  readonly intervalNumerator?: number;
  readonly intervalDenominator?: number;
}

/**
 * One capture stream. The constructor only parses and checks; the pipeline/device starts on the
 * addon's producer thread, so a start failure (missing file, busy camera) rejects the first
 * `next()`, and nothing waits for the camera on the JS thread. `next()` resolves with the next frame, or null at the end (EOS) or after
 * `close()`; it rejects with the backend's own message when the pipeline fails or the camera goes
 * away, and when all `maxLent` frames are still held. Only one `next()` may wait at a time.
 */
export interface CaptureStreamHandle {
  next(): Promise<NativeFrameDescriptor | null>;
  /** Give a frame back; its `data` (when passed) is detached first. False if it was released already. */
  release(slot: number, generation: number, data?: ArrayBuffer): boolean;
  /**
   * Stop: never blocks the JS thread. A waiting `next()` resolves with null at once; the producer
   * thread then stops the pipeline/device and the promise resolves (true) when it has. It never
   * settles while a stalled source keeps that thread stuck (a GStreamer filesrc in read() on a FIFO
   * whose writer hung): race it with a timer. Frames still held stay readable until released.
   */
  close(): Promise<boolean>;
  stats(): CaptureStats;
  info(): unknown;
  /** Test hook: a byte of a held frame read through the backend's own mapping (-1 if not held). */
  readNativeByte(slot: number, generation: number, offset: number): number;
}

export interface V4l2Interval {
  /** Seconds per frame = numerator / denominator (the fastest, for a continuous range). */
  readonly numerator: number;
  readonly denominator: number;
  /** Set for a continuous range: its slowest interval. */
  readonly maxNumerator?: number;
  readonly maxDenominator?: number;
}

export interface V4l2FrameSize {
  readonly width: number;
  readonly height: number;
  /** Frame intervals (seconds per frame as a fraction) the camera offers at this size. */
  readonly intervals: readonly V4l2Interval[];
  /** A stepwise size range (some CSI bridges): any size inside, on the step grid. */
  readonly range?: {
    readonly minWidth: number;
    readonly maxWidth: number;
    readonly stepWidth: number;
    readonly minHeight: number;
    readonly maxHeight: number;
    readonly stepHeight: number;
  };
}

export interface V4l2FormatInfo {
  /** Four-character code, e.g. "YUYV", "MJPG", "NV12". */
  readonly fourcc: string;
  readonly description: string;
  readonly compressed: boolean;
  readonly sizes: readonly V4l2FrameSize[];
}

export interface V4l2Device {
  readonly path: string;
  readonly card?: string;
  readonly driver?: string;
  readonly bus?: string;
  readonly formats: readonly V4l2FormatInfo[];
  /** Why the node could not be opened (permissions, busy); absent for a readable camera. */
  readonly error?: string;
}

export interface GstreamerInfo {
  readonly available: boolean;
  readonly version?: string;
  readonly error?: string;
  /** Whether the elements vtlink uses (and the Jetson's) are installed. */
  readonly elements?: Readonly<Record<string, boolean>>;
}

interface CaptureExports {
  CaptureStream: new (kind: 'gst' | 'v4l2', target: string, options?: CaptureStreamOptions) => CaptureStreamHandle;
  listV4l2Devices(dir?: string): V4l2Device[];
  gstreamerInfo(): GstreamerInfo;
  captureTesting: CaptureTesting;
}

/** Test-only exports: not for the product's code paths. */
export interface CaptureTesting {
  decodeMjpeg(jpeg: Uint8Array, width: number, height: number): Uint8Array;
  arrayBufferAddress(buffer: ArrayBuffer): bigint;
  MailboxProbe: new (mode: 'latest' | 'every', maxLent: number) => MailboxProbe;
}

export interface MailboxProbe {
  offer(id: number): 'accepted' | 'replaced' | 'wouldBlock' | 'closed';
  take(): { id: number; slot: number; generation: number } | 'empty' | 'lentFull' | 'ended' | 'failed' | 'closed';
  release(slot: number, generation: number): boolean;
  finish(error?: string): void;
  close(): number;
  stats(): CaptureStats & { notified: number; failure: string };
  recycled(): number[];
}

/** The addon's capture exports (throws NativeAddonMissingError when the addon is not built). */
export function captureAddon(): CaptureExports {
  return nativeAddon() as unknown as CaptureExports;
}

/** An error thrown by the addon's capture code: `code` says which kind (see OpenError in backend.h). */
export function captureErrorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
