/**
 * Pairing of other hosts with the kiosk: the touch screen shows a 6-digit PIN; a remote client that
 * sends it gets a bearer token, which it then sends with every change.
 *
 * - PIN: 6 random digits (crypto), compared in constant time, single use (a new one after each
 *   pairing) and replaced after MAX_FAILURES_PER_PIN wrong guesses, so guessing across many
 *   addresses stays hopeless (the per-address attempt limit lives in the server).
 * - Tokens: 32 random bytes (base64url). Only their SHA-256 is stored (a token is as strong as a key,
 *   so no slow hash is needed), in `pairing.json` in the state folder, written atomically and
 *   durably, so pairing survives restarts and a leaked state file does not leak usable tokens.
 */
import { createHash, randomBytes, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { removeIfPresent, syncDir, writeNewFileDurably } from '../config/durable-fs';

export const PAIRING_FILE = 'pairing.json';
const MAX_FAILURES_PER_PIN = 20;
const MAX_CLIENTS = 32;
const PIN_PATTERN = /^[0-9]{6}$/;

export interface PairedClient {
  id: string;
  name: string;
  pairedAt: string;
}

interface StoredClient extends PairedClient {
  tokenSha256: string;
}

interface PairingFile {
  version: 1;
  clients: StoredClient[];
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function newPin(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0');
}

function isStoredClient(v: unknown): v is StoredClient {
  const c = v as Partial<StoredClient> | null;
  return (
    typeof c === 'object' && c !== null &&
    typeof c.id === 'string' && typeof c.name === 'string' && typeof c.pairedAt === 'string' &&
    typeof c.tokenSha256 === 'string' && /^[0-9a-f]{64}$/.test(c.tokenSha256)
  );
}

export class PairingStore {
  private currentPin = newPin();
  private failures = 0;
  private saving: Promise<void> = Promise.resolve();
  private tempCounter = 0;

  private constructor(
    readonly file: string,
    private clients: StoredClient[],
    /** One line for the log when the file was unusable (pairings lost, clients must pair again). */
    readonly loadProblem: string | null,
  ) {}

  static async open(dir: string): Promise<PairingStore> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const file = path.join(dir, PAIRING_FILE);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new PairingStore(file, [], null);
      return new PairingStore(file, [], `cannot read ${file}: ${(err as Error).message}`);
    }
    try {
      const parsed = JSON.parse(text) as Partial<PairingFile>;
      if (parsed.version !== 1 || !Array.isArray(parsed.clients)) throw new Error('not a version 1 pairing file');
      return new PairingStore(file, parsed.clients.filter(isStoredClient), null);
    } catch (err) {
      return new PairingStore(file, [], `${file} is unusable (${(err as Error).message}); paired clients must pair again`);
    }
  }

  /** The PIN to show on the kiosk screen. */
  get pin(): string {
    return this.currentPin;
  }

  /** Exchange the PIN for a new token; null when the PIN is wrong. */
  async pair(pin: string, name: string): Promise<{ token: string; client: PairedClient } | null> {
    const expected = Buffer.from(this.currentPin, 'utf8');
    const given = Buffer.from(PIN_PATTERN.test(pin) ? pin : '------', 'utf8');
    if (!timingSafeEqual(expected, given) || !PIN_PATTERN.test(pin)) {
      if (++this.failures >= MAX_FAILURES_PER_PIN) this.rotatePin();
      return null;
    }
    this.rotatePin();
    const token = randomBytes(32).toString('base64url');
    const client: StoredClient = { id: randomUUID(), name, pairedAt: new Date().toISOString(), tokenSha256: sha256(token).toString('hex') };
    this.clients = [...this.clients, client].slice(-MAX_CLIENTS);
    await this.save();
    return { token, client: { id: client.id, name: client.name, pairedAt: client.pairedAt } };
  }

  /** The paired client a bearer token belongs to, or null. Compares every stored hash in constant time. */
  verify(token: string): PairedClient | null {
    if (token.length === 0 || token.length > 256) return null;
    const hash = sha256(token);
    let found: StoredClient | null = null;
    for (const c of this.clients) {
      if (timingSafeEqual(hash, Buffer.from(c.tokenSha256, 'hex'))) found = c;
    }
    return found ? { id: found.id, name: found.name, pairedAt: found.pairedAt } : null;
  }

  list(): PairedClient[] {
    return this.clients.map(({ id, name, pairedAt }) => ({ id, name, pairedAt }));
  }

  /** Forget every paired client (their tokens stop working at once). */
  async revokeAll(): Promise<void> {
    this.clients = [];
    await this.save();
  }

  private rotatePin(): void {
    this.currentPin = newPin();
    this.failures = 0;
  }

  /** Atomic, durable replace (temp file, fsync, rename, fsync folder), one save at a time. */
  private save(): Promise<void> {
    const snapshot: PairingFile = { version: 1, clients: this.clients };
    const run = this.saving.then(async () => {
      const temp = `${this.file}.${process.pid}.${++this.tempCounter}.tmp`;
      try {
        await writeNewFileDurably(temp, `${JSON.stringify(snapshot, null, 2)}\n`);
        await rename(temp, this.file);
        await syncDir(path.dirname(this.file));
      } catch (err) {
        await removeIfPresent(temp).catch(() => undefined);
        throw err;
      }
    });
    this.saving = run.catch(() => undefined);
    return run;
  }
}
