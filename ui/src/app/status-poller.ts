/**
 * Polls GET /api/status about once a second for the health panel and the output badges. One request
 * at a time (a slow service is never queued up on), paused while the page is hidden.
 */
import type { ApiClient, ServiceStatus } from '../api/http';

export type StatusListener = (status: ServiceStatus | null, error: string | null) => void;

export class StatusPoller {
  private readonly listeners = new Set<StatusListener>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private running = false;
  private last: ServiceStatus | null = null;
  private lastError: string | null = null;
  private inFlight = false;

  constructor(
    private readonly api: ApiClient,
    private readonly intervalMs = 1000,
  ) {}

  get latest(): ServiceStatus | null {
    return this.last;
  }

  subscribe(fn: StatusListener): () => void {
    this.listeners.add(fn);
    if (this.last || this.lastError) fn(this.last, this.lastError);
    return () => this.listeners.delete(fn);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.tick();
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Poll now (e.g. right after a change) instead of waiting for the next tick. */
  refresh(): void {
    if (!this.running || this.inFlight) return;
    if (this.timer) clearTimeout(this.timer);
    void this.tick();
  }

  private async tick(): Promise<void> {
    this.timer = null;
    this.inFlight = true;
    if (!document.hidden) {
      const abort = new AbortController();
      const guard = setTimeout(() => abort.abort(), 3000);
      try {
        this.last = await this.api.status(abort.signal);
        this.lastError = null;
      } catch (err) {
        this.last = null;
        this.lastError = err instanceof Error ? err.message : String(err);
      } finally {
        clearTimeout(guard);
      }
      for (const fn of this.listeners) fn(this.last, this.lastError);
    }
    this.inFlight = false;
    if (this.running && this.timer === null) this.timer = setTimeout(() => void this.tick(), this.intervalMs);
  }
}
