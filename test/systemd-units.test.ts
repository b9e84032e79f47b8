/**
 * The small systemd parts on their own: sd-daemon(3) log prefixes, sd_watchdog_enabled(3)'s rules
 * for WATCHDOG_USEC/WATCHDOG_PID, the progress-only watchdog, and a notifier whose socket is gone.
 */
import path from 'node:path';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { createLogger, formatLogLine, LogRing, underJournal } from '../src/system/log';
import { SystemdNotifier, watchdogInterval } from '../src/system/notify';
import { ProgressCheck, Watchdog } from '../src/system/watchdog';

describe('log lines', () => {
  it('carry sd-daemon priority prefixes under the journal, on every line of a message', () => {
    expect(formatLogLine('error', 'a', true)).toBe('<3>a\n');
    expect(formatLogLine('warn', 'b\nc', true)).toBe('<4>b\n<4>c\n');
    expect(formatLogLine('info', 'd', true)).toBe('<6>d\n');
    expect(formatLogLine('warn', 'e', false, 'vtlink: ')).toBe('vtlink: warning: e\n');
    expect(formatLogLine('info', 'f', false, 'vtlink: ')).toBe('vtlink: f\n');
    expect(underJournal({ JOURNAL_STREAM: '8:123' })).toBe(true);
    expect(underJournal({})).toBe(false);
    const lines: string[] = [];
    createLogger({ journal: true, write: (l) => lines.push(l) }).error('boom');
    expect(lines).toEqual(['<3>boom\n']);
  });
});

describe('LogRing', () => {
  it('keeps the newest lines in order once it wraps, one per line of a message, with the level word', () => {
    const ring = new LogRing(4);
    const written: string[] = [];
    const log = createLogger({ journal: true, write: (l) => written.push(l), ring });
    log.info('a');
    log.warn('b\nc');
    expect(ring.lines().map((l) => l.replace(/^\S+ /, ''))).toEqual(['a', 'warning: b', 'warning: c']);
    expect(written).toEqual(['<6>a\n', '<4>b\n<4>c\n']);
    for (const m of ['d', 'e', 'f']) log.error(m);
    expect(ring.lines().map((l) => l.replace(/^\S+ /, ''))).toEqual(['warning: c', 'error: d', 'error: e', 'error: f']);
    expect(ring.lines(2).map((l) => l.replace(/^\S+ /, ''))).toEqual(['error: e', 'error: f']);
    expect(ring.lines(0)).toEqual([]);
    expect(ring.lines(99)).toHaveLength(4);
    expect(ring.lines(1)[0]).toMatch(/^\d{4}-\d\d-\d\dT[0-9:.]+Z error: f$/);
  });
});

describe('watchdog settings', () => {
  it('pings at half of WATCHDOG_USEC, only for the PID it names', () => {
    expect(watchdogInterval({ WATCHDOG_USEC: '20000000' }, 42)).toBe(10_000);
    expect(watchdogInterval({ WATCHDOG_USEC: '20000000', WATCHDOG_PID: '42' }, 42)).toBe(10_000);
    expect(watchdogInterval({ WATCHDOG_USEC: '20000000', WATCHDOG_PID: '43' }, 42)).toBeNull();
    expect(watchdogInterval({}, 42)).toBeNull();
    expect(watchdogInterval({ WATCHDOG_USEC: 'soon' }, 42)).toBeNull();
    expect(watchdogInterval({ WATCHDOG_USEC: '0' }, 42)).toBeNull();
  });

  it('pings only after progress, and says when pings stop and resume', () => {
    let frames = 0;
    let last = -1;
    const changes: boolean[] = [];
    let pings = 0;
    const dog = new Watchdog({
      intervalMs: 1000,
      alive: () => {
        const moved = frames !== last;
        last = frames;
        return moved;
      },
      ping: () => pings++,
      onChange: (p) => changes.push(p),
    });
    frames++;
    dog.tick();
    frames++;
    dog.tick();
    dog.tick(); // stalled
    dog.tick();
    frames++;
    dog.tick();
    expect(pings).toBe(3);
    expect(changes).toEqual([false, true]);
  });
});

describe('ProgressCheck (what the watchdog counts as progress)', () => {
  it('follows the pipeline\'s own pace: a slow host is not a hang, a hang still is', () => {
    let t = 0;
    let frames = 0;
    // Fast: 150 frames between 5-s checks (30 fps). Once the pace is known, one check without a new
    // frame is a stall, as with a plain "did the counter move" watchdog.
    const fast = new ProgressCheck(5000, 3, () => t);
    for (let k = 0; k < 6; k++) {
      t += 5000;
      frames += 150;
      expect(fast.alive(frames, false, 20)).toBe(true);
    }
    t += 5000;
    expect(fast.alive(frames, false, 20)).toBe(false);

    // Slow: a frame every 6 s (an emulated guest). Checks between frames are not stalls...
    const slow = new ProgressCheck(5000, 3, () => t);
    for (let k = 0; k < 6; k++) {
      t += 6000;
      expect(slow.alive(++frames, false, 1500)).toBe(true);
      t += 5000; // a check before the next frame
      expect(slow.alive(frames, false, 1500)).toBe(true);
      t -= 5000;
    }
    // ...a frame 17 s late is still within 3 periods; 19 s is a hang: the pings stop.
    t += 17_000;
    expect(slow.alive(frames, false, 1500)).toBe(true);
    t += 2000;
    expect(slow.alive(frames, false, 1500)).toBe(false);
    // A camera-retry loop is progress.
    expect(slow.alive(frames, true, 1500)).toBe(true);
  });

  it('takes the check interval as the pace until it has seen a few frame periods (the first frames after READY)', () => {
    let t = 0;
    const check = new ProgressCheck(5000, 3, () => t);
    expect(check.alive(1, false, Number.NaN)).toBe(true);
    t += 14_000;
    expect(check.alive(1, false, Number.NaN)).toBe(true);
    t += 2000;
    expect(check.alive(1, false, Number.NaN)).toBe(false);
  });
});

describe('SystemdNotifier', () => {
  it('is off without NOTIFY_SOCKET, and reports a vanished socket once instead of throwing', () => {
    expect(new SystemdNotifier({ env: {} }).notify('READY=1')).toBe(false);
    const errors: string[] = [];
    const n = new SystemdNotifier({ env: { NOTIFY_SOCKET: path.join(tmpdir(), 'vtlink-no-such-notify.sock') }, onError: (m) => errors.push(m) });
    expect(n.enabled).toBe(true);
    expect(n.notify('WATCHDOG=1')).toBe(false);
    expect(n.notify('WATCHDOG=1')).toBe(false);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/vtlink-no-such-notify\.sock/);
  });
});
