/**
 * AvatarPacks: the avatar packs on the state partition (`<state>/avatars/<id>/`, format in ./pack.ts),
 * made from uploaded or USB-stick PSDs, their layer mapping, their removal.
 *
 * A new pack appears whole or not at all: the PSD is received into `incoming.psd`, converted in a
 * worker thread into `<id>.partial/` (every file fsynced), and renamed to `<id>/` only when complete.
 * A refused or broken file leaves the existing packs, and the avatar on screen, as they were. One
 * import at a time.
 */
import { randomBytes } from 'node:crypto';
import { open as openFile, mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { removeIfPresent, syncDir, writeJsonDurably } from '../config/durable-fs';
import type { Logger } from '../system/log';
import { OneAtATime, removeItemFolder } from './folders';
import { checkRoom, receiveToFile, UploadError, type UploadProblem } from '../system/upload';
import { USB_POLL_MS, UsbWatcher, type UsbFile } from '../system/usb-files';
import { PACK_FORMAT, PACK_ID_PATTERN, PackManifestSchema, packSummary, type PackManifest, type PackSummary } from './pack';
import { isAvatarPart, type AvatarPart } from './parts';
import { AVATAR_LIMITS, checkPsdHeader, mib, PSD_HEADER_BYTES, PsdRefusal, type AvatarLimits, type PsdRefusalCode } from './psd-convert';
import type { ConvertJob, ConvertReply } from './psd-worker';

export type AvatarRefusalCode = PsdRefusalCode | UploadProblem | 'length-required' | 'avatar-busy' | 'pack-not-found' | 'avatar-in-use' | 'bad-mapping' | 'usb-file-not-found';

export class AvatarRefusal extends Error {
  constructor(
    readonly code: AvatarRefusalCode,
    message: string,
  ) {
    super(message);
    this.name = 'AvatarRefusal';
  }
}

/** A PSD in the top folder of a mounted USB stick, offered for import (never imported by itself). */
export interface UsbPsdOffer {
  /** "<device>/<file>", e.g. "sda1/Mika.psd": what POST /api/avatars/usb takes. */
  id: string;
  device: string;
  file: string;
  sizeBytes: number;
}

/** What the API may ask of the packs (src/server/avatar-routes.ts). */
export interface AvatarControl {
  readonly limits: AvatarLimits;
  list(): PackSummary[];
  manifest(id: string): PackManifest | null;
  /** The path of layer `index`'s PNG, or null. */
  layerFile(id: string, index: number): string | null;
  /** Receives a PSD (Content-Length `declaredBytes`) and makes a pack of it. */
  importPsd(body: Readable, declaredBytes: number | null, fileName: string | null): Promise<PackSummary>;
  /** Makes a pack of a PSD already on disk (a USB stick). */
  importFile(file: string, fileName: string): Promise<PackSummary>;
  /** The PSDs on the USB sticks now. */
  usbOffers(): UsbPsdOffer[];
  /** Makes a pack of the USB offer `id` ("<device>/<file>"). */
  importUsb(id: string): Promise<PackSummary>;
  /** Assigns layers (by index) to parts; null: back to unassigned. */
  setMapping(id: string, parts: Record<string, AvatarPart | null>): Promise<PackManifest>;
  remove(id: string): Promise<void>;
}

export interface AvatarPacksOptions {
  /** The state folder; packs live in `<stateDir>/avatars/`. */
  stateDir: string;
  /** settings.avatar.choice now: the chosen pack cannot be removed. */
  selected: () => string;
  log: Logger;
  limits?: AvatarLimits;
  /** The bundled worker (tools/build.mjs writes dist/psd-worker.mjs beside dist/vtlink.mjs). */
  workerFile?: URL | string;
  /** No byte for this long: the upload is given up. */
  uploadIdleMs?: number;
  /** Heap cap of the converting worker: a file that needs more is refused, the service stays. */
  workerHeapMb?: number;
  freeBytes?: (dir: string) => Promise<number>;
  /** Where USB sticks are mounted (src/system/usb-files.ts); absent: no USB offers. */
  usbDir?: string;
  usbPollMs?: number;
}

export class AvatarPacks implements AvatarControl {
  readonly limits: AvatarLimits;
  private readonly dir: string;
  private readonly packs = new Map<string, PackManifest>();
  private readonly imports = new OneAtATime(() => new AvatarRefusal('avatar-busy', 'another avatar is being imported: wait for it to finish'));
  private usbFiles: UsbFile[] = [];
  private usbWatcher: UsbWatcher | null = null;

  private constructor(private readonly options: AvatarPacksOptions) {
    this.dir = path.join(options.stateDir, 'avatars');
    this.limits = options.limits ?? AVATAR_LIMITS;
  }

  /** Loads the packs there are; leftovers of an import cut short (a power cut) are removed. */
  static async open(options: AvatarPacksOptions): Promise<AvatarPacks> {
    const packs = new AvatarPacks(options);
    await mkdir(packs.dir, { recursive: true, mode: 0o700 });
    for (const entry of await readdir(packs.dir, { withFileTypes: true })) {
      const full = path.join(packs.dir, entry.name);
      if (entry.name.endsWith('.partial') || entry.name === 'incoming.psd') {
        await rm(full, { recursive: true, force: true });
        continue;
      }
      // Live2D's folders (./live2d.ts) live beside the packs.
      if (!entry.isDirectory() || entry.name === 'live2d' || entry.name === 'cubism-core') continue;
      try {
        const manifest = PackManifestSchema.parse(JSON.parse(await readFile(path.join(full, 'manifest.json'), 'utf8')));
        if (manifest.id !== entry.name) throw new Error(`its manifest names it ${manifest.id}`);
        packs.packs.set(manifest.id, manifest);
      } catch (err) {
        options.log.warn(`avatar: ignoring the pack in ${full}: ${(err as Error).message}`);
      }
    }
    if (options.usbDir) {
      packs.usbWatcher = new UsbWatcher(options.usbDir, '.psd', (files) => (packs.usbFiles = files), options.usbPollMs ?? USB_POLL_MS);
      packs.usbWatcher.start();
    }
    return packs;
  }

  /** Stops the USB poll. */
  close(): void {
    this.usbWatcher?.stop();
  }

  has(id: string): boolean {
    return this.packs.has(id);
  }

  list(): PackSummary[] {
    return [...this.packs.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt)).map(packSummary);
  }

  manifest(id: string): PackManifest | null {
    return this.packs.get(id) ?? null;
  }

  layerFile(id: string, index: number): string | null {
    const layer = this.packs.get(id)?.layers[index];
    return layer ? path.join(this.dir, id, layer.file) : null;
  }

  async importPsd(body: Readable, declaredBytes: number | null, fileName: string | null): Promise<PackSummary> {
    if (declaredBytes === null) throw new AvatarRefusal('length-required', 'send the PSD with a Content-Length');
    if (declaredBytes > this.limits.maxFileBytes) {
      throw new AvatarRefusal('file-too-large', `the file is ${mib(declaredBytes)}; at most ${mib(this.limits.maxFileBytes)} is accepted`);
    }
    return this.imports.run(async () => {
      const incoming = path.join(this.dir, 'incoming.psd');
      try {
        // Room for the PSD and for the pack it becomes (about as large again).
        await checkRoom(this.dir, 'the PSD', declaredBytes, declaredBytes, this.options.freeBytes);
        await receiveToFile(body, { file: incoming, declaredBytes, idleTimeoutMs: this.options.uploadIdleMs ?? 60_000 });
        return await this.convert(incoming, fileName, declaredBytes);
      } catch (err) {
        if (err instanceof UploadError) throw new AvatarRefusal(err.code, err.message);
        throw err;
      } finally {
        await removeIfPresent(incoming).catch(() => undefined);
      }
    });
  }

  async importFile(file: string, fileName: string): Promise<PackSummary> {
    return this.imports.run(async () => {
      const size = (await stat(file)).size;
      await checkRoom(this.dir, 'the PSD', 0, size, this.options.freeBytes).catch((err: UploadError) => {
        throw new AvatarRefusal(err.code, err.message);
      });
      return this.convert(file, fileName, size);
    });
  }

  usbOffers(): UsbPsdOffer[] {
    return this.usbFiles.map((f) => ({ id: f.id, device: f.device, file: f.file, sizeBytes: f.size }));
  }

  async importUsb(id: string): Promise<PackSummary> {
    // Looked at again now: the list may be up to a poll old, and the stick may be gone.
    await this.usbWatcher?.poll();
    const found = this.usbFiles.find((f) => f.id === id);
    if (!found) throw new AvatarRefusal('usb-file-not-found', `no PSD ${id} on a USB stick (was the stick removed?)`);
    try {
      return await this.importFile(found.path, found.file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new AvatarRefusal('usb-file-not-found', `${found.file} is gone from the USB stick (was it removed?)`);
      throw err;
    }
  }

  async setMapping(id: string, parts: Record<string, AvatarPart | null>): Promise<PackManifest> {
    const current = this.packs.get(id);
    if (!current) throw notFound(id);
    const layers = current.layers.map((l) => ({ ...l }));
    for (const [key, part] of Object.entries(parts)) {
      const index = Number(key);
      if (!Number.isInteger(index) || !layers[index]) throw new AvatarRefusal('bad-mapping', `no layer ${key} in ${current.name} (it has ${layers.length}: 0..${layers.length - 1})`);
      if (part !== null && !isAvatarPart(part)) throw new AvatarRefusal('bad-mapping', `"${String(part)}" is not a part`);
      layers[index].part = part;
      layers[index].partFromName = false;
    }
    const next: PackManifest = { ...current, layers };
    await writeJsonDurably(path.join(this.dir, id, 'manifest.json'), next);
    this.packs.set(id, next);
    return next;
  }

  async remove(id: string): Promise<void> {
    if (!this.packs.has(id)) throw notFound(id);
    if (this.options.selected() === `psd:${id}`) throw new AvatarRefusal('avatar-in-use', 'this avatar is on screen: choose another one first');
    this.packs.delete(id);
    await removeItemFolder(this.dir, id);
  }


  /** The PSD at `file` into a new pack, or a refusal with nothing left behind. */
  private async convert(file: string, fileName: string | null, bytes: number): Promise<PackSummary> {
    await this.checkHeader(file, bytes);
    const id = this.newId(fileName);
    const partial = path.join(this.dir, `${id}.partial`);
    try {
      await mkdir(partial, { mode: 0o700 });
      const converted = await this.runWorker({ psdFile: file, outDir: partial, limits: this.limits });
      const manifest: PackManifest = {
        format: PACK_FORMAT,
        id,
        name: displayName(fileName),
        sourceFile: fileName?.slice(0, 255) ?? null,
        sourceBytes: bytes,
        createdAt: new Date().toISOString(),
        ...converted,
      };
      await writeJsonDurably(path.join(partial, 'manifest.json'), PackManifestSchema.parse(manifest));
      await syncDir(path.join(partial, 'layers'));
      await rename(partial, path.join(this.dir, id));
      await syncDir(this.dir);
      this.packs.set(id, manifest);
      this.options.log.info(`avatar: imported ${manifest.name} as ${id} (${manifest.layers.length} layers, ${manifest.width}x${manifest.height})`);
      return packSummary(manifest);
    } catch (err) {
      await rm(partial, { recursive: true, force: true }).catch(() => undefined);
      if (err instanceof PsdRefusal) {
        this.options.log.warn(`avatar: ${fileName ?? 'a PSD'} refused: ${err.message}`);
        throw new AvatarRefusal(err.code, err.message);
      }
      throw err;
    }
  }

  /** The cheap checks (signature, canvas, size) before a worker is started. */
  private async checkHeader(file: string, bytes: number): Promise<void> {
    const fh = await openFile(file, 'r');
    try {
      const head = Buffer.alloc(PSD_HEADER_BYTES);
      const { bytesRead } = await fh.read(head, 0, PSD_HEADER_BYTES, 0);
      checkPsdHeader(head.subarray(0, bytesRead), bytes, this.limits);
    } catch (err) {
      if (err instanceof PsdRefusal) throw new AvatarRefusal(err.code, err.message);
      throw err;
    } finally {
      await fh.close();
    }
  }

  private runWorker(job: ConvertJob): Promise<Extract<ConvertReply, { ok: true }>['converted']> {
    return new Promise((resolve, reject) => {
      const worker = new Worker(this.options.workerFile ?? new URL('./psd-worker.mjs', import.meta.url), {
        workerData: job,
        name: 'psd-convert',
        resourceLimits: { maxOldGenerationSizeMb: this.options.workerHeapMb ?? 1024 },
      });
      let reply: ConvertReply | null = null;
      worker.once('message', (m: ConvertReply) => (reply = m));
      worker.once('error', (err: Error & { code?: string }) => {
        reply ??=
          err.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? { ok: false, code: 'too-many-pixels', message: 'reading the file needs more memory than the box can give: use fewer or smaller layers' }
            : { ok: false, code: 'corrupt-psd', message: `the file could not be read: ${err.message}` };
      });
      worker.once('exit', () => {
        const r = reply as ConvertReply | null;
        if (r?.ok) resolve(r.converted);
        else reject(new PsdRefusal(r?.code ?? 'corrupt-psd', r?.message ?? 'the file could not be read'));
      });
    });
  }

  private newId(fileName: string | null): string {
    const base = (displayName(fileName).normalize('NFKD').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'avatar').slice(0, 40);
    for (;;) {
      const id = `${base}-${randomBytes(3).toString('hex')}`;
      if (PACK_ID_PATTERN.test(id) && !this.packs.has(id)) return id;
    }
  }
}

function displayName(fileName: string | null): string {
  const name = (fileName ?? '').replace(/\.psd$/i, '').trim();
  return name.slice(0, 128) || 'My avatar';
}

function notFound(id: string): AvatarRefusal {
  return new AvatarRefusal('pack-not-found', `no avatar pack "${id}" (GET /api/avatars lists them)`);
}
