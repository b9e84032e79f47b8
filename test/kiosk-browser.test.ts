/**
 * Kiosk health end to end, with nothing stood in for but systemd: Debian's Chromium (playwright-core)
 * loads the kiosk's page (`?kiosk=1`) from the real service (`vtlink run` on the demo input, with
 * RUNTIME_DIRECTORY pointing at a temporary folder, as systemd sets it). The page's heartbeats reach the
 * service with a frame count that moves; a page frozen by a busy loop makes the service write its
 * request file after the stale time (4 s here, VTLINK_KIOSK_STALE_MS; 30 s in production); the real
 * kiosk-restart.sh takes the request (a stand-in systemctl records the restart it asks for) and the test
 * "restarts the kiosk" by loading a fresh page: heartbeats resume, the watch re-arms, and a crashed
 * renderer ("Aw, Snap!", CDP Page.crash) gets a second request. The timing
 * rules (back-off, no-show) are checked on a fake clock in test/kiosk-watch.test.ts.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KioskStatus } from '../src/service/kiosk-watch';
import { launchChromium, openPage, type OpenedPage } from './helpers/browser';
import { repoRoot, startService, type RunningService } from './helpers/service';
import { sleep } from './helpers/wait';

const STALE_MS = 4000;

let browser: Browser;
let service: RunningService;
let scratch: string;
let runtimeDir: string;
let flag: string;

async function kiosk(): Promise<KioskStatus> {
  const res = await fetch(new URL('api/status', service.url));
  return ((await res.json()) as { kiosk: KioskStatus }).kiosk;
}

/** Polls the kiosk status until `predicate` holds; fails with the last status seen. */
async function kioskWhen(what: string, predicate: (k: KioskStatus) => boolean, timeoutMs = 30_000): Promise<KioskStatus> {
  const end = Date.now() + timeoutMs;
  let last: KioskStatus | null = null;
  while (Date.now() < end) {
    last = await kiosk();
    if (predicate(last)) return last;
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what}; kiosk status ${JSON.stringify(last)}\n${service.output().slice(-2000)}`);
}

async function waitForFile(file: string, timeoutMs: number): Promise<number> {
  const start = Date.now();
  while (!existsSync(file)) {
    if (Date.now() - start > timeoutMs) throw new Error(`${file} did not appear within ${timeoutMs} ms\n${service.output().slice(-2000)}`);
    await sleep(100);
  }
  return Date.now() - start;
}

/**
 * What vtlink-kiosk-watch.service runs: the real kiosk-restart.sh, with a systemctl that records what it
 * is asked to do and says the kiosk has been active since boot (+1 s), i.e. since before its last heartbeat.
 */
function rootTakesRequest(): { stdout: string; systemctl: string } {
  const bin = path.join(scratch, 'bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(path.join(bin, 'systemctl'), `#!/bin/sh\nif [ "$1" = show ]; then echo 1000000; exit 0; fi\necho "$@" > ${scratch}/systemctl\n`);
  chmodSync(path.join(bin, 'systemctl'), 0o755);
  const r = spawnSync(path.join(repoRoot, 'image/rootfs/usr/lib/vtlink/kiosk-restart.sh'), [flag], { encoding: 'utf8', env: { PATH: `${bin}:/usr/bin:/bin` } });
  expect(r.status).toBe(0);
  return { stdout: r.stdout, systemctl: readFileSync(path.join(scratch, 'systemctl'), 'utf8').trim() };
}

/** Closes a page whose renderer may be stuck (the browser process answers; the renderer is dropped). */
async function closeFrozen(opened: OpenedPage): Promise<void> {
  await Promise.race([opened.close().catch(() => undefined), sleep(15_000)]);
}

