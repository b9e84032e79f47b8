/**
 * The service as systemd sees it (Type=notify, WatchdogSec=): READY=1 once the models are loaded
 * and the first frame is tracked (or the camera is missing and being retried: see VtlinkService.ready); STATUS= every few seconds with the state and FPS; WATCHDOG=1 only
 * while frames go through the tracker at its own pace or the camera-retry loop runs; STOPPING=1 on the way out.
 */
import type { Logger } from '../system/log';
import { SystemdNotifier } from '../system/notify';
import { ProgressCheck, Watchdog } from '../system/watchdog';
import type { ServiceStatus } from './control';

export interface SystemdLinkTarget {
  readonly ready: Promise<unknown>;
  status(): ServiceStatus;
  /** `retrying`: the camera is being retried or opened, so no frame is owed to the tracker. */
  progress(): { framesProcessed: number; retrying: boolean };
}

export interface SystemdLinkOptions {
  notifier?: SystemdNotifier;
  log: Logger;
  /** STATUS= period. Default 2000 ms. */
  statusIntervalMs?: number;
}

/** One line for `systemctl status`: "tracking, 29.8 fps, camera v4l2:/dev/video0". */
export function statusLine(s: ServiceStatus): string {
  const camera = s.camera.state === 'retrying' ? `camera ${s.camera.source} retrying: ${s.camera.detail ?? ''}` : `camera ${s.camera.source}`;
  return `${s.state}, ${s.fps.toFixed(1)} fps, ${camera}`;
}

export class SystemdLink {
  readonly notifier: SystemdNotifier;
  private readonly watchdog: Watchdog | null;
  private statusTimer: NodeJS.Timeout | null = null;
  private readonly progress: ProgressCheck;
  private closed = false;

  constructor(
    private readonly service: SystemdLinkTarget,
    private readonly options: SystemdLinkOptions,
  ) {
    this.notifier = options.notifier ?? new SystemdNotifier({ onError: (m) => options.log.warn(m) });
    const interval = this.notifier.enabled ? this.notifier.watchdogIntervalMs : null;
    this.progress = new ProgressCheck(interval ?? 0);
    this.watchdog =
      interval === null
        ? null
        : new Watchdog({
            intervalMs: interval,
            alive: () => this.alive(),
            ping: () => this.notifier.watchdog(),
            onChange: (pinging) =>
              pinging ? options.log.info('watchdog: frames are flowing again; pings resumed') : options.log.warn('watchdog: no frame was processed since the last ping; pings stopped'),
          });
  }

  start(): void {
    if (!this.notifier.enabled) return;
    void this.service.ready.then(() => {
      if (this.closed) return;
      this.notifier.ready(statusLine(this.service.status()));
      this.watchdog?.start();
      this.statusTimer = setInterval(() => this.notifier.status(statusLine(this.service.status())), this.options.statusIntervalMs ?? 2000);
      this.statusTimer.unref();
    });
  }

  stopping(): void {
    this.closed = true;
    this.watchdog?.stop();
    if (this.statusTimer) clearInterval(this.statusTimer);
    this.notifier.stopping('stopping');
  }

  /** Alive: frames go through at the pipeline's own pace, or a known camera-retry loop runs (ProgressCheck). */
  private alive(): boolean {
    const { framesProcessed, retrying } = this.service.progress();
    return this.progress.alive(framesProcessed, retrying, this.service.status().latency.totalMs);
  }
}
