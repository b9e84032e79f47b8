/**
 * A real RAUC 1.8 set-up for the update tests, in a temporary folder, with Debian's own programs:
 *
 * - a signing key and certificate (openssl; the keyring is that certificate) and a second, foreign one;
 * - bundles made by `rauc bundle` from a small ext4 root image (`mkfs.ext4 -d`);
 * - a system.conf with two ext4 slots backed by plain files (rootfs.0 = A, rootfs.1 = B), the grub
 *   bootloader backend on a grubenv made by `grub-editenv`, and a global status file;
 * - a private system bus (dbus-daemon with its own config, allowing this user) and `rauc service`
 *   on it with --override-boot-slot, so that `rauc install`, `rauc status` and mark-good go through
 *   the real service exactly as on the box. Children find the bus through DBUS_SYSTEM_BUS_ADDRESS.
 *
 * The rauc service mounts bundles (loop devices), so installing needs root; `rauc info` does not.
 * This kernel has no device-mapper (no /dev/mapper/control), so verity bundles cannot be installed
 * here (RAUC mounts them through dm-verity): `canInstallVerity` says whether this machine can.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { silentLogger } from '../../src/system/log';
import type { UpdaterOptions } from '../../src/update/updater';

const run = promisify(execFile);

export const COMPATIBLE = 'vtlink-amd64';

export interface BundleSpec {
  version: string;
  compatible?: string;
  format?: 'plain' | 'verity';
  /** Signed with the lab's key (default) or a foreign one the keyring does not hold. */
  signer?: 'lab' | 'foreign';
  /** Output file name (default vtlink-<version>-<format>.raucb). */
  name?: string;
  description?: string;
}

export interface RaucLabOptions {
  /** A pre-install handler that sleeps this long (so that a test can watch the install's progress). */
  preInstallSleepS?: number;
}

export class RaucLab {
  private dbus: ChildProcess | null = null;
  private service: ChildProcess | null = null;
  private serviceLog = '';
  private bundleCount = 0;

  private constructor(
    readonly dir: string,
    readonly conf: string,
  ) {}

  /** The environment rauc clients (our updater) need to reach the lab's bus. */
  get env(): NodeJS.ProcessEnv {
    return { ...process.env, DBUS_SYSTEM_BUS_ADDRESS: `unix:path=${path.join(this.dir, 'bus.sock')}` };
  }

  get bundlesDir(): string {
    return path.join(this.dir, 'bundles');
  }

  /** Whether RAUC can mount a verity bundle on this machine (device-mapper present). */
  static get canInstallVerity(): boolean {
    return existsSync('/dev/mapper/control');
  }

