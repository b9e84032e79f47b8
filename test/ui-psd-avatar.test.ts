/**
 * Your own avatar, end to end in Debian's Chromium against the real service (`vtlink run`, bundled as
 * `npm run build` bundles it, with its PSD worker): a PSD written here with ag-psd (a solid colour per
 * layer) is imported through the touch UI's file input, chosen, and drawn by the avatar page; fed
 * samples switch its eye and mouth layers (checked by the colour of screenshot pixels); a broken and
 * an oversized PSD are refused with their reason shown and the avatar on screen stays (the same
 * colour at every part); an unknown layer assigned to a part by touch in the mapper then follows that part.
 * The same face with eye whites, irises, brows and front hair shows the rig's motions, measured by the
 * centroids of layer colours on screen: head-turn parallax, roll, brows, gaze and idle motion.
 */
import { build } from 'esbuild';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PackSummary } from '../src/avatar/pack';
import type { AvatarHandle } from '../ui/src/avatar/handle';
import { HANDOVER_MS } from '../ui/src/avatar/motion';
import { neutralSample, type AvatarSample } from '../ui/src/avatar/sample';
import { launchChromium, openPage, type OpenedPage } from './helpers/browser';
import { testFacePsd, TEST_FACE, writeTestPsd, type Rgba } from './helpers/psd';
import { modelFolderEntries, writeZip } from './helpers/zip';
import { startService, type RunningService } from './helpers/service';
import { http, jsonBody } from './server-helpers';
import { bundleCliTo } from './service-harness';

const repoRoot = path.resolve(import.meta.dirname, '..');
const packageDir = path.join(repoRoot, 'build/test-ui-psd-avatar');
type TestWindow = { __vtlinkAvatar?: AvatarHandle };

/** The service and the UI as `npm run build` makes them, in a package folder of their own (no race on dist/). */
async function packageService(): Promise<string> {
  await rm(packageDir, { recursive: true, force: true });
  await mkdir(path.join(packageDir, 'dist/ui'), { recursive: true });
  await writeFile(path.join(packageDir, 'package.json'), JSON.stringify({ name: 'vtlink', version: '0.0.0-test', type: 'module' }));
  const cli = await bundleCliTo(path.join(packageDir, 'dist/vtlink.mjs'));
  await build({
    entryPoints: [
      { in: path.join(repoRoot, 'ui/src/main.ts'), out: 'main' },
      { in: path.join(repoRoot, 'ui/src/avatar-page.ts'), out: 'avatar-page' },
    ],
    outdir: path.join(packageDir, 'dist/ui'),
    bundle: true,
    platform: 'browser',
    target: ['chrome100'],
    format: 'esm',
    logLevel: 'warning',
  });
  for (const f of ['index.html', 'avatar.html', 'styles.css']) await copyFile(path.join(repoRoot, 'ui', f), path.join(packageDir, 'dist/ui', f));
  return cli;
}

let browser: Browser;
let service: RunningService;
let stateDir = '';
let scratch = '';

