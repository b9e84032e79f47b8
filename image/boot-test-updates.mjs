// The boot test's update checks (issue: A/B updates with automatic rollback), run by image/boot-test.mjs
// after its other boots, or alone with --only-updates. Every boot here goes through the firmware and the
// image's GRUB, which picks the slot: qemu's -kernel would bypass the boot loader and its boot counting.
//
//   refusals    a bundle signed by another key, one for another architecture and a truncated one are
//               refused through the API with a reason, and change nothing (boot state, slot B);
//   A -> B      the test bundle uploaded by a paired host and installed; the box reboots into slot B,
//               runs the new version, keeps its settings and identity, and vtlink marks B good;
//   rollback    a bundle whose vtlink never becomes healthy: the box falls back to the other slot by
//               itself and the API says what happened;
//   B -> A      the same bundle from a USB stick plugged into the running box;
//   power cut   qemu killed at a random moment of an install: the box still boots a good slot and tracks.
//
// Test bundles are the built bundle's root file system plus the test agent (prepareTestRoot), signed
// with the build's key (build/update-keys; a vendor key must be given in VTLINK_UPDATE_KEY/CERT).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const run = (cmd, args, options = {}) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options });

/** Signing material the image trusts: the vendor's (environment) or the build's development key. */
function signingKeys(repo) {
  if (process.env.VTLINK_UPDATE_KEY) return { key: process.env.VTLINK_UPDATE_KEY, cert: process.env.VTLINK_UPDATE_CERT, keyring: process.env.VTLINK_UPDATE_KEYRING };
  const dir = path.join(repo, 'build/update-keys');
  return { key: path.join(dir, 'signing.key.pem'), cert: path.join(dir, 'signing.cert.pem'), keyring: path.join(dir, 'ca.cert.pem') };
}

function bundle(dir, { compatible, version, keys }, out) {
  writeFileSync(path.join(dir, 'manifest.raucm'), `[update]\ncompatible=${compatible}\nversion=${version}\ndescription=vtlink boot test bundle\n\n[bundle]\nformat=verity\n\n[image.rootfs]\nfilename=rootfs.ext4\n`);
  rmSync(out, { force: true });
  run('rauc', ['bundle', `--cert=${keys.cert}`, `--key=${keys.key}`, `--keyring=${keys.keyring}`, '--mksquashfs-args=-comp zstd -quiet', dir, out]);
}

/** Loop-mounts an ext4 image file read-write while fn runs. */
function withImage(file, fn) {
  const mnt = `${file}.mnt`;
  mkdirSync(mnt, { recursive: true });
  run('mount', ['-o', 'loop', file, mnt]);
  try {
    return fn(mnt);
  } finally {
    run('umount', [mnt]);
    rmSync(mnt, { recursive: true, force: true });
  }
}

/**
 * Builds the test bundles under `dir` from the built bundle: `good` (the release + the test agent),
 * `broken` (the same, but vtlink exits at start: it never becomes healthy), and three that must be
 * refused: `otherKey` (a key the box does not trust), `otherArch` (compatible string of the other
 * architecture), `truncated` (the good bundle cut short).
 */
