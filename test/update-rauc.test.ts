/**
 * The updater against real RAUC 1.8 (test/helpers/rauc-lab.ts: bundles made by `rauc bundle`, a
 * private system bus, `rauc service` with file-backed slots and the grub backend on a grubenv):
 * rauc info's verdicts on good, foreign-signed, truncated, junk and wrong-compatible bundles; USB
 * offers; an install with its progress, the record and the reboot request; the "reboot" (the rauc
 * service restarted as booted from the other slot, a new boot id) and health marking the new slot
 * good, or the bootloader's fallback reported as a roll-back.
 *
 * Installs use plain-format bundles: this kernel has no device-mapper, and RAUC mounts verity
 * bundles through dm-verity. The last test installs a verity bundle anyway and expects exactly that
 * failure here (and success where /dev/mapper/control exists).
 */
import { chmod, copyFile, mkdir, readFile, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rauc } from '../src/update/rauc';
import type { UpdateState } from '../src/update/types';
import { Updater, type UpdaterOptions } from '../src/update/updater';
import { COMPATIBLE, labUpdaterOptions, RaucLab } from './helpers/rauc-lab';
import { repoRoot } from './helpers/service';
import { waitUntil } from './helpers/wait';

const run = promisify(execFile);

let lab: RaucLab;
let good: string;
let goodPlain: string;
let foreign: string;
let truncated: string;
let junk: string;
let otherBoard: string;

beforeAll(async () => {
  lab = await RaucLab.create({ preInstallSleepS: 2 });
  good = await lab.makeBundle({ version: '0.2.0' });
  goodPlain = await lab.makeBundle({ version: '0.2.0', format: 'plain' });
  foreign = await lab.makeBundle({ version: '0.2.0', signer: 'foreign', name: 'foreign.raucb' });
  otherBoard = await lab.makeBundle({ version: '0.2.0', compatible: 'vtlink-arm64', name: 'arm64.raucb' });
  truncated = path.join(lab.bundlesDir, 'truncated.raucb');
  await copyFile(good, truncated);
  await truncate(truncated, 20_000);
  junk = path.join(lab.bundlesDir, 'junk.raucb');
  await writeFile(junk, 'not a bundle\n');
});

afterAll(async () => {
  await lab?.close();
});

describe('rauc info (no D-Bus, no root)', () => {
  it('a bundle signed with the keyring’s key: verified, with its manifest and signer', async () => {
    const rauc = new Rauc({ conf: lab.conf });
    for (const file of [good, goodPlain]) {
      const r = await rauc.info(file);
      expect(r).toEqual({
        ok: true,
        verified: true,
        manifest: { compatible: COMPATIBLE, version: '0.2.0', build: expect.stringMatching(/^test-/), description: 'vtlink 0.2.0 (test bundle)', signer: 'CN = vtlink lab test key' },
      });
    }
  });

  it('refuses a foreign signature, a truncated file and a non-bundle, with rauc’s reason', async () => {
    const rauc = new Rauc({ conf: lab.conf });
    const f = await rauc.info(foreign);
    expect(f).toMatchObject({ ok: false, code: 'bad-signature' });
    expect(f.ok ? '' : f.reason).toMatch(/signature verification failed/);
    const t = await rauc.info(truncated);
    expect(t).toMatchObject({ ok: false, code: 'bad-bundle' });
    expect(t.ok ? '' : t.reason).toMatch(/Invalid bundle format/);
    const j = await rauc.info(junk);
    expect(j).toMatchObject({ ok: false, code: 'bad-bundle' });
    // rauc info itself does not compare the compatible: the updater does (below).
    expect(await rauc.info(otherBoard)).toMatchObject({ ok: true, manifest: { compatible: 'vtlink-arm64' } });
  });
});

