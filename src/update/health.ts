/**
 * "Health decides": the booted slot is marked good only once vtlink has been READY and making
 * progress on it for a while. Progress is the watchdog's notion (src/system/watchdog.ts
 * ProgressCheck): frames go through the tracker at its own pace, or the camera-retry loop runs (a box
 * whose camera is unplugged is healthy; an update must not be rolled back for that).
 */
import { ProgressCheck } from '../system/watchdog';

/**
 * How long vtlink must be healthy before its slot is marked good. Long enough to outlast what a broken
 * update shows in its first minute: a crash loop (Restart= after 2 s, five starts in 2 minutes), a
 * hang the watchdog kills (WatchdogSec=10), models that load but fail on the first frames. Short
 * enough that a user who powers the box off soon after an update rarely leaves the slot untried: an
 * unmarked slot is only retried until the bootloader's try counter runs out, then the old slot boots.
 */
export const HEALTHY_FOR_MS = 60_000;
/** How often progress is looked at. */
export const HEALTH_TICK_MS = 2_000;

export interface HealthGateOptions {
  /** Resolves at READY=1 (VtlinkService.ready). */
  ready: Promise<unknown>;
  /** Whether the service made progress since the last call (asked every tickMs). */
  alive: () => boolean;
  healthyForMs?: number;
  tickMs?: number;
  now?: () => number;
  /** Called once, when the service has been alive for healthyForMs without a break. */
  onHealthy: () => void;
}

export class HealthGate {
  private timer: NodeJS.Timeout | null = null;
  private healthySince: number | null = null;
  private stopped = false;
  private fired = false;
  private readonly now: () => number;
  readonly healthyForMs: number;

  constructor(private readonly options: HealthGateOptions) {
    this.now = options.now ?? (() => performance.now());
    this.healthyForMs = options.healthyForMs ?? HEALTHY_FOR_MS;
  }

  start(): void {
    void this.options.ready.then(() => {
      if (this.stopped) return;
      this.healthySince = this.now();
      this.timer = setInterval(() => this.tick(), this.options.tickMs ?? HEALTH_TICK_MS);
      this.timer.unref();
    });
  }

  /** Milliseconds of unbroken health so far (0 before READY or right after a stall). */
  get healthyForSoFarMs(): number {
    return this.healthySince === null ? 0 : Math.max(0, this.now() - this.healthySince);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private tick(): void {
    if (this.fired) return;
    if (!this.options.alive()) {
      // A stall starts the clock again: health is an unbroken stretch.
      this.healthySince = null;
      return;
    }
    const t = this.now();
    this.healthySince ??= t;
    if (t - this.healthySince >= this.healthyForMs) {
      this.fired = true;
      this.stop();
      this.options.onHealthy();
    }
  }
}

/**
 * The watchdog's notion of progress (src/system/watchdog.ts ProgressCheck) asked of the service:
 * frames go through at the pipeline's own pace, or the camera-retry loop runs.
 */
export function serviceAlive(
  service: { progress(): { framesProcessed: number; retrying: boolean }; status(): { latency: { totalMs: number } } },
  tickMs = HEALTH_TICK_MS,
): () => boolean {
  const check = new ProgressCheck(tickMs);
  return () => {
    const p = service.progress();
    return check.alive(p.framesProcessed, p.retrying, service.status().latency.totalMs);
  };
}
