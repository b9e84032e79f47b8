/**
 * What the avatar stores (PSD packs in packs.ts, Live2D models in live2d.ts) share on the state
 * partition: one folder per item under a parent, removed durably, and one import at a time.
 */
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { syncDir } from '../config/durable-fs';

/**
 * Removes `<dir>/<id>`. It is renamed to `<id>.partial` first (the stores clear such leftovers when
 * they open), so a power cut mid-removal leaves a leftover, never half an item.
 */
export async function removeItemFolder(dir: string, id: string): Promise<void> {
  const gone = path.join(dir, `${id}.partial`);
  await rename(path.join(dir, id), gone);
  await syncDir(dir);
  await rm(gone, { recursive: true, force: true });
}

/** Runs one piece of work at a time: another one meanwhile is refused with `busy()`'s error, never queued. */
export class OneAtATime {
  private running = false;

  constructor(private readonly busy: () => Error) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running) throw this.busy();
    this.running = true;
    try {
      return await work();
    } finally {
      this.running = false;
    }
  }
}
