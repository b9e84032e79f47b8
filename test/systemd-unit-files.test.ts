/**
 * Static checks of the appliance's systemd units, run by systemd's own tools (Debian package `systemd`):
 * `systemd-analyze verify` on the real unit files inside a throw-away root (the host's system units plus
 * stand-ins for binaries that only the image has), `systemd-analyze security --offline=yes` exposure
 * scores, and `systemd-sysusers --root` on the users file. The boot test (image/boot-test.sh) checks the
 * same files at run time in a VM.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const repo = path.resolve(__dirname, '..');
const UNITS = {
  'vtlink.service': path.join(repo, 'systemd/vtlink.service'),
  'vtlink-kiosk.service': path.join(repo, 'systemd/vtlink-kiosk.service'),
  'vtlink-firstboot.service': path.join(repo, 'image/rootfs/usr/lib/systemd/system/vtlink-firstboot.service'),
  'vtlink-kiosk-retry.service': path.join(repo, 'image/rootfs/usr/lib/systemd/system/vtlink-kiosk-retry.service'),
  'vtlink-kiosk-watch.path': path.join(repo, 'systemd/vtlink-kiosk-watch.path'),
  'vtlink-kiosk-watch.service': path.join(repo, 'systemd/vtlink-kiosk-watch.service'),
  // A/B updates (image/README.md "Updates")
  'rauc.service': path.join(repo, 'image/rootfs/usr/lib/systemd/system/rauc.service'),
  'vtlink-slot-fallback.service': path.join(repo, 'image/rootfs/usr/lib/systemd/system/vtlink-slot-fallback.service'),
  'vtlink-slot-fallback.timer': path.join(repo, 'image/rootfs/usr/lib/systemd/system/vtlink-slot-fallback.timer'),
  'vtlink-reboot.path': path.join(repo, 'image/rootfs/usr/lib/systemd/system/vtlink-reboot.path'),
  'vtlink-reboot.service': path.join(repo, 'image/rootfs/usr/lib/systemd/system/vtlink-reboot.service'),
  'vtlink-usb-mount@.service': path.join(repo, 'image/rootfs/usr/lib/systemd/system/vtlink-usb-mount@.service'),
} as const;
type UnitName = keyof typeof UNITS;

/** Exposure limits: the score measured with systemd 252 plus a margin (see systemd/README.md). */
const EXPOSURE_LIMIT: Record<'vtlink.service' | 'vtlink-kiosk.service' | 'vtlink-kiosk-watch.service', number> = {
  'vtlink.service': 2.0, // measured 1.3 "OK"
  'vtlink-kiosk.service': 5.0, // measured 4.5 "OK" (Chromium's sandbox needs namespaces)
  'vtlink-kiosk-watch.service': 2.0, // measured 1.5 "OK" (root with CAP_DAC_OVERRIDE only, to remove the request file)
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
  cpSync(path.join(repo, 'image/rootfs/usr/lib/systemd/system/vtlink.service.d'), path.join(root, 'etc/systemd/system/vtlink.service.d'), { recursive: true });
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

function verify(root: string, names: readonly string[]): { status: number | null; output: string } {
  return run('systemd-analyze', ['verify', `--root=${root}`, ...names]);
}

describe('systemd-analyze verify', () => {
  const names = Object.keys(UNITS) as UnitName[];

  it('is clean on every unit (vtlink, kiosk, first boot, kiosk cool-down, kiosk watch, updates)', () => {
    // A template is verified through an instance (a USB stick's first partition).
    const r = verify(fakeRoot(), names.map((n) => n.replace('@.', '@sda1.')));
    expect(r.output).toBe('');
    expect(r.status).toBe(0);
  });

  it('reports a misspelt directive and a missing program (the check can fail)', () => {
    const dropIn = path.join(repo, 'image/rootfs/usr/lib/systemd/system/vtlink.service.d/update.conf');
    const badDropIn = fakeRoot();
    writeFileSync(path.join(badDropIn, 'etc/systemd/system/vtlink.service.d/update.conf'), readFileSync(dropIn, 'utf8').replace('OnFailure=', 'OnFailures='));
    expect(verify(badDropIn, ['vtlink.service']).output).toMatch(/Unknown key 'OnFailures'/);
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
    expect(retry).toMatch(/^ExecCondition=\/usr\/bin\/systemctl is-failed --quiet vtlink-kiosk\.service$/m);
    expect(retry).toMatch(/^ExecStartPre=\/usr\/bin\/sleep [1-9]\d*$/m);
    expect(retry).toMatch(/^ExecStart=\/usr\/bin\/systemctl reset-failed vtlink-kiosk\.service$/m);
    expect(retry).toMatch(/^ExecStart=\/usr\/bin\/systemctl --no-block start vtlink-kiosk\.service$/m);
  });

  it('is the one retry path: a stop on purpose ends clean (cage aborts on SIGTERM), and nothing else starts the kiosk again', () => {
    expect(values('SuccessExitStatus')).toEqual(['SIGABRT']);
    // Killed, not dumped: only a "killed" end is matched against SuccessExitStatus= signals.
    expect(values('LimitCORE')).toEqual(['0']);
    const dropIns = path.join(repo, 'image/rootfs/usr/lib/systemd/system/vtlink.service.d');
    for (const name of readdirSync(dropIns)) expect(readFileSync(path.join(dropIns, name), 'utf8')).not.toMatch(/^Upholds=/m);
    expect(readFileSync(UNITS['vtlink.service'], 'utf8')).not.toMatch(/^Upholds=/m);
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

describe('kiosk health: vtlink-kiosk-watch.path + .service', () => {
  const pathUnit = readFileSync(UNITS['vtlink-kiosk-watch.path'], 'utf8');
  const serviceUnit = readFileSync(UNITS['vtlink-kiosk-watch.service'], 'utf8');
  const kioskUnit = readFileSync(UNITS['vtlink-kiosk.service'], 'utf8');
  const values = (text: string, key: string) => [...text.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1]);

  it('the kiosk page is opened as the kiosk (?kiosk=1: it reports its frame clock)', () => {
    expect(values(kioskUnit, 'Environment')).toContain('VTLINK_KIOSK_URL=http://127.0.0.1:8080/?kiosk=1');
  });

  it('watches the service\'s request file (inotify, no polling) and starts the oneshot, which runs kiosk-restart.sh on it', () => {
    // The file the service writes: $RUNTIME_DIRECTORY (vtlink.service's RuntimeDirectory=vtlink) + KIOSK_STALE_FILE.
    const service = readFileSync(UNITS['vtlink.service'], 'utf8');
    expect(values(service, 'RuntimeDirectory')).toEqual(['vtlink']);
    expect(values(pathUnit, 'PathExists')).toEqual(['/run/vtlink/kiosk-stale']);
    expect(values(pathUnit, 'Unit')).toEqual(['vtlink-kiosk-watch.service']);
    expect(values(serviceUnit, 'Type')).toEqual(['oneshot']);
    expect(values(serviceUnit, 'ExecStart')).toEqual(['/usr/lib/vtlink/kiosk-restart.sh /run/vtlink/kiosk-stale']);
    // It may remove the request from the vtlink-owned folder, and nothing else is writable.
    expect(values(serviceUnit, 'ProtectSystem')).toEqual(['strict']);
    expect(values(serviceUnit, 'ReadWritePaths')).toEqual(['-/run/vtlink']);
    expect(values(serviceUnit, 'CapabilityBoundingSet')).toEqual(['CAP_DAC_OVERRIDE']);
    // vtlink.service itself gains nothing: no new privilege, nothing about the kiosk.
    expect(service).not.toMatch(/kiosk-watch|CAP_/);
  });

  it('systemd-analyze verify catches a broken path unit and a missing kiosk-restart.sh (the clean verify above means something)', () => {
    const typo = verify(fakeRoot((name, text) => (name === 'vtlink-kiosk-watch.path' ? text.replace('PathExists=', 'PathExist=') : text)), ['vtlink-kiosk-watch.path']);
    expect(typo.output).toMatch(/Unknown key 'PathExist'/);
    const root = fakeRoot();
    rmSync(path.join(root, 'usr/lib/vtlink/kiosk-restart.sh'));
    const missing = verify(root, ['vtlink-kiosk-watch.service']);
    expect(missing.status).not.toBe(0);
    expect(missing.output).toMatch(/kiosk-restart.sh is not executable/);
  });

  it('is installed and enabled by image/build.sh; systemctl --root enable hooks the path unit into paths.target', () => {
    const build = readFileSync(path.join(repo, 'image/build.sh'), 'utf8');
    for (const unit of ['vtlink-kiosk-watch.path', 'vtlink-kiosk-watch.service']) {
      expect(build).toContain(`install -D -m 0644 "$repo/systemd/${unit}" "$rootfs/usr/lib/systemd/system/${unit}"`);
    }
    // The enable command, its continuation lines joined.
    expect(build.replace(/\\\n\s*/g, ' ')).toMatch(/^systemctl --root="\$rootfs" enable .*vtlink-kiosk-watch\.path/m);
    const root = fakeRoot();
    const r = run('systemctl', [`--root=${root}`, 'enable', 'vtlink-kiosk-watch.path']);
    expect(r.status, r.output).toBe(0);
    // A link into the root's own unit folder (absolute inside the image, so not followed here).
    expect(readlinkSync(path.join(root, 'etc/systemd/system/paths.target.wants/vtlink-kiosk-watch.path')), r.output).toMatch(/^\/(etc|usr\/lib)\/systemd\/system\/vtlink-kiosk-watch\.path$/);
  });

  /**
   * kiosk-restart.sh with a stand-in systemctl first on PATH: it answers `show -P
   * ActiveEnterTimestampMonotonic` with `kioskSince` (µs) and records any other call.
   */
  function restartScript(request: string | null, kioskSince = 5_000_000): { status: number | null; stdout: string; systemctl: string; left: boolean } {
    const dir = mkdtempSync(path.join(tmpdir(), 'vtlink-kiosk-restart-'));
    scratch.push(dir);
    mkdirSync(path.join(dir, 'bin'));
    writeFileSync(path.join(dir, 'bin/systemctl'), `#!/bin/sh\nif [ "$1 $2 $3" = "show -P ActiveEnterTimestampMonotonic" ]; then echo ${kioskSince}; exit 0; fi\necho "$@" >> ${dir}/systemctl\n`);
    chmodSync(path.join(dir, 'bin/systemctl'), 0o755);
    const file = path.join(dir, 'kiosk-stale');
    if (request !== null) writeFileSync(file, request);
    const script = path.join(repo, 'image/rootfs/usr/lib/vtlink/kiosk-restart.sh');
    const r = spawnSync(script, [file], { encoding: 'utf8', env: { PATH: `${dir}/bin:/usr/bin:/bin` } });
    const called = existsSync(path.join(dir, 'systemctl')) ? readFileSync(path.join(dir, 'systemctl'), 'utf8').trim() : '';
    return { status: r.status, stdout: r.stdout, systemctl: called, left: existsSync(file) };
  }

  const REASON = '2025-01-01T00:00:00.000Z no new frame from the kiosk for 31 s (frames 1234, last heartbeat 31 s ago)';

  it('kiosk-restart.sh logs the service\'s reason, removes the request and try-restarts the kiosk without waiting', () => {
    // The kiosk has run since before its last heartbeat (5 s vs 9 s after boot): it is the frozen one.
    const r = restartScript(`reason=${REASON}\nheard=9000000\n`, 5_000_000);
    expect(r.status).toBe(0);
    expect(r.left).toBe(false);
    expect(r.systemctl).toBe('--no-block try-restart vtlink-kiosk.service');
    expect(r.stdout).toBe(`vtlink-kiosk-watch: vtlink.service reports the kiosk frozen (${REASON}); restarting vtlink-kiosk.service\n`);
  });

  it('kiosk-restart.sh leaves a kiosk alone that was started again after its last heartbeat (systemd restarted it), unless heard=0', () => {
    const restarted = restartScript(`reason=${REASON}\nheard=9000000\n`, 12_000_000);
    expect(restarted.status).toBe(0);
    expect(restarted.left).toBe(false);
    expect(restarted.systemctl).toBe('');
    expect(restarted.stdout).toMatch(/but the kiosk was started again after its last heartbeat; leaving the new one to report\n$/);
    // The service's no-show request: the new kiosk had its chance.
    const noShow = restartScript('reason=no heartbeat from the kiosk for 300 s since its restart was requested\nheard=0\n', 12_000_000);
    expect(noShow.systemctl).toBe('--no-block try-restart vtlink-kiosk.service');
  });

  it('kiosk-restart.sh passes on only printable text from the (unprivileged) request, and copes with none', () => {
    const odd = restartScript(`reason=frozen\u001b[2J\rfake\u0000${'x'.repeat(1000)}\nreason=second\nheard=1; reboot\n`, 12_000_000);
    expect(odd.status).toBe(0);
    expect(odd.stdout.split('\n')).toHaveLength(2); // one line and the final newline
    expect(odd.stdout).toMatch(/^vtlink-kiosk-watch: vtlink.service reports the kiosk frozen \(frozen\[2Jfakex+\); restarting/);
    expect(odd.stdout.length).toBeLessThan(420);
    expect(odd.systemctl).toBe('--no-block try-restart vtlink-kiosk.service'); // a heard= that is no number counts as 0
    const none = restartScript(null);
    expect(none.status).toBe(0);
    expect(none.stdout).toMatch(/\(no reason given\)/);
    expect(none.systemctl).toBe('--no-block try-restart vtlink-kiosk.service');
  });
});
