/**
 * The sd_notify(3) protocol, spoken by the service: READY=1, STATUS=..., WATCHDOG=1, STOPPING=1.
 *
 * Why not the npm `systemd-notify` package (on the product card): it does not speak the protocol, it
 * spawns the `systemd-notify` binary for every message. A child process per watchdog ping is heavy,
 * and worse, the message then comes from the child's PID, which systemd ignores under the default
 * NotifyAccess=main (READY=1 would never count). Node's dgram has no AF_UNIX datagram sockets, so the
 * native addon sends the datagram itself from our own process (src/native/notify.ts).
 */
import { sdNotify } from '../native';

export type NotifySend = (state: string, socket?: string) => boolean;

export interface SystemdNotifierOptions {
  /** Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** Default: the addon's sdNotify. */
  send?: NotifySend;
  /** Told when a send fails (the socket vanished); the service goes on. */
  onError?: (message: string) => void;
}

export class SystemdNotifier {
  /** Where messages go; null when not started by systemd with Type=notify. */
  readonly socket: string | null;
  /** Half of $WATCHDOG_USEC in ms (sd_watchdog_enabled's advice), or null when no watchdog is set. */
  readonly watchdogIntervalMs: number | null;
  private readonly send: NotifySend;
  private readonly onError: (message: string) => void;
  private failed = false;

  constructor(options: SystemdNotifierOptions = {}) {
    const env = options.env ?? process.env;
    this.socket = env.NOTIFY_SOCKET ? env.NOTIFY_SOCKET : null;
    this.send = options.send ?? sdNotify;
    this.onError = options.onError ?? (() => undefined);
    this.watchdogIntervalMs = watchdogInterval(env);
  }

  get enabled(): boolean {
    return this.socket !== null;
  }

  ready(status?: string): void {
    this.notify(status === undefined ? 'READY=1' : `READY=1\nSTATUS=${oneLine(status)}`);
  }

  /**
   * Start-up is making progress: systemd's start timeout (TimeoutStartSec=) counts again from now, up
   * to `budgetMs` (EXTEND_TIMEOUT_USEC), and `systemctl status` says what is being done. A slow host
   * that keeps moving is not killed; a step that hangs still is, once its budget runs out.
   */
  startupStep(what: string, budgetMs: number): void {
    this.notify(`EXTEND_TIMEOUT_USEC=${Math.round(budgetMs * 1000)}\nSTATUS=starting: ${oneLine(what)}`);
  }

  status(text: string): void {
    this.notify(`STATUS=${oneLine(text)}`);
  }

  watchdog(): void {
    this.notify('WATCHDOG=1');
  }

  stopping(status?: string): void {
    this.notify(status === undefined ? 'STOPPING=1' : `STOPPING=1\nSTATUS=${oneLine(status)}`);
  }

  /** Sends one message; never throws (a failed send is reported once through onError). */
  notify(state: string): boolean {
    if (this.socket === null) return false;
    try {
      return this.send(state, this.socket);
    } catch (err) {
      if (!this.failed) this.onError(`sd_notify to ${this.socket} failed: ${(err as Error).message}`);
      this.failed = true;
      return false;
    }
  }
}

/**
 * sd_watchdog_enabled(3): WATCHDOG_USEC (microseconds) applies when WATCHDOG_PID is unset or is our
 * PID; systemd advises pinging at half the interval.
 */
export function watchdogInterval(env: NodeJS.ProcessEnv = process.env, pid = process.pid): number | null {
  const usec = Number(env.WATCHDOG_USEC);
  if (!env.WATCHDOG_USEC || !Number.isFinite(usec) || usec <= 0) return null;
  if (env.WATCHDOG_PID && Number(env.WATCHDOG_PID) !== pid) return null;
  return Math.max(1, usec / 2000);
}

/** STATUS= is one line: newlines would start new assignments. */
function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ');
}
