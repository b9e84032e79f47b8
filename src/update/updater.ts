/**
 * The updater: one object that knows what is installed and running, what bundle is waiting (an upload
 * on the state partition, or a file on a USB stick), what is being done now, and how the last update
 * ended. It runs one operation at a time; the API reads state() and asks it to act.
 *
 * Its files live in `<stateDir>/update/`:
 *   upload.part         an upload in progress (removed if it fails, and at start)
 *   pending.raucb       the uploaded bundle, verified, waiting for Install or Discard
 *   last-install.json   written (durably) just before the reboot is requested: {version, fromSlot, toSlot, installedAt, bootId}
 *   last-result.json    how it ended, once decided after the reboot: shown until dismissed
 *   marked-good         the boot id of the boot whose slot was marked good (once per boot)
 *   rolled-back.json    the versions that rolled back here (newest first, at most ROLLED_BACK_KEPT)
 *
 * After the reboot: booted on the new slot → it is on trial until health marks it good, then
 * "updated to X"; booted on the old slot (the bootloader gave up on the new one) → "rolled back".
 */
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { z } from 'zod';
import { removeIfPresent, syncDir, writeJsonDurably } from '../config/durable-fs';
import type { Logger } from '../system/log';
import { readBootId, readRelease, readSystemConf, type Release, type SystemConf } from './device-files';
import { HEALTH_TICK_MS, HEALTHY_FOR_MS, HealthGate } from './health';
import { Rauc, type RaucStatus } from './rauc';
import {
  UpdateRefusal,
  type BundleRefusalCode,
  type BundleSummary,
  type HealthState,
  type InstallRequest,
  type PendingBundle,
  type RolledBackVersion,
  type UpdateControl,
  type UpdateOperation,
  type UpdateResult,
  type UpdateState,
  type UsbOffer,
} from './types';
import { checkRoom, megabytes, receiveToFile, UploadError } from '../system/upload';
import { DEFAULT_USB_DIR, USB_POLL_MS, UsbWatcher, type UsbFile } from '../system/usb-files';

export const DEFAULT_RAUC_CONF = '/etc/rauc/system.conf';
export const DEFAULT_RELEASE_FILE = '/etc/vtlink-release';
/** Between "restarting into version X" on every screen and the reboot request. */
export const REBOOT_NOTICE_MS = 3_000;
/** A reboot that has not come by then was not done (no path unit?): the user is told to restart. */
const REBOOT_OVERDUE_MS = 3 * 60_000;
/** An upload with no byte for this long is given up. */
const UPLOAD_IDLE_MS = 60_000;
/** rauc status is asked again when a state() finds it older than this. */
const STATUS_MAX_AGE_MS = 30_000;
/** How many rolled-back versions are remembered. */
const ROLLED_BACK_KEPT = 10;

export interface UpdaterOptions {
  /** The service's state folder; the updater's files go in its update/ subfolder. */
  stateDir: string;
  log: Logger;
  /** The version to show where /etc/vtlink-release is missing (package.json's). */
  fallbackVersion: string;
  raucConf?: string;
  raucBin?: string;
  /** The rauc child's environment (default process.env). */
  raucEnv?: NodeJS.ProcessEnv;
  releaseFile?: string;
  usbDir?: string;
  /** $RUNTIME_DIRECTORY: where the reboot request goes; null/undefined: this service cannot reboot. */
  runtimeDir?: string | null;
  bootIdFile?: string;
  /** Free bytes in a folder (default: statfs). */
  freeBytes?: (dir: string) => Promise<number>;
  healthyForMs?: number;
  healthTickMs?: number;
  usbPollMs?: number;
  rebootNoticeMs?: number;
  uploadIdleMs?: number;
}

const LastInstallSchema = z.object({
  version: z.string(),
  fromSlot: z.string().nullable(),
  toSlot: z.string().nullable(),
  installedAt: z.string(),
  bootId: z.string().nullable(),
});
type LastInstall = z.infer<typeof LastInstallSchema>;