beforeAll(async () => {
  execFileSync(process.execPath, [path.join(repoRoot, 'tools/build.mjs')], { cwd: repoRoot, stdio: 'inherit' });
  scratch = mkdtempSync(path.join(os.tmpdir(), 'vtlink-kiosk-browser-'));
  runtimeDir = path.join(scratch, 'run');
  mkdirSync(runtimeDir);
  flag = path.join(runtimeDir, 'kiosk-stale');
  [browser, service] = await Promise.all([
    launchChromium(),
    startService({ stateDir: path.join(scratch, 'state'), env: { RUNTIME_DIRECTORY: runtimeDir, VTLINK_KIOSK_STALE_MS: String(STALE_MS) } }),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await service?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('a frozen kiosk page (real Chromium, real service)', () => {
  it('heartbeats with a moving frame count; a frozen page gets a restart request; the next page re-arms the watch', async () => {
    // A page that is not the kiosk's sends nothing.
    const plain = await openPage(browser, service.url, { width: 800, height: 480 });
    await plain.page.waitForFunction('window.vtlink !== undefined', undefined, { timeout: 60_000 });
    expect(await plain.page.evaluate('window.vtlink.kiosk')).toBeNull();
    await plain.close();
    expect((await kiosk()).state).toBe('none');

    // The kiosk's page: heartbeats whose count moves.
    const first = await openPage(browser, `${service.url}?kiosk=1`, { width: 800, height: 480 });
    const a = await kioskWhen('the first heartbeat', (k) => k.state === 'alive' && k.frames !== null, 60_000);
    const b = await kioskWhen('a later heartbeat with more frames', (k) => (k.frames ?? 0) > (a.frames ?? 0));
    expect(b.fps).toBeGreaterThan(0);
    expect(b.lastHeartbeatAgoMs).toBeLessThan(5000);
    expect(await first.page.evaluate('window.vtlink.kiosk.sent')).toBeGreaterThan(0);
    expect(existsSync(flag)).toBe(false);

    // Frozen: a busy loop on the page's main thread (started in a task of its own, so evaluate returns).
    await first.page.evaluate('setTimeout(() => { for (;;) {} }, 0)');
    const waited = await waitForFile(flag, STALE_MS + 15_000);
    expect(waited).toBeGreaterThanOrEqual(STALE_MS - 2500); // not before the stale time (its last heartbeat may be up to 2 s old)
    const request = readFileSync(flag, 'utf8');
    const m = /^reason=(\d{4}-\d\d-\d\dT\S+Z no new frame from the kiosk for \d+ s \(frames \d+, last heartbeat \d+ s ago\))\nheard=(\d+)\n$/.exec(request);
    expect(m, request).not.toBeNull();
    // heard: the last heartbeat on CLOCK_MONOTONIC (µs), the clock of systemd's unit timestamps.
    const monotonicUs = Number(execFileSync('python3', ['-c', 'import time; print(int(time.clock_gettime(time.CLOCK_MONOTONIC) * 1e6))'], { encoding: 'utf8' }));
    expect(monotonicUs - Number(m![2])).toBeGreaterThan(0);
    expect(monotonicUs - Number(m![2])).toBeLessThan(60e6);
    expect(await kiosk()).toMatchObject({ state: 'restarting', restartsRequested: 1 });
    expect(service.output()).toMatch(/kiosk: no new frame from the kiosk for \d+ s .*; restart requested/);

    // Root's side: the request is taken, logged, and the kiosk restart asked of systemd.
    const root = rootTakesRequest();
    expect(root.systemctl).toBe('--no-block try-restart vtlink-kiosk.service');
    expect(root.stdout).toContain(`reports the kiosk frozen (${m![1]}); restarting vtlink-kiosk.service`);
    expect(existsSync(flag)).toBe(false);
    // No second request for the same frozen kiosk, however long it stays frozen.
    await sleep(3 * STALE_MS);
    expect(existsSync(flag)).toBe(false);
    expect((await kiosk()).restartsRequested).toBe(1);

    // "systemd restarts the kiosk": the frozen page goes, a fresh one loads; heartbeats resume.
    await closeFrozen(first);
    const second = await openPage(browser, `${service.url}?kiosk=1`, { width: 800, height: 480 });
    const c = await kioskWhen('heartbeats from the new page', (k) => k.state === 'alive', 60_000);
    await kioskWhen('its count moving', (k) => (k.frames ?? 0) > (c.frames ?? 0));
    expect(service.output()).toMatch(/kiosk: the restarted kiosk reports again, [\d.]+ s after the restart request/);
    // Settings › System shows it (the status poller: 1 Hz).
    await second.page.click('[data-action=toggle-settings]');
    await second.page.click('[data-tab=system]');
    await second.page.waitForFunction(`/^drawing, \\d+ fps \\(restarted 1×\\)$/.test(document.querySelector('[data-info=kiosk]').textContent)`, undefined, { timeout: 15_000 });

    // Re-armed: the renderer crashes ("Aw, Snap!": the browser process lives on, so systemd would see
    // nothing) and the watch asks again. (The back-off, 2 stale periods after the first request, has
    // passed by now.)
    const cdp = await second.context.newCDPSession(second.page);
    void cdp.send('Page.crash').catch(() => undefined); // answered by the crash, if at all
    const again = await waitForFile(flag, STALE_MS + 15_000);
    expect(again).toBeGreaterThanOrEqual(STALE_MS - 2500);
    expect(await kiosk()).toMatchObject({ state: 'restarting', restartsRequested: 2 });
    expect(rootTakesRequest().systemctl).toBe('--no-block try-restart vtlink-kiosk.service');
    await closeFrozen(second);
  });
});
