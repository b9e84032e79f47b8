/**
 * Settings › System › Software update in a real browser (Debian's Chromium via playwright-core, a
 * touch context at 800x480) against the real HTTP server and updater, with real RAUC behind it
 * (test/helpers/rauc-lab.ts; a pre-install handler holds the install for 3 s so the bar can be
 * watched). The tracker is the server tests' TestControl (no models: the flow is the update's).
 *
 * The flow: a refused file shows RAUC's reason and nothing waits; a good file shows its version and
 * signature before anything is installed; Cancel installs nothing; Install → progress → "Restarting
 * into version 0.2.0" → the reboot request; the "reboot" (server and rauc service down and up again,
 * booted from B, a new boot id); the page reconnects and shows "Updated to version 0.2.0" once, until
 * dismissed. Then a USB stick: its bundle offered and installed by touch into A, which "never becomes
 * healthy" (GRUB's try left counted, B booted again), and the page says the update rolled back.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SettingsStore } from '../src/config';
import { startServer, type RunningServer } from '../src/server';
import type { UpdateControl } from '../src/update/types';
import { Updater, type UpdaterOptions } from '../src/update/updater';
import { launchChromium, openPage } from './helpers/browser';
import { labUpdaterOptions, RaucLab } from './helpers/rauc-lab';
import { repoRoot } from './helpers/service';
import { waitUntil } from './helpers/wait';
import { TestControl } from './server-helpers';

class UpdateTestControl extends TestControl {
  update?: UpdateControl;
}

const SHOTS = path.join(repoRoot, 'bench/out/ui');
const UI_DIR = path.join(repoRoot, 'build/test-ui-update');
/** Expected console noise: the refused upload (422), and the service being away during the "reboot". */
const PAGE_OPTIONS = { width: 800, height: 480, hasTouch: true, ignoreConsole: /status of 422|ERR_CONNECTION_REFUSED|ERR_EMPTY_RESPONSE|ERR_CONNECTION_RESET|status of (503|429) .*\/api\/preview\.jpg/ };

let lab: RaucLab;
let base: string;
let browser: Browser;
let control: UpdateTestControl;
let server: RunningServer;
let updater: Updater;
let port = 0;

function updaterOptions(bootId: string): UpdaterOptions {
  return labUpdaterOptions(lab, base, bootId, { healthyForMs: 1000, healthTickMs: 100, rebootNoticeMs: 1500, usbPollMs: 200 });
}

/** The "reboot" after an install: everything goes down, GRUB's try is counted, vtlink comes back on `slot` with a new boot id. */
async function reboot(bootId: string, slot: 'A' | 'B', grubenv: Record<string, string>, release: string): Promise<void> {
  await server.close();
  await updater.close();
  await lab.stopService();
  await rm(path.join(base, 'run', 'reboot'));
  await lab.setGrubenv(grubenv);
  await writeFile(path.join(base, `boot_id-${bootId}`), `${bootId}\n`);
  await writeFile(path.join(base, 'vtlink-release'), release);
  await new Promise((r) => setTimeout(r, 1500)); // the page polls a dead service for a moment
  await lab.startService(slot);
  updater = new Updater(updaterOptions(bootId));
  control.update = updater;
  await updater.started;
  await startApi();
}

async function startApi(): Promise<void> {
  server = await startServer(control, { port, bind: '127.0.0.1', stateDir: path.join(base, 'state'), uiDir: UI_DIR, log: () => undefined });
  port = server.port;
}

/** The UI as tools/build.mjs bundles it, into its own folder (parallel tests never race on dist/). */
async function buildUi(): Promise<void> {
  await mkdir(UI_DIR, { recursive: true });
  await build({
    entryPoints: [{ in: path.join(repoRoot, 'ui/src/main.ts'), out: 'main' }],
    outdir: UI_DIR,
    bundle: true,
    platform: 'browser',
    target: ['chrome100'],
    format: 'esm',
    logLevel: 'warning',
  });
  for (const file of ['index.html', 'styles.css']) await copyFile(path.join(repoRoot, 'ui', file), path.join(UI_DIR, file));
}

