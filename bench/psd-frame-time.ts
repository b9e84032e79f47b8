/**
 * Avatar pack frame time: a large pack (40 layers on a 2000x2000 canvas, written here with ag-psd:
 * body, back and front hair, head, face, both eyes in three states, irises, whites, brows, seven
 * mouths and 16 accessory layers, each a soft-edged ellipse of its own colour) converted by the real
 * importer (src/avatar/packs.ts and its worker thread), then drawn by the avatar page
 * (ui/src/avatar-page.ts, `?avatar=psd:<id>`) in Debian's headless Chromium (--disable-gpu) fed a
 * synthetic 30 fps stream that moves every channel (head turns, blinks, vowels, gaze, brows).
 *
 * Measured in the page, as bench/ui-frame-time.ts: requestAnimationFrame deltas (what the viewer
 * gets) and the pose + render work per frame; medians and p99 over `--seconds` after `--warmup`.
 * Also prints the import time (upload excluded: the PSD is read from disk).
 */
import { build } from 'esbuild';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { writePsdBuffer, type Layer } from 'ag-psd';
import { chromium } from 'playwright-core';
import { AvatarPacks } from '../src/avatar/packs';
import { silentLogger } from '../src/system/log';
import { commandLine, formatMachineInfo, formatTable, installedVersion, parseArgs, repoRoot, type Row } from './lib';

const args = parseArgs(process.argv.slice(2));
const seconds = args.number('seconds', 8);
const warmup = args.number('warmup', 2);
const root = repoRoot();
const outDir = path.join(root, 'build/bench/psd-avatar');
const SIZE = 2000;

/** A soft-edged ellipse of one colour in a w x h layer at (x, y). */
function ellipse(name: string, x: number, y: number, w: number, h: number, rgb: [number, number, number], hidden = false): Layer {
  const data = new Uint8ClampedArray(w * h * 4);
  for (let j = 0; j < h; j++) {
    for (let i = 0; i < w; i++) {
      const dx = (i + 0.5) / w - 0.5;
      const dy = (j + 0.5) / h - 0.5;
      const r = Math.sqrt(dx * dx + dy * dy) * 2;
      const a = r >= 1 ? 0 : r > 0.9 ? (1 - r) / 0.1 : 1;
      const k = (j * w + i) * 4;
      // A little shading so the PNGs are not trivially compressible.
      const shade = 0.85 + 0.15 * Math.sin(i * 0.05) * Math.cos(j * 0.04);
      data[k] = rgb[0] * shade;
      data[k + 1] = rgb[1] * shade;
      data[k + 2] = rgb[2] * shade;
      data[k + 3] = 255 * a;
    }
  }
  return { name, left: x, top: y, hidden, imageData: { width: w, height: h, data, colorSpace: 'srgb' } as unknown as NonNullable<Layer['imageData']> };
}

function largePsd(): Buffer {
  const layers: Layer[] = [
    ellipse('hair_back', 300, 150, 1400, 1500, [90, 60, 160]),
    ellipse('body', 350, 1250, 1300, 750, [60, 90, 200]),
    ellipse('head', 550, 300, 900, 1050, [250, 220, 200]),
    ellipse('face blush', 650, 800, 700, 200, [250, 180, 180]),
  ];
  for (const [side, x] of [['l', 700], ['r', 1100]] as const) {
    layers.push(ellipse(`eye_white_${side}`, x, 650, 200, 130, [255, 255, 255]));
    layers.push(ellipse(`iris_${side}`, x + 55, 660, 90, 110, [40, 120, 200]));
    layers.push(ellipse(`eye_${side}_open`, x - 10, 620, 220, 170, [40, 30, 50]));
    layers.push(ellipse(`eye_${side}_half`, x - 10, 660, 220, 130, [40, 30, 50], true));
    layers.push(ellipse(`eye_${side}_closed`, x - 10, 700, 220, 60, [40, 30, 50], true));
    layers.push(ellipse(`brow_${side}`, x, 560, 200, 50, [70, 40, 40]));
  }
  for (const m of ['closed', 'a', 'i', 'u', 'e', 'o', 'smile']) layers.push(ellipse(`mouth_${m}`, 880, 1000, 240, m === 'closed' ? 40 : 120, [180, 60, 80], m !== 'closed'));
  for (let i = 0; i < 16; i++) layers.push(ellipse(`accessory ${i + 1}`, 200 + (i % 8) * 200, 100 + Math.floor(i / 8) * 1500, 300, 300, [(i * 53) % 255, (i * 97) % 255, (i * 151) % 255]));
  layers.push(ellipse('hair_front', 450, 200, 1100, 700, [110, 80, 180]));
  if (layers.length !== 40) throw new Error(`the bench pack should have 40 layers, not ${layers.length}`);
  return writePsdBuffer({ width: SIZE, height: SIZE, children: layers }, { noBackground: true });
}

await rm(outDir, { recursive: true, force: true });
await mkdir(outDir, { recursive: true });
const banner = { js: "import { createRequire as __vtlinkRequire } from 'node:module'; const require = __vtlinkRequire(import.meta.url);" };
await build({ entryPoints: [path.join(root, 'src/avatar/psd-worker.ts')], outfile: path.join(outDir, 'psd-worker.mjs'), bundle: true, platform: 'node', format: 'esm', banner, logLevel: 'warning' });
await build({ entryPoints: [path.join(root, 'ui/src/avatar-page.ts')], outfile: path.join(outDir, 'avatar-page.js'), bundle: true, platform: 'browser', format: 'esm', target: 'es2022', minify: true, logLevel: 'warning' });

