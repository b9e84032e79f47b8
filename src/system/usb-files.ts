/**
 * Files on USB sticks: update bundles (`*.raucb`, src/update/) and avatar PSDs (`*.psd`,
 * src/avatar/). The image mounts each USB mass-storage partition read-only at
 * `<root>/<kernel name>/` (/run/vtlink-usb/sda1/) and unmounts it on removal; we look in each mount's
 * top folder. A poll every 2 s, not fs.watch: the root may not exist yet, a mount replaces a folder's
 * contents without an event on it, and a readdir of a tmpfs folder costs nothing.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

export const DEFAULT_USB_DIR = '/run/vtlink-usb';
export const USB_POLL_MS = 2_000;

export interface UsbFile {
  /** "<device>/<file>": stable while the stick stays in. */
  id: string;
  device: string;
  file: string;
  path: string;
  size: number;
  mtimeMs: number;
}

/** Every file ending in `suffix` (any case, not hidden) in the top folder of every mount under `root` (none if root is missing). */
export async function listUsbFiles(root: string, suffix: string): Promise<UsbFile[]> {
  let devices: string[];
  try {
    devices = (await readdir(root, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch {
    return [];
  }
  const found: UsbFile[] = [];
  for (const device of devices.sort()) {
    let names: string[];
    try {
      names = await readdir(path.join(root, device));
    } catch {
      continue; // unmounted under our feet
    }
    for (const file of names.sort()) {
      if (!file.toLowerCase().endsWith(suffix) || file.startsWith('.')) continue;
      const full = path.join(root, device, file);
      try {
        const s = await stat(full);
        if (s.isFile()) found.push({ id: `${device}/${file}`, device, file, path: full, size: s.size, mtimeMs: s.mtimeMs });
      } catch {
        // gone already
      }
    }
  }
  return found;
}

/** Calls `onChange` with the whole list whenever a file ending in `suffix` appears, disappears or changes. */
export class UsbWatcher {
  private timer: NodeJS.Timeout | null = null;
  private last = '';
  private busy = false;

  constructor(
    private readonly root: string,
    private readonly suffix: string,
    private readonly onChange: (files: UsbFile[]) => void,
    private readonly pollMs = USB_POLL_MS,
  ) {}

  start(): void {
    if (this.timer) return;
    void this.poll();
    this.timer = setInterval(() => void this.poll(), this.pollMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Look now (also what the timer does). */
  async poll(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const files = await listUsbFiles(this.root, this.suffix);
      const key = JSON.stringify(files.map((f) => [f.id, f.size, f.mtimeMs]));
      if (key !== this.last) {
        this.last = key;
        this.onChange(files);
      }
    } catch {
      // A stick pulled mid-read: the next poll sees what is left.
    } finally {
      this.busy = false;
    }
  }
}