export function makeTestBundles({ repo, imageDir, arch, dir, prepareTestRoot, log }) {
  const keys = signingKeys(repo);
  const built = path.join(imageDir, `vtlink-${arch}.raucb`);
  if (!existsSync(built)) throw new Error(`${built} missing: run npm run image first`);
  const release = Object.fromEntries(readFileSync(path.join(imageDir, 'release.txt'), 'utf8').trim().split('\n').map((l) => l.split('=')));
  const names = ['good', 'broken', 'otherKey', 'otherArch', 'truncated'];
  const result = (out) => ({ ...out, release, goodVersion: `${release.VERSION}.good`, brokenVersion: `${release.VERSION}.broken` });
  // Made once per built bundle (about 5 minutes on 2 cores): reused while newer than it and than this
  // file, and made with the same test changes to the root (prepareTestRoot's source, kept beside them).
  const kept = Object.fromEntries(names.map((n) => [n, path.join(dir, `${n}.raucb`)]));
  const inputsChanged = Math.max(statSync(built).mtimeMs, statSync(fileURLToPath(import.meta.url)).mtimeMs);
  const recipeFile = path.join(dir, 'prepare-test-root.js');
  const recipe = prepareTestRoot.toString();
  const sameRecipe = existsSync(recipeFile) && readFileSync(recipeFile, 'utf8') === recipe;
  if (sameRecipe && names.every((n) => existsSync(kept[n]) && statSync(kept[n]).mtimeMs > inputsChanged)) {
    log(`test bundles reused from ${dir}`);
    return result(kept);
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  // The built bundle's payload is a squashfs image (the signature follows it): its root file system.
  run('unsquashfs', ['-q', '-n', '-d', path.join(dir, 'payload'), built, 'rootfs.ext4']);
  const rootfs = path.join(dir, 'payload/rootfs.ext4');
  withImage(rootfs, prepareTestRoot);
  const out = {};
  const make = (name, variant) => {
    const d = path.join(dir, name);
    mkdirSync(d, { recursive: true });
    run('cp', ['--sparse=always', rootfs, path.join(d, 'rootfs.ext4')]);
    const version = `${release.VERSION}.${name}`;
    withImage(path.join(d, 'rootfs.ext4'), (root) => {
      // The release the slot reports as running is the bundle's version, as in a built bundle.
      writeFileSync(path.join(root, 'etc/vtlink-release'), `VERSION=${version}\nCOMPATIBLE=${release.COMPATIBLE}\nBUILD=${release.BUILD}\n`);
      variant.edit?.(root);
    });
    out[name] = path.join(dir, `${name}.raucb`);
    bundle(d, { compatible: variant.compatible ?? release.COMPATIBLE, version, keys: variant.keys ?? keys }, out[name]);
    rmSync(d, { recursive: true, force: true });
    log(`test bundle ${name}: ${(statSync(out[name]).size / 2 ** 20).toFixed(0)} MiB`);
  };
  make('good', {});
  make('broken', {
    edit: (root) => writeFileSync(path.join(root, 'opt/vtlink/dist/vtlink.mjs'), 'console.error("vtlink boot test: a deliberately broken release"); process.exit(3);\n'),
  });
  // The refusals need no whole system: a small file system is enough for rauc to check them.
  const small = path.join(dir, 'small');
  mkdirSync(path.join(small, 'content'), { recursive: true });
  writeFileSync(path.join(small, 'content/noise'), Buffer.from(Array.from({ length: 1 << 18 }, (_, i) => (i * 2654435761) >>> 24)));
  run('mkfs.ext4', ['-q', '-d', path.join(small, 'content'), path.join(small, 'rootfs.ext4'), '8M']);
  rmSync(path.join(small, 'content'), { recursive: true, force: true });
  const other = path.join(dir, 'other-key');
  mkdirSync(other, { recursive: true });
  run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '30', '-subj', '/O=not vtlink/CN=untrusted signer', '-keyout', path.join(other, 'key.pem'), '-out', path.join(other, 'cert.pem')]);
  const otherKeys = { key: path.join(other, 'key.pem'), cert: path.join(other, 'cert.pem'), keyring: path.join(other, 'cert.pem') };
  out.otherKey = path.join(dir, 'otherKey.raucb');
  bundle(small, { compatible: release.COMPATIBLE, version: `${release.VERSION}.other-key`, keys: otherKeys }, out.otherKey);
  out.otherArch = path.join(dir, 'otherArch.raucb');
  bundle(small, { compatible: release.COMPATIBLE === 'vtlink-amd64' ? 'vtlink-arm64' : 'vtlink-amd64', version: `${release.VERSION}.other-arch`, keys }, out.otherArch);
  out.truncated = path.join(dir, 'truncated.raucb');
  run('cp', ['--sparse=always', out.good, out.truncated]);
  run('truncate', ['-s', String(Math.floor(statSync(out.good).size * 0.6)), out.truncated]);
  for (const d of ['payload', 'small', 'other-key']) rmSync(path.join(dir, d), { recursive: true, force: true });
  writeFileSync(recipeFile, recipe);
  return result(out);
}