const stateDir = await mkdtemp(path.join(os.tmpdir(), 'vtlink-bench-psd-'));
const psdFile = path.join(stateDir, 'large.psd');
const psd = largePsd();
await writeFile(psdFile, psd);
const packs = await AvatarPacks.open({ stateDir, selected: () => 'default', log: silentLogger, workerFile: path.join(outDir, 'psd-worker.mjs') });
const t0 = performance.now();
const pack = await packs.importFile(psdFile, 'large.psd');
const importMs = performance.now() - t0;

// The pack's routes as the service answers them (src/server/avatar-routes.ts), and the page.
const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  const send = (type: string, body: Buffer | string) => {
    res.writeHead(200, { 'content-type': type });
    res.end(body);
  };
  const fail = () => {
    res.writeHead(404);
    res.end();
  };
  if (url.pathname === '/api/avatars/manifest') return send('application/json', JSON.stringify(packs.manifest(url.searchParams.get('id') ?? '')));
  if (url.pathname === '/api/avatars/layer') {
    const file = packs.layerFile(url.searchParams.get('id') ?? '', Number(url.searchParams.get('n')));
    return file ? void readFile(file).then((b) => send('image/png', b), fail) : fail();
  }
  const name = path.basename(url.pathname);
  if (name === 'avatar.html') return void readFile(path.join(root, 'ui/avatar.html')).then((b) => send('text/html', b), fail);
  if (name === 'avatar-page.js') return void readFile(path.join(outDir, name)).then((b) => send('text/javascript', b), fail);
  fail();
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
const loadBefore = os.loadavg()[0];

/** Runs in the page: a 30 fps stream with jittered arrivals that moves every channel. */
const FEED = `(() => {
  const a = window.__vtlinkAvatar;
  const t0 = performance.now();
  const tick = () => {
    const t = (performance.now() - t0) / 1000;
    const blink = (t % 2.3) < 0.15 ? 0 : (t % 2.3) < 0.25 ? 0.5 : 1;
    a.update({
      present: true,
      headYaw: 25 * Math.sin(t * 1.3), headPitch: 10 * Math.sin(t * 0.9), headRoll: 8 * Math.sin(t * 0.7),
      leanX: 0.3 * Math.sin(t * 0.5), leanY: 0,
      eyeLeft: blink, eyeRight: blink, gazeYaw: 20 * Math.sin(t * 2.1), gazePitch: 10 * Math.sin(t * 1.7),
      mouthOpen: 0.5 + 0.5 * Math.sin(t * 4), mouthWide: 0.5,
      vowelA: Math.max(0, Math.sin(t * 2)), vowelI: Math.max(0, -Math.sin(t * 2)), vowelU: Math.max(0, Math.sin(t * 3)),
      vowelE: 0, vowelO: Math.max(0, -Math.sin(t * 3)),
      browLeft: 0.5 + 0.5 * Math.sin(t), browRight: 0.5 + 0.5 * Math.sin(t * 1.2), smile: 0,
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
  for (const renderer of ['canvas', 'webgl']) {
    const page = await browser.newPage({ viewport: { width, height } });
    await page.goto(`${base}/avatar.html?stream=0&renderer=${renderer}&avatar=psd:${pack.id}`);
    await page.waitForFunction(`window.__vtlinkAvatar && window.__vtlinkAvatar.avatarShown() === 'psd:${pack.id}'`, undefined, { timeout: 120_000 });
    await page.evaluate(FEED);
    await page.waitForTimeout(warmup * 1000);
    await page.evaluate('window.__vtlinkAvatar.resetFrameStats()');
    await page.waitForTimeout(seconds * 1000);
    const s = (await page.evaluate('window.__vtlinkAvatar.frameStats()')) as { frames: number; intervalMedianMs: number; intervalP99Ms: number; workMedianMs: number; workP99Ms: number };
    rows.push({
      viewport: `${width}x${height}`,
      renderer: (await page.evaluate('window.__vtlinkAvatar.rendererName')) as string,
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
await rm(stateDir, { recursive: true, force: true });

console.log('### Avatar pack frame time (40 layers, 2000x2000 PSD; headless Chromium, no GPU)\n');
console.log(formatTable(rows, { digits: 1 }));
console.log(
  `\n- import: ${(psd.length / 1e6).toFixed(1)} MB PSD, ${pack.layers} layers, converted in ${(importMs / 1000).toFixed(1)} s (header check, worker thread: parse, trim, PNG)\n` +
    `${formatMachineInfo()}\n- Chromium ${chromiumVersion} (Debian), --headless --disable-gpu; pixi.js ${installedVersion('pixi.js')}, ag-psd ${installedVersion('ag-psd')}; ` +
    `load average (1 min) before the runs: ${loadBefore.toFixed(2)}\n- ${seconds} s measured per case after ${warmup} s warm-up\n\n` +
    `Command: \`${commandLine('bench/psd-frame-time.ts', process.argv.slice(2))}\``,
);
