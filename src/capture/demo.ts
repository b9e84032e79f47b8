import type { RgbImage } from '../image/frame';
import { loadDemoImage, type DemoFace } from './demo-image';
import { DemoRenderer } from './demo-render';
import { demoFramesPerPass, demoPoseAt, type DemoFrameSize } from './demo-script';
import type { FrameResult, FrameSource } from './source';

export { DEMO_IMAGE, loadDemoImage, demoFaceGeometry, demoImageCandidates, type DemoFace } from './demo-image';
export {
  DEMO_KEYFRAMES,
  DEMO_DURATION_S,
  demoGroundTruth,
  demoPoseAt,
  demoFramesPerPass,
  type DemoKeyframe,
  type DemoTruth,
  type DemoPose,
  type DemoVisibility,
  type DemoFrameSize,
} from './demo-script';

/**
 * The embedded demo input: a real face (see DEMO_IMAGE) moved through DEMO_KEYFRAMES, rendered
 * frame by frame. Deterministic: frame n is the same bytes on every run and machine, and
 * `demoGroundTruth(n, size)` says where the face is in it.
 */
export interface DemoSourceOptions {
  /** Output size. Default 640x480. */
  width?: number;
  height?: number;
  /** Frame rate for timeMs and the script's clock. Default 30. */
  fps?: number;
  /** Repeat the script for ever (until close()). Default false: one pass. */
  loop?: boolean;
  /** Stop after this many frames (with or without loop). */
  maxFrames?: number;
  /**
   * Hand out frames no faster than `fps`, like a camera (for the avatar's demo mode). Default
   * false: as fast as the consumer asks, for benchmarks and tests.
   */
  realTime?: boolean;
  /** Where to look for the face photo; see `loadDemoImage`. */
  searchDirs?: string[];
  /** An already loaded face (skips the file lookup). */
  face?: DemoFace;
}

/** Open the demo source. Rejects with `FrameSourceError` when the demo photo cannot be found. */
export async function openDemoSource(options: DemoSourceOptions = {}): Promise<FrameSource> {
  const face = options.face ?? (await loadDemoImage(options.searchDirs));
  const size: DemoFrameSize = { width: options.width ?? 640, height: options.height ?? 480, fps: options.fps ?? 30 };
  if (!(size.fps > 0)) throw new RangeError(`fps must be positive, got ${size.fps}`);
  const pass = demoFramesPerPass(size.fps);
  const limit = Math.min(options.maxFrames ?? Infinity, options.loop ? Infinity : pass);
  return new DemoSource(new DemoRenderer(face, size.width, size.height), size, limit, options.realTime ?? false);
}

class DemoSource implements FrameSource {
  readonly name = 'demo';
  readonly frameCount: number | undefined;
  private started = false;
  private closed = false;
  private wakeSleeper: (() => void) | null = null;

  constructor(
    private readonly renderer: DemoRenderer,
    private readonly size: DemoFrameSize,
    private readonly limit: number,
    private readonly realTime: boolean,
  ) {
    this.frameCount = Number.isFinite(limit) ? limit : undefined;
  }

  get width(): number {
    return this.size.width;
  }
  get height(): number {
    return this.size.height;
  }
  get fps(): number {
    return this.size.fps;
  }

  frames(): AsyncIterable<FrameResult> {
    if (this.started) throw new Error('demo: frames() may be called only once');
    this.started = true;
    return this.iterate();
  }

  private async *iterate(): AsyncGenerator<FrameResult> {
    const image: RgbImage = this.renderer.createFrame();
    const start = performance.now();
    try {
      for (let index = 0; index < this.limit && !this.closed; index++) {
        const timeMs = (index * 1000) / this.size.fps;
        if (this.realTime) await this.sleepUntil(start + timeMs);
        if (this.closed) return;
        this.renderer.render(demoPoseAt(timeMs / 1000, this.size), image);
        yield { kind: 'frame', image, index, timeMs, source: this.name };
      }
    } finally {
      this.closed = true;
    }
  }

  private sleepUntil(when: number): Promise<void> {
    const wait = when - performance.now();
    if (wait <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, wait);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wakeSleeper = done;
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const wake = this.wakeSleeper;
    this.wakeSleeper = null;
    wake?.();
  }
}
