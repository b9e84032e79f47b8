/**
 * The camera preview for the UI (GET /api/preview.jpg?w=320). The service encodes a JPEG on the
 * tracking thread's CPU, so encodes are budgeted for the whole server, not per client: at most one
 * at a time and one per preview period (1/settings.display.previewFps). Within that budget a
 * request gets a fresh picture of its width; beyond it, the last picture of its width, or failing
 * that the latest picture of any width (the UI scales it). "No frame" answers are not kept, so a
 * picture is asked for again as soon as one exists. Widths are rounded to a multiple of 32.
 * When an encode takes long (a slow encoder on a small board), the next one waits at least twice
 * as long as it took, so the preview can never take more than about half of the thread the
 * tracker shares. (The per-client request rate is limited in the server as well.)
 */
import type { ServiceControl } from '../service/control';

export const PREVIEW_MIN_WIDTH = 64;
export const PREVIEW_MAX_WIDTH = 1280;
export const PREVIEW_DEFAULT_WIDTH = 320;
const MAX_CACHED_WIDTHS = 4;

type Picture = Promise<Uint8Array | null>;

export function previewWidth(requested: number): number {
  const w = Number.isFinite(requested) ? requested : PREVIEW_DEFAULT_WIDTH;
  return Math.min(PREVIEW_MAX_WIDTH, Math.max(PREVIEW_MIN_WIDTH, Math.round(w / 32) * 32));
}

export class PreviewCache {
  private readonly byWidth = new Map<number, { atMs: number; picture: Picture }>();
  private latest: Picture | null = null;
  private inFlight: Picture | null = null;
  private lastEncodeMs = -Infinity;
  private lastEncodeTookMs = 0;
  /** Encodes asked of the service so far (for tests and the bench). */
  encodes = 0;

  /** `now`: the monotonic clock in ms that times periods and encodes (tests pass their own). */
  constructor(
    private readonly control: ServiceControl,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** A JPEG at most about `width` wide (see above); null while the service has no frame. */
  get(width: number, periodMs: number): Picture {
    const nowMs = this.now();
    const w = previewWidth(width);
    const hit = this.byWidth.get(w);
    if (hit && nowMs - hit.atMs < periodMs) return hit.picture;
    const fallback = hit?.picture ?? this.latest;
    if (this.inFlight) return fallback ?? this.inFlight;
    if (nowMs - this.lastEncodeMs < Math.max(periodMs, 2 * this.lastEncodeTookMs) && fallback) return fallback;

    const picture = this.control.previewJpeg(w).catch(() => null);
    this.encodes++;
    this.lastEncodeMs = nowMs;
    this.inFlight = picture;
    void picture.then((jpeg) => {
      this.lastEncodeTookMs = this.now() - nowMs;
      if (this.inFlight === picture) this.inFlight = null;
      // "No frame" is not a picture to share: the next request asks again.
      if (jpeg === null) this.forget(picture);
    });
    this.latest = picture;
    this.byWidth.delete(w);
    this.byWidth.set(w, { atMs: nowMs, picture });
    if (this.byWidth.size > MAX_CACHED_WIDTHS) {
      const oldest = this.byWidth.keys().next().value;
      if (oldest !== undefined) this.byWidth.delete(oldest);
    }
    return picture;
  }

  private forget(picture: Picture): void {
    if (this.latest === picture) this.latest = null;
    for (const [w, entry] of this.byWidth) if (entry.picture === picture) this.byWidth.delete(w);
  }
}