async function openUpdateCard(): Promise<Awaited<ReturnType<typeof openPage>>> {
  const opened = await openPage(browser, `http://127.0.0.1:${port}/`, PAGE_OPTIONS);
  await opened.page.waitForSelector('.topbar');
  await opened.page.tap('[data-action=toggle-settings]');
  await opened.page.tap('[data-tab=system]');
  await opened.page.waitForSelector('[data-form=update]');
  return opened;
}

/** The result on screen, kept as a screenshot, then dismissed: gone from the page and from the updater. */
async function shootAndDismissResult(page: Page, shot: string): Promise<void> {
  await page.locator('[data-testid=update-result]').scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(SHOTS, shot) });
  await page.tap('[data-action=dismiss-update-result]');
  await page.waitForFunction(`document.querySelector('[data-testid=update-result]').hidden`);
  expect(updater.state().lastResult).toBeNull();
}

const text = (page: Page, selector: string): Promise<string> => page.evaluate(`document.querySelector(${JSON.stringify(selector)})?.textContent ?? ''`);

beforeAll(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), 'vtlink-ui-update-'));
  await mkdir(path.join(base, 'run'));
  await writeFile(path.join(base, 'vtlink-release'), 'VERSION=0.1.0\nCOMPATIBLE=vtlink-amd64\nBUILD=20260101\n');
  await writeFile(path.join(base, 'boot_id-boot-1'), 'boot-1\n');
  await mkdir(SHOTS, { recursive: true });
  const [madeLab, launched] = await Promise.all([RaucLab.create({ preInstallSleepS: 3 }), launchChromium(), buildUi()]);
  lab = madeLab;
  browser = launched;
  await lab.startService('A');
  control = new UpdateTestControl(await SettingsStore.open({ stateDir: path.join(base, 'state') }));
  updater = new Updater(updaterOptions('boot-1'));
  await updater.started;
  control.update = updater;
  await startApi();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await updater?.close();
  await lab?.close();
  if (base) await rm(base, { recursive: true, force: true });
});

