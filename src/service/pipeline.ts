/**
 * The frame loop: source → tracker → listeners, for as long as the service runs.
 *
 * The camera is opened from the settings; when it is missing at start, fails mid-run or a live
 * stream ends, the loop reports 'retrying' with the reason and tries again after 0.5 s, doubling to
 * 10 s, until it opens (a settings change retries at once). A video file loops inside its
 * GStreamer pipeline (camera.ts: no re-open); a still or image folder at its end is opened again
 * (the appliance plays it like a camera); with `once` the input's end ends the loop.
 *
 * Changes from outside (a new camera, a new tracker, the live tracker settings, forgetting the face,
 * calibrating) take effect between two frames, never inside a frame's tracking.
 *
 * Frames overlap (FaceTracker.submit): the next frame is read as soon as the tracker has released the
 * current one, while its irises and geometry still run; results reach `onFrame` in frame order.
 */
import type { CapturedFrame, FrameResult, FrameSource } from '../capture/source';
import type { Settings } from '../config';
import { Backoff } from '../outputs/backoff';
import type { Logger } from '../system/log';
import type { FaceTracker } from '../tracking/tracker';
import type { TrackingFrame } from '../tracking/types';
import { CAMERA_RETRY, openCamera, paced, sourceKind } from './camera';
import type { CameraStatus } from './control';
import { applyLiveTrackerSettings, type LiveTrackerSettings } from './tracker-host';

export interface PipelineOptions {
  tracker: FaceTracker;
  camera: Settings['camera'];
  /** Mirror, sensitivity and automatic calibration, applied to whichever tracker runs (a rebuilt one included). */
  live: LiveTrackerSettings;
  once: boolean;
  log: Logger;
  /** Called with each frame before it is tracked; `captured` is valid only during the call (buffer reuse). */
  onCaptured?: (captured: CapturedFrame) => void;
  /** Called with each tracked frame, in frame order. */
  onFrame: (frame: TrackingFrame, tracker: FaceTracker) => void;
  /** Called when a camera retry wait begins. */
  onRetry?: (reason: string) => void;
}

type Wake = () => void;

/** Frames a newly opened camera gives before the watchdog holds it to the pipeline's pace. */
export const CAMERA_WARMUP_FRAMES = 3;

export class Pipeline {
  private tracker: FaceTracker;
  private nextTracker: FaceTracker | null = null;
  private resetRequested = false;
  private forgetCalibrationRequested = false;
  private calibrateRequested = 0;
  private camera: Settings['camera'];
  private live: LiveTrackerSettings;
  private source: FrameSource | null = null;
  private stopping = false;
  private wake: Wake | null = null;
  private droppedBefore = 0;
  /** The last submitted frame's delivery, and the first tracking error since the source opened. */
  private delivered: Promise<void> = Promise.resolve();
  private trackingError: Error | null = null;
  /** Frames through the tracker since start (the watchdog's progress counter). */
  framesProcessed = 0;
  /** Frames the source could not decode (skipped). */
  framesSkipped = 0;
  readonly cameraStatus: CameraStatus;
  /** The open source has given a frame (or a skipped one) since it was opened. */
  /** Frames the current source has given (skipped ones included). */
  private sourceFrames = 0;

  constructor(private readonly options: PipelineOptions) {
    this.tracker = options.tracker;
    this.camera = options.camera;
    this.live = options.live;
    this.cameraStatus = { source: options.camera.source, state: 'starting', droppedFrames: 0 };
  }

  /** Whether a known camera-retry loop is running (the watchdog counts it as alive). */
  get retrying(): boolean {
    return this.cameraStatus.state === 'retrying';
  }

  /**
   * Whether the camera is being opened, or is open and still warming up (fewer than
   * CAMERA_WARMUP_FRAMES frames): no frame is owed to the tracker. A GStreamer file pipeline in the
   * emulated guest took 40 s to its first frame, and its next frames came slower than the pace the
   * watchdog had learnt from the camera before it (the service was restarted once by its watchdog
   * right after a camera switch). A camera that never delivers ends in the capture's own stall
   * detection and the retry loop.
   */
  get awaitingCamera(): boolean {
    return this.cameraStatus.state === 'starting' || (this.cameraStatus.state === 'running' && this.sourceFrames < CAMERA_WARMUP_FRAMES);
  }

  get currentTracker(): FaceTracker {
    return this.nextTracker ?? this.tracker;
  }

  /** Frames the live source dropped because tracking was busy, over every source opened. */
  get droppedFrames(): number {
    return this.droppedBefore + droppedOf(this.source);
  }

  /** Runs until stop(), or with `once` until the input ends once. */
  async run(): Promise<void> {
    const backoff = new Backoff(CAMERA_RETRY);
    /** The same file played again after its end: still 'running' for the status (no flicker). */
    let replay = false;
    while (!this.stopping) {
      const camera = this.camera;
      if (!replay || this.cameraStatus.state !== 'running') this.setCamera(camera, 'starting');
      replay = false;
      let source: FrameSource;
      try {
        source = await openCamera(camera, { once: this.options.once });
      } catch (err) {
        await this.retry(camera, `cannot open: ${(err as Error).message}`, backoff);
        continue;
      }
      if (this.stopping || this.camera !== camera) {
        await source.close();
        continue;
      }
      const outcome = await this.consume(source, camera, backoff);
      if (this.stopping) break;
      if (this.camera !== camera) continue; // reopen with the new settings, at once
      if (outcome.failure) {
        await this.retry(camera, outcome.failure, backoff);
        continue;
      }
      if (this.options.once) break;
      const kind = sourceKind(camera.source);
      if (kind === 'live') await this.retry(camera, 'the camera stream ended', backoff);
      else if (outcome.frames === 0) await this.retry(camera, 'the input has no frames', backoff);
      else replay = true; // a file at its end plays again
    }
    this.cameraStatus.state = 'stopped';
    delete this.cameraStatus.detail;
  }

