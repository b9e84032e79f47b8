/**
 * Live2D drawn for real, by hand (Cubism Core cannot be in the repository or CI: Live2D's licence).
 *
 *   VTLINK_CUBISM_CORE=/path/to/live2dcubismcore.min.js VTLINK_LIVE2D_MODEL=/path/to/model-folder \
 *     bash bench/run.sh bench/live2d-check.ts
 *
 * Builds the service and UI (tools/build.mjs), starts the real service on a fresh state folder, adds
 * the Core and the model folder (zipped here) through the API as the UI does, chooses the model, opens
 * the avatar page (?renderer=webgl: Live2D needs WebGL; SwiftShader in headless Chromium) and holds
 * poses through the page's sample hook: at rest, head turned, eyes closed, mouth open. Each pose must
 * change the picture of the model (screenshots compared pixel by pixel) and leave no page error;
 * screenshots in build/bench/live2d-check/. Exits non-zero on any failure, and when only one of the
 * two variables is set (never silently skipped).
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import type { Page } from 'playwright-core';
import { neutralSample, type AvatarSample } from '../ui/src/avatar/sample';
import { launchChromium, openPage } from '../test/helpers/browser';
import { startService } from '../test/helpers/service';
import { writeZip, type ZipEntry } from '../test/helpers/zip';
import { repoRoot } from './lib';

const core = process.env.VTLINK_CUBISM_CORE;
const modelDir = process.env.VTLINK_LIVE2D_MODEL;
if (!core || !modelDir) {
  console.error(
    core || modelDir
      ? `live2d-check: set both VTLINK_CUBISM_CORE and VTLINK_LIVE2D_MODEL (only ${core ? 'VTLINK_CUBISM_CORE' : 'VTLINK_LIVE2D_MODEL'} is set)`
      : 'live2d-check: set VTLINK_CUBISM_CORE=/path/to/live2dcubismcore.min.js and VTLINK_LIVE2D_MODEL=/path/to/model-folder (src/avatar/README.md)',
  );
  process.exit(2);
}

const root = repoRoot();
const outDir = path.join(root, 'build/bench/live2d-check');

async function folderEntries(dir: string, prefix: string): Promise<ZipEntry[]> {
  const entries: ZipEntry[] = [];
  for (const d of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, d.name);
    if (d.isDirectory()) entries.push(...(await folderEntries(full, `${prefix}${d.name}/`)));
    else if (d.isFile()) entries.push({ name: `${prefix}${d.name}`, data: await readFile(full) });
  }
  return entries;
}

async function send(url: string, method: string, body: Buffer | string, type: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { method, body, headers: { 'content-type': type } });
  return { status: res.status, text: await res.text() };
}

type Hook = { __vtlinkAvatar?: { update(s: AvatarSample, t: number): void; avatarShown(): string; avatarProblem(): string | null; rendererName: string } };

async function holdPose(page: Page, pose: Partial<AvatarSample>): Promise<PNG> {
  const sample: AvatarSample = { ...neutralSample(), present: true, ...pose };
  await page.evaluate((s) => {
    const w = globalThis as unknown as Hook & { __feed?: ReturnType<typeof setInterval> };
    if (w.__feed) clearInterval(w.__feed);
    const feed = () => w.__vtlinkAvatar!.update(s, performance.now());
    feed();
    w.__feed = setInterval(feed, 33);
  }, sample);
  await page.waitForTimeout(1500); // the motion's delay and smoothing settle
  return PNG.sync.read(await page.screenshot());
}

function changedPixels(a: PNG, b: PNG): number {
  let n = 0;
  for (let i = 0; i < a.data.length; i += 4) if (Math.abs(a.data[i] - b.data[i]) + Math.abs(a.data[i + 1] - b.data[i + 1]) + Math.abs(a.data[i + 2] - b.data[i + 2]) > 30) n++;
  return n;
}

const failures: string[] = [];
execFileSync(process.execPath, [path.join(root, 'tools/build.mjs')], { stdio: 'inherit' });
await rm(outDir, { recursive: true, force: true });
await mkdir(outDir, { recursive: true });
const stateDir = await mkdtemp(path.join(os.tmpdir(), 'vtlink-live2d-check-'));
const service = await startService({ stateDir });
const browser = await launchChromium();
try {
  const api = (p: string) => `${service.url.replace(/\/$/, '')}${p}`;
  const coreAnswer = await send(api('/api/avatars/cubism-core'), 'PUT', await readFile(core), 'text/javascript');
  if (coreAnswer.status !== 201) throw new Error(`Cubism Core refused: ${coreAnswer.status} ${coreAnswer.text}`);
  const zip = writeZip(await folderEntries(modelDir, `${path.basename(modelDir)}/`));
  const modelAnswer = await send(api(`/api/avatars/live2d?name=${encodeURIComponent(path.basename(modelDir))}.zip`), 'PUT', zip, 'application/zip');
  if (modelAnswer.status !== 201) throw new Error(`the model was refused: ${modelAnswer.status} ${modelAnswer.text}`);
  const model = (JSON.parse(modelAnswer.text) as { model: { id: string; choice: string } }).model;
  const chosen = await send(api('/api/settings'), 'PATCH', JSON.stringify({ avatar: { choice: model.choice, background: 'green' } }), 'application/json');
  if (chosen.status !== 200) throw new Error(`the choice was refused: ${chosen.status} ${chosen.text}`);

  const opened = await openPage(browser, `${service.url}avatar.html?stream=0&renderer=webgl`, { width: 600, height: 600, ignoreConsole: /favicon\.ico/ });
  const page = opened.page;
  await page.waitForFunction(
    (c) => {
      const a = (globalThis as unknown as Hook).__vtlinkAvatar;
      return a !== undefined && (a.avatarShown() === c || a.avatarProblem() !== null);
    },
    model.choice,
    { timeout: 60_000 },
  );
  const state = await page.evaluate(() => {
    const a = (globalThis as unknown as Hook).__vtlinkAvatar!;
    return { shown: a.avatarShown(), problem: a.avatarProblem(), renderer: a.rendererName };
  });
  console.log(`avatar page: renderer ${state.renderer}, shown ${state.shown}${state.problem ? `, problem: ${state.problem}` : ''}`);
  if (state.shown !== model.choice) throw new Error(`the model was not drawn: ${state.problem ?? 'no reason given'}`);

  const rest = await holdPose(page, {});
  await writeFile(path.join(outDir, 'rest.png'), PNG.sync.write(rest));
  const poses: [string, Partial<AvatarSample>][] = [
    ['head-turned', { headYaw: 25, headPitch: 10, headRoll: 10 }],
    ['eyes-closed', { eyeLeft: 0, eyeRight: 0 }],
    ['mouth-open', { mouthOpen: 1, vowelA: 1 }],
    ['gaze-and-brows', { gazeYaw: 20, gazePitch: 15, browLeft: 1, browRight: 1 }],
  ];
  for (const [name, pose] of poses) {
    const png = await holdPose(page, pose);
    await writeFile(path.join(outDir, `${name}.png`), PNG.sync.write(png));
    const changed = changedPixels(rest, png);
    console.log(`${name}: ${changed} pixels differ from rest`);
    if (changed < 50) failures.push(`${name}: the picture did not change (${changed} pixels)`);
  }
  if (opened.errors.length > 0) failures.push(`page errors: ${opened.errors.join('; ')}`);
  await opened.close();
} catch (err) {
  failures.push((err as Error).message);
} finally {
  await browser.close();
  await service.stop();
  await rm(stateDir, { recursive: true, force: true });
}
console.log(failures.length === 0 ? `live2d-check: passed (screenshots in ${outDir})` : `live2d-check: FAILED\n  ${failures.join('\n  ')}`);
process.exit(failures.length === 0 ? 0 : 1);
