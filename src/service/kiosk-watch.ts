/**
 * Kiosk health: is the browser on the box's own screen still drawing?
 *
 * The kiosk's page (ui/, opened as `http://127.0.0.1:8080/?kiosk=1` by vtlink-kiosk.service) counts its
 * requestAnimationFrame callbacks and reports the count every 2 s (POST /api/kiosk/heartbeat, loopback
 * only). A browser that is frozen but alive stops the count: a renderer stuck in a loop, stopped or
 * crashed ("Aw, Snap!": the browser process lives on, so systemd sees nothing), a hung GPU process, a
 * compositor that no longer asks for frames. A renderer that is stuck also stops the heartbeats; a page
 * that runs but no longer draws keeps sending the same count. Either way: once the kiosk has reported at
 * least once, KIOSK_STALE_MS without a count that moved makes it stale.
 *
 * A stale kiosk is restarted by root, not by the service (which has no privilege to do so): the watch
 * creates `$RUNTIME_DIRECTORY/kiosk-stale` (/run/vtlink/kiosk-stale under vtlink.service), and
 * vtlink-kiosk-watch.path (systemd/) starts vtlink-kiosk-watch.service, which removes the file and runs
 * `systemctl try-restart vtlink-kiosk.service` (image/rootfs/usr/lib/vtlink/kiosk-restart.sh). Without
 * RUNTIME_DIRECTORY (not under systemd, e.g. a developer's machine) the watch only logs.
 *
 * The request file, `key=value` lines (requestFileText):
 *   reason=<one line for the journal>
 *   heard=<CLOCK_MONOTONIC µs of the kiosk's last heartbeat; 0: restart whatever happened since>
 * A kiosk whose browser crashed is restarted by systemd itself (Restart=always), and under qemu its new
 * page took 85-100 s to show (bench/RESULTS.md), longer than the stale time: the watch, hearing nothing,
 * asks for a restart of a kiosk that is already starting. kiosk-restart.sh leaves a kiosk alone that was
 * (re)started after `heard` (systemd's ActiveEnterTimestampMonotonic, same clock); the watch then waits
 * for the new kiosk's heartbeat as after any request, and its no-show request (heard=0) is unconditional.
 *
 * A kiosk that never reports at all since the service started is judged too, under systemd only: its
 * browser can hang before its page loads (a qemu arm64 boot test showed a white screen for 15 min after
 * Chromium's network service crashed during the first load). After KIOSK_FIRST_SHOW_MS the watch asks
 * once with heard = that long ago, so root restarts only a kiosk that has been up that long without a
 * word (a kiosk that is not running, e.g. no screen, is left alone by try-restart); the no-show rule
 * takes over from there.
 *
 * Restarts are rationed, so a kiosk that never comes back, or comes back frozen, is not restarted in a
 * tight loop:
 * - after a request the watch waits for the new kiosk's first heartbeat before it judges again;
 * - a restarted kiosk that sends no heartbeat at all is asked for again after KIOSK_NO_SHOW_MS;
 * - consecutive requests are spaced by a back-off that doubles (2, 4, 8 … stale periods, at most
 *   KIOSK_RETRY_MAX_MS) and is forgotten once a kiosk has been alive for KIOSK_STABLE_MS.
 * A compositor (cage) that fails to start is not this module's business: the kiosk unit's own
 * Restart=, start limit and OnFailure=vtlink-kiosk-retry.service handle it (systemd/README.md).
 */
import { renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../system/log';

/**
 * How long the kiosk's frame count may stand still before the kiosk counts as frozen. The page reports
 * every 2 s, so this is 15 missed reports: room for a slow board or a qemu guest (TCG, software GL),
 * where one long task of the page (loading, a resize) can hold its main thread for seconds, and for the
 * kiosk's requests waiting behind the tracker on a busy CPU. Chosen, not measured; the boot test's
 * frozen-kiosk check (image/boot-test-kiosk.mjs) runs with it.
 */
export const KIOSK_STALE_MS = 30_000;
/**
 * A kiosk that has not reported this long after the service started is asked for (under systemd). Twice
 * the no-show time: the first start shares the box with the service's own start-up (model loading), and
 * a qemu guest's first page took 4 min to draw (bench/RESULTS.md). Chosen, not measured.
 */
export const KIOSK_FIRST_SHOW_MS = 10 * 60_000;
/** A restarted kiosk that has sent no heartbeat for this long is asked for again (it may hang at start). */
export const KIOSK_NO_SHOW_MS = 5 * 60_000;
/** The longest wait between two restart requests (the back-off doubles up to this). */
export const KIOSK_RETRY_MAX_MS = 30 * 60_000;
/** A kiosk alive this long since its restart resets the back-off. */
export const KIOSK_STABLE_MS = 10 * 60_000;
/** The request file's name in the runtime directory (vtlink-kiosk-watch.path watches it). */
export const KIOSK_STALE_FILE = 'kiosk-stale';
/** How often the watch looks at the heartbeats. */
const CHECK_EVERY_MS = 1000;
/**
 * A check this late means the service's own event loop stood still (a long synchronous load): the
 * kiosk's heartbeats may be waiting unread in the socket, so that round judges nothing.
 */
const LATE_CHECK_MS = 5 * CHECK_EVERY_MS;

export interface KioskStatus {
  /**
   * `none`: no heartbeat since the service started (no kiosk on this box, or not up yet); `alive`: the
   * frame count moved within the stale time; `stale`: it has not, and no restart is requested yet
   * (back-off, or not under systemd); `restarting`: a restart was requested, the new kiosk has not
   * reported yet.
   */
  state: 'none' | 'alive' | 'stale' | 'restarting';
  /** Milliseconds since the last heartbeat; null before the first. */
  lastHeartbeatAgoMs: number | null;
  /** The page's requestAnimationFrame count in the last heartbeat (it restarts at 0 with each page load). */
  frames: number | null;
  /** Frames a second the kiosk drew between its last two heartbeats; null until known. */
  fps: number | null;
  /** Restart requests written since the service started. */
  restartsRequested: number;
}

export interface KioskWatchOptions {
  log: Logger;
  /** Where the request file goes ($RUNTIME_DIRECTORY); undefined: only log. */
  runtimeDir?: string;
  staleMs?: number;
  noShowMs?: number;
  firstShowMs?: number;
  retryMaxMs?: number;
  stableMs?: number;
  /** The clock (ms); default performance.now. Tests pass a fake one and call check() themselves. */
  now?: () => number;
  /** CLOCK_MONOTONIC in µs (systemd's clock for unit timestamps); default process.hrtime. */
  monotonicUs?: () => bigint;
}

/** The request file's text (see the top of this file; kiosk-restart.sh reads it). */
export function requestFileText(reason: string, heardUs: bigint): string {
  return `reason=${new Date().toISOString()} ${reason.replace(/[\r\n]+/g, ' ')}\nheard=${heardUs}\n`;
}

/** What `vtlink run` takes from its environment: RUNTIME_DIRECTORY, and VTLINK_KIOSK_STALE_MS (tests). */
export function kioskWatchEnv(env: NodeJS.ProcessEnv, log: Logger): Pick<KioskWatchOptions, 'runtimeDir' | 'staleMs'> {
  const runtimeDir = env.RUNTIME_DIRECTORY ? env.RUNTIME_DIRECTORY.split(':')[0] : undefined;
  const raw = env.VTLINK_KIOSK_STALE_MS;
  if (raw === undefined || raw === '') return { runtimeDir };
  const staleMs = Number(raw);
  if (!Number.isInteger(staleMs) || staleMs < 1000 || staleMs > 3_600_000) {
    log.warn(`VTLINK_KIOSK_STALE_MS=${raw} ignored (whole milliseconds, 1000 to 3600000); the kiosk counts as frozen after ${KIOSK_STALE_MS / 1000} s`);
    return { runtimeDir };
  }
  return { runtimeDir, staleMs };
}

export class KioskWatch {
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly monotonicUs: () => bigint;
  private readonly staleMs: number;
  private readonly noShowMs: number;
  private readonly firstShowMs: number;
  /** When the watch was made (the service's start): the first kiosk's time to report counts from here. */
  private readonly createdAt: number;
  private readonly retryMaxMs: number;
  private readonly stableMs: number;
  private frames: number | null = null;
  private fps: number | null = null;
  private lastBeatAt: number | null = null;
  private lastBeatMonoUs = 0n;
  private lastAdvanceAt = 0;
  /** A heartbeat came since the service started or since the last request: the kiosk can be judged. */
  private armed = false;
  /** Since when the kiosk judged now has drawn without a stale spell (for the back-off's reset). */
  private aliveSince = 0;
  /** The last request (written or failed), for the back-off; null before the first. */
  private requestedAt: number | null = null;
  private requestWritten = false;
  /** Requests since a kiosk was last stable for stableMs. */
  private streak = 0;
  private restartsRequested = 0;
  /** The current stale episode was logged (one line per episode, not one per check). */
  private staleLogged = false;
  private lastCheckAt: number | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly options: KioskWatchOptions) {
    this.log = options.log;
    this.now = options.now ?? (() => performance.now());
    // libuv's hrtime is clock_gettime(CLOCK_MONOTONIC), as systemd's *TimestampMonotonic.
    this.monotonicUs = options.monotonicUs ?? (() => process.hrtime.bigint() / 1000n);
    this.staleMs = options.staleMs ?? KIOSK_STALE_MS;
    this.noShowMs = options.noShowMs ?? KIOSK_NO_SHOW_MS;
    this.firstShowMs = options.firstShowMs ?? KIOSK_FIRST_SHOW_MS;
    this.createdAt = this.now();
    this.retryMaxMs = options.retryMaxMs ?? KIOSK_RETRY_MAX_MS;
    this.stableMs = options.stableMs ?? KIOSK_STABLE_MS;
  }

  /** Checks once a second until stop(). */
  start(): void {
    if (this.timer) return;
    this.lastCheckAt = this.now();
    this.timer = setInterval(() => this.check(), CHECK_EVERY_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** A heartbeat from the kiosk's page: its requestAnimationFrame count since it loaded. */
  heartbeat(frames: number): void {
    const t = this.now();
    if (!this.armed) {
      this.armed = true;
      this.aliveSince = t;
      this.lastAdvanceAt = t;
      this.fps = null;
      if (this.requestedAt !== null && this.requestWritten) {
        this.log.info(`kiosk: the restarted kiosk reports again, ${((t - this.requestedAt) / 1000).toFixed(1)} s after the restart request`);
      } else if (this.lastBeatAt === null) {
        this.log.info('kiosk: first heartbeat from the kiosk screen');
      }
    } else if (frames !== this.frames) {
      if (this.staleLogged) this.log.info(`kiosk: the kiosk draws again after ${((t - this.lastAdvanceAt) / 1000).toFixed(0)} s (frames ${this.frames} -> ${frames})`);
      this.staleLogged = false;
      // Back from a stale spell (its restart held back): alive from now, for the back-off's reset.
      if (t - this.lastAdvanceAt >= this.staleMs) this.aliveSince = t;
      // A smaller count is a new page load (the kiosk restarted by itself, or reloaded): no rate yet.
      const [prev, prevAt] = [this.frames, this.lastBeatAt];
      this.fps = prev !== null && prevAt !== null && frames > prev && t > prevAt ? ((frames - prev) * 1000) / (t - prevAt) : null;
      this.lastAdvanceAt = t;
    } else {
      this.fps = 0;
    }
    this.frames = frames;
    this.lastBeatAt = t;
    this.lastBeatMonoUs = this.monotonicUs();
  }

  status(): KioskStatus {
    const t = this.now();
    let state: KioskStatus['state'];
    if (this.armed) state = t - this.lastAdvanceAt >= this.staleMs ? 'stale' : 'alive';
    else state = this.requestWritten ? 'restarting' : 'none';
    return {
      state,
      lastHeartbeatAgoMs: this.lastBeatAt === null ? null : Math.round(t - this.lastBeatAt),
      frames: this.frames,
      fps: this.fps === null ? null : Math.round(this.fps * 10) / 10,
      restartsRequested: this.restartsRequested,
    };
  }

  /** One look at the heartbeats (the timer calls it; tests with a fake clock call it directly). */
  check(): void {
    const t = this.now();
    const late = this.lastCheckAt !== null && t - this.lastCheckAt > LATE_CHECK_MS;
    this.lastCheckAt = t;
    if (late) return;
    if (this.armed) {
      if (t - this.lastAdvanceAt < this.staleMs) {
        if (this.streak > 0 && t - this.aliveSince >= this.stableMs) this.streak = 0;
        return;
      }
      const last = this.lastBeatAt === null ? 'none' : `${((t - this.lastBeatAt) / 1000).toFixed(0)} s ago`;
      // Root leaves a kiosk alone that started after this heartbeat: that one has not had its chance.
      this.request(t, `no new frame from the kiosk for ${((t - this.lastAdvanceAt) / 1000).toFixed(0)} s (frames ${this.frames}, last heartbeat ${last})`, this.lastBeatMonoUs);
    } else if (this.requestWritten && this.requestedAt !== null && t - this.requestedAt >= this.noShowMs) {
      // Whenever this kiosk started, it had its chance: heard=0, restart it.
      this.request(t, `no heartbeat from the kiosk for ${((t - this.requestedAt) / 1000).toFixed(0)} s since its restart was requested`, 0n);
    } else if (!this.requestWritten && this.lastBeatAt === null && this.options.runtimeDir !== undefined && t - this.createdAt >= this.firstShowMs) {
      // Root restarts it only if it has been up for firstShowMs: one that started since gets its chance.
      const givenUs = this.monotonicUs() - BigInt(this.firstShowMs) * 1000n;
      this.request(t, `no heartbeat from the kiosk ${((t - this.createdAt) / 1000).toFixed(0)} s after the service started`, givenUs > 0n ? givenUs : 1n);
    }
  }

  /** The wait after the last request before the next one: 0, then 2, 4, 8 … stale periods, capped. */
  private backoffMs(): number {
    return this.streak === 0 ? 0 : Math.min(this.retryMaxMs, this.staleMs * 2 ** this.streak);
  }

  private request(t: number, reason: string, heardUs: bigint): void {
    const firstLine = !this.staleLogged;
    this.staleLogged = true;
    if (this.requestedAt !== null && t - this.requestedAt < this.backoffMs()) {
      if (firstLine) this.log.warn(`kiosk: ${reason}; restart held back for ${((this.backoffMs() - (t - this.requestedAt)) / 1000).toFixed(0)} s (back-off after ${this.streak} restart${this.streak === 1 ? '' : 's'})`);
      return;
    }
    const dir = this.options.runtimeDir;
    if (dir === undefined) {
      if (firstLine) this.log.warn(`kiosk: ${reason}; not restarting it (RUNTIME_DIRECTORY is not set: not under systemd)`);
      return;
    }
    this.requestedAt = t;
    this.streak++;
    const file = path.join(dir, KIOSK_STALE_FILE);
    try {
      // Written whole, then renamed into place: the path unit sees a complete file or none.
      writeFileSync(`${file}.tmp`, requestFileText(reason, heardUs));
      renameSync(`${file}.tmp`, file);
    } catch (err) {
      // Not disarmed: the kiosk is still judged, and the next try waits for the back-off.
      this.log.error(`kiosk: ${reason}; cannot request its restart (${(err as Error).message})`);
      return;
    }
    this.requestWritten = true;
    this.restartsRequested++;
    this.armed = false;
    this.staleLogged = false;
    this.log.warn(`kiosk: ${reason}; restart requested (${file}, request ${this.restartsRequested})`);
  }
}
