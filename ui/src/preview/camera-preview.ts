/**
 * The camera view: downscaled JPEGs from GET /api/preview.jpg with the tracking drawn over them.
 *
 * Rate-limited on purpose: one request in flight at most and at most `maxFps` a second (the service
 * also caches encodes and limits each client), so the preview costs tracking little; images decode
 * off the main thread (createImageBitmap) and drawing is one canvas blit plus the overlay, so the
 * avatar's frame rate is not disturbed. The overlay comes from a low-rate detailed stream `feed`.
 */
import { ApiError, type ApiClient } from '../api/http';
import { drawFaceOverlay } from './overlay';
import type { StreamFrame } from './stream-frame';

/** A source of stream frames (the WebSocket stream at detail=full or landmarks68, low rate). */
export interface FrameFeed {
  subscribe(listener: (frame: StreamFrame) => void): () => void;
}

export interface CameraPreviewOptions {
  api: ApiClient;
  /** Opens the detailed stream while the preview is shown; returns it (closed on stop). */
  openFeed: () => FrameFeed & { close(): void };
  /** Pixel width asked of the service. */
  width?: number;
  maxFps?: number;
  /**
   * Whether the service tracks a mirrored picture (settings.camera.mirror). The preview JPEG is the
   * camera's own picture, while the landmarks are in mirrored coordinates, so the picture is flipped
   * to match them.
   */
  mirrored?: () => boolean;
  /** Asks to pair this browser: the camera picture is only for the box's screen and paired hosts. */
  requestPairing?: () => void;
}

export class CameraPreview {
  readonly element: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  private readonly g: CanvasRenderingContext2D;
  private readonly message: HTMLElement;
  private running = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private abort: AbortController | null = null;
  private feed: (FrameFeed & { close(): void }) | null = null;
  private unsubscribe: (() => void) | null = null;
  private image: ImageBitmap | null = null;
  private frame: StreamFrame | null = null;
  /** Counters for the health of the view (read by tests and the UI). */
  readonly stats = { images: 0, overlays: 0, failures: 0 };

  constructor(private readonly options: CameraPreviewOptions) {
    this.canvas = document.createElement('canvas');
    this.canvas.width = options.width ?? 320;
    this.canvas.height = Math.round(((options.width ?? 320) * 3) / 4);
    this.canvas.className = 'preview-canvas';
    this.canvas.dataset.testid = 'preview-canvas';
    const g = this.canvas.getContext('2d');
    if (!g) throw new Error('no 2D canvas');
    this.g = g;
    this.message = document.createElement('div');
    this.message.className = 'preview-message';
    this.message.addEventListener('click', () => {
      if (this.message.dataset.private === 'true') this.options.requestPairing?.();
    });
    this.element = document.createElement('div');
    this.element.className = 'preview';
    this.element.append(this.canvas, this.message);
  }

  get isRunning(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.feed = this.options.openFeed();
    this.unsubscribe = this.feed.subscribe((f) => {
      this.frame = f;
      this.draw();
    });
    this.message.textContent = 'Waiting for the camera…';
    void this.fetchLoop();
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.abort?.abort();
    this.unsubscribe?.();
    this.feed?.close();
    this.feed = null;
    this.unsubscribe = null;
  }

  private async fetchLoop(): Promise<void> {
    const minIntervalMs = 1000 / (this.options.maxFps ?? 5);
    const startedAt = performance.now();
    let waitMs = minIntervalMs;
    this.abort = new AbortController();
    try {
      const bitmap = await this.options.api.preview(this.options.width ?? 320, this.abort.signal);
      if (bitmap) {
        this.image?.close();
        this.image = bitmap;
        this.stats.images++;
        this.message.textContent = '';
        this.message.dataset.private = 'false';
        this.draw();
      }
    } catch (err) {
      if (!this.running) return;
      this.stats.failures++;
      if (err instanceof ApiError && err.status === 401) {
        // The picture of the room is for the box's own screen and paired hosts.
        this.message.textContent = 'The camera picture is private on the network: tap here and enter the PIN shown on the box to see it.';
        this.message.dataset.private = 'true';
        waitMs = 5000;
      } else if (err instanceof ApiError && err.status === 403) {
        this.message.textContent = err.message;
        waitMs = 5000; // switched off in the settings: look again now and then
      } else if (err instanceof ApiError && err.status === 429) {
        waitMs = 1000;
      } else {
        this.message.textContent = err instanceof Error ? err.message : String(err);
        waitMs = 2000;
      }
    }
    if (!this.running) return;
    const elapsed = performance.now() - startedAt;
    this.timer = setTimeout(() => void this.fetchLoop(), Math.max(0, waitMs - elapsed));
  }

  private draw(): void {
    const img = this.image;
    if (!img) return;
    if (this.canvas.width !== img.width || this.canvas.height !== img.height) {
      this.canvas.width = img.width;
      this.canvas.height = img.height;
    }
    if (this.options.mirrored?.()) {
      this.g.save();
      this.g.translate(img.width, 0);
      this.g.scale(-1, 1);
      this.g.drawImage(img, 0, 0);
      this.g.restore();
    } else {
      this.g.drawImage(img, 0, 0);
    }
    const face = this.frame?.face;
    if (face && this.frame) {
      drawFaceOverlay(this.g, face, img.width / this.frame.width);
      this.stats.overlays++;
    }
  }
}
