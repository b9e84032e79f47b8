/**
 * The receivers of one datagram output (VSeeFace on one PC and Warudo on another): one UdpTarget
 * (udp-target.ts) per host and port, each with its own socket, lookup, back-off and in-flight bound.
 *
 * Failure semantics (see output.ts): targets are independent. A host that does not resolve, a port
 * nobody listens on or a network that is down holds up nothing but its own target: `send()` hands the
 * datagrams to every target that can take them now and skips the others (they never wait or queue),
 * so a receiving target gets every frame at the output's rate whatever the others do. `state()`
 * reports each target and, overall, `sending` when any target sends.
 */

import type { OutputState, TargetState } from './output';
import { UdpTarget, type UdpTargetOptions } from './udp-target';

export interface UdpDestination {
  host: string;
  port: number;
}

export class UdpTargets {
  private readonly targets: UdpTarget[];
  /** Frames handed to each target. */
  private readonly sent: number[];

  constructor(destinations: readonly UdpDestination[], options: Omit<UdpTargetOptions, 'host' | 'port'> = {}) {
    if (destinations.length === 0) throw new RangeError('an output needs at least one target');
    this.targets = destinations.map((d) => new UdpTarget({ ...options, host: d.host, port: d.port }));
    this.sent = destinations.map(() => 0);
  }

  /** True when at least one target can take datagrams now. */
  get ready(): boolean {
    return this.targets.some((t) => t.ready);
  }

  /**
   * Hands the datagrams to every target that is ready; returns true when at least one took them.
   * The datagrams must stay unchanged until every target has sent them (see UdpTarget.send).
   */
  send(datagrams: readonly (Uint8Array | DataView)[], count = datagrams.length): boolean {
    let any = false;
    for (let i = 0; i < this.targets.length; i++) {
      if (this.targets[i].send(datagrams, count)) {
        this.sent[i]++;
        any = true;
      }
    }
    return any;
  }

  /**
   * Each target's state, and the output's: `sending` if any target sends, else `no-listener` if any
   * is waiting for a listener, else `error` (or `off` once closed). `framesSent` is the caller's count
   * of frames that left for at least one target; `errors` adds up the targets'.
   */
  state(framesSent: number): OutputState {
    const states = this.targets.map((t, i) => t.state(this.sent[i]));
    const targets: TargetState[] = states.map((s, i) => ({
      host: this.targets[i].host,
      port: this.targets[i].port,
      status: s.status,
      ...(s.detail ? { detail: s.detail } : {}),
      framesSent: this.sent[i],
    }));
    const errors = states.reduce((n, s) => n + s.errors, 0);
    const has = (status: OutputState['status']): boolean => states.some((s) => s.status === status);
    const status: OutputState['status'] = has('sending') ? 'sending' : has('no-listener') ? 'no-listener' : has('error') ? 'error' : 'off';
    const detail = this.summary(targets);
    return { status, ...(detail ? { detail } : {}), framesSent, errors, targets };
  }

  close(): Promise<void> {
    return Promise.all(this.targets.map((t) => t.close())).then(() => undefined);
  }

  /** One target: its own detail. Several: how many send, then what is wrong with the others. */
  private summary(targets: TargetState[]): string | undefined {
    if (targets.length === 1) return targets[0].detail;
    const sending = targets.filter((t) => t.status === 'sending').length;
    if (sending === targets.length || targets.every((t) => t.status === 'off')) return undefined;
    const problems = targets.filter((t) => t.status !== 'sending').map((t) => t.detail ?? `${t.host}:${t.port}: ${t.status}`);
    return [`${sending} of ${targets.length} targets sending`, ...problems].join('; ');
  }
}
