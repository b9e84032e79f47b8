/**
 * The kiosk watch (src/service/kiosk-watch.ts) on a fake clock, writing its request file into a real
 * temporary folder (as /run/vtlink): when a kiosk counts as frozen, that one request is written per
 * frozen kiosk, how the back-off spaces repeated ones, a first kiosk that never reports, and that it
 * only logs without a runtime folder.
 * The route in front of it (POST /api/kiosk/heartbeat) is checked against the real server.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../src/server';
import { KIOSK_STALE_FILE, KIOSK_STALE_MS, KioskWatch, kioskWatchEnv, type KioskWatchOptions } from '../src/service/kiosk-watch';
import type { Logger } from '../src/system/log';
import { errorOf, http, jsonBody, tempDir, TestControl } from './server-helpers';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

class Lines implements Logger {
  readonly lines: string[] = [];
  error(m: string): void {
    this.lines.push(`error: ${m}`);
  }
  warn(m: string): void {
    this.lines.push(`warn: ${m}`);
  }
  info(m: string): void {
    this.lines.push(`info: ${m}`);
  }
}

/** A watch on a fake clock; `run(ms, beat?)` advances the clock 1 s at a time, checking each second. */
function rig(options: Partial<KioskWatchOptions> & { noDir?: boolean } = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'vtlink-kiosk-watch-'));
  dirs.push(dir);
  let t = 1_000_000;
  const log = new Lines();
  // The monotonic clock (µs) runs with the fake one, so a request's heard= can be checked.
  const watch = new KioskWatch({ log, runtimeDir: options.noDir ? undefined : dir, now: () => t, monotonicUs: () => BigInt(t) * 1000n, staleMs: 30_000, ...options });
  const flag = path.join(dir, KIOSK_STALE_FILE);
  let frames = 0;
  /** `ms` of time; each second the page (if `drawing` or `beating`) does its part, and the watch checks. */
  const run = (ms: number, page: 'drawing' | 'frozen' | 'still' | 'gone' = 'drawing'): void => {
    for (let i = 0; i < ms / 1000; i++) {
      t += 1000;
      if (page === 'drawing') frames += 60;
      // Heartbeats every 2 s, except from a page that is frozen (no heartbeat) or gone.
      if ((page === 'drawing' || page === 'still') && (t / 1000) % 2 === 0) watch.heartbeat(frames);
      watch.check();
    }
  };
  /** What the root unit does: remove the request (and it would restart the kiosk). */
  const takeRequest = (): string | null => {
    if (!existsSync(flag)) return null;
    const text = readFileSync(flag, 'utf8');
    rmSync(flag);
    return text;
  };
  const newPage = (): void => void (frames = 0);
  /** One heartbeat now, with a count that moved. */
  const beat = (): void => watch.heartbeat((frames += 60));
  return { watch, log, run, takeRequest, newPage, beat, flag, dir, advance: (ms: number) => void (t += ms) };
}

