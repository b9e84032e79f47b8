import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createRgbImage } from '../image/frame';
import { DecoderMissingError, FrameSourceError } from './errors';
import { RawFrameReader } from './raw-frame-reader';
import type { FrameResult, FrameSource } from './source';
import { firstLines, probeVideo, type VideoInfo } from './video-probe';

export { probeVideo, type VideoInfo } from './video-probe';

/**
 * A video file decoded by an ffmpeg child process (Debian package `ffmpeg`), every frame in order.
 *
 * ffprobe reads the size, rate and frame count when the source is opened; `frames()` starts
 * `ffmpeg … -f rawvideo -pix_fmt rgb24 -` and cuts its stdout into two reused frame buffers.
 * Backpressure: when the consumer is slow the pipe is left full and ffmpeg waits; nothing is dropped.
 * `timeMs` is index / fps (the nominal rate), so a variable-rate file gets evenly spaced times.
 *
 * Failures: a missing ffmpeg/ffprobe is a `DecoderMissingError` (from open, or from `frames()` if
 * only ffmpeg is missing); a file ffprobe cannot read fails the open with ffprobe's message; ffmpeg
 * exiting with an error mid-file makes the iterator throw a `FrameSourceError` with ffmpeg's
 * message, after the frames decoded before it. Damage ffmpeg decodes through (it logs and goes on,
 * exit status 0) does not stop the source; its messages are kept in `decoderLog`, and if the file
 * then ends short of its stated frame count (truncated), the iterator throws a `FrameSourceError`
 * with ffmpeg's messages after the last good frame.
 */
export interface VideoFileOptions {
  /** First frame to deliver (0-based); ffmpeg seeks there. Default 0. */
  startFrame?: number;
  /** Deliver at most this many frames. Default: all. */
  maxFrames?: number;
  /** ffmpeg executable. Default "ffmpeg" (from PATH). */
  ffmpegPath?: string;
  /** ffprobe executable. Default "ffprobe" (from PATH). */
  ffprobePath?: string;
}

/** Open `path` as a video. See `VideoFileOptions` and the `FrameSource` contract. */
export async function openVideoFile(path: string, options: VideoFileOptions = {}): Promise<VideoFileSource> {
  const startFrame = options.startFrame ?? 0;
  const maxFrames = options.maxFrames ?? Infinity;
  if (!Number.isInteger(startFrame) || startFrame < 0) throw new RangeError(`startFrame must be a non-negative integer, got ${startFrame}`);
  if (maxFrames !== Infinity && (!Number.isInteger(maxFrames) || maxFrames < 0)) {
    throw new RangeError(`maxFrames must be a non-negative integer, got ${maxFrames}`);
  }
  const info = await stat(path).catch((cause: Error) => {
    throw new FrameSourceError(path, `${path}: cannot open video (${cause.message})`, { cause });
  });
  if (!info.isFile()) throw new FrameSourceError(path, `${path}: not a file`);
  const video = await probeVideo(path, options.ffprobePath ?? 'ffprobe');
  return new VideoFileSource(path, video, startFrame, maxFrames, options.ffmpegPath ?? 'ffmpeg');
}

type Decoder = ChildProcessByStdio<null, Readable, Readable>;

/** Keep this much of ffmpeg's stderr: enough for its messages, bounded for a long damaged file. */
const MAX_LOG_CHARS = 8192;

export class VideoFileSource implements FrameSource {
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  readonly frameCount: number | undefined;
  private started = false;
  private closed = false;
  private decoder: Decoder | null = null;
  private reader: RawFrameReader | null = null;
  private exited: Promise<void> = Promise.resolve();
  private log = '';

  constructor(
    readonly name: string,
    readonly info: VideoInfo,
    readonly startFrame: number,
    readonly maxFrames: number,
    private readonly ffmpegPath: string,
  ) {
    this.width = info.width;
    this.height = info.height;
    this.fps = info.fps;
    const available = info.frameCount === undefined ? undefined : Math.max(0, info.frameCount - startFrame);
    this.frameCount = available === undefined ? undefined : Math.min(available, maxFrames);
  }

  /** ffmpeg's messages so far (its stderr at `-v error`), trimmed to the last few kilobytes. */
  get decoderLog(): string {
    return this.log;
  }

