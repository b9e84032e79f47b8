/**
 * The camera preview for the UI (GET /api/preview.jpg?w=320). Encoding a JPEG costs CPU the tracker
 * needs, so encodes are shared: a picture of a given width is reused for 1/previewFps seconds, and
 * concurrent requests wait for the same encode. Widths are rounded to a multiple of 32 and only a
 * few are kept, so clients asking for odd sizes cannot multiply the work. (The per-client request
 * rate is limited in the server.)
 */
import type { ServiceControl } from '../service/control';

export const PREVIEW_MIN_WIDTH = 64;
export const PREVIEW_MAX_WIDTH = 1280;
export const PREVIEW_DEFAULT_WIDTH = 320;
const MAX_CACHED_WIDTHS = 4;

interface Entry {
  atMs: number;
  pending: Promise<Uint8Array | null>;
}

export function previewWidth(requested: number): number {
  const w = Number.isFinite(requested) ? requested : PREVIEW_DEFAULT_WIDTH;
  return Math.min(PREVIEW_MAX_WIDTH, Math.max(PREVIEW_MIN_WIDTH, Math.round(w / 32) * 32));
}

export class PreviewCache {
  private readonly entries = new Map<number, Entry>();
  encodes = 0;

  constructor(private readonly control: ServiceControl) {}

  /** JPEG bytes at most `width` wide (rounded, see previewWidth), at most `maxAgeMs` old; null if no frame yet. */
  get(width: number, maxAgeMs: number, nowMs: number = performance.now()): Promise<Uint8Array | null> {
    const w = previewWidth(width);
    const hit = this.entries.get(w);
    if (hit && nowMs - hit.atMs < maxAgeMs) return hit.pending;
    const pending = this.control.previewJpeg(w).catch(() => null);
    this.encodes++;
    this.entries.delete(w);
    this.entries.set(w, { atMs: nowMs, pending });
    if (this.entries.size > MAX_CACHED_WIDTHS) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    return pending;
  }
}