  /** Use these camera settings: the source is closed and opened again between two frames. */
  reopen(camera: Settings['camera']): void {
    this.camera = camera;
    this.cameraStatus.source = camera.source;
    void this.source?.close();
    this.wakeUp();
  }

  /** Track with `next` from the next frame on; the previous tracker is released once it is idle. */
  setTracker(next: FaceTracker): void {
    const replaced = this.nextTracker;
    this.nextTracker = next;
    if (replaced) void replaced.release();
  }

  /** Track with these live settings from the next frame on (no new tracker, no camera reopen). */
  setLiveSettings(live: LiveTrackerSettings): void {
    this.live = live;
  }

  /** Forget the tracked face before the next frame. */
  restartTracking(): void {
    this.resetRequested = true;
  }

  /** Forget the explicit neutral and the automatic calibration's statistics before the next frame. */
  resetCalibration(): void {
    this.forgetCalibrationRequested = true;
  }

  /** Average the next `frames` frames with a face into the neutral calibration. */
  calibrateNeutral(frames: number): void {
    this.calibrateRequested = frames;
  }

  /** Ends the loop: closes the source (ending a pending read) and wakes a retry wait. */
  async stop(): Promise<void> {
    this.stopping = true;
    const source = this.source;
    this.wakeUp();
    if (source) await source.close();
  }

  /** Release the trackers (after run() has returned). */
  async release(): Promise<void> {
    const all = [this.tracker, this.nextTracker].filter((t): t is FaceTracker => t !== null);
    this.nextTracker = null;
    await Promise.all(all.map((t) => t.release()));
  }

  private async consume(source: FrameSource, camera: Settings['camera'], backoff: Backoff): Promise<{ frames: number; failure?: string }> {
    this.source = source;
    this.sourceFrames = 0;
    this.setCamera(camera, 'running', undefined, source);
    let frames = 0;
    try {
      let results: AsyncIterable<FrameResult> = source.frames();
      if (sourceKind(camera.source) === 'file') results = paced(results, source.fps ?? camera.fps, () => this.source !== source || this.stopping);
      for await (const result of results) {
        if (this.stopping || this.camera !== camera) break;
        this.sourceFrames++;
        if (result.kind === 'skipped') {
          this.framesSkipped++;
          continue;
        }
        await this.process(result);
        frames++;
        if (frames === 1) backoff.reset();
      }
      await this.drain();
      return { frames };
    } catch (err) {
      return { frames, failure: (err as Error).message };
    } finally {
      await this.delivered;
      this.trackingError = null;
      this.droppedBefore += droppedOf(source);
      this.source = null;
      await source.close();
    }
  }

  /** Waits for the frames in flight; throws the first error tracking them raised. */
  private async drain(): Promise<void> {
    await this.delivered;
    if (this.trackingError) throw this.trackingError;
  }

  private async process(captured: CapturedFrame): Promise<void> {
    if (this.trackingError) throw this.trackingError;
    if (this.nextTracker) {
      await this.drain(); // the old tracker's last frame first
      const old = this.tracker;
      this.tracker = this.nextTracker;
      this.nextTracker = null;
      void old.release();
    }
    const tracker = this.tracker;
    applyLiveTrackerSettings(tracker, this.live);
    if (this.resetRequested) {
      this.resetRequested = false;
      tracker.reset();
    }
    // Before a calibration requested after it, so the new neutral is not wiped.
    if (this.forgetCalibrationRequested) {
      this.forgetCalibrationRequested = false;
      tracker.features.resetCalibration();
    }
    if (this.calibrateRequested > 0) {
      tracker.calibrateNeutral(this.calibrateRequested);
      this.calibrateRequested = 0;
    }
    this.options.onCaptured?.(captured);
    const job = tracker.submit(captured);
    this.delivered = job.result
      .then((frame) => {
        this.framesProcessed++;
        this.options.onFrame(frame, tracker);
      })
      .catch((err: Error) => {
        this.trackingError ??= err;
      });
    await job.released;
  }

  private async retry(camera: Settings['camera'], reason: string, backoff: Backoff): Promise<void> {
    if (this.stopping || this.camera !== camera) return;
    const delay = backoff.next();
    if (this.cameraStatus.state !== 'retrying' || this.cameraStatus.detail !== reason) {
      this.options.log.warn(`camera ${camera.source}: ${reason}; retrying (next try in ${(delay / 1000).toFixed(1)} s)`);
    }
    this.setCamera(camera, 'retrying', reason);
    this.options.onRetry?.(reason);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, delay);
      const wake = (): void => done();
      this.wake = wake;
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
    });
    this.wake = null;
  }

  private wakeUp(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  private setCamera(camera: Settings['camera'], state: CameraStatus['state'], detail?: string, source?: FrameSource): void {
    const s = this.cameraStatus;
    const wasRetrying = s.state === 'retrying';
    s.source = camera.source;
    s.state = state;
    if (detail === undefined) delete s.detail;
    else s.detail = detail;
    if (source) {
      s.width = source.width;
      s.height = source.height;
      if (wasRetrying) this.options.log.info(`camera ${camera.source}: open again (${source.width}x${source.height})`);
    }
  }
}

/** Live sources count the frames they dropped for a busy consumer; others have no such counter. */
function droppedOf(source: FrameSource | null): number {
  return source?.dropped ?? 0;
}
