/**
 * Static checks of the appliance's systemd units, run by systemd's own tools (Debian package `systemd`):
 * `systemd-analyze verify` on the real unit files inside a throw-away root (the host's system units plus
 * stand-ins for binaries that only the image has), `systemd-analyze security --offline=yes` exposure
 * scores, and `systemd-sysusers --root` on the users file. The boot test (image/boot-test.sh) checks the
 * same files at run time in a VM.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const repo = path.resolve(__dirname, '..');
const UNITS = {
  'vtlink.service': path.join(repo, 'systemd/vtlink.service'),
  'vtlink-kiosk.service': path.join(repo, 'systemd/vtlink-kiosk.service'),
  'vtlink-firstboot.service': path.join(repo, 'image/rootfs/usr/lib/systemd/system/vtlink-firstboot.service'),
  'vtlink-kiosk-retry.service': path.join(repo, 'image/rootfs/usr/lib/systemd/system/vtlink-kiosk-retry.service'),
} as const;
type UnitName = keyof typeof UNITS;

/** Exposure limits: the score measured with systemd 252 plus a margin (see systemd/README.md). */
const EXPOSURE_LIMIT: Record<'vtlink.service' | 'vtlink-kiosk.service', number> = {
  'vtlink.service': 2.0, // measured 1.3 "OK"
  'vtlink-kiosk.service': 5.0, // measured 4.5 "OK" (Chromium's sandbox needs namespaces)
};

const HOST_UNITS = ['/usr/lib/systemd/system', '/lib/systemd/system'].find((d) => existsSync(path.join(d, 'sysinit.target')));
const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

function run(cmd: string, args: readonly string[]): { status: number | null; output: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error) throw new Error(`${cmd} could not run (apt-get install systemd): ${r.error.message}`);
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/** Absolute paths of the programs a unit's Exec*= lines start ("-", "@", "+" prefixes stripped). */
function execPaths(unitText: string): string[] {
  const out: string[] = [];
  for (const m of unitText.matchAll(/^Exec\w+=([-@:+!]*)(\S+)/gm)) out.push(m[2]);
  return out;
}

/**
 * A root with the host's system units (so sysinit.target, dbus.socket, … resolve), the unit files under
 * test in /etc/systemd/system, the repo's own scripts where units call them, and executable stand-ins
 * for programs only the image installs (cage, chromium). `edit` changes a unit's text first.
 */
function fakeRoot(edit?: (name: UnitName, text: string) => string): string {
  if (!HOST_UNITS) throw new Error('the host has no systemd unit folder (apt-get install systemd)');
  const root = mkdtempSync(path.join(tmpdir(), 'vtlink-units-'));
  scratch.push(root);
  cpSync(HOST_UNITS, path.join(root, 'usr/lib/systemd/system'), { recursive: true, dereference: false, verbatimSymlinks: true });
  mkdirSync(path.join(root, 'etc/systemd/system'), { recursive: true });
  cpSync(path.join(repo, 'systemd/vtlink.service.d'), path.join(root, 'etc/systemd/system/vtlink.service.d'), { recursive: true });
  for (const [name, file] of Object.entries(UNITS) as [UnitName, string][]) {
    const text = readFileSync(file, 'utf8');
    writeFileSync(path.join(root, 'etc/systemd/system', name), edit ? edit(name, text) : text);
    for (const exe of execPaths(text)) {
      const target = path.join(root, exe);
      mkdirSync(path.dirname(target), { recursive: true });
      const fromRepo = path.join(repo, 'image/rootfs', exe);
      if (existsSync(fromRepo)) copyFileSync(fromRepo, target);
      else writeFileSync(target, '#!/bin/sh\n');
      chmodSync(target, 0o755);
    }
  }
  return root;
}

function verify(root: string, names: readonly UnitName[]): { status: number | null; output: string } {
  return run('systemd-analyze', ['verify', `--root=${root}`, ...names]);
}

describe('systemd-analyze verify', () => {
  const names = Object.keys(UNITS) as UnitName[];

  it('is clean on vtlink.service, vtlink-kiosk.service, vtlink-firstboot.service and vtlink-kiosk-retry.service', () => {
    const r = verify(fakeRoot(), names);
    expect(r.output).toBe('');
    expect(r.status).toBe(0);
  });

  it('reports a misspelt directive and a missing program (the check can fail)', () => {
    const dropIn = path.join(repo, 'systemd/vtlink.service.d/kiosk.conf');
    const badDropIn = fakeRoot();
    writeFileSync(path.join(badDropIn, 'etc/systemd/system/vtlink.service.d/kiosk.conf'), readFileSync(dropIn, 'utf8').replace('Upholds=', 'Upheld='));
    expect(verify(badDropIn, ['vtlink.service']).output).toMatch(/Unknown key 'Upheld'/);
    const typo = verify(
      fakeRoot((name, text) => (name === 'vtlink.service' ? text.replace('WatchdogSec=', 'WatchdogSecs=') : text)),
      ['vtlink.service'],
    );
    expect(typo.output).toMatch(/Unknown key 'WatchdogSecs'/);
    const root = fakeRoot();
    rmSync(path.join(root, 'usr/lib/vtlink/kiosk-session.sh'));
    const missing = verify(root, ['vtlink-kiosk.service']);
    expect(missing.status).not.toBe(0);
    expect(missing.output).toMatch(/kiosk-session.sh is not executable/);
  });
});

