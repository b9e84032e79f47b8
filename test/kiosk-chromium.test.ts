/**
 * The kiosk's Chromium switches that change how it runs (systemd/vtlink-kiosk.service), on Debian's
 * Chromium, the package the image installs. With the unit's --enable-features the network service runs
 * inside the browser process: in the qemu boot tests its separate process "crashed or was terminated"
 * during the first page load, and that Chromium then kept a white page for good. The kiosk page must
 * still load from the real service and report its heartbeats. The same probe without the switch finds
 * the separate network-service process, so it can tell the two apart.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KioskStatus } from '../src/service/kiosk-watch';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './helpers/browser';
import { repoRoot, startService, type RunningService } from './helpers/service';
import { sleep, waitUntil } from './helpers/wait';

/** The unit's --enable-features switches (ExecStart spans several lines). */
function unitFeatureSwitches(): string[] {
  const unit = readFileSync(path.join(repoRoot, 'systemd/vtlink-kiosk.service'), 'utf8');
  const execStart = /^ExecStart=((?:.*\\\n)*.*)$/m.exec(unit)?.[1] ?? '';
  return execStart.split(/\s+/).filter((a) => a.startsWith('--enable-features='));
}

/** The command lines of `pid` and every process below it. */
function processTree(pid: number): string[] {
  const rows = execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((l) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), args: m[3] }));
  const inTree = new Set([pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const r of rows) if (!inTree.has(r.pid) && inTree.has(r.ppid)) grew = inTree.add(r.pid) !== null;
  }
  return rows.filter((r) => inTree.has(r.pid)).map((r) => r.args);
}

const isNetworkService = (args: string): boolean => args.includes('--utility-sub-type=network.mojom.NetworkService');

let scratch: string;
let service: RunningService;
const browsers: ChildProcess[] = [];

function startChromium(extra: string[], url: string): ChildProcess {
  const profile = mkdtempSync(path.join(scratch, 'profile-'));
  const child = spawn(CHROMIUM_PATH, [...CHROMIUM_ARGS, `--user-data-dir=${profile}`, '--window-size=800,480', ...extra, url], { stdio: 'ignore' });
  browsers.push(child);
  return child;
}

async function stopChromium(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(10_000).then(() => child.kill('SIGKILL'))]);
}

async function kiosk(): Promise<KioskStatus> {
  const res = await fetch(new URL('api/status', service.url));
  return ((await res.json()) as { kiosk: KioskStatus }).kiosk;
}

beforeAll(async () => {
  execFileSync(process.execPath, [path.join(repoRoot, 'tools/build.mjs')], { cwd: repoRoot, stdio: 'inherit' });
  scratch = mkdtempSync(path.join(os.tmpdir(), 'vtlink-kiosk-chromium-'));
  service = await startService({ stateDir: path.join(scratch, 'state') });
});

afterAll(async () => {
  for (const b of browsers) await stopChromium(b);
  await service?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe("the kiosk's Chromium switches on Debian's Chromium", () => {
  it('the unit asks for the network service in the browser process', () => {
    expect(unitFeatureSwitches()).toEqual(['--enable-features=NetworkServiceInProcess2']);
  });

  it('without the switch the probe sees a separate network-service process', async () => {
    const chromium = startChromium([], 'about:blank');
    await waitUntil(() => processTree(chromium.pid!).some(isNetworkService), 'a network-service process under Chromium', 60_000);
    await stopChromium(chromium);
  });

  it("with the unit's switches: no network-service process, and the kiosk page loads from the service and reports", async () => {
    const chromium = startChromium(unitFeatureSwitches(), `${service.url}?kiosk=1`);
    const end = Date.now() + 90_000;
    let seen = await kiosk();
    while (!(seen.state === 'alive' && (seen.frames ?? 0) > 0)) {
      if (Date.now() > end) throw new Error(`no heartbeats from the kiosk page; kiosk status ${JSON.stringify(seen)}`);
      await sleep(250);
      seen = await kiosk();
    }
    const tree = processTree(chromium.pid!);
    expect(tree.some((a) => a.includes('--type=renderer'))).toBe(true);
    expect(tree.filter(isNetworkService)).toEqual([]);
    await stopChromium(chromium);
  });
});