describe('kiosk watch (fake clock)', () => {
  it('a kiosk that never reports after the service started is asked for once after 10 min (one up that long), then by the no-show rule', () => {
    const r = rig({ noShowMs: 5 * 60_000 });
    r.run(10 * 60_000 - 1000, 'gone');
    expect(r.takeRequest()).toBeNull();
    expect(r.watch.status()).toMatchObject({ state: 'none', lastHeartbeatAgoMs: null, frames: null, restartsRequested: 0 });
    r.run(1000, 'gone');
    // heard = 10 min ago on the monotonic clock (the watch's start): root leaves alone a kiosk started since.
    expect(r.takeRequest()).toMatch(/^reason=\S+ no heartbeat from the kiosk 600 s after the service started\nheard=1000000000\n$/);
    expect(r.watch.status()).toMatchObject({ state: 'restarting', restartsRequested: 1 });
    r.run(5 * 60_000 - 1000, 'gone');
    expect(r.takeRequest()).toBeNull();
    r.run(1000, 'gone');
    expect(r.takeRequest()).toMatch(/^reason=\S+ no heartbeat from the kiosk for 300 s since its restart was requested\nheard=0\n$/);
    // A kiosk that then reports is judged as any other.
    r.run(10_000);
    expect(r.watch.status()).toMatchObject({ state: 'alive', restartsRequested: 2 });
  });

  it('a kiosk that reported within the first 10 min is never asked for by that rule', () => {
    const r = rig();
    r.run(9 * 60_000, 'gone');
    r.run(20 * 60_000);
    expect(r.takeRequest()).toBeNull();
    expect(r.watch.status()).toMatchObject({ state: 'alive', restartsRequested: 0 });
  });

  it('a drawing kiosk is alive; a frozen one (no heartbeats) is asked to restart after the stale time, once', () => {
    const r = rig();
    r.run(10_000);
    expect(r.watch.status()).toMatchObject({ state: 'alive', restartsRequested: 0 });
    expect(r.watch.status().fps).toBeCloseTo(60, 5);
    r.run(28_000, 'frozen');
    expect(r.takeRequest()).toBeNull(); // 28 s since the last new frame: not yet
    r.run(2_000, 'frozen');
    const request = r.takeRequest();
    // For root (kiosk-restart.sh): the reason, and when the kiosk last reported (its last heartbeat, at 1010 s).
    expect(request).toMatch(/^reason=\d{4}-\d\d-\d\dT[\d:.]+Z no new frame from the kiosk for 30 s \(frames 600, last heartbeat 30 s ago\)\nheard=1010000000\n$/);
    expect(r.watch.status()).toMatchObject({ state: 'restarting', restartsRequested: 1 });
    expect(r.log.lines.filter((l) => l.includes('restart requested'))).toHaveLength(1);
    // The kiosk does not come back: no second request within the no-show time (5 min).
    r.run(4 * 60_000, 'gone');
    expect(r.takeRequest()).toBeNull();
    expect(r.watch.status().state).toBe('restarting');
  });

  it('a page that keeps reporting a count that does not move (not drawing) is stale too', () => {
    const r = rig();
    r.run(10_000);
    r.run(29_000, 'still');
    expect(r.watch.status()).toMatchObject({ state: 'alive', fps: 0 });
    expect(r.takeRequest()).toBeNull();
    r.run(1_000, 'still');
    expect(r.takeRequest()).toMatch(/no new frame from the kiosk for 30 s .*last heartbeat [01] s ago/);
  });

  it('re-arms with the new kiosk\'s first heartbeat; a second freeze waits out a doubling back-off', () => {
    const r = rig();
    r.run(10_000);
    r.run(30_000, 'frozen');
    expect(r.takeRequest()).not.toBeNull();
    // The restarted kiosk reports after 10 s (a new page: its count starts again).
    r.run(10_000, 'gone');
    r.newPage();
    r.run(4_000);
    expect(r.watch.status()).toMatchObject({ state: 'alive', restartsRequested: 1 });
    expect(r.log.lines.some((l) => /the restarted kiosk reports again, 1\d\.\d s after the restart request/.test(l))).toBe(true);
    // It freezes at once: stale 30 s later (44 s after the request), but the back-off is 2 x 30 s.
    r.run(30_000, 'frozen');
    expect(r.takeRequest()).toBeNull();
    expect(r.watch.status().state).toBe('stale');
    expect(r.log.lines.at(-1)).toMatch(/restart held back for 16 s \(back-off after 1 restart\)/);
    r.run(15_000, 'frozen');
    expect(r.takeRequest()).toBeNull();
    r.run(1_000, 'frozen');
    expect(r.takeRequest()).toMatch(/no new frame from the kiosk for 46 s/);
    expect(r.watch.status().restartsRequested).toBe(2);
    // Third time: 4 x 30 s after the second request.
    r.newPage();
    r.run(4_000);
    r.run(60_000, 'frozen');
    expect(r.takeRequest()).toBeNull();
    r.run(55_000, 'frozen');
    expect(r.takeRequest()).toBeNull();
    r.run(1_000, 'frozen');
    expect(r.takeRequest()).not.toBeNull();
    expect(r.watch.status().restartsRequested).toBe(3);
  });

  it('a kiosk that recovers by itself while the request is held back is left alone', () => {
    const r = rig();
    r.run(4_000);
    r.run(30_000, 'frozen');
    expect(r.takeRequest()).not.toBeNull();
    r.newPage();
    r.run(4_000);
    r.run(40_000, 'still'); // stale, held back (back-off 60 s)
    expect(r.watch.status().state).toBe('stale');
    r.run(10_000); // draws again
    expect(r.watch.status().state).toBe('alive');
    expect(r.log.lines.some((l) => /kiosk draws again after \d+ s/.test(l))).toBe(true);
    r.run(120_000);
    expect(r.takeRequest()).toBeNull();
    expect(r.watch.status().restartsRequested).toBe(1);
  });

  it('the back-off is forgotten once a kiosk stayed alive for 10 minutes', () => {
    const r = rig();
    r.run(4_000);
    r.run(30_000, 'frozen');
    expect(r.takeRequest()).not.toBeNull();
    r.newPage();
    r.run(11 * 60_000);
    r.run(30_000, 'frozen');
    // Asked at once (no back-off), although a restart was requested before.
    expect(r.takeRequest()).not.toBeNull();
  });

  it('a restarted kiosk that never reports is asked for again after the no-show time, with the back-off', () => {
    const r = rig({ noShowMs: 5 * 60_000 });
    r.run(4_000);
    r.run(30_000, 'frozen');
    expect(r.takeRequest()).not.toBeNull();
    r.run(5 * 60_000 - 1000, 'gone');
    expect(r.takeRequest()).toBeNull();
    r.run(1000, 'gone');
    // heard=0: whenever the kiosk started, it had its chance (root restarts it in any case).
    expect(r.takeRequest()).toMatch(/^reason=\S+ no heartbeat from the kiosk for 300 s since its restart was requested\nheard=0\n$/);
    // Next: the back-off (4 x 30 s = 2 min) is shorter than the no-show time: 5 min again.
    r.run(5 * 60_000 - 1000, 'gone');
    expect(r.takeRequest()).toBeNull();
    r.run(1000, 'gone');
    expect(r.takeRequest()).not.toBeNull();
    expect(r.watch.status()).toMatchObject({ state: 'restarting', restartsRequested: 3 });
  });

  it('without a runtime folder (not under systemd) it only logs, once per frozen spell', () => {
    const r = rig({ noDir: true });
    r.run(4_000);
    r.run(5 * 60_000, 'frozen');
    expect(existsSync(r.flag)).toBe(false);
    expect(r.watch.status()).toMatchObject({ state: 'stale', restartsRequested: 0 });
    const said = r.log.lines.filter((l) => l.includes('RUNTIME_DIRECTORY is not set'));
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(/^warn: kiosk: no new frame from the kiosk for 30 s/);
    // A developer's machine has no kiosk: one that never reports is not even logged.
    const quiet = rig({ noDir: true });
    quiet.run(20 * 60_000, 'gone');
    expect(quiet.log.lines).toEqual([]);
    expect(quiet.watch.status()).toMatchObject({ state: 'none', restartsRequested: 0 });
  });

  it('a late check (the service\'s own event loop stood still) judges nothing: the heartbeats may be unread', () => {
    const r = rig();
    r.run(4_000);
    r.advance(40_000); // the service was blocked for 40 s; the kiosk's heartbeats wait in the socket
    r.watch.check(); // libuv runs the late timer first, then reads the sockets
    expect(r.takeRequest()).toBeNull();
    r.beat(); // the queued heartbeat: the count moved
    r.run(2_000);
    expect(r.watch.status().state).toBe('alive');
    expect(r.takeRequest()).toBeNull();
  });

  it('a request that cannot be written is logged and tried again after the back-off', () => {
    const r = rig();
    rmSync(r.dir, { recursive: true });
    r.run(4_000);
    r.run(30_000, 'frozen');
    expect(r.log.lines.filter((l) => l.startsWith('error: kiosk:'))).toHaveLength(1);
    expect(r.log.lines.at(-1)).toMatch(/cannot request its restart \(ENOENT/);
    expect(r.watch.status()).toMatchObject({ state: 'stale', restartsRequested: 0 });
    r.run(59_000, 'frozen');
    expect(r.log.lines.filter((l) => l.startsWith('error: kiosk:'))).toHaveLength(1);
    r.run(1_000, 'frozen');
    expect(r.log.lines.filter((l) => l.startsWith('error: kiosk:'))).toHaveLength(2);
  });

  it('reads RUNTIME_DIRECTORY and VTLINK_KIOSK_STALE_MS from the environment', () => {
    const log = new Lines();
    expect(kioskWatchEnv({}, log)).toEqual({ runtimeDir: undefined });
    expect(kioskWatchEnv({ RUNTIME_DIRECTORY: '/run/vtlink' }, log)).toEqual({ runtimeDir: '/run/vtlink' });
    expect(kioskWatchEnv({ RUNTIME_DIRECTORY: '/run/vtlink:/run/other', VTLINK_KIOSK_STALE_MS: '4000' }, log)).toEqual({ runtimeDir: '/run/vtlink', staleMs: 4000 });
    expect(log.lines).toEqual([]);
    expect(kioskWatchEnv({ VTLINK_KIOSK_STALE_MS: '5s' }, log)).toEqual({ runtimeDir: undefined });
    expect(log.lines[0]).toMatch(/VTLINK_KIOSK_STALE_MS=5s ignored .* after 30 s/);
    expect(KIOSK_STALE_MS).toBe(30_000);
  });
});

describe('POST /api/kiosk/heartbeat (real server)', () => {
  let tmp: { dir: string; remove: () => Promise<void> };
  let control: TestControl;
  let server: RunningServer;
  let base: string;
  beforeAll(async () => {
    tmp = await tempDir('vtlink-kiosk-route-');
    control = await TestControl.open(tmp.dir);
    server = await startServer(control, { port: 0, bind: '127.0.0.1', stateDir: tmp.dir, log: () => undefined });
    base = `http://127.0.0.1:${server.port}`;
  });
  afterAll(async () => {
    await server?.close();
    await tmp?.remove();
  });

  it('takes {frames} from the kiosk and refuses anything else', async () => {
    const ok = await http(`${base}/api/kiosk/heartbeat`, { method: 'POST', ...jsonBody({ frames: 120 }) });
    expect(ok.status).toBe(200);
    expect(ok.json).toEqual({ ok: true });
    expect(control.kioskFrames).toEqual([120]);
    for (const bad of [{}, { frames: -1 }, { frames: 1.5 }, { frames: '12' }, { frames: 1, extra: true }, [1]]) {
      const r = await http(`${base}/api/kiosk/heartbeat`, { method: 'POST', ...jsonBody(bad) });
      expect({ bad, status: r.status, code: errorOf(r).code }).toEqual({ bad, status: 422, code: 'invalid-request' });
    }
    expect((await http(`${base}/api/kiosk/heartbeat`, { method: 'POST' })).status).toBe(400); // no body
    expect((await http(`${base}/api/kiosk/heartbeat`)).status).toBe(405);
    // Another site's page in the kiosk browser cannot pretend to be the kiosk's page.
    const cross = await http(`${base}/api/kiosk/heartbeat`, { method: 'POST', headers: { ...jsonBody({ frames: 1 }).headers, origin: 'http://evil.example' }, body: jsonBody({ frames: 1 }).body });
    expect(cross.status).toBe(403);
    expect(errorOf(cross).code).toBe('cross-origin');
    expect(control.kioskFrames).toEqual([120]);
    const status = (await http(`${base}/api/status`)).json as { kiosk: unknown };
    expect(status.kiosk).toMatchObject({ state: 'alive', frames: 120 });
  });
});