describe('software update on the System page', () => {
  it('upload → version and signature shown → confirm → progress → restarting → after the reboot "Updated to version 0.2.0", until dismissed', async () => {
    const good = await lab.makeBundle({ version: '0.2.0', format: 'plain' });
    const foreign = await lab.makeBundle({ version: '0.2.0', format: 'plain', signer: 'foreign', name: 'foreign.raucb' });
    const { page, errors, close } = await openUpdateCard();
    try {
      await page.waitForFunction(`document.querySelector('[data-info=running-version]').textContent === '0.1.0 (build 20260101)'`);
      expect(await text(page, '[data-info=running-slot]')).toMatch(/^A \(rootfs\.0\), /);

      // A foreign-signed bundle: RAUC's verdict on screen, nothing waits.
      await page.setInputFiles('[data-testid=bundle-file]', foreign);
      await page.waitForFunction(`document.querySelector('[data-testid=update-status]').className.includes('error')`, undefined, { timeout: 30_000 });
      expect(await text(page, '[data-testid=update-status]')).toMatch(/^the bundle's signature is not valid for this device \(rauc: signature verification failed/);
      expect(await page.locator('[data-testid=update-pending]').count()).toBe(0);

      // A good one: its version and signature before anything happens.
      await page.setInputFiles('[data-testid=bundle-file]', good);
      await page.waitForSelector('[data-testid=update-pending]', { timeout: 30_000 });
      expect(await text(page, '[data-testid=pending-details]')).toMatch(/^Version 0\.2\.0 · build test-\d+ · \d+ kB · signature verified \(CN = vtlink lab test key\)$/);
      expect(await text(page, '[data-testid=update-status]')).toBe('Bundle checked: look at its version, then Install.');
      expect(await lab.grubenv()).toMatchObject({ ORDER: 'A B' });
      await page.locator('[data-testid=update-pending]').scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join(SHOTS, 'update-pending-800x480.png') });
      const small = await page.evaluate<string[]>(`[...document.querySelectorAll('[data-form=update] button')].filter((b) => { const r = b.getBoundingClientRect(); return r.width > 0 && (r.width < 47.5 || r.height < 47.5); }).map((b) => b.textContent)`);
      expect(small).toEqual([]);

      // Install asks first; Cancel installs nothing.
      await page.tap('[data-action=install-upload]');
      const dialog = page.locator('[role=dialog][aria-label="Install update?"]');
      await dialog.waitFor({ state: 'visible' });
      expect(await dialog.textContent()).toContain('Install version 0.2.0 (signature verified by CN = vtlink lab test key) in place of 0.1.0?');
      await page.screenshot({ path: path.join(SHOTS, 'update-confirm-800x480.png') });
      await page.tap('[role=dialog] [data-key=Cancel]');
      await dialog.waitFor({ state: 'detached' });
      await new Promise((r) => setTimeout(r, 500));
      expect(updater.state().operation.kind).toBe('idle');

      // Confirmed: the bar follows rauc's progress, then "Restarting into version 0.2.0".
      await page.evaluate(`(() => {
        window.__bar = [];
        setInterval(() => {
          const op = document.querySelector('[data-form=update] .update-op');
          const bar = document.querySelector('[data-testid=update-progress]');
          if (!op.hidden && op.dataset.kind === 'installing' && !bar.hidden) window.__bar.push(bar.value);
        }, 50);
      })()`);
      await page.tap('[data-action=install-upload]');
      await page.tap('[role=dialog] [data-key=Confirm]');
      await page.waitForFunction(`document.querySelector('[data-testid=update-operation]').textContent.startsWith('Installing version 0.2.0')`, undefined, { timeout: 15_000 });
      await page.locator('[data-testid=update-progress]').scrollIntoViewIfNeeded();
      await page.waitForFunction(`document.querySelector('[data-testid=update-progress]').value > 0`, undefined, { timeout: 15_000 });
      await page.screenshot({ path: path.join(SHOTS, 'update-installing-800x480.png') });
      await page.waitForFunction(`document.querySelector('[data-testid=update-operation]').textContent === 'Restarting into version 0.2.0…'`, undefined, { timeout: 60_000 });
      const bar = await page.evaluate<number[]>('window.__bar');
      expect(bar.some((v) => v > 0 && v < 100)).toBe(true);
      expect(bar).toEqual([...bar].sort((a, b) => a - b));
      expect(existsSync(path.join(base, 'run', 'reboot'))).toBe(false); // the screen is told first
      await waitUntil(() => existsSync(path.join(base, 'run', 'reboot')), 'the reboot request', 10_000);
      expect(await readFile(path.join(base, 'run', 'reboot'), 'utf8')).toBe('update 0.2.0 slot B\n');

      // The "reboot": GRUB tries B; vtlink comes back there (slot B's release file).
      await reboot('boot-2', 'B', { B_TRY: '1' }, 'VERSION=0.2.0\nCOMPATIBLE=vtlink-amd64\nBUILD=20260202\n');
      updater.watchHealth(Promise.resolve(), () => true);

      // The page reconnects; health marks B good; the result shows once.
      await page.waitForFunction(`document.querySelector('[data-testid=update-result]')?.dataset.outcome === 'updated' && !document.querySelector('[data-testid=update-result]').hidden`, undefined, { timeout: 30_000 });
      expect(await text(page, '[data-testid=update-result]')).toBe('Updated to version 0.2.0.Dismiss');
      await page.waitForFunction(`document.querySelector('[data-info=running-slot]').textContent === 'B (rootfs.1), marked good'`);
      expect(await text(page, '[data-info=running-version]')).toBe('0.2.0 (build 20260202)');
      expect(await lab.grubenv()).toMatchObject({ B_OK: '1', B_TRY: '0' });
      await shootAndDismissResult(page, 'update-result-800x480.png');
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it('a USB stick offers a release that never becomes healthy: installed by touch, and after the fallback the page says it rolled back', async () => {
    const bad = await lab.makeBundle({ version: '0.3.0', format: 'plain', name: 'vtlink-0.3.0.raucb' });
    const stick = path.join(base, 'usb', 'sdz1');
    await mkdir(stick, { recursive: true });
    const { page, errors, close } = await openUpdateCard();
    try {
      await page.waitForFunction(`document.querySelector('[data-info=running-slot]')?.textContent === 'B (rootfs.1), marked good'`);
      // Plugged in: offered with its version and signature, then installed by touch.
      await copyFile(bad, path.join(stick, 'vtlink-0.3.0.raucb'));
      const offer = page.locator('[data-usb="sdz1/vtlink-0.3.0.raucb"]');
      await page.waitForFunction(`!document.querySelector('[data-usb="sdz1/vtlink-0.3.0.raucb"] [data-action=install-usb]')?.disabled`, undefined, { timeout: 30_000 });
      expect(await offer.textContent()).toMatch(/^USB stick: vtlink-0\.3\.0\.raucbVersion 0\.3\.0 · build test-\d+ · \d+ kB · signature verified \(CN = vtlink lab test key\)Install$/);
      await offer.locator('[data-action=install-usb]').tap();
      const dialog = page.locator('[role=dialog][aria-label="Install update?"]');
      await dialog.waitFor({ state: 'visible' });
      expect(await dialog.textContent()).toContain('Install version 0.3.0 (signature verified by CN = vtlink lab test key) in place of 0.2.0?');
      await page.tap('[role=dialog] [data-key=Confirm]');
      await page.waitForFunction(`document.querySelector('[data-testid=update-operation]').textContent === 'Restarting into version 0.3.0…'`, undefined, { timeout: 60_000 });
      await waitUntil(() => existsSync(path.join(base, 'run', 'reboot')), 'the reboot request', 10_000);
      expect(await lab.grubenv()).toMatchObject({ ORDER: 'A B' });

      // GRUB tried A once; vtlink never became healthy there, so A_TRY stayed 1 and GRUB falls back to B.
      await reboot('boot-3', 'B', { A_TRY: '1' }, 'VERSION=0.2.0\nCOMPATIBLE=vtlink-amd64\nBUILD=20260202\n');
      await page.waitForFunction(`document.querySelector('[data-testid=update-result]')?.dataset.outcome === 'rolled-back' && !document.querySelector('[data-testid=update-result]').hidden`, undefined, { timeout: 30_000 });
      expect(await text(page, '[data-testid=update-result]')).toBe('Update to version 0.3.0 rolled back: slot A did not become healthy; running slot B again.Dismiss');
      expect(await page.locator('[data-testid=update-result]').evaluate((e) => e.className)).toContain('error');
      expect(await text(page, '[data-info=running-version]')).toBe('0.2.0 (build 20260202)');
      await shootAndDismissResult(page, 'update-rolled-back-800x480.png');
      // The stick is still in: its offer says, past the dismissed result, that this version rolled back
      // here, and so does the confirmation before a second try.
      const warned = offer.locator('[data-testid=rolled-back-before]');
      await warned.waitFor({ state: 'visible' });
      expect(await warned.textContent()).toMatch(/^This version rolled back on this device on .+: slot A did not become healthy\.$/);
      await offer.scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join(SHOTS, 'update-offer-rolled-back-before-800x480.png') });
      await offer.locator('[data-action=install-usb]').tap();
      await dialog.waitFor({ state: 'visible' });
      expect(await dialog.textContent()).toMatch(/This version rolled back on this device on .+: slot A did not become healthy\. Install version 0\.3\.0 /);
      await page.tap('[role=dialog] [data-key=Cancel]');
      await dialog.waitFor({ state: 'hidden' });
      expect(updater.state().operation.kind).toBe('idle');
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });
});
