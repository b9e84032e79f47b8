/**
 * An upload (an update bundle, an avatar PSD) goes from the request straight to a file on the state
 * partition, a chunk at a time (such files are hundreds of MB; the box has a few GB of RAM shared with
 * the tracker and the kiosk's browser). The size is known up front (Content-Length) and checked against
 * the free space (checkRoom); if the disk fills anyway (something else wrote meanwhile), the write's
 * ENOSPC stops it. Whatever goes wrong, the partial file is removed.
 */
import { createWriteStream } from 'node:fs';
import { statfs } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { removeIfPresent } from '../config/durable-fs';

export type UploadProblem = 'no-room' | 'upload-incomplete' | 'upload-stalled' | 'write-failed';

export class UploadError extends Error {
  constructor(
    readonly code: UploadProblem,
    message: string,
  ) {
    super(message);
    this.name = 'UploadError';
  }
}

/** Bytes an unprivileged process may still write in `dir`'s filesystem (statfs: f_bavail x f_bsize). */
export async function freeBytes(dir: string): Promise<number> {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
}

/** Free space left for the settings whatever an upload takes. */
export const ROOM_RESERVE_BYTES = 16 * 1024 * 1024;

/**
 * Refuses (UploadError no-room) an upload of `declaredBytes` (plus `extraBytes` it will turn into)
 * that would leave less than ROOM_RESERVE_BYTES free in `dir`'s filesystem.
 */
export async function checkRoom(dir: string, what: string, declaredBytes: number, extraBytes = 0, free: (dir: string) => Promise<number> = freeBytes): Promise<void> {
  const available = await free(dir);
  const room = available - ROOM_RESERVE_BYTES;
  if (declaredBytes + extraBytes > room) {
    throw new UploadError('no-room', `${what} is ${megabytes(declaredBytes)}${extraBytes > 0 ? ` (and needs ${megabytes(extraBytes)} more once unpacked)` : ''}; the state partition has room for ${megabytes(Math.max(0, room))} (${megabytes(available)} free, ${megabytes(ROOM_RESERVE_BYTES)} kept for settings)`);
  }
}

/** "412 MB", "6.3 MB", "38 kB". */
export function megabytes(bytes: number): string {
  return bytes < 1e6 ? `${Math.round(bytes / 1e3)} kB` : `${(bytes / 1e6).toFixed(bytes < 10e6 ? 1 : 0)} MB`;
}

export interface ReceiveOptions {
  /** Where to write; must not exist (created 0600, O_EXCL). */
  file: string;
  /** The request's Content-Length: exactly this many bytes must come. */
  declaredBytes: number;
  /** No byte for this long: the upload is given up (the client hangs; its connection is dropped). */
  idleTimeoutMs: number;
  onProgress?: (receivedBytes: number) => void;
}

/**
 * Streams `body` into `options.file`; resolves with the byte count, or rejects with an UploadError
 * having removed the file. On failure the rest of the body is read and thrown away (not written), so
 * the client, still sending, gets to read the answer instead of a reset; a client that stops sending
 * is cut off after `idleTimeoutMs`.
 */
export function receiveToFile(body: Readable, options: ReceiveOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    let received = 0;
    let settled = false;
    let idle: NodeJS.Timeout | null = null;
    const out = createWriteStream(options.file, { flags: 'wx', mode: 0o600 });

    const cutOff = (): UploadError =>
      new UploadError('upload-incomplete', `the upload was cut off after ${megabytes(received)} of ${megabytes(options.declaredBytes)}; nothing was kept`);
    const armIdle = (): void => {
      if (idle) clearTimeout(idle);
      idle = setTimeout(() => {
        if (!settled) fail(new UploadError('upload-stalled', `no data for ${Math.round(options.idleTimeoutMs / 1000)} s; nothing was kept`));
        else body.destroy(); // draining after a failure, and the client went quiet
      }, options.idleTimeoutMs);
    };

    const fail = (err: unknown): void => {
      if (settled) return;
      settled = true;
      body.unpipe(counter);
      counter.destroy();
      out.destroy();
      // Drain (discard) what is still coming, so that the answer can be read.
      body.on('data', armIdle);
      body.once('end', () => idle && clearTimeout(idle));
      body.once('close', () => idle && clearTimeout(idle));
      body.resume();
      armIdle();
      void removeIfPresent(options.file)
        .catch(() => undefined)
        .then(() => reject(asUploadError(err, received, options.declaredBytes)));
    };

    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        received += chunk.length;
        if (received > options.declaredBytes) {
          done(new UploadError('upload-incomplete', `more bytes than the declared Content-Length (${options.declaredBytes})`));
          return;
        }
        options.onProgress?.(received);
        armIdle();
        done(null, chunk);
      },
    });

    counter.on('error', fail);
    out.on('error', fail);
    body.on('error', fail);
    body.once('close', () => {
      // The connection went before the whole body arrived.
      if (!settled && received < options.declaredBytes) fail(cutOff());
    });
    out.once('finish', () => {
      if (settled) return;
      if (received !== options.declaredBytes) {
        fail(cutOff());
        return;
      }
      settled = true;
      if (idle) clearTimeout(idle);
      resolve(received);
    });
    armIdle();
    body.pipe(counter).pipe(out);
  });
}

function asUploadError(err: unknown, received: number, declared: number): UploadError {
  if (err instanceof UploadError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new UploadError('no-room', `the state partition filled up after ${megabytes(received)} of ${megabytes(declared)}; nothing was kept`);
  }
  if (code === 'ECONNRESET' || (err as Error).message === 'aborted') {
    return new UploadError('upload-incomplete', `the upload was cut off after ${megabytes(received)} of ${megabytes(declared)}; nothing was kept`);
  }
  return new UploadError('write-failed', `the file could not be written: ${(err as Error).message}; nothing was kept`);
}
