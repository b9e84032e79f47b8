/**
 * The image's A/B update glue that runs without a VM (the installs, reboots and roll-backs themselves
 * are the qemu boot test's: image/boot-test-updates.mjs):
 *   - slot-fallback.sh decides from the real GRUB environment (grub-editenv) whether a failing slot is
 *     left for the other one; `rauc` and `systemctl` are stand-ins on PATH that record their calls;
 *   - the GRUB script parses (grub-script-check) and boots the partitions build.sh lays out as A and B.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const repo = path.resolve(__dirname, '..');
const FALLBACK = path.join(repo, 'image/rootfs/usr/lib/vtlink/slot-fallback.sh');
const scratch: string[] = [];
afterAll(() => scratch.forEach((d) => rmSync(d, { recursive: true, force: true })));

interface Fallback {
  status: number | null;
  log: string;
  /** The stand-ins' calls, one "program args" line each. */
  calls: string[];
}

/** Runs slot-fallback.sh booted from `cmdline` with the GRUB environment `env`. */
function fallback(cmdline: string, env: Record<string, string>): Fallback {
  const dir = mkdtempSync(path.join(tmpdir(), 'vtlink-fallback-'));
  scratch.push(dir);
  const grubenv = path.join(dir, 'grubenv');
  const create = spawnSync('grub-editenv', [grubenv, 'create']);
  if (create.status !== 0) throw new Error(`grub-editenv: ${create.stderr} (apt-get install grub-common)`);
  const set = spawnSync('grub-editenv', [grubenv, 'set', ...Object.entries(env).map(([k, v]) => `${k}=${v}`)]);
  expect(set.status).toBe(0);
  writeFileSync(path.join(dir, 'cmdline'), `${cmdline}\n`);
  mkdirSync(path.join(dir, 'bin'));
  for (const program of ['rauc', 'systemctl']) {
    writeFileSync(path.join(dir, 'bin', program), `#!/bin/sh\necho "${program} $*" >> "${dir}/calls"\n`);
    chmodSync(path.join(dir, 'bin', program), 0o755);
  }
  const r = spawnSync('sh', [FALLBACK], {
    encoding: 'utf8',
    env: { PATH: `${dir}/bin:${process.env.PATH}`, VTLINK_GRUBENV: grubenv, VTLINK_CMDLINE: path.join(dir, 'cmdline') },
  });
  let calls: string[] = [];
  try {
    calls = readFileSync(path.join(dir, 'calls'), 'utf8').trim().split('\n');
  } catch {
    // no calls
  }
  return { status: r.status, log: r.stdout + r.stderr, calls };
}

const CMDLINE = (slot: string) => `BOOT_IMAGE=(hd0,gpt3)/boot/vmlinuz root=PARTLABEL=vtlink-root-${slot.toLowerCase()} rauc.slot=${slot} ro quiet panic=10`;

describe('slot-fallback.sh: leaving a slot that did not become healthy', () => {
  it('a new slot on trial (B, one boot, not confirmed) with a good slot A: B is marked bad and the box reboots', () => {
    const r = fallback(CMDLINE('B'), { ORDER: 'B A', A_OK: '1', A_TRY: '0', B_OK: '1', B_TRY: '1' });
    expect(r.status, r.log).toBe(0);
    expect(r.calls).toEqual(['rauc status mark-bad booted', 'systemctl --no-block reboot']);
    expect(r.log).toMatch(/slot B did not become healthy.*rebooting into slot A/);
  });

  it('the same from slot A with a good slot B', () => {
    const r = fallback(CMDLINE('A'), { ORDER: 'A B', A_OK: '1', A_TRY: '2', B_OK: '1', B_TRY: '0' });
    expect(r.calls).toEqual(['rauc status mark-bad booted', 'systemctl --no-block reboot']);
  });

  it('a slot already confirmed on this boot (TRY 0) is not left for a later failure', () => {
    const r = fallback(CMDLINE('B'), { ORDER: 'B A', A_OK: '1', A_TRY: '0', B_OK: '1', B_TRY: '0' });
    expect(r.status).toBe(0);
    expect(r.calls).toEqual([]);
    expect(r.log).toMatch(/confirmed healthy on this boot/);
  });

  it('no good slot to go to: stays (a box is never left without a bootable slot)', () => {
    const r = fallback(CMDLINE('A'), { ORDER: 'A B', A_OK: '1', A_TRY: '1', B_OK: '0', B_TRY: '0' });
    expect(r.status).toBe(0);
    expect(r.calls).toEqual([]);
    expect(r.log).toMatch(/slot B is not good either: staying/);
  });

  it('not booted from a slot (no rauc.slot=, e.g. a development boot): does nothing', () => {
    const r = fallback('root=/dev/sda2 ro', { ORDER: 'A B', A_OK: '1', A_TRY: '1', B_OK: '1', B_TRY: '0' });
    expect(r.status).toBe(0);
    expect(r.calls).toEqual([]);
  });
});

describe('the GRUB script (image/update/grub-ab.cfg)', () => {
  const script = readFileSync(path.join(repo, 'image/update/grub-ab.cfg'), 'utf8');

  it('parses as GRUB script (grub-script-check), and a broken one does not (the check can fail)', () => {
    const good = spawnSync('grub-script-check', [path.join(repo, 'image/update/grub-ab.cfg')], { encoding: 'utf8' });
    expect(good.status, good.stdout + good.stderr).toBe(0);
    const dir = mkdtempSync(path.join(tmpdir(), 'vtlink-grub-'));
    scratch.push(dir);
    writeFileSync(path.join(dir, 'broken.cfg'), script.replace(/\nfi\n/, '\n'));
    expect(spawnSync('grub-script-check', [path.join(dir, 'broken.cfg')]).status).not.toBe(0);
  });

  it('boots slot A from partition 2 and B from partition 3, as build.sh lays them out, with RAUC\'s variables', () => {
    expect(script).toMatch(/if \[ "\$slot" = A \]; then root_part=gpt2; label=vtlink-root-a; else root_part=gpt3; label=vtlink-root-b; fi/);
    const build = readFileSync(path.join(repo, 'image/build.sh'), 'utf8');
    const names = [...build.matchAll(/name=(vtlink-[a-z-]+)$/gm)].map((m) => m[1]);
    expect(names).toEqual(['vtlink-efi', 'vtlink-root-a', 'vtlink-root-b', 'vtlink-state']);
    expect(script).toMatch(/load_env --file "\$envfile" ORDER A_OK A_TRY B_OK B_TRY/);
    expect(script).toMatch(/rauc\.slot=\$slot/);
  });
});
