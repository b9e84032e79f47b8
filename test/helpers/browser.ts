/**
 * Debian's Chromium driven by playwright-core, shared by the UI and avatar browser tests.
 * Headless, no sandbox (tests run as root in CI), no GPU process (software rendering: Chromium
 * still offers WebGL through SwiftShader), no background network. Each launch gets a fresh profile
 * (playwright creates a new temporary user-data-dir per launch and removes it on close).
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`${CHROMIUM_PATH} is missing: apt-get install chromium`);
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

export interface OpenedPage {
  context: BrowserContext;
  page: Page;
  /** Uncaught exceptions and console errors seen in the page (a test can assert there are none). */
  errors: string[];
  close(): Promise<void>;
}

export interface OpenPageOptions {
  width: number;
  height: number;
  /** A touch screen (page.tap and page.touchscreen work; the page sees touch events). */
  hasTouch?: boolean;
  /** Ignore console errors whose "text url" matches (e.g. a 503 of a resource the UI retries). */
  ignoreConsole?: RegExp;
}

export async function openPage(browser: Browser, url: string, options: OpenPageOptions): Promise<OpenedPage> {
  const context = await browser.newContext({
    viewport: { width: options.width, height: options.height },
    hasTouch: options.hasTouch ?? false,
    isMobile: false,
    deviceScaleFactor: 1,
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    const where = msg.location().url;
    if (msg.type() === 'error' && !options.ignoreConsole?.test(`${msg.text()} ${where}`)) errors.push(`console: ${msg.text()} (${where})`);
  });
  await page.goto(url);
  return { context, page, errors, close: () => context.close() };
}
