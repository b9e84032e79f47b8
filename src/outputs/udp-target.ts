/**
 * One UDP destination shared by the datagram outputs (VMC, OpenSeeFace): a connected socket, so the
 * kernel reports ICMP "port unreachable" back to us (as ECONNREFUSED), which is how an output learns
 * that nobody listens. UDP has no other acknowledgement, so "sending" only means "no refusal lately".
 *
 * Failure semantics (see output.ts):
 * - `send()` never throws and never waits: datagrams go to the kernel queue; when too many are still
 *   in flight the call is skipped (returns false) rather than queued.
 * - Host that does not resolve, or any connect error: state `error` with a one-line detail, and a
 *   reconnect (DNS lookup included) after a back-off that doubles from `retryMinMs` to `retryMaxMs`.
 * - ECONNREFUSED (nobody listens on the port): the socket stays open and keeps sending; state is
 *   `no-listener` until no refusal has been seen for `refusedHoldMs`, so a receiver that starts later
 *   is picked up by itself.
 * - Other send errors (network unreachable, datagram too large): counted, state `error` for
 *   `refusedHoldMs`, then back to normal if they stop.
 */

import dgram from 'node:dgram';
import net from 'node:net';
import type { OutputState } from './output';

export interface UdpTargetOptions {
  host: string;
  port: number;
  /** First reconnect delay after a failed connect (DNS), doubled up to retryMaxMs. Default 500. */
  retryMinMs?: number;
  /** Default 30000. */
  retryMaxMs?: number;
  /** How long a refusal or send error keeps its state after the last occurrence. Default 1500. */
  refusedHoldMs?: number;
  /** Datagrams handed to the kernel but not yet confirmed, above which sends are skipped. Default 256. */
  maxInFlight?: number;
}

type Phase = 'connecting' | 'connected' | 'failed' | 'closed';

export class UdpTarget {
  readonly host: string;
  readonly port: number;
  private readonly retryMinMs: number;
  private readonly retryMaxMs: number;
  private readonly holdMs: number;
  private readonly maxInFlight: number;

  private socket: dgram.Socket | null = null;
  private phase: Phase = 'connecting';
  private failDetail = '';
  private retryDelayMs: number;
  private retryTimer: NodeJS.Timeout | null = null;
  private inFlight = 0;
  private lastRefusedAt = -Infinity;
  private lastSendErrorAt = -Infinity;
  private lastSendError = '';
  private errorCount = 0;
  private readonly onSent = (err: Error | null): void => {
    this.inFlight--;
    if (err) this.noteSendError(err);
  };

  constructor(options: UdpTargetOptions) {
    this.host = options.host;
    this.port = options.port;
    this.retryMinMs = options.retryMinMs ?? 500;
    this.retryMaxMs = options.retryMaxMs ?? 30_000;
    this.holdMs = options.refusedHoldMs ?? 1500;
    this.maxInFlight = options.maxInFlight ?? 256;
    this.retryDelayMs = this.retryMinMs;
    this.open();
  }

  /** True when the socket is connected and can take datagrams now. */
  get ready(): boolean {
    return this.phase === 'connected' && this.inFlight < this.maxInFlight;
  }

  /**
   * Hands the datagrams to the kernel, in order. Returns false (nothing sent) when the target is not
   * connected or too many datagrams are still in flight.
   */
  send(datagrams: readonly (Uint8Array | DataView)[], count = datagrams.length): boolean {
    const socket = this.socket;
    if (!socket || !this.ready) return false;
    for (let i = 0; i < count; i++) {
      this.inFlight++;
      try {
        socket.send(datagrams[i], this.onSent);
      } catch (e) {
        // Synchronous throws (socket closed under us, bad argument) are send failures, not crashes.
        this.inFlight--;
        this.noteSendError(e instanceof Error ? e : new Error(String(e)));
        return false;
      }
    }
    return true;
  }

  /** Status, detail and error count; framesSent is the caller's to fill. */
  state(framesSent: number): OutputState {
    const now = performance.now();
    const where = `${this.host}:${this.port}`;
    const errors = this.errorCount;
    switch (this.phase) {
      case 'closed':
        return { status: 'off', framesSent, errors };
      case 'connecting':
        return { status: 'no-listener', detail: `connecting to ${where}`, framesSent, errors };
      case 'failed':
        return { status: 'error', detail: this.failDetail, framesSent, errors };
      case 'connected':
        if (now - this.lastSendErrorAt < this.holdMs) return { status: 'error', detail: this.lastSendError, framesSent, errors };
        if (now - this.lastRefusedAt < this.holdMs) {
          return { status: 'no-listener', detail: `nobody listens on ${where} (ICMP port unreachable)`, framesSent, errors };
        }
        return { status: 'sending', framesSent, errors };
    }
  }

  close(): Promise<void> {
    if (this.phase === 'closed') return Promise.resolve();
    this.phase = 'closed';
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const socket = this.socket;
    this.socket = null;
    if (!socket) return Promise.resolve();
    return new Promise((resolve) => {
      try {
        socket.close(() => resolve());
      } catch {
        resolve(); // already closed
      }
    });
  }

  private open(): void {
    if (this.phase === 'closed') return;
    this.phase = 'connecting';
    const family = net.isIPv6(this.host) ? 'udp6' : 'udp4';
    const socket = dgram.createSocket({ type: family });
    this.socket = socket;
    // ICMP errors surface as 'error' events on a connected socket; the socket stays usable.
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED') {
        this.lastRefusedAt = performance.now();
        this.errorCount++;
      } else if (this.phase === 'connected') {
        this.noteSendError(err);
      }
    });
    try {
      socket.connect(this.port, this.host, (err?: Error) => {
        if (this.socket !== socket || this.phase === 'closed') return;
        if (err) this.fail(socket, err);
        else {
          this.phase = 'connected';
          this.retryDelayMs = this.retryMinMs;
        }
      });
    } catch (e) {
      this.fail(socket, e instanceof Error ? e : new Error(String(e)));
    }
  }

  private fail(socket: dgram.Socket, err: Error & { code?: string }): void {
    this.errorCount++;
    this.phase = 'failed';
    const code = err.code ?? err.name;
    this.failDetail =
      code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? `cannot resolve host "${this.host}" (${code}); retrying in ${Math.round(this.retryDelayMs / 1000)} s`
        : `cannot reach ${this.host}:${this.port}: ${oneLine(err.message)}; retrying in ${Math.round(this.retryDelayMs / 1000)} s`;
    this.socket = null;
    try {
      socket.close();
    } catch {
      /* never connected */
    }
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.open();
    }, this.retryDelayMs);
    this.retryTimer.unref();
    this.retryDelayMs = Math.min(this.retryMaxMs, this.retryDelayMs * 2);
  }

  private noteSendError(err: Error & { code?: string }): void {
    this.errorCount++;
    if (err.code === 'ECONNREFUSED') {
      this.lastRefusedAt = performance.now();
      return;
    }
    this.lastSendErrorAt = performance.now();
    this.lastSendError = `send to ${this.host}:${this.port} failed: ${oneLine(err.message)}`;
  }
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}