describe('systemd-analyze security --offline=yes', () => {
  for (const name of Object.keys(EXPOSURE_LIMIT) as (keyof typeof EXPOSURE_LIMIT)[]) {
    it(`rates ${name} "OK" or better, at most ${EXPOSURE_LIMIT[name]}`, () => {
      const r = run('systemd-analyze', ['security', '--offline=yes', '--no-pager', UNITS[name]]);
      const m = /Overall exposure level for \S+: (\d+\.\d) (\w+)/.exec(r.output);
      expect(m, r.output).not.toBeNull();
      expect(Number(m![1])).toBeLessThanOrEqual(EXPOSURE_LIMIT[name]);
      expect(['PERFECT', 'SAFE', 'OK']).toContain(m![2]);
    });
  }
});

describe('vtlink.service', () => {
  const text = readFileSync(UNITS['vtlink.service'], 'utf8');
  const values = (key: string) => [...text.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1]);

  it('speaks sd_notify with a watchdog and restarts within a start limit', () => {
    expect(values('Type')).toEqual(['notify']);
    expect(Number(values('WatchdogSec')[0])).toBeGreaterThan(0);
    expect(values('Restart')).toEqual(['on-failure']);
    expect(values('StartLimitBurst')).toHaveLength(1);
  });

  it('keeps V8 working: no MemoryDenyWriteExecute=yes (the JIT maps W+X pages)', () => {
    expect(values('MemoryDenyWriteExecute').filter((v) => v === 'yes' || v === 'true')).toEqual([]);
  });

  it('allows exactly the device classes the udev rules hand to its groups', () => {
    const allowed = values('DeviceAllow').map((v) => v.split(/\s+/)[0]);
    expect(allowed).toEqual(expect.arrayContaining(['char-video4linux', 'char-ttyUSB', 'char-ttyACM']));
    const groups = values('SupplementaryGroups').join(' ').split(/\s+/);
    const rules = readFileSync(path.join(repo, 'systemd/99-vtlink.rules'), 'utf8');
    for (const m of rules.matchAll(/GROUP="(\w+)"/g)) expect(groups).toContain(m[1]);
    for (const kernel of ['ttyUSB', 'ttyACM', 'ttyAMA', 'ttyTHS']) expect(rules).toMatch(new RegExp(`KERNEL=="${kernel}\\[0-9\\]\\*".*GROUP="dialout", MODE="0660", TAG\\+="systemd"`));
    expect(rules).toMatch(/SUBSYSTEM=="video4linux", GROUP="video", MODE="0660", TAG\+="systemd"/);
  });

  it('has the modules behind its hot-plug device groups loaded at boot (a group missing at start stays refused)', () => {
    // char-<group> is looked up in /proc/devices when the unit starts; these groups come from modules.
    const moduleOf: Record<string, string> = { 'char-video4linux': 'videodev', 'char-ttyUSB': 'usbserial', 'char-ttyACM': 'cdc_acm' };
    const conf = readFileSync(path.join(repo, 'systemd/vtlink-modules.conf'), 'utf8');
    const loaded = conf.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    const allowed = values('DeviceAllow').map((v) => v.split(/\s+/)[0]);
    for (const [group, module] of Object.entries(moduleOf)) {
      expect(allowed).toContain(group);
      expect(loaded).toContain(module);
    }
    expect(readFileSync(path.join(repo, 'image/build.sh'), 'utf8')).toContain('systemd/vtlink-modules.conf" "$rootfs/usr/lib/modules-load.d/vtlink.conf"');
  });
});

describe('systemd-sysusers', () => {
  it('creates vtlink (video, dialout) and vtlink-kiosk system users', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'vtlink-sysusers-'));
    scratch.push(root);
    mkdirSync(path.join(root, 'etc'));
    execFileSync('systemd-sysusers', [`--root=${root}`, path.join(repo, 'systemd/vtlink.sysusers.conf')], { stdio: 'pipe' });
    const passwd = readFileSync(path.join(root, 'etc/passwd'), 'utf8');
    const group = readFileSync(path.join(root, 'etc/group'), 'utf8');
    const user = /^vtlink:x:(\d+):(\d+):[^:]*:\/var\/lib\/vtlink:\/usr\/sbin\/nologin$/m.exec(passwd);
    expect(user, passwd).not.toBeNull();
    expect(Number(user![1])).toBeLessThan(1000); // a system user
    expect(passwd).toMatch(/^vtlink-kiosk:x:\d+:\d+:/m);
    expect(group).toMatch(/^video:x:\d+:(.*,)?vtlink(,|$)/m);
    expect(group).toMatch(/^dialout:x:\d+:(.*,)?vtlink(,|$)/m);
    expect(group).toMatch(/^input:x:\d+:(.*,)?vtlink-kiosk(,|$)/m);
  });
});

