/**
 * `npm run docs`: rewrites docs/user-guide.md's "Connect your app" section from ui/src/app/guides.ts
 * (the texts the Outputs page shows). `npm run docs -- --screenshots` also builds the app, runs the
 * real service on the demo input, drives Debian's Chromium at the touch screen's 800x480 and writes
 * the guide's pictures of our own UI to docs/img/ (needs root for the network namespace a stand-in
 * VTube Studio announces itself from, as the tests do).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { launchChromium, openPage } from '../../test/helpers/browser';
import { repoRoot, startService } from '../../test/helpers/service';
import { RemoteHost } from '../../test/server-helpers';
import { guidesMarkdown, replaceGuides } from './guide-markdown';

const guidePath = path.join(repoRoot, 'docs/user-guide.md');
const imgDir = path.join(repoRoot, 'docs/img');

writeFileSync(guidePath, replaceGuides(readFileSync(guidePath, 'utf8'), guidesMarkdown()));
console.log(`wrote the "Connect your app" section of ${path.relative(repoRoot, guidePath)}`);
if (process.argv.includes('--screenshots')) await screenshots();

async function screenshots(): Promise<void> {
  execFileSync(process.execPath, [path.join(repoRoot, 'tools/build.mjs')], { cwd: repoRoot, stdio: 'inherit' });
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'vtlink-docs-'));
  const [browser, service, remote] = await Promise.all([launchChromium(), startService({ stateDir, env: { VTLINK_VTS_DISCOVERY_PORT: '0' } }), RemoteHost.create(path.join(repoRoot, 'test/server-remote-agent.mjs'))]);
  let announcing: NodeJS.Timeout | undefined;
  try {
    const { page, errors, close } = await openPage(browser, `${service.url}?kiosk=1`, { width: 800, height: 480, hasTouch: true, ignoreConsole: /status of (503|429) .*\/api\/preview\.jpg/ });
    const shot = async (name: string, selector?: string) => {
      const file = path.join(imgDir, name);
      if (selector) await page.locator(selector).screenshot({ path: file });
      else await page.screenshot({ path: file });
      console.log(`${path.relative(repoRoot, file)}: ${Math.round(statSync(file).size / 1024)} KB`);
    };
    await page.waitForSelector('.topbar');
    await page.waitForTimeout(3000); // the avatar and the health panel settle
    await shot('main.png');
    await page.tap('[data-action=toggle-settings]');
    await page.tap('[data-tab=outputs]');
    await page.waitForFunction(`document.querySelector('[data-testid=box-name]').textContent !== '…'`);
    await shot('outputs.png');

    // A VTube Studio on "the PC": announcements from another host, as VTube Studio sends them.
    const { vtubeStudio } = (await (await fetch(new URL('api/receivers', service.url))).json()) as { vtubeStudio: { port: number } };
    const announcement = Buffer.from(
      JSON.stringify({ apiName: 'VTubeStudioPublicAPI', apiVersion: '1.0', timestamp: Date.now(), messageType: 'VTubeStudioAPIStateBroadcast', requestID: 'VTubeStudioAPIStateBroadcast', data: { active: true, port: 8001, instanceID: 'docs', windowTitle: 'VTube Studio' } }),
    );
    announcing = setInterval(() => void remote.udp(remote.broadcastAddress, vtubeStudio.port, announcement, true), 1000);
    await page.waitForSelector('[data-use-vts]', { timeout: 15_000 });
    // A taller window for the whole cards: on 480 rows the top bar would cover their heads.
    await page.setViewportSize({ width: 800, height: 1200 });
    await scrollTo(page, '[data-form=vtubeStudio]');
    await shot('vts-heard.png', '[data-form=vtubeStudio]');

    await scrollTo(page, '[data-guide=vseeface] summary');
    await page.tap('[data-guide=vseeface] summary');
    await shot('guide-vseeface.png', '[data-form=openSeeFace]');
    await page.setViewportSize({ width: 800, height: 480 });

    await scrollTo(page, '[data-add-target="outputs.vmc.targets"]');
    await page.tap('[data-add-target="outputs.vmc.targets"]');
    await page.waitForSelector('.keyboard');
    await shot('keyboard-address.png');
    await page.tap('.keyboard [data-key=Cancel]');

    await page.tap('[data-tab=tracking]');
    await page.waitForSelector('[data-action=calibrate]');
    await shot('calibrate.png', 'section.card:has([data-action=calibrate])');
    await page.tap('[data-tab=system]');
    await page.waitForFunction(`/\\d{3} \\d{3}/.test(document.querySelector('[data-testid=pin]').textContent)`);
    await shot('pairing.png', '[data-form=pairing]');
    if (errors.length > 0) throw new Error(`the page reported errors:\n${errors.join('\n')}`);
    await close();
  } finally {
    clearInterval(announcing);
    await Promise.allSettled([browser.close(), service.stop(), remote.close()]);
    rmSync(stateDir, { recursive: true, force: true });
  }
}

async function scrollTo(page: Page, selector: string): Promise<void> {
  await page.locator(selector).scrollIntoViewIfNeeded();
}