  /** The running ffmpeg's process id, for diagnostics; undefined before `frames()` and after it exits. */
  get decoderPid(): number | undefined {
    const d = this.decoder;
    return d && d.exitCode === null && d.signalCode === null ? d.pid : undefined;
  }

  frames(): AsyncIterable<FrameResult> {
    if (this.started) throw new Error(`${this.name}: frames() may be called only once`);
    this.started = true;
    return this.iterate();
  }

  private async *iterate(): AsyncGenerator<FrameResult> {
    if (this.closed || this.maxFrames === 0) return;
    const images = [createRgbImage(this.width, this.height), createRgbImage(this.width, this.height)];
    const reader = this.startDecoder(images.map((i) => i.data));
    try {
      for (let i = 0; i < this.maxFrames; i++) {
        let buffer: Uint8Array | null;
        try {
          buffer = await reader.next();
        } catch (error) {
          if (this.closed) return;
          throw error instanceof FrameSourceError
            ? error
            : new FrameSourceError(this.name, `${this.name}: video decoding failed: ${(error as Error).message}`, { cause: error });
        }
        if (this.closed) return;
        if (!buffer) {
          this.checkComplete(i);
          return;
        }
        const image = images[0].data === buffer ? images[0] : images[1];
        const index = this.startFrame + i;
        yield { kind: 'frame', image, index, timeMs: (index * 1000) / this.fps, source: this.name };
      }
    } finally {
      await this.close();
    }
  }

  /**
   * ffmpeg decodes through damage and exits 0 (a truncated mp4 just ends early). When the file
   * promised more frames and ffmpeg complained, that is a damaged file: say so rather than end
   * quietly. Fewer frames without complaint is not an error (nb_frames can be an estimate).
   */
  private checkComplete(delivered: number): void {
    if (this.frameCount === undefined || delivered >= this.frameCount) return;
    const why = firstLines(this.log);
    if (!why) return;
    throw new FrameSourceError(this.name, `${this.name}: video damaged: ended after ${delivered} of ${this.frameCount} frames: ${why}`);
  }

  private startDecoder(buffers: Uint8Array[]): RawFrameReader {
    const args = ['-nostdin', '-hide_banner', '-v', 'error'];
    // Seek half a frame early: ffmpeg then starts at the first frame whose time is >= that, i.e.
    // exactly `startFrame` for a constant-rate file, despite rounding of timestamps.
    if (this.startFrame > 0) args.push('-ss', ((this.startFrame - 0.5) / this.fps).toFixed(6));
    args.push('-i', this.name, '-map', '0:v:0');
    if (this.maxFrames !== Infinity) args.push('-frames:v', String(this.maxFrames));
    // passthrough: one output frame per decoded frame, never duplicated or dropped to hit a rate.
    args.push('-vsync', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-');

    const child = spawn(this.ffmpegPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.decoder = child;
    const reader = new RawFrameReader(child.stdout, buffers);
    this.reader = reader;
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      this.log = (this.log + s).slice(-MAX_LOG_CHARS);
    });
    this.exited = new Promise((resolve) => {
      child.on('error', (cause: NodeJS.ErrnoException) => {
        const missing = cause.code === 'ENOENT' || cause.code === 'EACCES';
        reader.fail(
          missing
            ? new DecoderMissingError(this.name, this.ffmpegPath, { cause })
            : new FrameSourceError(this.name, `${this.name}: cannot run ${this.ffmpegPath} (${cause.message})`, { cause }),
        );
        resolve();
      });
      child.on('close', (code, signal) => {
        if (this.closed) reader.cancel();
        else if (code === 0) reader.end();
        else {
          const why = firstLines(this.log) || (signal ? `killed by ${signal}` : `exit status ${code}`);
          reader.fail(new FrameSourceError(this.name, `${this.name}: ffmpeg failed: ${why}`));
        }
        resolve();
      });
    });
    return reader;
  }

  async close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.reader?.cancel();
      const child = this.decoder;
      if (child && child.exitCode === null && child.signalCode === null) {
        child.stdout.destroy();
        child.kill('SIGTERM');
        // ffmpeg normally exits at once (its pipe is gone); make sure of it.
        const force = setTimeout(() => child.kill('SIGKILL'), 2000);
        await this.exited;
        clearTimeout(force);
      }
    }
    await this.exited;
  }
}
