/**
 * The few filesystem steps an atomic, durable replace needs (Linux semantics). A file only becomes
 * visible under its final name through rename(2), which replaces atomically, so a reader (or a
 * restart after a crash) sees the old file or the new one, never a mix; the fsyncs make the data
 * and the rename survive a power cut.
 */
import { constants } from 'node:fs';
import { copyFile, link, open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** Create `file` (which must not exist), write `text`, fsync it and close it. */
export async function writeNewFileDurably(file: string, text: string): Promise<void> {
  const fh = await open(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    await fh.writeFile(text, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** fsync a folder, making the renames and links done in it durable. */
export async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await fh.sync();
  } catch (err) {
    // A few filesystems (some FUSE and network ones) cannot fsync a folder; nothing better to do there.
    if (errno(err) !== 'EINVAL' && errno(err) !== 'ENOTSUP') throw err;
  } finally {
    await fh.close();
  }
}

/**
 * Make `to` a second name of `from`'s contents, created under the unused name `temp` first: a hard
 * link (no copy, same already-durable data), or a synced copy where the filesystem has no links.
 */
export async function duplicateDurably(from: string, temp: string): Promise<void> {
  try {
    await link(from, temp);
  } catch (err) {
    if (errno(err) !== 'EPERM' && errno(err) !== 'ENOTSUP' && errno(err) !== 'EOPNOTSUPP') throw err;
    await copyFile(from, temp, constants.COPYFILE_EXCL);
    const fh = await open(temp, constants.O_RDONLY);
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  }
}

/** unlink that ignores a file already gone. */
export async function removeIfPresent(file: string): Promise<void> {
  try {
    await unlink(file);
  } catch (err) {
    if (errno(err) !== 'ENOENT') throw err;
  }
}

/** Replace `file` with `value` as JSON, atomically and durably (through `<file>.tmp`). */
export async function writeJsonDurably(file: string, value: unknown): Promise<void> {
  const temp = `${file}.tmp`;
  await removeIfPresent(temp);
  await writeNewFileDurably(temp, `${JSON.stringify(value, null, 2)}\n`);
  await rename(temp, file);
  await syncDir(path.dirname(file));
}
