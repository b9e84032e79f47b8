/**
 * UI and tracking: what the kiosk UI costs the tracker. The real service (`node dist/vtlink.mjs run`)
 * tracks an UNPACED input while, in turn, (a) no browser is attached, (b) the app is open in Debian's
 * headless Chromium at 800x480 on its main view (the avatar), (c) the same page with the camera view
 * (preview JPEGs + landmark overlay) on, (d) the app at 1920x1080 with the camera view on, and
 * (a again) no browser, to show how much the shared machine's own load drifted over the run.
 *
 * Why a GStreamer source: the service paces file inputs to their frame rate (src/service/camera.ts,
 * `paced`, so a video stands in for a camera), which would cap tracking at 25 fps. A `gst:` pipeline
 * counts as a live source and is not paced; a non-live GStreamer pipeline (filesrc) hands over every
 * frame and waits for the tracker (appsink sync off), so tracking runs as fast as it can, decoding
 * included (in the service's process, on a GStreamer thread). The video is cap13_edit2.mp4 looped
 * (ffmpeg -stream_loop, stream copy, into a temporary folder) so it never ends during the run.
 *
 * Per window: tracked FPS from GET /api/status framesProcessed deltas; tracker ms/frame = median of
 * status.latency.totalMs sampled twice a second (itself a median over the service's last 150 frames);
 * dropped frames = camera.droppedFrames delta (0 by construction for a non-live pipeline, which waits);
 * the service's CPU (utime+stime from /proc/PID/stat) per second and per frame; Chromium's CPU (all
 * processes below this one but the service; a renderer that exits mid-window loses its share); the page's own frame
 * time = requestAnimationFrame intervals measured in the page (median, p99).
 *
 * Options: --seconds N (20 per window), --warmup N (5 s), --no-build (skip tools/build.mjs).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, openPage, type OpenedPage } from '../test/helpers/browser';
import { startService, type RunningService } from '../test/helpers/service';
import { commandLine, formatMachineInfo, formatTable, median, parseArgs, repoRoot, sharedDataDir, type Row } from './lib';

const args = parseArgs(process.argv.slice(2));
const seconds = args.number('seconds', 20);
const warmup = args.number('warmup', 5);
const root = repoRoot();
const video = path.join(sharedDataDir(), 'video/cap13_edit2.mp4');

/** The preview answers 503 until the first frame and 429 when asked too often; the UI retries. */
const PAGE_OPTIONS = { hasTouch: true, ignoreConsole: /status of (503|429) .*\/api\/preview\.jpg/ };

interface StatusSample {
  framesProcessed: number;
  latency: { totalMs: number };
  camera: { droppedFrames: number; state: string };
}

interface PageFrames {
  frames: number;
  medianMs: number;
  p99Ms: number;
}

interface WindowResult {
  fps: number;
  trackerMs: number;
  dropped: number;
  cpuPercent: number;
  cpuMsPerFrame: number;
  browserCpuPercent: number | null;
  load1: number;
  page: PageFrames | null;
  previewPerS: number | null;
}

if (!args.flag('no-build')) execFileSync(process.execPath, [path.join(root, 'tools/build.mjs')], { cwd: root, stdio: 'inherit' });

const tmp = mkdtempSync(path.join(os.tmpdir(), 'vtlink-ui-load-'));
const longVideo = path.join(tmp, 'long.mp4');
// 40 passes of 765 frames: far more than the run can track, so the source never reaches its end.
execFileSync('ffmpeg', ['-v', 'error', '-stream_loop', '40', '-i', video, '-c', 'copy', longVideo]);
const source = `gst:filesrc location=${longVideo} ! decodebin ! videoconvert`;

