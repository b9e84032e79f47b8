import type { TrackingFrame } from '../tracking/types';

/**
 * What an output reports about itself, for the status API and the UI's "sending / no listener /
 * error" badges.
 * - `off`: disabled in the settings.
 * - `sending`: frames are leaving and, where the protocol can tell, someone receives them.
 * - `no-listener`: frames are sent but nobody is known to listen (UDP port unreachable, serial
 *   port absent and being retried, WebSocket peer not connected yet).
 * - `error`: the output cannot work as configured; `detail` says why in one line.
 */
export interface OutputState {
  status: 'off' | 'sending' | 'no-listener' | 'error';
  detail?: string;
  framesSent: number;
  errors: number;
  /**
   * Outputs that send to a list of hosts (udp-targets.ts): each target's own state, in the order of
   * the settings. The output's `status` is `sending` when any target sends.
   */
  targets?: TargetState[];
}

/** One receiver of a multi-target output. */
export interface TargetState {
  host: string;
  port: number;
  status: OutputState['status'];
  detail?: string;
  /** Frames handed to this target. */
  framesSent: number;
}

/**
 * One protocol that streams tracking results somewhere. Outputs read `TrackingFrame` and nothing else.
 *
 * Failure semantics:
 * - `send()` never throws and never blocks the tracking loop: a send that cannot complete now is
 *   dropped (latest-frame semantics; counted in `state().errors` when it failed, not when skipped).
 * - A target that goes away (host unreachable, port unplugged) is not fatal: the output keeps
 *   retrying with back-off, reports `no-listener` or `error` in `state()`, and recovers by itself
 *   when the target returns.
 * - `close()` releases sockets, ports and timers; it is idempotent and never rejects. After it,
 *   `send()` is a no-op.
 */
export interface TrackingOutput {
  /** Stable name used in settings and status, e.g. "vmc", "openseeface", "serial". */
  readonly name: string;
  send(frame: TrackingFrame): void;
  state(): OutputState;
  close(): Promise<void>;
}