  static async create(options: RaucLabOptions = {}): Promise<RaucLab> {
    for (const tool of ['rauc', 'mksquashfs', 'mkfs.ext4', 'grub-editenv', 'openssl', 'dbus-daemon']) {
      try {
        await run('sh', ['-c', `command -v ${tool}`]);
      } catch {
        throw new Error(`${tool} is missing: apt-get install rauc squashfs-tools e2fsprogs grub-common openssl dbus`);
      }
    }
    const dir = await mkdtemp(path.join(os.tmpdir(), 'vtlink-rauc-'));
    const lab = new RaucLab(dir, path.join(dir, 'system.conf'));
    await mkdir(lab.bundlesDir);
    await mkdir(path.join(dir, 'mnt'));
    // Keys: EC P-256 (fast to make), self-signed; the keyring is the lab certificate.
    for (const who of ['lab', 'foreign']) {
      await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '30', '-subj', `/CN=vtlink ${who} test key`,
        '-keyout', path.join(dir, `${who}.key.pem`), '-out', path.join(dir, `${who}.cert.pem`)]);
    }
    // The root image every bundle carries: ext4 with a little incompressible content (a squashfs
    // payload of one block is refused by rauc bundle).
    const root = path.join(dir, 'root');
    await mkdir(path.join(root, 'etc'), { recursive: true });
    await writeFile(path.join(root, 'etc', 'noise'), Buffer.from(Array.from({ length: 32768 }, () => Math.floor(Math.random() * 256))));
    await run('truncate', ['-s', '4M', path.join(dir, 'rootfs.ext4')]);
    await run('mkfs.ext4', ['-q', '-F', '-d', root, path.join(dir, 'rootfs.ext4')]);
    // Slots: ext4 file systems in plain files (rauc writes the image over them).
    for (const slot of ['A', 'B']) {
      const file = path.join(dir, `slot${slot}.img`);
      await run('truncate', ['-s', '8M', file]);
      await run('mkfs.ext4', ['-q', '-F', file]);
    }
    await run('grub-editenv', [path.join(dir, 'grubenv'), 'create']);
    await lab.setGrubenv({ ORDER: 'A B', A_OK: '1', B_OK: '1', A_TRY: '0', B_TRY: '0' });
    let handlers = '';
    if (options.preInstallSleepS) {
      const hook = path.join(dir, 'pre-install.sh');
      await writeFile(hook, `#!/bin/sh\nsleep ${options.preInstallSleepS}\n`, { mode: 0o755 });
      handlers = `\n[handlers]\npre-install=${hook}\n`;
    }
    await writeFile(
      lab.conf,
      `[system]
compatible=${COMPATIBLE}
bootloader=grub
grubenv=${path.join(dir, 'grubenv')}
statusfile=${path.join(dir, 'status.raucs')}

[keyring]
path=${path.join(dir, 'lab.cert.pem')}
${handlers}
[slot.rootfs.0]
device=${path.join(dir, 'slotA.img')}
type=ext4
bootname=A

[slot.rootfs.1]
device=${path.join(dir, 'slotB.img')}
type=ext4
bootname=B
`,
    );
    await writeFile(
      path.join(dir, 'bus.conf'),
      `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=${path.join(dir, 'bus.sock')}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
  </policy>
</busconfig>
`,
    );
    return lab;
  }

  /** A bundle made by `rauc bundle`; returns its path. */
  async makeBundle(spec: BundleSpec): Promise<string> {
    const format = spec.format ?? 'verity';
    const signer = spec.signer ?? 'lab';
    const content = path.join(this.dir, `content-${++this.bundleCount}`);
    await mkdir(content);
    await run('cp', [path.join(this.dir, 'rootfs.ext4'), path.join(content, 'rootfs.ext4')]);
    await writeFile(
      path.join(content, 'manifest.raucm'),
      `[update]
compatible=${spec.compatible ?? COMPATIBLE}
version=${spec.version}
build=test-${this.bundleCount}
description=${spec.description ?? `vtlink ${spec.version} (test bundle)`}

[bundle]
format=${format}

[image.rootfs]
filename=rootfs.ext4
`,
    );
    const out = path.join(this.bundlesDir, spec.name ?? `vtlink-${spec.version}-${format}.raucb`);
    await run('rauc', ['bundle', `--cert=${path.join(this.dir, `${signer}.cert.pem`)}`, `--key=${path.join(this.dir, `${signer}.key.pem`)}`, content, out]);
    await rm(content, { recursive: true });
    return out;
  }

  async grubenv(): Promise<Record<string, string>> {
    const { stdout } = await run('grub-editenv', [path.join(this.dir, 'grubenv'), 'list']);
    return Object.fromEntries(stdout.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  }

  async setGrubenv(values: Record<string, string>): Promise<void> {
    await run('grub-editenv', [path.join(this.dir, 'grubenv'), 'set', ...Object.entries(values).map(([k, v]) => `${k}=${v}`)]);
  }

  /** Starts the private bus (once) and `rauc service` as if booted from `bootSlot`; resolves when it answers. */
  async startService(bootSlot: 'A' | 'B'): Promise<void> {
    if (this.service) throw new Error('the rauc service runs already');
    if (!this.dbus) {
      const dbus = spawn('dbus-daemon', [`--config-file=${path.join(this.dir, 'bus.conf')}`, '--nofork', '--print-address=1'], { stdio: ['ignore', 'pipe', 'pipe'] });
      this.dbus = dbus;
      dbus.stderr.on('data', () => undefined); // "Failed to set fd limit": harmless without CAP_SYS_RESOURCE
      await new Promise<void>((resolve, reject) => {
        createInterface({ input: dbus.stdout }).once('line', () => resolve());
        dbus.once('exit', (code) => reject(new Error(`dbus-daemon exited (${code})`)));
      });
    }
    const service = spawn('rauc', [`--conf=${this.conf}`, `--mount=${path.join(this.dir, 'mnt')}`, 'service', `--override-boot-slot=${bootSlot}`], { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.service = service;
    service.stdout.on('data', (d: Buffer) => (this.serviceLog += d.toString()));
    service.stderr.on('data', (d: Buffer) => (this.serviceLog += d.toString()));
    const deadline = Date.now() + 20_000;
    for (;;) {
      try {
        await run('rauc', [`--conf=${this.conf}`, 'status', '--output-format=json'], { env: this.env });
        return;
      } catch (err) {
        if (service.exitCode !== null || Date.now() > deadline) throw new Error(`rauc service did not come up: ${(err as Error).message}\n${this.serviceLog}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  /** Stops `rauc service` (a "reboot" is stopServer + startService with the other slot). */
  async stopService(): Promise<void> {
    const service = this.service;
    this.service = null;
    if (!service || service.exitCode !== null) return;
    const exited = new Promise((r) => service.once('exit', r));
    service.kill('SIGTERM');
    await exited;
  }

  /** What the rauc service logged (for failure messages). */
  get log(): string {
    return this.serviceLog;
  }

  async close(): Promise<void> {
    await this.stopService();
    if (this.dbus && this.dbus.exitCode === null) {
      const exited = new Promise((r) => this.dbus!.once('exit', r));
      this.dbus.kill('SIGTERM');
      await exited;
    }
    this.dbus = null;
    await rm(this.dir, { recursive: true, force: true });
  }
}

/**
 * An updater wired to `lab` with its files under `base` (state, release file, USB folder, runtime
 * folder, one boot-id file per `bootId`), and fast health and reboot timings for tests.
 */
export function labUpdaterOptions(lab: RaucLab, base: string, bootId: string, timings: Partial<UpdaterOptions>): UpdaterOptions {
  return {
    stateDir: path.join(base, 'state'),
    log: silentLogger,
    fallbackVersion: '0.1.0',
    raucConf: lab.conf,
    raucEnv: lab.env,
    releaseFile: path.join(base, 'vtlink-release'),
    usbDir: path.join(base, 'usb'),
    runtimeDir: path.join(base, 'run'),
    bootIdFile: path.join(base, `boot_id-${bootId}`),
    ...timings,
  };
}