let service: RunningService | null = null;
let browser: Browser | null = null;
try {
  [browser, service] = await Promise.all([launchChromium(), startService({ stateDir: path.join(tmp, 'state'), source })]);
  const svc = service;
  const pid = svc.process.pid;
  if (pid === undefined) throw new Error('the service has no pid');
  const statusUrl = new URL('api/status', svc.url).href;
  const status = async (): Promise<StatusSample> => {
    const res = await fetch(statusUrl);
    if (!res.ok) throw new Error(`${statusUrl}: ${res.status}`);
    return (await res.json()) as StatusSample;
  };
  const serviceCpuMs = (): number => cpuMsOf(pid);
  /** Chromium: every process below this one except the service (browser, GPU-less renderer, utility). */
  const browserCpuMs = (): number => descendants(process.pid, pid).reduce((sum, p) => sum + cpuMsOf(p), 0);

  // Wait for tracking to run before the first window.
  for (let i = 0; i < 120 && (await status()).framesProcessed < 30; i++) await sleep(500);
  if ((await status()).framesProcessed < 30) throw new Error(`the service does not track:\n${svc.output()}`);

  /** One measured window; the page's rAF intervals are measured in parallel over the same span. */
  const measure = async (page: Page | null): Promise<WindowResult> => {
    await sleep(warmup * 1000);
    const previewBefore = page ? await previewImages(page) : 0;
    const s0 = await status();
    const cpu0 = serviceCpuMs();
    const browser0 = browserCpuMs();
    const t0 = performance.now();
    const latencies: number[] = [];
    const end = t0 + seconds * 1000;
    const pageFrames = page ? rafIntervals(page, seconds * 1000) : Promise.resolve(null);
    while (performance.now() < end) {
      await sleep(Math.min(500, Math.max(0, end - performance.now())));
      latencies.push((await status()).latency.totalMs);
    }
    const s1 = await status();
    const cpu1 = serviceCpuMs();
    const browser1 = browserCpuMs();
    const elapsedS = (performance.now() - t0) / 1000;
    const frames = s1.framesProcessed - s0.framesProcessed;
    if (s1.camera.state !== 'running') throw new Error(`camera ${s1.camera.state}:\n${svc.output()}`);
    const pf = await pageFrames;
    return {
      fps: frames / elapsedS,
      trackerMs: median(latencies),
      dropped: s1.camera.droppedFrames - s0.camera.droppedFrames,
      cpuPercent: ((cpu1 - cpu0) / 1000 / elapsedS) * 100,
      cpuMsPerFrame: (cpu1 - cpu0) / Math.max(frames, 1),
      browserCpuPercent: page ? ((browser1 - browser0) / 1000 / elapsedS) * 100 : null,
      load1: os.loadavg()[0],
      page: pf,
      previewPerS: page ? ((await previewImages(page)) - previewBefore) / elapsedS : null,
    };
  };

  const loadBefore = os.loadavg()[0];
  const results: [string, WindowResult][] = [];
  results.push(['(a) no UI', await measure(null)]);

  let opened: OpenedPage = await openPage(browser, svc.url, { width: 800, height: 480, ...PAGE_OPTIONS });
  await opened.page.waitForFunction('window.vtlink && window.vtlink.avatar', undefined, { timeout: 60_000 });
  const renderer = await opened.page.evaluate<string>('window.vtlink.avatar.handle.rendererName');
  results.push(['(b) app 800x480, avatar', await measure(opened.page)]);
  await showCamera(opened.page);
  results.push(['(c) app 800x480, avatar + camera view', await measure(opened.page)]);
  const errors800 = [...opened.errors];
  await opened.close();

  opened = await openPage(browser, svc.url, { width: 1920, height: 1080, ...PAGE_OPTIONS });
  await opened.page.waitForFunction('window.vtlink && window.vtlink.avatar', undefined, { timeout: 60_000 });
  await showCamera(opened.page);
  results.push(['(d) app 1920x1080, avatar + camera view', await measure(opened.page)]);
  const errors1080 = [...opened.errors];
  await opened.close();

  results.push(['(a) no UI, again', await measure(null)]);

  const rows: Row[] = results.map(([name, r]) => ({
    window: name,
    'tracked fps': r.fps,
    'tracker ms/frame (median)': r.trackerMs,
    dropped: r.dropped,
    'service CPU %': r.cpuPercent,
    'service CPU ms/frame': r.cpuMsPerFrame,
    'Chromium CPU %': r.browserCpuPercent ?? '-',
    'page frame median ms': r.page ? r.page.medianMs : '-',
    'page frame p99 ms': r.page ? r.page.p99Ms : '-',
    'page fps': r.page ? r.page.frames / seconds : '-',
    'preview img/s': r.previewPerS ?? '-',
    'load avg (1 min) after': r.load1,
  }));

  console.log('### UI and tracking (the service on an unpaced video, with and without the UI attached)\n');
  console.log(formatTable(rows, { digits: 1 }));
  const pageErrors = [...errors800, ...errors1080];
  console.log(
    `\n${formatMachineInfo()}\n- Chromium ${browser.version()} (Debian), --headless --disable-gpu, touch context; avatar renderer: ${renderer}\n` +
      `- source: \`gst:filesrc ! decodebin ! videoconvert\` on cap13_edit2.mp4 (400x300) looped, unpaced (decode in the service's process)\n` +
      `- ${seconds} s measured per window after ${warmup} s settling; load average (1 min) before the run: ${loadBefore.toFixed(2)}\n` +
      (pageErrors.length ? `- page errors: ${pageErrors.join('; ')}\n` : '') +
      `\nCommand: \`${commandLine('bench/ui-load.ts', process.argv.slice(2))}\``,
  );
} finally {
  await browser?.close();
  await service?.stop();
  rmSync(tmp, { recursive: true, force: true });
}

/** utime + stime of a process in ms (fields 14 and 15 of /proc/PID/stat, clock ticks of 10 ms); 0 once it is gone. */
function cpuMsOf(pid: number): number {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return 0;
  }
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Every live process below `root`, leaving out the subtree of `exclude`. */
function descendants(root: number, exclude: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let text: string;
    try {
      text = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue;
    }
    const ppid = Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(name));
    children.set(ppid, list);
  }
  const out: number[] = [];
  const stack = [...(children.get(root) ?? [])];
  while (stack.length) {
    const p = stack.pop() as number;
    if (p === exclude) continue;
    out.push(p);
    stack.push(...(children.get(p) ?? []));
  }
  return out;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function previewImages(page: Page): Promise<number> {
  return page.evaluate<number>('window.vtlink.preview.stats.images');
}

/** Turns the camera view on with a tap and waits for its first pictures and overlay. */
async function showCamera(page: Page): Promise<void> {
  await page.tap('[data-action=toggle-camera]');
  await page.waitForFunction('window.vtlink.preview.stats.images >= 2 && window.vtlink.preview.stats.overlays >= 1', undefined, { timeout: 30_000 });
}

/** requestAnimationFrame intervals measured in the page for `ms` milliseconds: median and 99th percentile. */
async function rafIntervals(page: Page, ms: number): Promise<PageFrames> {
  return page.evaluate<PageFrames>(`new Promise((resolve) => {
    const d = []; let last = -1; const end = performance.now() + ${ms};
    const tick = (t) => { if (last >= 0) d.push(t - last); last = t;
      if (t < end) requestAnimationFrame(tick);
      else { d.sort((a, b) => a - b); resolve({ frames: d.length, medianMs: d[Math.floor(d.length / 2)], p99Ms: d[Math.min(d.length - 1, Math.floor(d.length * 0.99))] }); } };
    requestAnimationFrame(tick);
  })`);
}