beforeAll(async () => {
  const cli = await packageService();
  stateDir = await mkdtemp(path.join(os.tmpdir(), 'vtlink-psd-ui-'));
  scratch = await mkdtemp(path.join(os.tmpdir(), 'vtlink-psd-files-'));
  [browser, service] = await Promise.all([
    launchChromium(),
    startService({
      stateDir,
      command: [process.execPath, cli, 'run', '--state-dir', stateDir, '--port', '0', '--source', 'demo', '--models', path.join(repoRoot, 'models')],
      // A folder standing in for /run/vtlink-usb (each subfolder a mounted stick).
      env: { VTLINK_USB_DIR: path.join(scratch, 'usb') },
    }),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await service?.stop();
  for (const d of [stateDir, scratch]) if (d) await rm(d, { recursive: true, force: true });
});

const api = (p: string) => `${service.url.replace(/\/$/, '')}${p}`;

/** Sends `sample` at 30 fps, as the stream would, until the next call. */
async function feed(page: Page, sample: AvatarSample): Promise<void> {
  await page.evaluate((s) => {
    const w = globalThis as unknown as { __feed?: ReturnType<typeof setInterval>; __vtlinkAvatar: { update(s: AvatarSample, t: number): void } };
    if (w.__feed) clearInterval(w.__feed);
    const send = () => w.__vtlinkAvatar.update(s, performance.now());
    send();
    w.__feed = setInterval(send, 33);
  }, sample);
}

/** Holds a pose until the avatar draws it, hand-over included. */
async function holdPose(page: Page, pose: Partial<AvatarSample>): Promise<void> {
  await feed(page, { ...neutralSample(), present: true, ...pose });
  await page.waitForFunction(
    (p) => {
      const drawn = (globalThis as unknown as TestWindow).__vtlinkAvatar!.drawnPose() as unknown as Record<string, number | boolean>;
      return drawn.present === true && Object.entries(p).every(([k, v]) => Math.abs((drawn[k] as number) - (v as number)) < 0.02 * Math.max(1, Math.abs(v as number)));
    },
    pose as Record<string, number>,
    { timeout: 20_000, polling: 50 },
  );
  await page.waitForTimeout(700);
}

/** Samples without a face (the camera sees nobody) until the avatar has handed over to its idle motion. */
async function loseFace(page: Page): Promise<void> {
  await feed(page, neutralSample());
  await page.waitForFunction(() => (globalThis as unknown as TestWindow).__vtlinkAvatar!.drawnPose().present === false, undefined, { timeout: 20_000, polling: 50 });
  await page.waitForTimeout(HANDOVER_MS + 300);
}

async function shot(page: Page): Promise<PNG> {
  return PNG.sync.read(await page.screenshot());
}

/** The colour at canvas point (x, y) of the test PSD, on screen (the 400x400 canvas fills a 600x600 page: x1.5). */
function colourAt(png: PNG, x: number, y: number): Rgba {
  const sx = Math.round(x * 1.5);
  const sy = Math.round(y * 1.5);
  const i = (sy * png.width + sx) * 4;
  return [png.data[i], png.data[i + 1], png.data[i + 2], png.data[i + 3]];
}

const near = (a: Rgba, b: Rgba): boolean => a.slice(0, 3).every((v, i) => Math.abs(v - b[i]) <= 12);

/** Where a layer's colour is on screen, in canvas pixels of the test PSD: its pixels' centroid and bounding box. */
interface Region {
  pixels: number;
  x: number;
  y: number;
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

/** The screen pixels of `colour` (anti-aliased edges left out), only those with `keep(x, y)` in canvas pixels. */
function regionOf(png: PNG, colour: Rgba, keep: (x: number, y: number) => boolean = () => true): Region {
  const r: Region = { pixels: 0, x: 0, y: 0, x0: Infinity, x1: -Infinity, y0: Infinity, y1: -Infinity };
  for (let sy = 0; sy < png.height; sy++) {
    for (let sx = 0; sx < png.width; sx++) {
      const i = (sy * png.width + sx) * 4;
      const x = (sx + 0.5) / 1.5;
      const y = (sy + 0.5) / 1.5;
      if (!near([png.data[i], png.data[i + 1], png.data[i + 2], 255], colour) || !keep(x, y)) continue;
      r.pixels++;
      r.x += x;
      r.y += y;
      r.x0 = Math.min(r.x0, x);
      r.x1 = Math.max(r.x1, x);
      r.y0 = Math.min(r.y0, y);
      r.y1 = Math.max(r.y1, y);
    }
  }
  // Not found: NaN centroid, so every comparison with it fails.
  r.x /= r.pixels;
  r.y /= r.pixels;
  return r;
}

/** The middle of a region's bounding box: for the head, whose inside is covered by parts that move on their own. */
const outlineCentreX = (r: Region): number => (r.x0 + r.x1) / 2;

const C = TEST_FACE.colours;
/** Centres of the test PSD's parts, canvas pixels (test/helpers/psd.ts). */
const AT: Record<'eyeL' | 'eyeR' | 'mouth' | 'mystery' | 'body' | 'head', [number, number]> = { eyeL: [160, 152], eyeR: [240, 152], mouth: [200, 228], mystery: [315, 95], body: [200, 360], head: [200, 100] };

async function openAvatarPage(): Promise<OpenedPage> {
  const opened = await openPage(browser, `${service.url}avatar.html?stream=0&renderer=canvas&antialias=0`, { width: 600, height: 600, ignoreConsole: /favicon\.ico/ });
  await opened.page.waitForFunction(() => (globalThis as unknown as TestWindow).__vtlinkAvatar !== undefined, undefined, { timeout: 20_000 });
  return opened;
}

async function waitForAvatar(page: Page, choice: string): Promise<void> {
  await page.waitForFunction((c) => (globalThis as unknown as TestWindow).__vtlinkAvatar!.avatarShown() === c, choice, { timeout: 20_000 });
}

/** Settings › Avatar in the touch UI. */
async function openAvatarSettings(page: Page): Promise<void> {
  await page.waitForSelector('.topbar');
  await page.tap('[data-action=toggle-settings]');
  await page.tap('[data-tab=avatar]');
  await page.waitForSelector('[data-card=avatar-packs]');
}

async function importThroughUi(page: Page, name: string, bytes: Buffer): Promise<string> {
  const file = path.join(scratch, name);
  await writeFile(file, bytes);
  const before = await page.textContent('[data-testid=avatar-import-status]');
  await page.setInputFiles('[data-testid=avatar-psd-file]', file);
  // A string: this file is type-checked without the DOM library.
  await page.waitForFunction(
    `(() => { const t = document.querySelector('[data-testid=avatar-import-status]')?.textContent ?? '';
      return t !== ${JSON.stringify(before)} && t.includes('imported') && t.includes(${JSON.stringify(name)}); })()`,
    undefined,
    { timeout: 30_000 },
  );
  return (await page.textContent('[data-testid=avatar-import-status]')) ?? '';
}

describe('an avatar from a PSD', () => {
  let pack: PackSummary;
  let ui: OpenedPage;
  let avatar: OpenedPage;

  afterAll(async () => {
    await ui?.close();
    await avatar?.close();
  });

  it('imports from the touch UI, is chosen, and its eye and mouth layers follow the samples', async () => {
    // The refusals the second test provokes show in the console as the 422s they are.
    ui = await openPage(browser, service.url, { width: 800, height: 480, hasTouch: true, ignoreConsole: /status of (503|429) .*\/api\/preview\.jpg|status of 422 .*\/api\/avatars\/psd|favicon\.ico/ });
    await openAvatarSettings(ui.page);
    const said = await importThroughUi(ui.page, 'Test Face.psd', testFacePsd({ withMystery: true }));
    expect(said).toBe('Test Face.psd imported: tap Show to put it on screen.');
    const packs = (await http(api('/api/avatars'))).json as { packs: PackSummary[] };
    expect(packs.packs).toHaveLength(1);
    pack = packs.packs[0];
    // Shown by touch: the setting changes; an unknown pack cannot be chosen.
    await ui.page.tap(`[data-pack="${pack.id}"] [data-action=show-avatar]`);
    await ui.page.waitForSelector(`[data-pack="${pack.id}"] .badge`);
    expect(((await http(api('/api/settings'))).json as { avatar: { choice: string } }).avatar.choice).toBe(`psd:${pack.id}`);
    const unknown = await http(api('/api/settings'), { method: 'PATCH', ...jsonBody({ avatar: { choice: 'psd:nobody-123456' } }) });
    expect(unknown.status).toBe(422);
    expect(unknown.text).toContain('no avatar pack \\"nobody-123456\\"');

    avatar = await openAvatarPage();
    await waitForAvatar(avatar.page, `psd:${pack.id}`);
    const page = avatar.page;

    await holdPose(page, { eyeLeft: 1, eyeRight: 1, mouthOpen: 0 });
    let png = await shot(page);
    expect(colourAt(png, ...AT.eyeL)).toSatisfy((c: Rgba) => near(c, C.eyeOpen));
    expect(colourAt(png, ...AT.eyeR)).toSatisfy((c: Rgba) => near(c, C.eyeOpen));
    expect(colourAt(png, ...AT.mouth)).toSatisfy((c: Rgba) => near(c, C.mouthClosed));
    expect(colourAt(png, ...AT.body)).toSatisfy((c: Rgba) => near(c, C.body));
    // Unassigned and hidden in the PSD: not drawn.
    expect(colourAt(png, ...AT.mystery)).not.toSatisfy((c: Rgba) => near(c, C.mystery));

    await holdPose(page, { eyeLeft: 0, eyeRight: 0 });
    png = await shot(page);
    expect(colourAt(png, ...AT.eyeL)).toSatisfy((c: Rgba) => near(c, C.eyeClosed));
    expect(colourAt(png, ...AT.eyeR)).toSatisfy((c: Rgba) => near(c, C.eyeClosed));

    // A wink: the subject's right eye is the viewer's left one (eye_l).
    await holdPose(page, { eyeLeft: 1, eyeRight: 0 });
    png = await shot(page);
    expect(colourAt(png, ...AT.eyeL)).toSatisfy((c: Rgba) => near(c, C.eyeClosed));
    expect(colourAt(png, ...AT.eyeR)).toSatisfy((c: Rgba) => near(c, C.eyeOpen));

    await holdPose(page, { eyeLeft: 1, eyeRight: 1, mouthOpen: 1, vowelA: 1 });
    png = await shot(page);
    expect(colourAt(png, ...AT.mouth)).toSatisfy((c: Rgba) => near(c, C.mouthA));
    expect(colourAt(png, ...AT.eyeL)).toSatisfy((c: Rgba) => near(c, C.eyeOpen));
    expect(avatar.errors).toEqual([]);
  });

  it('refuses a broken and an oversized PSD with the reason, and the avatar on screen stays', async () => {
    const page = avatar.page;
    await holdPose(page, { eyeLeft: 1, eyeRight: 1, mouthOpen: 0, vowelA: 0 });
    const before = await shot(page);

    const broken = await importThroughUi(ui.page, 'broken.psd', testFacePsd().subarray(0, 5000));
    expect(broken).toMatch(/^broken\.psd was not imported: the file is damaged or truncated/);
    const oversized = await importThroughUi(ui.page, 'poster.psd', writeTestPsd(6000, 40, [{ name: 'Body', x: 0, y: 0, width: 8, height: 8, colour: [1, 2, 3, 255] }]));
    expect(oversized).toBe('poster.psd was not imported: the canvas is 6000x40; at most 4096x4096 is accepted: scale the image down');

    expect(((await http(api('/api/avatars'))).json as { packs: PackSummary[] }).packs.map((p) => p.id)).toEqual([pack.id]);
    expect(((await http(api('/api/settings'))).json as { avatar: { choice: string } }).avatar.choice).toBe(`psd:${pack.id}`);
    const after = await shot(page);
    expect(await page.evaluate(() => (globalThis as unknown as TestWindow).__vtlinkAvatar!.avatarShown())).toBe(`psd:${pack.id}`);
    // Every part shows the same colour as before (the avatar breathes, so its edges move by a pixel or two).
    for (const at of [AT.eyeL, AT.eyeR, AT.mouth, AT.body, AT.head, AT.mystery]) expect(colourAt(after, ...at)).toEqual(colourAt(before, ...at));
  });

  it('an unknown layer assigned to a part by touch in the mapper follows that part', async () => {
    await ui.page.tap(`[data-pack="${pack.id}"] [data-action=map-layers]`);
    await ui.page.waitForSelector('[data-testid=avatar-mapper]');
    expect(await ui.page.textContent('[data-testid=avatar-mapper] [data-layer="8"]')).toBe('Layer 7Unassigned (hidden in the PSD)');
    await ui.page.tap('[data-testid=avatar-mapper] [data-layer="8"]');
    await ui.page.tap('.picker-list [data-value="mouth_a"]');
    await ui.page.waitForFunction(`document.querySelector('[data-testid=avatar-import-status]')?.textContent === '"Layer 7" is now Mouth A.'`);
    const manifest = (await http(api(`/api/avatars/manifest?id=${pack.id}`))).json as { layers: { part: string | null }[] };
    expect(manifest.layers[8].part).toBe('mouth_a');

    // The avatar page draws the remapped pack (a fresh page, as OBS would reload it).
    await avatar.close();
    avatar = await openAvatarPage();
    await waitForAvatar(avatar.page, `psd:${pack.id}`);
    await holdPose(avatar.page, { mouthOpen: 1, vowelA: 1 });
    let png = await shot(avatar.page);
    expect(colourAt(png, ...AT.mystery)).toSatisfy((c: Rgba) => near(c, C.mystery));
    expect(colourAt(png, ...AT.mouth)).toSatisfy((c: Rgba) => near(c, C.mouthA));
    await holdPose(avatar.page, { mouthOpen: 0, vowelA: 0 });
    png = await shot(avatar.page);
    expect(colourAt(png, ...AT.mystery)).not.toSatisfy((c: Rgba) => near(c, C.mystery));
    expect(ui.errors).toEqual([]);
  });

  it('a PSD on a USB stick is offered on the card with its size and imported by a touch', async () => {
    // The mapper reopened after the last pick: closed first.
    if (await ui.page.$('[data-testid=avatar-mapper]')) await ui.page.tap('.sheet-actions [data-key=Done]');
    const stick = path.join(scratch, 'usb', 'sdu1');
    await mkdir(stick, { recursive: true });
    const bytes = testFacePsd();
    await writeFile(path.join(stick, 'Stick Face.psd'), bytes);
    const offer = `[data-action=import-usb][data-usb="sdu1/Stick Face.psd"]`;
    await ui.page.waitForSelector(offer, { timeout: 20_000 });
    expect(await ui.page.textContent(offer)).toBe(`Import Stick Face.psd from USB (${(bytes.length / 1024 / 1024).toFixed(1)} MB)`);
    const before = ((await http(api('/api/avatars'))).json as { packs: PackSummary[] }).packs.length;
    await ui.page.tap(offer);
    await ui.page.waitForFunction(`document.querySelector('[data-testid=avatar-import-status]')?.textContent === 'Stick Face.psd imported: tap Show to put it on screen.'`, undefined, { timeout: 30_000 });
    const packs = ((await http(api('/api/avatars'))).json as { packs: PackSummary[] }).packs;
    expect(packs).toHaveLength(before + 1);
    expect(packs.at(-1)).toMatchObject({ name: 'Stick Face', layers: 8 });
    await ui.page.waitForSelector(`[data-pack="${packs.at(-1)!.id}"]`);
    // The stick pulled: the offer goes.
    await rm(stick, { recursive: true });
    await ui.page.waitForSelector(offer, { state: 'detached', timeout: 20_000 });
    expect(ui.errors).toEqual([]);
  });
});

describe('an avatar pack moves with the face (eye whites, irises, brows and front hair added to the test face)', () => {
  let avatar: OpenedPage;
  let choiceBefore = '';
  const choice = async (value: string) => expect((await http(api('/api/settings'), { method: 'PATCH', ...jsonBody({ avatar: { choice: value } }) })).status).toBe(200);

  beforeAll(async () => {
    const created = await http(api('/api/avatars/psd?name=Rig%20Face.psd'), { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: testFacePsd({ rigParts: true }) });
    expect(created.status).toBe(201);
    const id = (created.json as { pack: PackSummary }).pack.id;
    choiceBefore = ((await http(api('/api/settings'))).json as { avatar: { choice: string } }).avatar.choice;
    await choice(`psd:${id}`);
    avatar = await openAvatarPage();
    await waitForAvatar(avatar.page, `psd:${id}`);
  });

  afterAll(async () => {
    await avatar?.close();
    if (choiceBefore) await choice(choiceBefore);
  });

  it('turning the head: the front hair moves further than the head, both towards the turn; facing front puts them back', async () => {
    const page = avatar.page;
    await holdPose(page, { headYaw: 0 });
    const front = await shot(page);
    await holdPose(page, { headYaw: 45 });
    const turned = await shot(page);
    await holdPose(page, { headYaw: 0 });
    const back = await shot(page);
    const hair = [front, turned, back].map((png) => regionOf(png, C.hairFront).x);
    const head = [front, turned, back].map((png) => outlineCentreX(regionOf(png, C.head)));
    // yaw > 0 is the subject turning to their own right. The avatar is the face as the camera image
    // shows it (settings.camera.mirror flips the image before tracking; the avatar adds no mirror, and
    // these samples skip tracking), where that face turns towards the image's left: both move to -x.
    const hairShift = hair[1] - hair[0];
    const headShift = head[1] - head[0];
    expect(headShift).toBeLessThan(-1);
    // Depth parallax: the fringe, in front, moves several times as far as the head.
    expect(hairShift).toBeLessThan(headShift - 5);
    expect(Math.abs(hair[2] - hair[0])).toBeLessThan(0.5);
    expect(Math.abs(head[2] - head[0])).toBeLessThan(0.5);
    expect(avatar.errors).toEqual([]);
  });

  it('rolling the head tilts it about the neck; the body hardly moves', async () => {
    const page = avatar.page;
    const measure = async (roll: number) => {
      await holdPose(page, { headRoll: roll });
      const png = await shot(page);
      // The chin line (the head's lower edge, which nothing covers) 40 px either side of the PSD's middle:
      // how much lower it is on the right.
      const lowestHead = (x: number) => regionOf(png, C.head, (px) => Math.abs(px - x) < 1).y1;
      return { head: regionOf(png, C.head), tilt: lowestHead(240) - lowestHead(160), body: regionOf(png, C.body) };
    };
    const level = await measure(0);
    const clockwise = await measure(15);
    const anticlockwise = await measure(-15);
    expect(Math.abs(level.tilt)).toBeLessThan(1);
    // roll > 0 is clockwise in the image, as a Pixi rotation > 0 is on screen: the right half goes down.
    expect(clockwise.tilt).toBeGreaterThan(10);
    expect(anticlockwise.tilt).toBeLessThan(-10);
    // The head swings about the neck (its top most); the body only leans a little with it.
    const headMoved = clockwise.head.x - level.head.x;
    const bodyMoved = Math.hypot(clockwise.body.x - level.body.x, clockwise.body.y - level.body.y);
    expect(headMoved).toBeGreaterThan(15);
    expect(bodyMoved).toBeLessThan(headMoved / 5);
  });

  it('raised brows move up, each on its own side', async () => {
    const page = avatar.page;
    // Each brow's height above the eye white on its side: breathing lifts the whole head by a pixel or two.
    const brows = async (pose: Partial<AvatarSample>) => {
      await holdPose(page, pose);
      const png = await shot(page);
      const aboveEye = (onSide: (x: number) => boolean) => regionOf(png, C.eyeWhite, onSide).y - regionOf(png, C.brow, onSide).y;
      return { left: aboveEye((x) => x < 200), right: aboveEye((x) => x > 200) };
    };
    const neutral = await brows({ browLeft: 0, browRight: 0 });
    const raised = await brows({ browLeft: 1, browRight: 1 });
    expect(raised.left - neutral.left).toBeGreaterThan(5);
    expect(raised.right - neutral.right).toBeGreaterThan(5);
    // The subject's left brow is the viewer's right one (brow_r), as with the eyes.
    const oneRaised = await brows({ browLeft: 1, browRight: 0 });
    expect(oneRaised.right - neutral.right).toBeGreaterThan(5);
    expect(Math.abs(oneRaised.left - neutral.left)).toBeLessThan(1);
  });

  it('the irises follow the gaze inside the eye whites', async () => {
    const page = avatar.page;
    const eyes = async (gazeYaw: number) => {
      await holdPose(page, { gazeYaw });
      const png = await shot(page);
      return (['l', 'r'] as const).map((side) => {
        const onSide = (x: number) => (side === 'l' ? x < 200 : x > 200);
        return { iris: regionOf(png, C.iris, onSide), white: regionOf(png, C.eyeWhite, onSide) };
      });
    };
    const ahead = await eyes(0);
    // Eye-in-head gaze has the head's senses: > 0 towards the subject's right, the image's left (-x).
    for (const gazeYaw of [30, -30]) {
      const looking = await eyes(gazeYaw);
      for (const [i, eye] of looking.entries()) {
        expect((eye.iris.x - ahead[i].iris.x) * Math.sign(gazeYaw)).toBeLessThan(-5);
        expect(eye.iris.x0).toBeGreaterThan(eye.white.x0);
        expect(eye.iris.x1).toBeLessThan(eye.white.x1);
        expect(eye.iris.y0).toBeGreaterThan(eye.white.y0);
        expect(eye.iris.y1).toBeLessThan(eye.white.y1);
      }
    }
  });

  it('without a face the avatar keeps moving by itself; a face held still holds it still', async () => {
    const page = avatar.page;
    /** The front hair's x over screenshots spread across 3 s (the idle sway's slowest stretch still moves it by 5+ px then). */
    const hairXs = async () => {
      const xs: number[] = [];
      const start = Date.now();
      while (xs.length < 6 || Date.now() - start < 3000) {
        xs.push(regionOf(await shot(page), C.hairFront).x);
        await page.waitForTimeout(400);
      }
      return xs;
    };
    const span = (xs: number[]) => Math.max(...xs) - Math.min(...xs);
    await holdPose(page, {});
    const held = await hairXs();
    await loseFace(page);
    const idle = await hairXs();
    // Breathing moves the head up and down only, so held still its x stays.
    expect(span(held)).toBeLessThan(0.5);
    expect(span(idle)).toBeGreaterThan(3);
    expect(avatar.errors).toEqual([]);
  });
});

describe('Live2D without Cubism Core (vtlink cannot ship it)', () => {
  it('a model zip is added, but it cannot be shown: the card, the API and the avatar page say why and how to add Core', async () => {
    // The model's files as vtlink checks them (not a drawable model: none can be drawn without Core).
    const zip = writeZip(modelFolderEntries());
    const added = await http(api('/api/avatars/live2d?name=Mika.zip'), { method: 'PUT', headers: { 'content-type': 'application/zip' }, body: zip });
    expect(added.status).toBe(201);
    const model = (added.json as { model: { id: string; choice: string } }).model;
    const before = ((await http(api('/api/settings'))).json as { avatar: { choice: string } }).avatar.choice;

    // The real service refuses the choice with the reason.
    const chosen = await http(api('/api/settings'), { method: 'PATCH', ...jsonBody({ avatar: { choice: model.choice } }) });
    expect(chosen.status).toBe(422);
    expect(chosen.text).toContain('Live2D needs Cubism Core, which vtlink cannot ship');

    const ui = await openPage(browser, service.url, { width: 800, height: 480, hasTouch: true, ignoreConsole: /status of (503|429) .*\/api\/preview\.jpg|favicon\.ico/ });
    try {
      await openAvatarSettings(ui.page);
      await ui.page.waitForSelector(`[data-card=live2d] [data-live2d="${model.id}"]`);
      expect(await ui.page.textContent('[data-testid=live2d-core]')).toMatch(/^Live2D needs Cubism Core, which vtlink cannot ship: .*live2dcubismcore\.min\.js.*\.$/);
      await ui.page.tap(`[data-live2d="${model.id}"] [data-action=show-live2d]`);
      expect(await ui.page.textContent('[data-testid=live2d-status]')).toMatch(/^Mika cannot be shown: Live2D needs Cubism Core/);
      expect(ui.errors).toEqual([]);
    } finally {
      await ui.close();
    }
    expect(((await http(api('/api/settings'))).json as { avatar: { choice: string } }).avatar.choice).toBe(before);

    // The avatar page asked for it directly (OBS with ?avatar=): the built-in character stays, with the reason; nothing crashes.
    const page = await openPage(browser, `${service.url}avatar.html?stream=0&renderer=webgl&avatar=${encodeURIComponent(model.choice)}`, { width: 400, height: 400, ignoreConsole: /favicon\.ico/ });
    try {
      await page.page.waitForFunction(() => (globalThis as unknown as TestWindow).__vtlinkAvatar?.avatarProblem() != null, undefined, { timeout: 20_000 });
      expect(await page.page.evaluate(() => (globalThis as unknown as TestWindow).__vtlinkAvatar!.avatarProblem())).toMatch(/could not be loaded: Live2D needs Cubism Core/);
      expect(await page.page.evaluate(() => (globalThis as unknown as TestWindow).__vtlinkAvatar!.avatarShown())).toBe('default');
      expect(page.errors.filter((e) => !e.includes('Live2D needs Cubism Core'))).toEqual([]);
    } finally {
      await page.close();
    }
    expect((await http(api(`/api/avatars/live2d?id=${model.id}`), { method: 'DELETE' })).status).toBe(200);
  });
});

describe('full-screen avatar for HDMI and OBS', () => {
  const patch = async (value: unknown) => {
    const r = await http(api('/api/settings'), { method: 'PATCH', ...jsonBody(value) });
    expect(r.status).toBe(200);
  };
  const corner = (png: PNG): Rgba => [png.data[0], png.data[1], png.data[2], png.data[3]];

  afterAll(async () => {
    await http(api('/api/settings'), { method: 'PATCH', ...jsonBody({ display: { avatarOnly: null }, avatar: { background: null, backgroundColour: null } }) });
  });

  it('switched by the API: the screen shows only the avatar on green or a chosen colour; a tap and a button bring the UI back', async () => {
    const kiosk = await openPage(browser, service.url, { width: 800, height: 480, hasTouch: true, ignoreConsole: /status of (503|429) .*\/api\/preview\.jpg|favicon\.ico/ });
    try {
      await kiosk.page.waitForSelector('.topbar');
      await patch({ display: { avatarOnly: true }, avatar: { background: 'green' } });
      // The screen follows the settings within a couple of seconds.
      await kiosk.page.waitForSelector('.topbar', { state: 'hidden', timeout: 10_000 });
      await kiosk.page.waitForTimeout(300);
      let png = PNG.sync.read(await kiosk.page.screenshot());
      expect(corner(png)).toEqual([0, 255, 0, 255]);
      expect([...png.data.subarray(((png.height - 1) * png.width + png.width - 1) * 4)].slice(0, 3)).toEqual([0, 255, 0]);

      await patch({ avatar: { background: 'colour', backgroundColour: '#ff8000' } });
      await kiosk.page.waitForFunction(`(() => { const c = document.querySelector('[data-testid=avatar] canvas'); return c && getComputedStyle(c).display !== 'none'; })()`);
      await expect.poll(async () => corner(PNG.sync.read(await kiosk.page.screenshot())), { timeout: 10_000 }).toEqual([255, 128, 0, 255]);

      // From the touch screen: a tap shows the way back; it switches the mode off for every screen.
      await kiosk.page.touchscreen.tap(400, 240);
      await kiosk.page.tap('[data-action=exit-avatar-only]');
      await kiosk.page.waitForSelector('.topbar', { state: 'visible' });
      expect(((await http(api('/api/settings'))).json as { display: { avatarOnly: boolean } }).display.avatarOnly).toBe(false);

      // And into it again from the touch screen: Settings › Avatar › Display.
      await kiosk.page.tap('[data-action=toggle-settings]');
      await kiosk.page.tap('[data-tab=avatar]');
      await kiosk.page.tap('[data-field="display.avatarOnly"]');
      await kiosk.page.tap('[data-apply=display]');
      await kiosk.page.waitForSelector('.topbar', { state: 'hidden', timeout: 10_000 });
      png = PNG.sync.read(await kiosk.page.screenshot());
      expect(corner(png)).toEqual([255, 128, 0, 255]);
      expect(kiosk.errors).toEqual([]);
    } finally {
      await kiosk.close();
    }
  });

  it('transparent for OBS: the avatar page has no background at all (screenshot without a page background)', async () => {
    await patch({ avatar: { background: 'transparent' } });
    const page = await openAvatarPage();
    try {
      await page.page.waitForTimeout(500);
      const png = PNG.sync.read(await page.page.screenshot({ omitBackground: true }));
      expect(corner(png)[3]).toBe(0);
      // The avatar itself is opaque where it is drawn.
      expect(colourAt(png, ...AT.body)[3]).toBe(255);
    } finally {
      await page.close();
    }
  });
});