describe('vtlink-kiosk.service restarts', () => {
  const text = readFileSync(UNITS['vtlink-kiosk.service'], 'utf8');
  const values = (key: string) => [...text.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1]);

  it('restarts always, with a start limit whose failure hands over to the cool-down unit', () => {
    expect(values('Restart')).toEqual(['always']);
    expect(Number(values('RestartSec')[0])).toBeGreaterThan(0);
    expect(Number(values('StartLimitBurst')[0])).toBeGreaterThan(1);
    expect(Number(values('StartLimitIntervalSec')[0])).toBeGreaterThan(0);
    expect(values('OnFailure')).toEqual(['vtlink-kiosk-retry.service']);
    const retry = readFileSync(UNITS['vtlink-kiosk-retry.service'], 'utf8');
    expect(retry).toMatch(/^ExecCondition=.*systemctl show -P Result vtlink-kiosk\.service\)" = start-limit-hit'$/m);
    expect(retry).toMatch(/^ExecStartPre=\/usr\/bin\/sleep [1-9]\d*$/m);
    expect(retry).toMatch(/^ExecStart=\/usr\/bin\/systemctl reset-failed vtlink-kiosk\.service$/m);
    expect(retry).toMatch(/^ExecStart=\/usr\/bin\/systemctl --no-block start vtlink-kiosk\.service$/m);
  });

  it('wants the service without Requires=/BindsTo= (a service restart must not restart the screen)', () => {
    expect(values('Wants')).toContain('vtlink.service');
    expect(values('After').join(' ')).toMatch(/\bvtlink\.service\b/);
    expect([...values('Requires'), ...values('BindsTo'), ...values('PartOf')].join(' ')).not.toMatch(/\bvtlink\.service\b/);
  });

  it('runs Chromium through kiosk-client.sh as cage\'s client', () => {
    expect(values('ExecStart')[0]).toMatch(/^\/usr\/lib\/vtlink\/kiosk-session\.sh \/usr\/bin\/chromium/);
    const session = readFileSync(path.join(repo, 'image/rootfs/usr/lib/vtlink/kiosk-session.sh'), 'utf8');
    expect(session).toMatch(/^exec \/usr\/bin\/cage -d -- \/usr\/lib\/vtlink\/kiosk-client\.sh "\$@"$/m);
  });

  /**
   * kiosk-client.sh under a stand-in for cage: a shell that starts it as its child and waits; the
   * stand-in records the SIGTERM the client must send it when the browser (here a shell) exits.
   */
  function underFakeCage(browser: string): { cageGotTerm: boolean; clientStatus: string; stderr: string } {
    const client = path.join(repo, 'image/rootfs/usr/lib/vtlink/kiosk-client.sh');
    const dir = mkdtempSync(path.join(tmpdir(), 'vtlink-kiosk-client-'));
    scratch.push(dir);
    const cage = `trap 'echo term > ${dir}/cage; exit 0' TERM
"${client}" sh -c '${browser}' < /dev/null > /dev/null 2> ${dir}/client.err &
child=$!
# a real cage keeps running (it waits on its event loop): wait for the client, then for a signal
wait $child; echo $? > ${dir}/status
i=0; while [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
echo timeout > ${dir}/cage`;
    const r = spawnSync('sh', ['-c', cage], { cwd: dir, encoding: 'utf8', timeout: 20_000 });
    expect(r.error).toBeUndefined();
    const read = (f: string) => (existsSync(path.join(dir, f)) ? readFileSync(path.join(dir, f), 'utf8').trim() : '');
    const helper = read('helper');
    if (helper) spawnSync('kill', ['-KILL', helper]);
    return { cageGotTerm: read('cage') === 'term', clientStatus: read('status'), stderr: read('client.err') };
  }

  it('stops cage when the browser fails to start, and passes its exit status on', () => {
    const r = underFakeCage('exit 3');
    expect(r.cageGotTerm).toBe(true);
    expect(r.stderr).toMatch(/exited with status 3; stopping cage/);
  });

  it('stops cage when the browser is killed, even while a helper it started still holds cage\'s pipe', () => {
    // The helper (sleep) inherits the client's file descriptors, as a browser's crash handler would.
    const r = underFakeCage('sleep 30 & echo $! > helper; kill -KILL $$');
    expect(r.cageGotTerm).toBe(true);
    expect(r.stderr).toMatch(/exited with status 137; stopping cage/);
  });
});