/** The slot facts as the guest sees them: kernel command line, GRUB's boot state, release, RAUC. */
export async function slotFacts(vm) {
  const r = await vm.sh([
    'echo "slot=$(sed -n "s/.*rauc\\.slot=\\([AB]\\).*/\\1/p" /proc/cmdline)"',
    'grub-editenv /boot/efi/EFI/BOOT/grubenv list',
    '. /etc/vtlink-release; echo "version=$VERSION"',
    'echo "machineId=$(cat /etc/machine-id)"',
    'echo "hostname=$(hostname)"',
    'echo "rauc=$(rauc status --output-format=json 2>/dev/null | tail -n 1)"',
  ].join('; '), 120);
  const kv = Object.fromEntries(r.text.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  try {
    kv.rauc = JSON.parse(kv.rauc);
  } catch {
    // left as text: reported by the checks
  }
  return kv;
}

/**
 * The update checks. `t` is the boot test's toolbox: check, step, waitFor, log, sleep, Vm,
 * bootUntilReady, pairIfNeeded, api (fetch with the paired token), results, bundles, outDir, qemu
 * helpers. Returns the running Vm (shut down by the caller).
 */
export async function updateChecks(t) {
  const { check, step, waitFor, log, sleep, results, bundles } = t;
  const upd = (results.updates = { times: {} });
  let vm = t.setVm(new t.Vm('update1', { efi: true }));
  await t.bootUntilReady(vm, 'update1');
  await t.pairIfNeeded(vm);
  const settingsBefore = await t.api('GET', '/api/settings');
  // The box's identity from its first boot (or, with --only-updates, from this one).
  const identity = t.identity() ?? (await slotFacts(vm));

  /** GRUB's log line, the slot and version vtlink reports, the settings unchanged: after each boot. The slot facts. */
  async function afterBoot(label, expectedSlot, expectedVersion) {
    const f = await slotFacts(vm);
    upd[label] = { slot: f.slot, order: f.ORDER, ok: [f.A_OK, f.B_OK], tries: [f.A_TRY, f.B_TRY], version: f.version };
    const settings = await t.api('GET', '/api/settings');
    check(`${label}: GRUB booted slot ${expectedSlot}, running ${expectedVersion}`, f.slot === expectedSlot && f.version === expectedVersion && /booting slot/.test(vm.serial()), { ...upd[label], grub: /vtlink: booting slot \w/.exec(vm.serial())?.[0] });
    check(`${label}: settings and identity kept`, JSON.stringify(settings) === JSON.stringify(settingsBefore) && f.machineId === identity.machineId && f.hostname === identity.hostname, { machineId: f.machineId, hostname: f.hostname, settingsSame: JSON.stringify(settings) === JSON.stringify(settingsBefore) });
    return f;
  }

  /** vtlink marks the booted slot good once healthy: its try count back to 0. */
  async function markedGood(label, slot) {
    const at = Date.now();
    const f = await waitFor(`slot ${slot} marked good`, 300, async () => {
      const g = await slotFacts(vm);
      return g[`${slot}_TRY`] === '0' && g[`${slot}_OK`] === '1' ? g : null;
    }, 5000).catch(() => null);
    upd.times[`${label}.markedGoodAfterReadyS`] = +((Date.now() - at) / 1000).toFixed(1);
    check(`${label}: vtlink marks slot ${slot} good once healthy (${slot}_TRY back to 0)`, f !== null, f ? { tries: [f.A_TRY, f.B_TRY], ok: [f.A_OK, f.B_OK] } : 'not marked good');
  }

  /** Waits for the guest to restart itself (the kernel's "reboot: Restarting system"), then re-arms vm. */
  async function guestRebooted(what, timeoutS) {
    await waitFor(what, timeoutS, () => /reboot: Restarting system/.test(vm.serial()), 2000);
    vm.expectReboot();
  }

  /** Upload a bundle as a paired host; the API's answer. */
  async function upload(file) {
    return t.apiRaw('PUT', `/api/update/bundle?name=${path.basename(file)}`, { body: readFileSync(file), headers: { 'content-type': 'application/octet-stream' } });
  }

  /** Installs what was uploaded (or offered from USB) and waits for the guest's reboot into it. */
  async function installAndReboot(label, body = { bundle: 'upload' }) {
    const at = Date.now();
    const r = await t.apiRaw('POST', '/api/update/install', { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    if (r.status >= 300) throw new Error(`install refused: ${r.status} ${JSON.stringify(r.body)}`);
    let last = null;
    let failed = null;
    await waitFor(`${label}: the install to finish and the guest to reboot`, 1800, async () => {
      if (/reboot: Restarting system/.test(vm.serial())) return true;
      last = await t.api('GET', '/api/update').catch(() => last);
      // A failed install ends the wait at once, with RAUC's reason.
      if (last?.operation?.kind === 'idle' && last.lastError && Date.parse(last.lastError.at) >= at) failed = last.lastError.message;
      return failed !== null;
    }, 3000);
    if (failed) throw new Error(`${label}: the install failed: ${failed}`);
    upd.times[`${label}.installToRebootS`] = +((Date.now() - at) / 1000).toFixed(1);
    upd[`${label}.lastProgress`] = last?.operation ?? last;
    vm.expectReboot();
  }

  await markedGood('update1', 'A');
  const startVersion = bundles.release.VERSION;
  const start = await afterBoot('update1', 'A', startVersion);

  await step('refusals', async () => {
    for (const [name, why] of [['otherKey', /signature|certificate|verif/i], ['otherArch', /compatible/i], ['truncated', /truncat|size|signature|invalid|short/i]]) {
      const before = await slotFacts(vm);
      const r = await upload(bundles[name]);
      const after = await slotFacts(vm);
      const unchanged = ['ORDER', 'A_OK', 'A_TRY', 'B_OK', 'B_TRY'].every((k) => before[k] === after[k]);
      const message = JSON.stringify(r.body);
      check(`refused: a bundle ${{ otherKey: 'signed by a key the box does not trust', otherArch: 'for the other architecture', truncated: 'cut short' }[name]}, with a reason, nothing changed`, r.status >= 400 && r.status < 500 && why.test(message) && unchanged, { status: r.status, body: message.slice(0, 300), bootStateUnchanged: unchanged });
    }
  });

  await step('update A -> B (API upload)', async () => {
    const uploadAt = Date.now();
    const r = await upload(bundles.good);
    upd.times.uploadS = +((Date.now() - uploadAt) / 1000).toFixed(1);
    check('A -> B: the uploaded bundle is shown before install: its version and a verified signature', r.status < 300 && JSON.stringify(r.body).includes(bundles.goodVersion), JSON.stringify(r.body).slice(0, 400));
    await installAndReboot('A->B');
    await t.bootUntilReady(vm, 'update-b');
    await afterBoot('update-b', 'B', bundles.goodVersion);
    await markedGood('update-b', 'B');
    const result = await waitFor('the result after the reboot', 120, async () => (await t.api('GET', '/api/update')).lastResult, 3000).catch(() => null);
    check('A -> B: the API reports the result after the reboot (updated, to the new version)', result?.outcome === 'updated' && result.version === bundles.goodVersion && result.toSlot === 'B', result);
  });

  await step('rollback of a release that never becomes healthy', async () => {
    const before = await slotFacts(vm);
    const target = before.slot === 'A' ? 'B' : 'A';
    await upload(bundles.broken);
    await installAndReboot('broken');
    const brokenBootAt = Date.now();
    // The broken slot boots, vtlink fails its starts, the fallback marks the slot bad and reboots.
    await guestRebooted('the fallback\'s reboot out of the broken slot', 1800);
    await t.bootUntilReady(vm, 'rolled-back');
    upd.times.brokenBootToReadyAgainS = +((Date.now() - brokenBootAt) / 1000).toFixed(1);
    const f = await slotFacts(vm);
    const status = await waitFor('the rollback reported', 180, async () => {
      const u = await t.api('GET', '/api/update');
      return u.lastResult?.outcome === 'rolled-back' ? u : null;
    }, 3000).catch(async () => t.api('GET', '/api/update').catch((e) => ({ error: e.message })));
    check(`rollback: the box leaves the broken release by itself (back on slot ${before.slot}, slot ${target} marked bad)`, f.slot === before.slot && f[`${target}_OK`] === '0', { bootedSlot: f.slot, ok: [f.A_OK, f.B_OK], tries: [f.A_TRY, f.B_TRY], secondsFromBrokenBootToReadyAgain: upd.times.brokenBootToReadyAgainS });
    check('rollback: the API says what happened (rolled back, and why)', status.lastResult?.outcome === 'rolled-back' && status.lastResult.version === bundles.brokenVersion, status.lastResult ?? status);
    const settings = await t.api('GET', '/api/settings');
    check('rollback: settings kept', JSON.stringify(settings) === JSON.stringify(settingsBefore), 'compared with the settings before the first update');
  });
  await step('update B -> A (USB stick)', async () => {
    const stick = path.join(t.outDir, 'usb-stick.img');
    const mib = Math.ceil(statSync(bundles.good).size / 2 ** 20) + 64;
    rmSync(stick, { force: true });
    run('mkfs.vfat', ['-n', 'VTLINKUSB', '-C', stick, String(mib * 1024)]);
    run('mcopy', ['-i', stick, bundles.good, '::/vtlink-update.raucb']);
    await vm.qmp([
      { execute: 'blockdev-add', arguments: { 'node-name': 'stick', driver: 'raw', file: { driver: 'file', filename: stick }, 'read-only': true } },
      { execute: 'device_add', arguments: { driver: 'usb-storage', id: 'stick0', drive: 'stick', 'removable': true } },
    ]);
    const offer = await waitFor('the stick\'s bundle offered by the API', 180, async () => {
      const s = await t.api('GET', '/api/update');
      return s.usb.find((o) => o.state === 'ready' && o.bundle?.version === bundles.goodVersion) ?? null;
    }, 3000).catch(() => null);
    check('B -> A: a USB stick plugged into the running box is noticed and its bundle offered (version, signature)', offer !== null, JSON.stringify(offer ?? (await t.api('GET', '/api/update')).usb).slice(0, 400));
    await installAndReboot('B->A', { bundle: 'usb', id: offer?.id });
    await t.bootUntilReady(vm, 'update-a');
    await afterBoot('update-a', 'A', bundles.goodVersion);
    await markedGood('update-a', 'A');
  });

  await step('power cut during an install', async () => {
    const before = await slotFacts(vm);
    await upload(bundles.good);
    const r = await t.apiRaw('POST', '/api/update/install', { body: JSON.stringify({ bundle: 'upload' }), headers: { 'content-type': 'application/json' } });
    // A random moment within the install (which took installToRebootS above).
    const spanS = (upd.times['A->B.installToRebootS'] ?? 120) * 0.9;
    const delayS = 5 + Math.random() * spanS;
    await sleep(delayS * 1000);
    const progress = await t.api('GET', '/api/update').catch(() => null);
    upd.powerCut = { afterS: +delayS.toFixed(1), progress: progress?.operation ?? null, installAnswer: r.status };
    await vm.powerCut();
    log(`power cut ${delayS.toFixed(0)} s into an install (${JSON.stringify(upd.powerCut.progress)})`);
    vm = t.setVm(new t.Vm('after-cut', { efi: true }));
    await t.bootUntilReady(vm, 'after-cut');
    const f = await slotFacts(vm);
    const s1 = await t.api('GET', '/api/status');
    await sleep(10_000 * t.slowness());
    const s2 = await t.api('GET', '/api/status');
    upd.powerCut.bootedSlot = f.slot;
    upd.powerCut.bootState = { order: f.ORDER, ok: [f.A_OK, f.B_OK], tries: [f.A_TRY, f.B_TRY] };
    const goodVersion = f.version === bundles.goodVersion;
    check('power cut during an install: the box boots a good slot and tracks', goodVersion && s2.framesProcessed > s1.framesProcessed, { ...upd.powerCut, version: f.version, frames: [s1.framesProcessed, s2.framesProcessed], wasOn: before.slot });
    await markedGood('after-cut', f.slot);
  });

  upd.start = start;
  return vm;
}
