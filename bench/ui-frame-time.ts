/**
 * UI frame time: the avatar page (/avatar.html, ui/src/avatar-page.ts) in Debian's headless Chromium
 * (--disable-gpu, as the UI tests run it) at 800x480 and 1920x1080, with Pixi's Canvas 2D renderer
 * (what 'auto' picks where WebGL is CPU-emulated, as here) and with WebGL forced (SwiftShader here).
 * The page is fed a synthetic tracking stream (30 fps, arrivals jittered by up to 15 ms) that moves
 * every channel: head turns, blinks, mouth and vowels, gaze, so every part of the rig animates.
 *
 * Measured in the page: requestAnimationFrame timestamp deltas (the frame time the viewer gets) and
 * performance.now() around pose + Pixi render inside the callback (the main-thread work; with Canvas
 * 2D and with WebGL the rasterising happens later, in Chromium's compositor / GPU process, and shows
 * only in the rAF deltas).
 *
 * Prints the "UI" section's avatar table of bench/RESULTS.md. Options: --seconds N (8 per case),
 * --warmup N (2 s).
 */
import { build } from 'esbuild';
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { commandLine, formatMachineInfo, formatTable, installedVersion, parseArgs, repoRoot, type Row } from './lib';

const args = parseArgs(process.argv.slice(2));
const seconds = args.number('seconds', 8);
const warmup = args.number('warmup', 2);
const root = repoRoot();
const outDir = path.join(root, 'build/bench/ui-avatar');

await mkdir(outDir, { recursive: true });
await build({
  entryPoints: [path.join(root, 'ui/src/avatar-page.ts')],
  outfile: path.join(outDir, 'avatar-page.js'),
  bundle: true,
  platform: 'browser',
  format: 'esm',
  target: 'es2022',
  minify: true,
  logLevel: 'warning',
});
await copyFile(path.join(root, 'ui/avatar.html'), path.join(outDir, 'avatar.html'));

const server = http.createServer((req, res) => {
  const name = path.basename(new URL(req.url ?? '/', 'http://x').pathname);
  readFile(path.join(outDir, name)).then(
    (body) => {
      res.writeHead(200, { 'content-type': name.endsWith('.js') ? 'text/javascript' : 'text/html' });
      res.end(body);
    },
    () => {
      res.writeHead(404);
      res.end();
    },
  );
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
const loadBefore = os.loadavg()[0];

/** Runs in the page: a 30 fps stream with jittered arrivals that moves every channel of the rig. */
const FEED = `(() => {
  const a = window.__vtlinkAvatar;
  const t0 = performance.now();
  const tick = () => {
    const t = (performance.now() - t0) / 1000;
    const blink = (t % 2.3) < 0.15 ? 0 : 1;
    a.update({
      present: true,
      headYaw: 25 * Math.sin(t * 1.3), headPitch: 10 * Math.sin(t * 0.9), headRoll: 8 * Math.sin(t * 0.7),
      leanX: 0.3 * Math.sin(t * 0.5), leanY: 0,
      eyeLeft: blink, eyeRight: blink, gazeYaw: 20 * Math.sin(t * 2.1), gazePitch: 10 * Math.sin(t * 1.7),
      mouthOpen: 0.5 + 0.5 * Math.sin(t * 4), mouthWide: 0.5 + 0.4 * Math.sin(t * 1.1),
      vowelA: Math.max(0, Math.sin(t * 2)), vowelI: Math.max(0, -Math.sin(t * 2)), vowelU: Math.max(0, Math.sin(t * 3)),
      vowelE: 0, vowelO: Math.max(0, -Math.sin(t * 3)),
      browLeft: 0.5 + 0.5 * Math.sin(t), browRight: 0.5 + 0.5 * Math.sin(t * 1.2),
    }, performance.now());
    setTimeout(tick, 33.3 - 7.5 + Math.random() * 15);
  };
  tick();
})()`;

const rows: Row[] = [];
for (const [width, height] of [
  [800, 480],
  [1920, 1080],
]) {
  for (const renderer of ['auto', 'webgl']) {
    const page = await browser.newPage({ viewport: { width, height } });
    await page.goto(`${base}/avatar.html?stream=0&renderer=${renderer}`);
    await page.waitForFunction('window.__vtlinkAvatar !== undefined', undefined, { timeout: 60_000 });
    await page.evaluate(FEED);
    await page.waitForTimeout(warmup * 1000);
    await page.evaluate('window.__vtlinkAvatar.resetFrameStats()');
    await page.waitForTimeout(seconds * 1000);
    const s = (await page.evaluate('window.__vtlinkAvatar.frameStats()')) as {
      frames: number;
      intervalMedianMs: number;
      intervalP99Ms: number;
      workMedianMs: number;
      workP99Ms: number;
    };
    const name = (await page.evaluate('window.__vtlinkAvatar.rendererName')) as string;
    rows.push({
      viewport: `${width}x${height}`,
      renderer: renderer === 'auto' ? `${name} (auto)` : name,
      frames: s.frames,
      'frame median ms': s.intervalMedianMs,
      'frame p99 ms': s.intervalP99Ms,
      fps: s.frames / seconds,
      'work median ms': s.workMedianMs,
      'work p99 ms': s.workP99Ms,
    });
    await page.close();
  }
}
const chromiumVersion = browser.version();
await browser.close();
server.close();

console.log('### Avatar page frame time (headless Chromium, no GPU)\n');
console.log(formatTable(rows, { digits: 1 }));
console.log(
  `\n${formatMachineInfo()}\n- Chromium ${chromiumVersion} (Debian), --headless --disable-gpu; pixi.js ${installedVersion('pixi.js')}; ` +
    `load average (1 min) before the runs: ${loadBefore.toFixed(2)}\n- ${seconds} s measured per case after ${warmup} s warm-up\n\n` +
    `Command: \`${commandLine('bench/ui-frame-time.ts', process.argv.slice(2))}\``,
);
