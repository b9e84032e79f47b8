import type { Readable } from 'node:stream';

/**
 * Cuts a byte stream of fixed-size raw frames (e.g. ffmpeg's `-f rawvideo` on stdout) into a small
 * pool of preallocated buffers, with backpressure.
 *
 * One buffer is lent to the consumer (the frame it is working on), the others fill from the stream
 * meanwhile, so the decoder runs ahead by up to the pool size minus one frame. When every buffer
 * is full or lent, the stream is paused: the pipe fills and the decoder blocks, so a slow consumer
 * slows the decoder down and no frame is dropped. The stream's own chunks are copied once into our
 * buffers; no frame-sized allocation after construction.
 *
 * The owner says how the input ended (`end()`, `fail()`), because for a child process only the
 * exit status, known after the stream closes, tells a clean end from an error.
 */
export class RawFrameReader {
  private readonly free: Uint8Array[];
  private filling: Uint8Array | null = null;
  private fillOffset = 0;
  private readonly ready: Uint8Array[] = [];
  private lent: Uint8Array | null = null;
  /** Stream bytes that arrived while no buffer was free; the stream is paused while this is set. */
  private pending: Uint8Array | null = null;
  private ended = false;
  private failure: Error | null = null;
  private wake: (() => void) | null = null;

  constructor(
    private readonly stream: Readable,
    /** Preallocated frame buffers, all of the frame size; at least two to overlap decode and use. */
    buffers: Uint8Array[],
  ) {
    if (buffers.length < 2) throw new RangeError('RawFrameReader needs at least two buffers');
    this.frameBytes = buffers[0].length;
    if (buffers.some((b) => b.length !== this.frameBytes)) throw new RangeError('frame buffers differ in size');
    this.free = [...buffers];
    stream.on('data', (chunk: Buffer) => this.accept(chunk));
  }

  readonly frameBytes: number;

  /**
   * The next complete frame, or null at the end. The previously returned buffer goes back to the
   * pool (it will be overwritten). Rejects with the error given to `fail()` once the frames that
   * arrived before it have been handed out, or when the input ended in the middle of a frame.
   */
  async next(): Promise<Uint8Array | null> {
    if (this.lent) {
      this.free.push(this.lent);
      this.lent = null;
    }
    this.drainPending();
    for (;;) {
      const frame = this.ready.shift();
      if (frame) {
        this.lent = frame;
        this.drainPending();
        return frame;
      }
      if (this.failure) throw this.failure;
      if (this.ended) {
        if (this.fillOffset > 0 && this.filling) {
          this.filling = null;
          throw new Error(`input ended in the middle of a frame (${this.fillOffset} of ${this.frameBytes} bytes)`);
        }
        return null;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /** The input ended cleanly: frames already received are still handed out. */
  end(): void {
    this.ended = true;
    this.notify();
  }

  /** The input failed: frames already received are handed out first, then `next()` rejects. */
  fail(error: Error): void {
    if (!this.failure && !this.ended) this.failure = error;
    this.notify();
  }

  /** Stop now: drop queued frames; the pending and later `next()` resolve null. */
  cancel(): void {
    this.ready.length = 0;
    this.pending = null;
    this.filling = null;
    this.fillOffset = 0;
    this.failure = null;
    this.ended = true;
    this.notify();
  }

  private accept(chunk: Uint8Array): void {
    if (this.ended) return;
    if (this.pending) {
      // Only possible if a chunk was already on its way when we paused.
      this.pending = Buffer.concat([this.pending, chunk]);
      return;
    }
    this.copyIn(chunk);
  }

  private copyIn(chunk: Uint8Array): void {
    let pos = 0;
    while (pos < chunk.length) {
      if (!this.filling) {
        const buffer = this.free.pop();
        if (!buffer) {
          this.pending = chunk.subarray(pos);
          this.stream.pause();
          return;
        }
        this.filling = buffer;
        this.fillOffset = 0;
      }
      const n = Math.min(chunk.length - pos, this.frameBytes - this.fillOffset);
      this.filling.set(chunk.subarray(pos, pos + n), this.fillOffset);
      this.fillOffset += n;
      pos += n;
      if (this.fillOffset === this.frameBytes) {
        this.ready.push(this.filling);
        this.filling = null;
        this.fillOffset = 0;
        this.notify();
      }
    }
  }

  private drainPending(): void {
    if (!this.pending) return;
    const chunk = this.pending;
    this.pending = null;
    this.copyIn(chunk);
    if (!this.pending && !this.ended) this.stream.resume();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}