describe('the updater with the rauc service (file-backed slots, grub backend)', () => {
  let base: string;
  let updater: Updater;

  const options = (boot: string): UpdaterOptions => labUpdaterOptions(lab, base, boot, { healthyForMs: 400, healthTickMs: 50, usbPollMs: 100, rebootNoticeMs: 300 });

  /** A new boot: its own boot id; the rauc service as booted from `slot`; a fresh updater. */
  async function boot(id: string, slot: 'A' | 'B'): Promise<Updater> {
    await updater?.close();
    await lab.stopService();
    await writeFile(path.join(base, `boot_id-${id}`), `${id}\n`);
    await lab.startService(slot);
    updater = new Updater(options(id));
    await updater.started;
    return updater;
  }

  beforeAll(async () => {
    base = path.join(lab.dir, 'box');
    await mkdir(path.join(base, 'run'), { recursive: true });
    await writeFile(path.join(base, 'vtlink-release'), 'VERSION=0.1.0\nCOMPATIBLE=vtlink-amd64\nBUILD="b1"\n');
  });
  afterAll(async () => {
    await updater?.close();
  });

  it('at start: the running version and slot, the slots, available', async () => {
    await boot('boot-1', 'A');
    const s = updater.state();
    expect(s).toMatchObject({ available: true, reason: null, running: { version: '0.1.0', build: 'b1', compatible: COMPATIBLE, slot: 'A', slotName: 'rootfs.0' }, operation: { kind: 'idle' }, pending: null, lastResult: null });
    expect(s.slots.map((x) => [x.name, x.bootname, x.state])).toEqual([['rootfs.0', 'A', 'booted'], ['rootfs.1', 'B', 'inactive']]);
  });

  it('offers the bundles on a USB stick with their verdicts; wrong compatible and bad ones are not installable', async () => {
    const stick = path.join(base, 'usb', 'sdz1');
    await mkdir(stick, { recursive: true });
    await copyFile(goodPlain, path.join(stick, 'vtlink-0.2.0.raucb'));
    for (const f of [foreign, otherBoard, truncated]) await copyFile(f, path.join(stick, path.basename(f)));
    await writeFile(path.join(stick, 'README.txt'), 'not offered');
    await waitUntil(() => updater.state().usb.length === 4 && updater.state().usb.every((o) => o.state !== 'checking'), 'the four USB bundles checked', 30_000);
    const offers = Object.fromEntries(updater.state().usb.map((o) => [o.file, o]));
    expect(offers['vtlink-0.2.0.raucb']).toMatchObject({ id: 'sdz1/vtlink-0.2.0.raucb', device: 'sdz1', state: 'ready', bundle: { version: '0.2.0', signature: 'verified', signer: 'CN = vtlink lab test key' }, problem: null });
    expect(offers['foreign.raucb']).toMatchObject({ state: 'refused', bundle: null, problem: { code: 'bad-signature' } });
    expect(offers['arm64.raucb']).toMatchObject({ state: 'refused', problem: { code: 'wrong-compatible', message: 'the bundle is for "vtlink-arm64"; this device is "vtlink-amd64"' } });
    expect(offers['truncated.raucb']).toMatchObject({ state: 'refused', problem: { code: 'bad-bundle' } });
    await expect(updater.install({ bundle: 'usb', id: 'sdz1/arm64.raucb' })).rejects.toMatchObject({ code: 'wrong-compatible' });
    await expect(updater.install({ bundle: 'usb', id: 'sdz1/vtlink-0.2.0.raucb', version: '9.9.9' })).rejects.toMatchObject({ code: 'version-mismatch' });
    expect(await lab.grubenv()).toMatchObject({ ORDER: 'A B' });
    // Unplugged: the offers go.
    await rm(path.join(stick, 'truncated.raucb'));
    await waitUntil(() => updater.state().usb.length === 3, 'the removed bundle dropped from the offers');
  });

  it('installs from the stick: progress, the record, the new slot primary, then "restarting" and the reboot request', async () => {
    const seen: UpdateState['operation'][] = [];
    const watch = setInterval(() => seen.push(updater.state().operation), 20);
    try {
      const op = await updater.install({ bundle: 'usb', id: 'sdz1/vtlink-0.2.0.raucb', version: '0.2.0' });
      expect(op).toMatchObject({ kind: 'installing', version: '0.2.0', source: 'usb', percent: 0 });
      await expect(updater.install({ bundle: 'usb', id: 'sdz1/vtlink-0.2.0.raucb' })).rejects.toMatchObject({ code: 'update-busy' });
      await waitUntil(() => updater.state().operation.kind === 'rebooting', 'the install to finish', 60_000);
      await waitUntil(() => existsSync(path.join(base, 'run', 'reboot')), 'the reboot request');
    } finally {
      clearInterval(watch);
    }
    expect(updater.state().lastError).toBeNull();
    const percents = seen.flatMap((o) => (o.kind === 'installing' ? [o.percent] : []));
    expect(percents.some((p) => p > 0 && p < 100)).toBe(true); // rauc's own steps (the pre-install handler holds one for 2 s)
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(seen.some((o) => o.kind === 'installing' && /slot|bundle|install/i.test(o.message))).toBe(true);
    expect(await readFile(path.join(base, 'run', 'reboot'), 'utf8')).toBe('update 0.2.0 slot B\n');
    const record = JSON.parse(await readFile(path.join(base, 'state', 'update', 'last-install.json'), 'utf8'));
    expect(record).toMatchObject({ version: '0.2.0', fromSlot: 'A', toSlot: 'B', bootId: 'boot-1' });
    expect(await lab.grubenv()).toMatchObject({ ORDER: 'B A' });
  });

  it('after the reboot into B: on trial until healthy, then marked good (GRUB’s try reset) and "updated to 0.2.0"', async () => {
    await rm(path.join(base, 'run', 'reboot'));
    await lab.setGrubenv({ B_TRY: '1' }); // GRUB counts the try when it boots B
    await boot('boot-2', 'B');
    expect(updater.state()).toMatchObject({ running: { slot: 'B' }, lastResult: null, health: { state: 'waiting' } });
    // Not ready yet, then not making progress: nothing is marked.
    let markReady!: () => void;
    let alive = false;
    updater.watchHealth(new Promise<void>((r) => (markReady = r)), () => alive);
    await new Promise((r) => setTimeout(r, 600));
    markReady();
    await new Promise((r) => setTimeout(r, 800));
    expect(updater.state().health.state).toBe('waiting');
    expect(await lab.grubenv()).toMatchObject({ B_TRY: '1' });
    alive = true;
    await waitUntil(() => updater.state().lastResult !== null, 'the result after health', 15_000);
    expect(updater.state()).toMatchObject({ health: { state: 'marked-good', message: 'marked slot rootfs.1 as good' }, lastResult: { outcome: 'updated', message: 'updated to 0.2.0', fromSlot: 'A', toSlot: 'B', slotState: 'good' } });
    expect(await lab.grubenv()).toMatchObject({ B_OK: '1', B_TRY: '0' });
    expect(existsSync(path.join(base, 'state', 'update', 'last-install.json'))).toBe(false);
    // Shown until dismissed, across restarts of the service.
    await boot('boot-2', 'B');
    expect(updater.state().lastResult?.outcome).toBe('updated');
    expect(updater.state().health.state).toBe('marked-good'); // once per boot
    await updater.dismissResult();
    expect(updater.state().lastResult).toBeNull();
    await boot('boot-2', 'B');
    expect(updater.state().lastResult).toBeNull();
  });

  it('a slot that never becomes healthy: the bootloader falls back and the next start says "rolled back"', async () => {
    await waitUntil(() => updater.state().usb.some((o) => o.state === 'ready'), 'the stick offered again');
    await updater.install({ bundle: 'usb', id: 'sdz1/vtlink-0.2.0.raucb' });
    await waitUntil(() => updater.state().operation.kind === 'rebooting', 'the second install', 60_000);
    expect(JSON.parse(await readFile(path.join(base, 'state', 'update', 'last-install.json'), 'utf8'))).toMatchObject({ fromSlot: 'B', toSlot: 'A' });
    // GRUB tried A, A never got marked good (A_TRY stays 1, so GRUB skips it) and B boots again.
    await lab.setGrubenv({ A_TRY: '1' });
    await boot('boot-3', 'B');
    expect(updater.state().lastResult).toMatchObject({ outcome: 'rolled-back', message: 'rolled back: slot A did not become healthy', fromSlot: 'B', toSlot: 'A', slotState: 'bad' });
    expect(updater.state().slots.find((s) => s.bootname === 'A')?.bootStatus).toBe('bad');
    const decidedAt = updater.state().lastResult!.decidedAt;
    await updater.dismissResult();
    // Remembered past the dismissal and a restart of the service, so an offer of 0.2.0 can say so.
    await boot('boot-3', 'B');
    expect(updater.state()).toMatchObject({ lastResult: null, rolledBack: [{ version: '0.2.0', toSlot: 'A', decidedAt }] });
  });

  it('the service restarting before the reboot (same boot id) shows "restart the device", not a result', async () => {
    await waitUntil(() => updater.state().usb.some((o) => o.state === 'ready'), 'the stick offered again');
    await updater.install({ bundle: 'usb', id: 'sdz1/vtlink-0.2.0.raucb' });
    await waitUntil(() => updater.state().operation.kind === 'rebooting', 'the third install', 60_000);
    await boot('boot-3', 'B');
    expect(updater.state()).toMatchObject({ operation: { kind: 'reboot-needed', version: '0.2.0', toSlot: 'A' }, lastResult: null });
    // The box reboots into A, and it is healthy there.
    await boot('boot-4', 'A');
    updater.watchHealth(Promise.resolve(), () => true);
    await waitUntil(() => updater.state().lastResult?.outcome === 'updated', 'updated after the reboot into A', 15_000);
    // 0.2.0 runs now: no longer marked as rolled back.
    expect(updater.state().rolledBack).toEqual([]);
    expect(JSON.parse(await readFile(path.join(base, 'state', 'update', 'rolled-back.json'), 'utf8'))).toEqual([]);
    await updater.dismissResult();
  });

  it(`a verity bundle: ${RaucLab.canInstallVerity ? 'installs' : 'fails here with RAUC’s reason (no device-mapper in this kernel), and nothing changes'}`, async () => {
    const stick = path.join(base, 'usb', 'sdz1');
    await copyFile(good, path.join(stick, 'verity.raucb'));
    await waitUntil(() => updater.state().usb.some((o) => o.file === 'verity.raucb' && o.state === 'ready'), 'the verity bundle offered', 30_000);
    const before = await lab.grubenv();
    await updater.install({ bundle: 'usb', id: 'sdz1/verity.raucb' });
    await waitUntil(() => ['idle', 'rebooting'].includes(updater.state().operation.kind), 'the verity install to end', 60_000);
    if (RaucLab.canInstallVerity) {
      expect(updater.state().operation.kind).toBe('rebooting');
      return;
    }
    expect(updater.state().operation).toEqual({ kind: 'idle' });
    expect(updater.state().lastError?.message).toMatch(/^installing version 0\.2\.0 failed: Failed mounting bundle: .*\/dev\/mapper\/control/);
    expect(await lab.grubenv()).toEqual(before);
    expect(await readdir(path.join(base, 'run'))).toEqual([]);
  });
});

