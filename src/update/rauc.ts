/**
 * The rauc command line, as the service uses it (README.md in this folder says why the CLI and not
 * D-Bus directly). Four commands:
 *
 * - `rauc info --output-format=json BUNDLE`: runs in our own process's rights, needs no D-Bus, checks
 *   the bundle's signature against the keyring in system.conf and prints the manifest (compatible,
 *   version, build, description). A bad signature, a truncated or non-bundle file exits 1 with one
 *   line on stderr (among "rauc-Message:" chatter and OpenSSL's error stack).
 * - `rauc status --output-format=json`: booted slot, primary slot, each slot's state and boot_status
 *   (good/bad, from the bootloader), asked of the rauc service over the system D-Bus.
 * - `rauc install BUNDLE`: asks the rauc service to install, and prints its progress as it goes
 *   ("  0% Installing", " 90% Copying image to rootfs.1", "100% Installing done.") and, on failure,
 *   "LastError: <why>". Lines are flushed one by one (glib's print handler), so they can be followed.
 * - `rauc status mark-good booted`: the booted slot is good (resets the bootloader's try counter).
 *
 * Every call names the system.conf (`--conf`), so tests can point it at their own; every call has a
 * time limit and none throws anything but a RaucError with rauc's own reason.
 */
import { spawn } from 'node:child_process';

export interface RaucOptions {
  /** The rauc program. Default "rauc" (found on PATH: /usr/bin/rauc on the image). */
  bin?: string;
  /** The system.conf to name with --conf. */
  conf: string;
  /** Environment of the child (default process.env; DBUS_SYSTEM_BUS_ADDRESS reaches a test's bus). */
  env?: NodeJS.ProcessEnv;
}

/** What `rauc info` says about a bundle whose signature checked out. */
export interface BundleManifest {
  compatible: string;
  version: string;
  build: string | null;
  description: string | null;
  /** The subject of the certificate that signed it ("CN = vtlink release"), when rauc names it. */
  signer: string | null;
}

/** Why a bundle is refused: its signature, or the file itself (truncated, not a bundle, unreadable). */
export type BundleProblemCode = 'bad-signature' | 'bad-bundle';

/** `verified`: rauc said it verified the signature (it skips the check, saying so, when no keyring is set). */
export type BundleCheck = { ok: true; manifest: BundleManifest; verified: boolean } | { ok: false; code: BundleProblemCode; reason: string };

export interface SlotStatus {
  /** RAUC's slot name, e.g. "rootfs.0". */
  name: string;
  class: string;
  /** The bootloader's name for it ("A", "B"); null for slots the bootloader does not pick. */
  bootname: string | null;
  /** "booted", "active" or "inactive". */
  state: string;
  /** "good" or "bad" as the bootloader sees it; null where rauc cannot tell. */
  bootStatus: string | null;
}

export interface RaucStatus {
  compatible: string;
  /** The booted slot's bootname ("A"), or null when rauc cannot tell. */
  booted: string | null;
  /** The slot the bootloader boots next (its RAUC name, e.g. "rootfs.1"), or null. */
  bootPrimary: string | null;
  slots: SlotStatus[];
}

export interface InstallProgress {
  /** 0..100, as rauc reports it. */
  percent: number;
  message: string;
}

export class RaucError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RaucError';
  }
}

const INFO_TIMEOUT_MS = 5 * 60_000; // a plain bundle's signature covers the whole file: hashing a large one from a slow stick takes a while
const STATUS_TIMEOUT_MS = 60_000; // D-Bus activation of rauc.service plus its own 25-s proxy timeout
const INSTALL_TIMEOUT_MS = 60 * 60_000; // writing a root image to a slow SD card

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The lines of rauc's stderr that say what went wrong (not its info chatter, not OpenSSL's stack dump). */
export function raucReason(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('rauc-Message:') && !/^\(rauc:\d+\)/.test(l) && !/^[0-9A-F]{8,}:error:/.test(l));
  return lines.join('; ') || 'rauc gave no reason';
}

export class Rauc {
  private readonly bin: string;

  constructor(private readonly options: RaucOptions) {
    this.bin = options.bin ?? 'rauc';
  }

  get conf(): string {
    return this.options.conf;
  }