const ResultSchema = z.object({
  outcome: z.enum(['updated', 'rolled-back']),
  message: z.string(),
  version: z.string(),
  fromSlot: z.string().nullable(),
  toSlot: z.string().nullable(),
  installedAt: z.string(),
  decidedAt: z.string(),
  slotState: z.string().nullable(),
});

const RolledBackSchema = z.array(z.object({ version: z.string(), toSlot: z.string().nullable(), decidedAt: z.string() }));

async function removeDurably(file: string): Promise<void> {
  await removeIfPresent(file);
  await syncDir(path.dirname(file));
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

interface UsbEntry {
  file: UsbFile;
  offer: UsbOffer;
}

export class Updater implements UpdateControl {
  private readonly dir: string;
  private readonly rauc: Rauc;
  private readonly confPath: string;
  private conf: SystemConf | null = null;
  private release: Release | null = null;
  private bootId: string | null = null;
  private unavailable: string | null = 'the update system is being checked';
  private raucStatus: RaucStatus | null = null;
  private statusAt = -Infinity;
  private refreshing: Promise<void> | null = null;
  private operation: UpdateOperation = { kind: 'idle' };
  private pending: { summary: PendingBundle; file: string } | null = null;
  private readonly usb = new Map<string, UsbEntry>();
  private usbChecks: Promise<void> = Promise.resolve();
  private usbWatcher: UsbWatcher | null = null;
  private lastResult: UpdateResult | null = null;
  private rolledBack: RolledBackVersion[] = [];
  private lastError: { message: string; at: string } | null = null;
  /** An install whose reboot has happened, on the new slot: decided when health marks it good. */
  private trial: LastInstall | null = null;
  /** An install record not yet decided (rauc status did not answer yet). */
  private undecided: LastInstall | null = null;
  private health: Omit<HealthState, 'healthyForS' | 'requiredS'> = { state: 'waiting', markedAt: null, message: null };
  private gate: HealthGate | null = null;
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;
  /** Resolves once the files and rauc status have been read at start. */
  readonly started: Promise<void>;

  constructor(private readonly options: UpdaterOptions) {
    this.dir = path.join(options.stateDir, 'update');
    this.confPath = options.raucConf ?? DEFAULT_RAUC_CONF;
    this.rauc = new Rauc({ conf: this.confPath, bin: options.raucBin, env: options.raucEnv });
    this.started = this.init().catch((err: unknown) => {
      this.unavailable = `the updater could not start: ${errorText(err)}`;
      options.log.error(`update: ${this.unavailable}`);
    });
  }

  private get log(): Logger {
    return this.options.log;
  }

  private file(name: string): string {
    return path.join(this.dir, name);
  }

  // ── Start ───────────────────────────────────────────────────────────────────────────────────────

  private async init(): Promise<void> {
    this.release = await readRelease(this.options.releaseFile ?? DEFAULT_RELEASE_FILE);
    this.bootId = await readBootId(this.options.bootIdFile);
    try {
      this.conf = await readSystemConf(this.confPath);
    } catch (err) {
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      this.unavailable = missing
        ? `RAUC is not set up on this system (no ${this.confPath}): updates are for the vtlink disk image`
        : `cannot read ${this.confPath}: ${errorText(err)}`;
      this.health = { state: 'not-applicable', markedAt: null, message: null };
      this.log.info(`update: not available (${this.unavailable})`);
      return;
    }
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await removeIfPresent(this.file('upload.part'));
    this.lastResult = await this.readJson(this.file('last-result.json'), ResultSchema);
    this.rolledBack = (await this.readJson(this.file('rolled-back.json'), RolledBackSchema)) ?? [];
    this.undecided = await this.readJson(this.file('last-install.json'), LastInstallSchema);
    const marked = await readFile(this.file('marked-good'), 'utf8').catch(() => '');
    if (this.bootId !== null && marked.split('\n')[0] === this.bootId) {
      const at = await stat(this.file('marked-good')).then((s) => s.mtime.toISOString(), () => null);
      this.health = { state: 'marked-good', markedAt: at, message: 'marked good earlier in this boot' };
    }
    await this.refreshStatus().catch(() => undefined);
    await this.restorePending();
    if (this.closed) return;
    this.usbWatcher = new UsbWatcher(this.options.usbDir ?? DEFAULT_USB_DIR, '.raucb', (files) => this.onUsbFiles(files), this.options.usbPollMs ?? USB_POLL_MS);
    this.usbWatcher.start();
  }

  private async readJson<T>(file: string, schema: z.ZodType<T>): Promise<T | null> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      return null;
    }
    try {
      return schema.parse(JSON.parse(text));
    } catch (err) {
      this.log.warn(`update: ignoring ${file}: ${errorText(err)}`);
      return null;
    }
  }

  /** A bundle uploaded before a restart of the service is checked again and offered again. */
  private async restorePending(): Promise<void> {
    const file = this.file('pending.raucb');
    const size = await stat(file).then((s) => s.size, () => null);
    if (size === null) return;
    const check = await this.checkBundle(file, size);
    if (!check.ok) {
      this.log.warn(`update: removing the uploaded bundle kept from before: ${check.message}`);
      await removeIfPresent(file);
      return;
    }
    const receivedAt = await stat(file).then((s) => s.mtime.toISOString());
    this.pending = { file, summary: { ...check.summary, name: null, receivedAt } };
  }

  /** Asks rauc status; on the first answer, decides how the last install ended. */
  private refreshStatus(): Promise<void> {
    this.refreshing ??= (async () => {
      try {
        this.raucStatus = await this.rauc.status();
        this.statusAt = performance.now();
        this.unavailable = null;
        if (this.undecided) await this.decide(this.undecided);
      } catch (err) {
        this.unavailable = `the RAUC service does not answer: ${errorText(err)}`;
        this.statusAt = performance.now();
        throw err;
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  /** How the install recorded in last-install.json went, now that the box has (or has not) rebooted. */
  private async decide(record: LastInstall): Promise<void> {
    this.undecided = null;
    const booted = this.raucStatus?.booted ?? null;
    if (record.bootId !== null && record.bootId === this.bootId) {
      // The service restarted, the box did not: the reboot is still to come.
      this.operation = { kind: 'reboot-needed', version: record.version, toSlot: record.toSlot, reason: `version ${record.version} is installed; restart the device to run it` };
      return;
    }
    if (booted !== null && booted === record.toSlot) {
      this.trial = record;
      // Marked good by an earlier run of the service in this boot, which stopped before writing the result.
      if (this.health.state === 'marked-good') {
        await this.finish(record, 'updated', `updated to ${record.version}`, this.slotStateOf(record.toSlot));
        return;
      }
      this.log.info(`update: running version ${record.version} on slot ${booted} on trial; it is marked good once healthy for ${Math.round(this.healthyForMs / 1000)} s`);
      return;
    }
    const slotState = this.raucStatus?.slots.find((s) => s.bootname === record.toSlot)?.bootStatus ?? null;
    await this.finish(record, 'rolled-back', `rolled back: slot ${record.toSlot ?? '?'} did not become healthy`, slotState);
  }

  private async finish(record: LastInstall, outcome: UpdateResult['outcome'], message: string, slotState: string | null): Promise<void> {
    const result: UpdateResult = { outcome, message, version: record.version, fromSlot: record.fromSlot, toSlot: record.toSlot, installedAt: record.installedAt, decidedAt: new Date().toISOString(), slotState };
    await writeJsonDurably(this.file('last-result.json'), result);
    // The version's earlier entry goes either way: it rolled back again (and moves to the top), or it runs now.
    const others = this.rolledBack.filter((r) => r.version !== record.version);
    const rolledBack = outcome === 'rolled-back' ? [{ version: record.version, toSlot: record.toSlot, decidedAt: result.decidedAt }, ...others].slice(0, ROLLED_BACK_KEPT) : others;
    if (outcome === 'rolled-back' || others.length !== this.rolledBack.length) await writeJsonDurably(this.file('rolled-back.json'), rolledBack);
    this.rolledBack = rolledBack;
    await removeDurably(this.file('last-install.json'));
    this.lastResult = result;
    this.trial = null;
    if (outcome === 'updated') this.log.info(`update: ${message}`);
    else this.log.error(`update: ${message} (version ${record.version} installed ${record.installedAt}; running slot ${this.raucStatus?.booted ?? '?'} again)`);
  }

  private get healthyForMs(): number {
    return this.options.healthyForMs ?? HEALTHY_FOR_MS;
  }

  // ── Health ──────────────────────────────────────────────────────────────────────────────────────

  /**
   * Marks the booted slot good (once per boot) after the service has been READY and alive for
   * HEALTHY_FOR_MS. `alive` is asked every few seconds (the watchdog's notion of progress).
   */
  watchHealth(ready: Promise<unknown>, alive: () => boolean): void {
    void this.started.then(() => {
      if (this.closed || this.conf === null || this.health.state === 'marked-good') return;
      this.gate = new HealthGate({ ready, alive, healthyForMs: this.healthyForMs, tickMs: this.options.healthTickMs ?? HEALTH_TICK_MS, onHealthy: () => void this.markGood() });
      this.gate.start();
    });
  }

  private async markGood(): Promise<void> {
    if (this.closed) return;
    try {
      const said = await this.rauc.markGoodBooted();
      const at = new Date().toISOString();
      this.health = { state: 'marked-good', markedAt: at, message: said };
      this.log.info(`update: healthy for ${Math.round(this.healthyForMs / 1000)} s: ${said}`);
      if (this.bootId !== null) await writeWhole(this.file('marked-good'), `${this.bootId}\n`);
      await this.refreshStatus().catch(() => undefined);
      if (this.trial) await this.finish(this.trial, 'updated', `updated to ${this.trial.version}`, this.slotStateOf(this.trial.toSlot));
    } catch (err) {
      this.health = { state: 'failed', markedAt: null, message: errorText(err) };
      this.log.error(`update: could not mark the booted slot good: ${errorText(err)}; trying again in ${Math.round(this.healthyForMs / 1000)} s`);
      this.later(this.healthyForMs, () => void this.markGood());
    }
  }

  private slotStateOf(bootname: string | null): string | null {
    return this.raucStatus?.slots.find((s) => s.bootname === bootname)?.bootStatus ?? null;
  }

  // ── USB sticks ──────────────────────────────────────────────────────────────────────────────────

  private onUsbFiles(files: UsbFile[]): void {
    const seen = new Set<string>();
    for (const f of files) {
      seen.add(f.id);
      const known = this.usb.get(f.id);
      if (known && known.file.size === f.size && known.file.mtimeMs === f.mtimeMs) continue;
      const offer: UsbOffer = { id: f.id, device: f.device, file: f.file, sizeBytes: f.size, state: 'checking', bundle: null, problem: null };
      this.usb.set(f.id, { file: f, offer });
      this.log.info(`update: found ${f.file} on USB stick ${f.device}`);
      this.usbChecks = this.usbChecks.then(() => this.checkUsb(f)).catch((err: unknown) => this.log.warn(`update: checking ${f.id} failed: ${errorText(err)}`));
    }
    for (const id of [...this.usb.keys()]) if (!seen.has(id)) this.usb.delete(id);
  }

  private async checkUsb(f: UsbFile): Promise<void> {
    const entry = this.usb.get(f.id);
    if (!entry || entry.file !== f || this.closed) return; // removed or replaced meanwhile
    const check = await this.checkBundle(f.path, f.size);
    if (this.usb.get(f.id) !== entry) return;
    entry.offer = check.ok
      ? { ...entry.offer, state: 'ready', bundle: check.summary }
      : { ...entry.offer, state: 'refused', problem: { code: check.code, message: check.message } };
    if (!check.ok) this.log.warn(`update: ${f.id} is refused: ${check.message}`);
  }

  // ── Bundles ─────────────────────────────────────────────────────────────────────────────────────

  /** rauc info (signature against the keyring, manifest) and our compatible. */
  private async checkBundle(file: string, size: number): Promise<{ ok: true; summary: BundleSummary } | { ok: false; code: BundleRefusalCode; message: string }> {
    let r;
    try {
      r = await this.rauc.info(file);
    } catch (err) {
      return { ok: false, code: 'bad-bundle', message: `the bundle could not be checked: ${errorText(err)}` };
    }
    if (!r.ok) {
      return r.code === 'bad-signature'
        ? { ok: false, code: 'bad-signature', message: `the bundle's signature is not valid for this device (rauc: ${r.reason})` }
        : { ok: false, code: 'bad-bundle', message: `this is not a complete RAUC bundle (rauc: ${r.reason}); was the file cut short?` };
    }
    if (!r.verified) {
      return { ok: false, code: 'bad-signature', message: 'rauc did not verify the bundle’s signature (is a keyring set in system.conf?)' };
    }
    const ours = this.conf?.compatible ?? '';
    if (r.manifest.compatible !== ours) {
      return { ok: false, code: 'wrong-compatible', message: `the bundle is for "${r.manifest.compatible}"; this device is "${ours}"` };
    }
    return { ok: true, summary: { ...r.manifest, signature: 'verified', sizeBytes: size } };
  }

  private assertAvailable(): void {
    if (this.unavailable !== null) throw new UpdateRefusal('updates-unavailable', `updates are not available: ${this.unavailable}`);
  }

  private assertIdle(): void {
    const kind = this.operation.kind;
    if (kind === 'idle' || kind === 'reboot-needed') return;
    const what = kind === 'uploading' ? 'another upload is running' : kind === 'checking' ? 'a bundle is being checked' : kind === 'installing' ? 'an update is being installed' : 'the device is restarting';
    throw new UpdateRefusal('update-busy', `${what}; try again when it has finished`);
  }

  async receiveBundle(body: Readable, declaredBytes: number | null, name: string | null): Promise<PendingBundle> {
    this.assertAvailable();
    this.assertIdle();
    if (this.pending) throw new UpdateRefusal('bundle-pending', `version ${this.pending.summary.version} is already waiting: install or discard it first`);
    if (declaredBytes === null) throw new UpdateRefusal('length-required', 'send the bundle with a Content-Length');
    if (declaredBytes === 0) throw new UpdateRefusal('bad-bundle', 'the upload is empty');
    const before = this.operation;
    this.operation = { kind: 'uploading', receivedBytes: 0, totalBytes: declaredBytes };
    const part = this.file('upload.part');
    try {
      try {
        await checkRoom(this.dir, 'the bundle', declaredBytes, 0, this.options.freeBytes);
        await receiveToFile(body, {
          file: part,
          declaredBytes,
          idleTimeoutMs: this.options.uploadIdleMs ?? UPLOAD_IDLE_MS,
          onProgress: (receivedBytes) => {
            this.operation = { kind: 'uploading', receivedBytes, totalBytes: declaredBytes };
          },
        });
      } catch (err) {
        if (err instanceof UploadError) throw new UpdateRefusal(err.code, err.message);
        throw err;
      }
      this.operation = { kind: 'checking', what: name ?? 'the uploaded bundle' };
      const check = await this.checkBundle(part, declaredBytes);
      if (!check.ok) {
        await removeIfPresent(part);
        this.log.warn(`update: uploaded bundle${name ? ` ${name}` : ''} refused: ${check.message}`);
        throw new UpdateRefusal(check.code, check.message);
      }
      const file = this.file('pending.raucb');
      await rename(part, file);
      this.pending = { file, summary: { ...check.summary, name, receivedAt: new Date().toISOString() } };
      this.log.info(`update: received version ${check.summary.version} (${megabytes(declaredBytes)}, signed by ${check.summary.signer ?? '?'})`);
      return this.pending.summary;
    } finally {
      this.operation = before;
      await removeIfPresent(part).catch(() => undefined);
    }
  }

  async discardBundle(): Promise<void> {
    if (this.operation.kind === 'installing' && this.operation.source === 'upload') throw new UpdateRefusal('update-busy', 'the uploaded bundle is being installed');
    if (this.operation.kind === 'checking') throw new UpdateRefusal('update-busy', 'a bundle is being checked');
    if (!this.pending) return;
    await removeIfPresent(this.pending.file);
    this.log.info(`update: discarded the uploaded version ${this.pending.summary.version}`);
    this.pending = null;
  }

  async install(request: InstallRequest): Promise<UpdateOperation> {
    this.assertAvailable();
    this.assertIdle();
    let file: string;
    let summary: BundleSummary;
    if (request.bundle === 'upload') {
      if (!this.pending) throw new UpdateRefusal('no-bundle', 'no bundle has been uploaded');
      ({ file, summary } = this.pending);
    } else {
      const entry = this.usb.get(request.id);
      if (!entry) throw new UpdateRefusal('no-bundle', `no bundle ${request.id} on a USB stick (was it removed?)`);
      if (entry.offer.state === 'checking') throw new UpdateRefusal('update-busy', `${entry.offer.file} is still being checked`);
      if (entry.offer.problem) throw new UpdateRefusal(entry.offer.problem.code, entry.offer.problem.message);
      file = entry.file.path;
      summary = entry.offer.bundle!;
    }
    if (request.version !== undefined && request.version !== summary.version) {
      throw new UpdateRefusal('version-mismatch', `the bundle waiting is version ${summary.version}, not ${request.version}; look again before installing`);
    }
    this.operation = { kind: 'installing', version: summary.version, source: request.bundle, percent: 0, message: 'Starting' };
    this.lastError = null;
    void this.runInstall(file, summary, request.bundle);
    return this.operation;
  }

  private async runInstall(file: string, summary: BundleSummary, source: 'upload' | 'usb'): Promise<void> {
    const version = summary.version;
    this.log.info(`update: installing version ${version} from ${source === 'upload' ? 'the upload' : file}`);
    try {
      await this.refreshStatus();
      const fromSlot = this.raucStatus?.booted ?? null;
      await this.rauc.install(file, (p) => {
        this.operation = { kind: 'installing', version, source, percent: p.percent, message: p.message };
      });
      await this.refreshStatus().catch(() => undefined);
      const status = this.raucStatus;
      const primary = status?.slots.find((s) => s.name === status.bootPrimary)?.bootname ?? null;
      const toSlot = primary ?? status?.slots.find((s) => s.bootname !== null && s.bootname !== fromSlot && s.class === 'rootfs')?.bootname ?? null;
      const record: LastInstall = { version, fromSlot, toSlot, installedAt: new Date().toISOString(), bootId: this.bootId };
      await writeJsonDurably(this.file('last-install.json'), record);
      if (source === 'upload' && this.pending?.file === file) {
        await removeIfPresent(file);
        this.pending = null;
      }
      this.log.info(`update: version ${version} installed into slot ${toSlot ?? '?'} (running slot ${fromSlot ?? '?'})`);
      this.requestReboot(version, toSlot);
    } catch (err) {
      this.operation = { kind: 'idle' };
      this.lastError = { message: `installing version ${version} failed: ${errorText(err)}`, at: new Date().toISOString() };
      this.log.error(`update: ${this.lastError.message}`);
    }
  }

  private requestReboot(version: string, toSlot: string | null): void {
    const runtimeDir = this.options.runtimeDir;
    if (!runtimeDir) {
      this.operation = { kind: 'reboot-needed', version, toSlot, reason: `version ${version} is installed; restart the device to run it (this service cannot restart it here)` };
      return;
    }
    // Every screen polling GET /api/update sees "restarting into version X" before the request goes.
    this.operation = { kind: 'rebooting', version, toSlot };
    this.later(this.options.rebootNoticeMs ?? REBOOT_NOTICE_MS, () => {
      const request = path.join(runtimeDir, 'reboot');
      writeWhole(request, `update ${version} slot ${toSlot ?? '?'}\n`).then(
        () => {
          this.log.info(`update: reboot requested (${request}) to run version ${version}`);
          this.later(REBOOT_OVERDUE_MS, () => {
            this.operation = { kind: 'reboot-needed', version, toSlot, reason: `the device did not restart by itself: restart it to run version ${version}` };
          });
        },
        (err: unknown) => {
          this.operation = { kind: 'reboot-needed', version, toSlot, reason: `the restart could not be requested (${errorText(err)}): restart the device to run version ${version}` };
          this.log.error(`update: ${this.operation.reason}`);
        },
      );
    });
  }

  async dismissResult(): Promise<void> {
    if (!this.lastResult) return;
    await removeDurably(this.file('last-result.json'));
    this.lastResult = null;
  }

  // ── Reading ─────────────────────────────────────────────────────────────────────────────────────

  state(): UpdateState {
    if (this.conf !== null && !this.closed && performance.now() - this.statusAt > STATUS_MAX_AGE_MS) void this.refreshStatus().catch(() => undefined);
    const status = this.raucStatus;
    const booted = status?.slots.find((s) => s.state === 'booted') ?? status?.slots.find((s) => s.bootname !== null && s.bootname === status.booted) ?? null;
    return {
      available: this.unavailable === null,
      reason: this.unavailable,
      running: {
        version: this.release?.version ?? this.options.fallbackVersion,
        build: this.release?.build ?? null,
        compatible: this.conf?.compatible ?? this.release?.compatible ?? null,
        slot: status?.booted ?? null,
        slotName: booted?.name ?? null,
      },
      slots: (status?.slots ?? []).map((s) => ({ name: s.name, bootname: s.bootname, state: s.state, bootStatus: s.bootStatus })),
      operation: this.operation,
      pending: this.pending?.summary ?? null,
      usb: [...this.usb.values()].map((e) => e.offer),
      health: { ...this.health, requiredS: this.healthyForMs / 1000, healthyForS: this.health.state === 'marked-good' ? this.healthyForMs / 1000 : (this.gate?.healthyForSoFarMs ?? 0) / 1000 },
      lastResult: this.lastResult,
      rolledBack: this.rolledBack,
      lastError: this.lastError,
    };
  }

  /** For ServiceStatus: the running slot and whether health has marked it good. */
  summary(): { available: boolean; slot: string | null; health: HealthState['state'] } {
    return { available: this.unavailable === null, slot: this.raucStatus?.booted ?? null, health: this.health.state };
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.closed) fn();
    }, ms);
    t.unref();
    this.timers.add(t);
  }

  /** Stops the USB poll, the health gate and timers. An install in progress goes on in the rauc service. */
  async close(): Promise<void> {
    this.closed = true;
    this.usbWatcher?.stop();
    this.gate?.stop();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.started;
  }
}

/** A small file written whole under its final name (write to a temp name, rename), so a watcher never sees half of it. */
async function writeWhole(file: string, text: string): Promise<void> {
  const temp = `${file}.tmp`;
  await writeFile(temp, text, { mode: 0o644 });
  await rename(temp, file);
}
