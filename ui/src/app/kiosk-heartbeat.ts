/**
 * The kiosk's frame clock: on the box's own screen (the page opened with `?kiosk=1`, as
 * vtlink-kiosk.service does) the page counts its requestAnimationFrame callbacks and reports the count
 * to the service every 2 s. A browser that is frozen but alive — a renderer stuck or stopped, a hung GPU
 * process, a compositor that no longer asks for frames — stops the count, and the service has the kiosk
 * restarted (src/service/kiosk-watch.ts). Other pages send nothing.
 */
import { ApiError, type ApiClient } from '../api/http';

export const KIOSK_HEARTBEAT_MS = 2000;

/** Whether this page is the kiosk's (`?kiosk=1` in its address). */
export function isKioskPage(search: string = location.search): boolean {
  return new URLSearchParams(search).get('kiosk') === '1';
}

export interface KioskHeartbeat {
  /** requestAnimationFrame callbacks since the heartbeat started. */
  readonly frames: number;
  /** Heartbeats the service accepted. */
  readonly sent: number;
  stop(): void;
}

export function startKioskHeartbeat(api: ApiClient, everyMs = KIOSK_HEARTBEAT_MS): KioskHeartbeat {
  let frames = 0;
  let sent = 0;
  let stopped = false;
  let inFlight = false;
  let raf = 0;
  const tick = (): void => {
    frames++;
    raf = requestAnimationFrame(tick);
  };
  raf = requestAnimationFrame(tick);
  const stop = (): void => {
    stopped = true;
    clearInterval(timer);
    cancelAnimationFrame(raf);
  };
  const beat = (): void => {
    // One at a time: a service that is slow to answer gets no pile of requests.
    if (stopped || inFlight) return;
    inFlight = true;
    const abort = new AbortController();
    const timeout = setTimeout(() => abort.abort(), everyMs * 2);
    api.kioskHeartbeat(frames, abort.signal).then(
      () => void sent++,
      (err: unknown) => {
        // Not on the box's own screen after all (another host opened ?kiosk=1): nobody to report to.
        if (err instanceof ApiError && err.status === 403) stop();
        // Anything else (the service restarting): the next beat tries again.
      },
    ).finally(() => {
      clearTimeout(timeout);
      inFlight = false;
    });
  };
  const timer = setInterval(beat, everyMs);
  beat();
  return {
    get frames() {
      return frames;
    },
    get sent() {
      return sent;
    },
    stop,
  };
}
