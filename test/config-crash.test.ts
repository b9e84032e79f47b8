/**
 * Crash safety of settings saves: a child process saves in a loop and is SIGKILLed, at random moments
 * and at each step of a save; after every kill a fresh store must load the old or the new settings,
 * never anything else, and never need a recovery.
 *
 * SIGKILL tests what a crashed or killed process leaves (the kernel still writes out its page cache);
 * the fsyncs that make the same sequence survive a power cut cannot be tested without pulling a plug.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAST_GOOD_FILE, SettingsStore } from '../src/config/store';
import { seededRandom } from './helpers/random';

const testDir = path.dirname(fileURLToPath(import.meta.url));
const VALUES = 256;

/** The settings a child saves as its n-th: recognisable from n alone, and a few kilobytes long. */
const CHILD_SOURCE = `
import { SettingsStore } from '../src/config/store';
import { defaultSettings } from '../src/config/schema';
const [dir, stopAt, firstArg] = process.argv.slice(2);
let n = Number(firstArg);
let saved = 0;
const settingsFor = (k) => {
  const s = defaultSettings();
  s.calibration.neutral = { values: Array.from({ length: ${VALUES} }, (_, i) => k + i / 1024), capturedAt: new Date(Date.UTC(2025, 0, 1, 0, 0, k % 60)).toISOString() };
  return s;
};
const store = await SettingsStore.open({
  stateDir: dir,
  onSaveStep: async (step) => {
    if (step === stopAt && saved >= 1) {
      process.stdout.write('stopped ' + step + '\\n');
      // Park here until killed. The timer keeps the event loop alive: a bare never-settling promise
      // lets Node exit with 13 (unfinished top-level await) before the parent's SIGKILL lands.
      setInterval(() => {}, 60_000);
      await new Promise(() => {});
    }
  },
});
process.stdout.write('ready\\n');
for (;;) {
  await store.save(settingsFor(n));
  process.stdout.write('saved ' + n + '\\n');
  saved++;
  n++;
}
`;

let workDir: string;
let childScript: string;

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'vtlink-crash-'));
  childScript = path.join(workDir, 'save-loop.mjs');
  await build({
    stdin: { contents: CHILD_SOURCE, resolveDir: testDir, loader: 'ts' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: childScript,
    logLevel: 'warning',
  });
});
afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

interface ChildRun {
  saved: number[];
  stopped: string | null;
}

/**
 * Run the save loop from `first`; kill it `killAfterMs` after it is ready (or, with `stopAt`, as soon
 * as it reports having stopped at that step). Resolves with what it said before dying.
 */
function runAndKill(dir: string, first: number, killAfterMs: number | null, stopAt = 'none'): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [childScript, dir, stopAt, String(first)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const result: ChildRun = { saved: [], stopped: null };
    let buffer = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      buffer += d.toString();
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line === 'ready' && killAfterMs !== null) setTimeout(() => child.kill('SIGKILL'), killAfterMs);
        else if (line.startsWith('saved ')) result.saved.push(Number(line.slice(6)));
        else if (line.startsWith('stopped ')) {
          result.stopped = line.slice(8);
          child.kill('SIGKILL');
        }
      }
    });
    child.on('error', reject);
    child.on('close', (_code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`save loop ended by itself (${signal ?? _code}): ${stderr}`));
      else resolve(result);
    });
  });
}

/** The n a loaded settings object was saved as (see CHILD_SOURCE), or null for the defaults. */
function savedAs(values: readonly number[] | undefined): number | null {
  if (!values) return null;
  expect(values).toHaveLength(VALUES);
  const n = values[0];
  values.forEach((v, i) => expect(v).toBe(n + i / 1024));
  return n;
}

describe('settings saves survive SIGKILL at any moment', () => {
  it('random kills: every restart loads the last completed save or the one in flight', async () => {
    const dir = await mkdtemp(path.join(workDir, 'random-'));
    const rand = seededRandom(20250601);
    let last: number | null = null; // the n of the settings known to be on disk
    let next = 1;
    let inFlightKills = 0;
    let newerThanReported = 0;
    for (let i = 0; i < 200; i++) {
      const run = await runAndKill(dir, next, rand() * 12);
      const reported: number | null = run.saved.length ? run.saved[run.saved.length - 1] : last;
      if ((await readdir(dir)).some((f) => f.endsWith('.tmp'))) inFlightKills++;
      const store = await SettingsStore.open({ stateDir: dir });
      expect(store.health, `iteration ${i}`).toMatchObject({ status: 'ok' });
      const loaded = savedAs(store.settings.calibration.neutral?.values);
      // Either what the child last reported saved, or the save it was killed in (after its rename).
      const inFlight = reported === null ? next : reported + 1;
      expect([reported, inFlight], `iteration ${i}`).toContain(loaded);
      if (loaded !== reported) newerThanReported++;
      // The last good copy, when there is one, is a complete earlier save.
      const files = await readdir(dir);
      expect(files.filter((f) => f.endsWith('.tmp') || f.includes('corrupt'))).toEqual([]);
      if (files.includes(LAST_GOOD_FILE)) {
        const lastGood = JSON.parse(await readFile(path.join(dir, LAST_GOOD_FILE), 'utf8')) as {
          settings: { calibration: { neutral: { values: number[] } } };
        };
        const n = savedAs(lastGood.settings.calibration.neutral.values);
        expect(n).not.toBeNull();
        expect(n).toBeLessThanOrEqual(loaded ?? 0);
      }
      last = loaded;
      next = (loaded ?? 0) + 1;
    }
    // The kills must really have landed inside saves, or this test proves nothing.
    expect(inFlightKills).toBeGreaterThan(20);
    console.log(`200 kills: ${inFlightKills} left a temp file, ${newerThanReported} landed after a rename but before the save resolved`);
  }, 240_000);

  it.each([
    ['temp-written', 'old'],
    ['last-good-rotated', 'old'],
    ['renamed', 'new'],
  ] as const)('killed at %s → the %s settings, and no recovery needed', async (step, expected) => {
    const dir = await mkdtemp(path.join(workDir, `${step}-`));
    const run = await runAndKill(dir, 1, null, step);
    expect(run.stopped).toBe(step);
    expect(run.saved).toEqual([1]);
    const store = await SettingsStore.open({ stateDir: dir });
    expect(store.health.status).toBe('ok');
    expect(savedAs(store.settings.calibration.neutral?.values)).toBe(expected === 'old' ? 1 : 2);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