  /** Runs rauc with `args`; `onLine` gets each stdout line as it arrives. Never rejects for a non-zero exit. */
  private run(args: string[], timeoutMs: number, onLine?: (line: string) => void): Promise<RunResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.bin, [`--conf=${this.options.conf}`, ...args], { env: this.options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      let partial = '';
      const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
      child.stdout.setEncoding('utf8');
      child.stderr.setEncoding('utf8');
      child.stdout.on('data', (text: string) => {
        stdout += text;
        if (!onLine) return;
        partial += text;
        const lines = partial.split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) onLine(line);
      });
      child.stderr.on('data', (text: string) => {
        // Enough to find the reason; rauc's chatter on a long install must not grow without bound.
        if (stderr.length < 64 * 1024) stderr += text;
      });
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(new RaucError(`cannot run ${this.bin}: ${err.message}`));
      });
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        if (onLine && partial) onLine(partial);
        if (signal) {
          reject(new RaucError(`${this.bin} ${args[0]} did not finish within ${Math.round(timeoutMs / 1000)} s`));
          return;
        }
        resolve({ code, stdout, stderr });
      });
    });
  }

  /** Checks a bundle's signature and reads its manifest (no D-Bus, no root). */
  async info(file: string): Promise<BundleCheck> {
    const r = await this.run(['info', '--output-format=json', file], INFO_TIMEOUT_MS);
    if (r.code !== 0) {
      const reason = raucReason(r.stderr);
      // "Invalid bundle format: Signature size (...) exceeds bundle size" is a cut-off file, not a bad signature.
      const badFile = /invalid bundle format|no such file|not a regular file|failed to open|error seeking|permission denied/i.test(reason);
      return { ok: false, code: !badFile && /signature|certificate|keyring|verify/i.test(reason) ? 'bad-signature' : 'bad-bundle', reason };
    }
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(r.stdout) as Record<string, unknown>;
    } catch {
      return { ok: false, code: 'bad-bundle', reason: `rauc info printed no manifest (${r.stdout.slice(0, 200)})` };
    }
    const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
    const verifiedBy = /Verified (?:inline |detached )?signature by '([^']*)'/.exec(r.stderr);
    const signer = verifiedBy?.[1] ?? null;
    return {
      ok: true,
      verified: verifiedBy !== null,
      manifest: { compatible: text(json.compatible) ?? '', version: text(json.version) ?? '', build: text(json.build), description: text(json.description), signer },
    };
  }

  /** The slots as the rauc service sees them. */
  async status(): Promise<RaucStatus> {
    const r = await this.run(['status', '--output-format=json'], STATUS_TIMEOUT_MS);
    if (r.code !== 0) throw new RaucError(`rauc status: ${raucReason(r.stderr)}`);
    return parseStatus(r.stdout);
  }

  /** Installs `file` through the rauc service; resolves when rauc says it succeeded, rejects with its LastError. */
  async install(file: string, onProgress: (p: InstallProgress) => void): Promise<void> {
    let lastError = '';
    const r = await this.run(['install', file], INSTALL_TIMEOUT_MS, (line) => {
      const m = /^\s*(\d{1,3})% (.*)$/.exec(line);
      if (m) onProgress({ percent: Math.min(100, Number(m[1])), message: m[2].trim() });
      else if (line.startsWith('LastError: ')) lastError = line.slice('LastError: '.length).trim();
    });
    if (r.code !== 0) throw new RaucError(lastError || raucReason(r.stderr));
  }

  /** Marks the booted slot good; resolves with rauc's message ("marked slot rootfs.1 as good"). */
  async markGoodBooted(): Promise<string> {
    const r = await this.run(['status', 'mark-good', 'booted'], STATUS_TIMEOUT_MS);
    if (r.code !== 0) throw new RaucError(`rauc status mark-good: ${raucReason(r.stderr)}`);
    return (r.stdout.trim() || 'marked good').replace(/^rauc status: /, '');
  }
}

/** `rauc status --output-format=json` (RAUC 1.8): slots is a list of one-key objects {name: {...}}. */
export function parseStatus(stdout: string): RaucStatus {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(stdout) as Record<string, unknown>;
  } catch {
    throw new RaucError(`rauc status printed no JSON (${stdout.slice(0, 200)})`);
  }
  const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
  const slots: SlotStatus[] = [];
  for (const entry of Array.isArray(json.slots) ? json.slots : []) {
    if (typeof entry !== 'object' || entry === null) continue;
    for (const [name, raw] of Object.entries(entry as Record<string, unknown>)) {
      const s = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
      slots.push({ name, class: str(s.class) ?? '', bootname: str(s.bootname), state: str(s.state) ?? '', bootStatus: str(s.boot_status) });
    }
  }
  slots.sort((a, b) => a.name.localeCompare(b.name));
  return { compatible: str(json.compatible) ?? '', booted: str(json.booted), bootPrimary: str(json.boot_primary), slots };
}