describe('the rauc client as vtlink.service runs it', () => {
  it('in the unit’s sandbox (user, no capabilities, user namespace, read-only root, its system call filter): info, status, install and mark-good work', async () => {
    // What systemd gives vtlink.service, approximated without systemd (this container has none):
    // a private mount namespace with the root read-only (ProtectSystem=strict; the bus socket is on
    // it too), setpriv to an unprivileged user with NoNewPrivileges and no capabilities, a user
    // namespace mapping only that user (PrivateUsers=yes), then the unit's own SystemCallFilter= and
    // RestrictAddressFamilies= lines as a seccomp filter (test/helpers/syscall-filter-exec.py).
    // Not reproduced: the other Protect*= settings, DevicePolicy, the state and runtime folders.
    const unit = await readFile(path.join(repoRoot, 'systemd/vtlink.service'), 'utf8');
    const values = (key: string) => [...unit.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1].trim());
    const filters = values('SystemCallFilter');
    const allow = filters.filter((f) => !f.startsWith('~')).join(' ');
    const deny = filters.filter((f) => f.startsWith('~')).map((f) => f.slice(1)).join(' ');
    expect(allow).toBe('@system-service');
    expect(values('SystemCallErrorNumber')).toEqual(['EPERM']);
    const families = values('RestrictAddressFamilies').join(' ');
    const filter = path.join(repoRoot, 'test/helpers/syscall-filter-exec.py');
    const q = (v: string) => `'${v.replace(/'/g, `'\''`)}'`;
    // sandbox.sh COMMAND...: runs COMMAND so; rauc-sandboxed.sh is rauc under it.
    const sandbox = path.join(lab.dir, 'sandbox.sh');
    await writeFile(
      sandbox,
      `#!/bin/sh
exec unshare --mount --propagation private sh -c 'f="$0" a="$1" d="$2" fam="$3"; shift 4; mount -o remount,bind,ro / && exec setpriv --reuid=65534 --regid=65534 --clear-groups --no-new-privs --inh-caps=-all --bounding-set=-all unshare --user --map-current-user -- /usr/bin/python3 "$f" --allow "$a" --deny "$d" --families "$fam" -- "$@"' ${q(filter)} ${q(allow)} ${q(deny)} ${q(families)} -- "$@"
`,
      { mode: 0o755 },
    );
    const wrapper = path.join(lab.dir, 'rauc-sandboxed.sh');
    await writeFile(wrapper, `#!/bin/sh\nexec ${q(sandbox)} rauc "$@"\n`, { mode: 0o755 });
    await chmod(lab.dir, 0o755);
    await chmod(lab.bundlesDir, 0o755);
    // The sandbox is in force.
    const inside = (script: string) => run(sandbox, ['sh', '-c', script]).then((r) => r.stdout);
    expect(await inside('id -u; grep -E "^(NoNewPrivs|Seccomp|CapEff):" /proc/self/status | tr -s "\\t" " "')).toBe('65534\nCapEff: 0000000000000000\nNoNewPrivs: 1\nSeccomp: 2\n');
    expect(await inside(`touch ${q(path.join(lab.dir, 'x'))} 2>&1 || true`)).toMatch(/Read-only file system/);
    expect(await inside('/usr/bin/python3 -c "import os\ntry: os.chroot(\'/\')\nexcept OSError as e: print(e.errno)" 2>&1')).toBe('1\n'); // @privileged: EPERM
    const rauc = new Rauc({ conf: lab.conf, bin: wrapper, env: lab.env });
    expect(await rauc.info(good)).toMatchObject({ ok: true, verified: true, manifest: { version: '0.2.0' } });
    await lab.stopService();
    await lab.startService('A');
    const booted = (await rauc.status()).booted;
    expect(booted).toBe('A');
    const seen: number[] = [];
    await rauc.install(goodPlain, (p) => seen.push(p.percent));
    expect(seen.at(-1)).toBe(100);
    await lab.setGrubenv({ [`${booted}_TRY`]: '1' });
    expect(await rauc.markGoodBooted()).toMatch(/^marked slot rootfs\.[01] as good$/);
    expect((await lab.grubenv())[`${booted}_TRY`]).toBe('0');
  });
});
