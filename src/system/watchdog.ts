/**
 * The systemd watchdog, honestly: WATCHDOG=1 is sent only while the service makes progress. Each
 * tick asks `alive()`; the service answers true when its frame counter advanced since the last tick
 * (or while a known camera-retry loop runs). A hung pipeline therefore stops the pings and systemd
 * restarts the service after WatchdogSec, which a timer that always pinged would never allow.
 */

export interface WatchdogOptions {
  intervalMs: number;
  /** Whether the service made progress since the previous call. */
  alive: () => boolean;
  ping: () => void;
  /** Told when pings stop and when they resume (for the log). */
  onChange?: (pinging: boolean) => void;
}

export class Watchdog {
  private timer: NodeJS.Timeout | null = null;
  private pinging = true;
  pings = 0;

  constructor(private readonly options: WatchdogOptions) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), this.options.intervalMs);
    this.timer.unref(); // the watchdog must never be what keeps the process alive
  }

  /** One check: ping if alive. Public so a caller can tick at a moment of its choosing. */
  tick(): void {
    const alive = this.options.alive();
    if (alive) {
      this.options.ping();
      this.pings++;
    }
    if (alive !== this.pinging) {
      this.pinging = alive;
      this.options.onChange?.(alive);
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

/**
 * Progress as the watchdog judges it: the frame counter moved since the last check, a known
 * camera-retry loop runs, or the next frame is not yet overdue. Overdue follows the pipeline's own
 * pace: STALL_FRAMES x the longer of its recent time per frame (e.g. the status's median latency)
 * and the slowest of the last PACE_SAMPLES observed frame periods. A slow host that takes 6 s a frame
 * (an emulated guest, a board under load) is not killed for being slow; a hang still stops the pings,
 * after STALL_FRAMES frame periods on a slow host and at the next check on a fast one. Until
 * PACE_SAMPLES periods are seen the pace is unknown and the check interval stands in for it.
 */
export class ProgressCheck {
  private lastFrames = -1;
  private lastProgressAt: number;
  private readonly periods: number[] = [];

  /** `intervalMs`: how often alive() is asked (the watchdog's ping interval). */
  constructor(
    private readonly intervalMs: number,
    private readonly stallFrames = STALL_FRAMES,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.lastProgressAt = now();
  }

  /** `frameMs`: the pipeline's recent time per frame (e.g. the status's median total latency). */
  alive(framesProcessed: number, retrying: boolean, frameMs: number): boolean {
    const t = this.now();
    if (framesProcessed !== this.lastFrames) {
      if (this.lastFrames >= 0 && framesProcessed > this.lastFrames) {
        this.periods.push((t - this.lastProgressAt) / (framesProcessed - this.lastFrames));
        if (this.periods.length > PACE_SAMPLES) this.periods.shift();
      }
      this.lastFrames = framesProcessed;
      this.lastProgressAt = t;
      return true;
    }
    if (retrying) return true;
    const pace = this.periods.length < PACE_SAMPLES ? this.intervalMs : Math.max(...this.periods);
    return t - this.lastProgressAt < this.stallFrames * Math.max(Number.isFinite(frameMs) ? frameMs : 0, pace);
  }
}

/** Frame periods a frame may take before the pipeline counts as stalled. */
export const STALL_FRAMES = 3;
/** Observed frame periods kept (the slowest of them is the pace). */
export const PACE_SAMPLES = 3;
