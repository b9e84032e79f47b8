/**
 * A serial port that is allowed to vanish: opens `path` when it exists, and after any error,
 * hang-up or failed open closes what is left and tries again with back-off, until close().
 * The device path appearing again (USB replug, socat restarted) is picked up by the next try.
 */

import { existsSync } from 'node:fs';
import type { AutoDetectTypes } from '@serialport/bindings-cpp';
import { SerialPortStream } from '@serialport/stream';
import { Backoff, type BackoffOptions } from '../backoff';

export interface ReconnectingPortOptions {
  path: string;
  baudRate: number;
  backoff: BackoffOptions;
  /** Called on every change: open, or not open with the reason (and the next retry). */
  onStatus: (open: boolean, detail: string | undefined) => void;
}

let binding: Promise<AutoDetectTypes> | null = null;
/**
 * The native binding, loaded on first use rather than at import: a missing or broken prebuilt
 * binary then makes this output report an error instead of stopping the whole service.
 */
function nativeBinding(): Promise<AutoDetectTypes> {
  binding ??= import('@serialport/bindings-cpp').then((m) => m.autoDetect());
  binding.catch(() => {
    binding = null; // try again next time
  });
  return binding;
}

export class ReconnectingPort {
  private port: SerialPortStream | null = null;
  private open = false;
  private writing = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly backoff: Backoff;

  constructor(private readonly options: ReconnectingPortOptions) {
    this.backoff = new Backoff(options.backoff);
  }

  start(): void {
    void this.attempt();
  }

  /** Open and not busy with a previous write: a write now goes out at once. */
  get ready(): boolean {
    return this.open && !this.writing;
  }

  /**
   * Writes `bytes` if ready (see `ready`) and returns whether it did. `done` is called once with
   * the outcome. The bytes must stay unchanged until then (the caller's buffer is not copied).
   */
  write(bytes: Uint8Array, done: (err: Error | null) => void): boolean {
    const port = this.port;
    if (!port || !this.ready) return false;
    this.writing = true;
    port.write(bytes, (err) => {
      if (this.port === port) this.writing = false;
      done(err ?? null);
    });
    return true;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const port = this.port;
    this.detach();
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  private async attempt(): Promise<void> {
    this.retryTimer = null;
    if (this.closed) return;
    const { path, baudRate } = this.options;
    if (!existsSync(path)) {
      this.retry(`${path} is absent`);
      return;
    }
    let port: SerialPortStream;
    try {
      const native = await nativeBinding();
      if (this.closed) return;
      port = new SerialPortStream({ binding: native, path, baudRate, autoOpen: false });
    } catch (err) {
      this.retry(errorText(err));
      return;
    }
    this.port = port;
    port.on('error', (err: Error) => this.lost(port, err.message));
    port.on('close', (err?: Error | null) => this.lost(port, err ? `disconnected: ${err.message}` : 'port closed'));
    port.open((err) => {
      if (this.port !== port) return;
      if (err) {
        this.lost(port, err.message);
        return;
      }
      // Keep reading (and discard what the device says) so that a hang-up is noticed at once.
      port.resume();
      this.open = true;
      this.backoff.reset();
      this.options.onStatus(true, undefined);
    });
  }

  private lost(port: SerialPortStream, reason: string): void {
    if (this.port !== port) return; // an old port's late events
    this.detach();
    if (port.isOpen) port.close(() => undefined);
    this.retry(reason);
  }

  /** Forgets the current port, keeping a listener so its late errors are not unhandled. */
  private detach(): void {
    const port = this.port;
    this.port = null;
    this.open = false;
    this.writing = false;
    if (!port) return;
    port.removeAllListeners();
    port.on('error', () => undefined);
  }

  private retry(reason: string): void {
    if (this.closed) return;
    const delay = this.backoff.next();
    this.options.onStatus(false, `${reason}; retrying in ${delay} ms`);
    this.retryTimer = setTimeout(() => void this.attempt(), delay);
    this.retryTimer.unref();
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
