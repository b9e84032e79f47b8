/**
 * The settings on disk: `settings.json` in the state folder (see state-dir.ts), with the previous
 * good copy as `settings.last-good.json`, and one copy per older settings version for A/B rollback
 * (`settings.v1.json`, ...; below). README.md in this folder has the whole picture.
 *
 * What is stored: only the fields that differ from the package defaults (inside a versioned
 * envelope, see migrate.ts). Why the diff rather than the full settings: a later release's better
 * defaults reach every field the user never touched; the file shows at a glance what the user
 * changed; and a migration only has to rewrite what is actually there. The cost: changing a default
 * changes behaviour for users who kept it, which is what defaults are for.
 *
 * A save (serialised: one at a time, in call order):
 *   1. write `settings.json.<pid>.<n>.tmp`, fsync it;
 *   2. if the current settings.json is good, give it a second name (hard link) and rename that over
 *      settings.last-good.json, fsync the folder (if it is a newer version's file, the same to
 *      `settings.v<its version>.json` instead, see below);
 *   3. rename the temp file over settings.json, fsync the folder.
 * At every instant settings.json is the complete old or the complete new file.
 *
 * At start: a missing file means defaults; an unreadable, torn or invalid file is moved aside as
 * `settings.corrupt-<time>.json`, the last good copy is used (and copied back to settings.json) or,
 * if that is bad too, the defaults; `health` says which, for the status API.
 *
 * Versions, for a box that updates and may roll back to the release before (A/B slots):
 * - A file of an older settings version N is migrated (migrate.ts); the file as it was is kept as
 *   `settings.vN.json` and settings.json is rewritten in this version (the old file also becomes the
 *   last good copy). Release N, rolled back to, finds its own file there.
 * - A file of a newer version M (this release was rolled back to) is not ours to guess at and not
 *   corrupt: it stays in place, and this release reads `settings.v<its version>.json`, the copy a
 *   newer release kept for it when it migrated, or else the last good copy or the defaults. The
 *   first save keeps the newer file as `settings.vM.json` before replacing settings.json, so
 *   rolling forward again migrates what was changed meanwhile, and nothing is lost.
 */
import { mkdir, readdir, readFile, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import { duplicateDurably, removeIfPresent, syncDir, writeNewFileDurably } from './durable-fs';
import { diffFromBase, overlay } from './merge-patch';
import { migrateSettingsFile, SETTINGS_FILE_VERSION, type SettingsFile } from './migrate';
import { issuesFromZod, type SettingsIssue } from './patch';
import { defaultSettings, SettingsSchema, type Settings } from './schema';
import { resolveStateDir, type StateDirOptions } from './state-dir';

export const SETTINGS_FILE = 'settings.json';
export const LAST_GOOD_FILE = 'settings.last-good.json';
/** The copy of settings.json kept for the releases that read settings version `version`. */
export function versionFile(version: number): string {
  return `settings.v${version}.json`;
}
/** A settings file is a few kilobytes; anything far larger is not ours. */
const MAX_FILE_BYTES = 1 << 20;

export interface SettingsHealth {
  /** ok: loaded (or first start); recovered: settings.json was bad, the last good copy is in use;
   * defaults: both were bad, the package defaults are in use. */
  status: 'ok' | 'recovered' | 'defaults';
  /** One or two sentences for the status page: what happened and where the bad file was kept. */
  detail: string;
}

export type SaveStep = 'temp-written' | 'last-good-rotated' | 'renamed';

export interface SettingsStoreOptions extends StateDirOptions {
  /**
   * Test hook, awaited after each step of a save, so a test can kill the process at a known point.
   * Not for production use.
   */
  onSaveStep?: (step: SaveStep) => void | Promise<void>;
}

/** Thrown by `save()` for settings the schema refuses (nothing is written). */
export class InvalidSettingsError extends Error {
  constructor(readonly issues: SettingsIssue[]) {
    super(`invalid settings: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`);
    this.name = 'InvalidSettingsError';
  }
}

type Candidate =
  | { kind: 'missing' }
  | { kind: 'ok'; settings: Settings; migratedFrom: number | null }
  | { kind: 'bad'; reason: string }
  /** A well-formed file from a newer vtlink: kept in place, never set aside as corrupt. */
  | { kind: 'newer'; version: number; reason: string };

function errnoCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** Read and check one settings file. Never throws for bad contents; only for unexpected I/O errors. */
async function readCandidate(file: string): Promise<Candidate> {
  let text: string;
  try {
    const info = await stat(file);
    if (!info.isFile()) return { kind: 'bad', reason: 'not a regular file' };
    if (info.size > MAX_FILE_BYTES) return { kind: 'bad', reason: `too large (${info.size} bytes)` };
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return { kind: 'missing' };
    return { kind: 'bad', reason: `cannot read it (${(err as Error).message})` };
  }
  if (text.trim() === '') return { kind: 'bad', reason: 'empty' };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { kind: 'bad', reason: `not valid JSON (${(err as Error).message})` };
  }
  const migrated = migrateSettingsFile(raw);
  if (!migrated.ok) {
    return migrated.newerVersion === undefined ? { kind: 'bad', reason: migrated.reason } : { kind: 'newer', version: migrated.newerVersion, reason: migrated.reason };
  }
  const parsed = SettingsSchema.safeParse(overlay(defaultSettings(), migrated.settings));
  if (!parsed.success) {
    const issues = issuesFromZod(parsed.error);
    const shown = issues.slice(0, 3).map((i) => `${i.path}: ${i.message}`);
    if (issues.length > 3) shown.push(`and ${issues.length - 3} more`);
    return { kind: 'bad', reason: `invalid settings (${shown.join('; ')})` };
  }
  return { kind: 'ok', settings: parsed.data, migratedFrom: migrated.migratedFrom };
}

export class SettingsStore {
  readonly file: string;
  readonly lastGoodFile: string;
  private current: Settings = defaultSettings();
  private currentHealth: SettingsHealth = { status: 'ok', detail: 'not loaded yet' };
  /** Whether settings.json exists and holds good settings (only then is it rotated to last-good). */
  private mainIsGood = false;
  /** The version of settings.json when it is a newer release's file, kept as settings.v<it>.json by the first save. */
  private newerMainVersion: number | null = null;
  private queue: Promise<void> = Promise.resolve();
  private tempCounter = 0;

  private constructor(
    readonly dir: string,
    private readonly onSaveStep: SettingsStoreOptions['onSaveStep'],
  ) {
    this.file = path.join(dir, SETTINGS_FILE);
    this.lastGoodFile = path.join(dir, LAST_GOOD_FILE);
  }

  /** Resolve the state folder (creating it if needed) and load the settings from it. */
  static async open(options: SettingsStoreOptions = {}): Promise<SettingsStore> {
    const store = new SettingsStore(resolveStateDir(options), options.onSaveStep);
    await mkdir(store.dir, { recursive: true, mode: 0o700 });
    await store.load();
    return store;
  }

  /** The settings in force: the last loaded or saved. Treat as read-only; change them with save(). */
  get settings(): Settings {
    return this.current;
  }

  /** How the settings were found at start (unchanged by later saves). */
  get health(): SettingsHealth {
    return this.currentHealth;
  }

  /**
   * Validate and durably store `settings`, then make them current. Saves run one at a time in call
   * order; each resolves when its file is on disk (or rejects, leaving the previous file and
   * `settings` as they were). Rejects with InvalidSettingsError for settings the schema refuses.
   */
  save(settings: Settings): Promise<void> {
    const run = this.queue.then(() => this.write(settings));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async write(settings: Settings): Promise<void> {
    const parsed = SettingsSchema.safeParse(settings);
    if (!parsed.success) throw new InvalidSettingsError(issuesFromZod(parsed.error));
    const envelope: SettingsFile = { version: SETTINGS_FILE_VERSION, settings: diffFromBase(defaultSettings(), parsed.data) };
    const temp = this.tempName(SETTINGS_FILE);
    try {
      await writeNewFileDurably(temp, `${JSON.stringify(envelope, null, 2)}\n`);
      await this.onSaveStep?.('temp-written');
      if (this.newerMainVersion !== null) await this.keepCopy(this.file, versionFile(this.newerMainVersion));
      else if (this.mainIsGood) await this.rotateLastGood();
      await rename(temp, this.file);
      await syncDir(this.dir);
      await this.onSaveStep?.('renamed');
    } catch (err) {
      await removeIfPresent(temp).catch(() => undefined);
      throw err;
    }
    this.current = parsed.data;
    this.mainIsGood = true;
    this.newerMainVersion = null;
  }

  /** settings.json (known good) becomes settings.last-good.json, atomically, keeping settings.json. */
  private async rotateLastGood(): Promise<void> {
    try {
      await this.keepCopy(this.file, LAST_GOOD_FILE);
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err; // settings.json removed behind our back: nothing to keep
    }
    await this.onSaveStep?.('last-good-rotated');
  }

  /** `from` gets a second name, `name` in the state folder, atomically replacing what had that name. */
  private async keepCopy(from: string, name: string): Promise<void> {
    const temp = this.tempName(name);
    try {
      await duplicateDurably(from, temp);
      await rename(temp, path.join(this.dir, name));
      // rename(2) of two names of one file (last-good restored from itself) does nothing: drop ours.
      await removeIfPresent(temp);
    } catch (err) {
      await removeIfPresent(temp).catch(() => undefined);
      throw err;
    }
    await syncDir(this.dir);
  }

  private tempName(base: string): string {
    return path.join(this.dir, `${base}.${process.pid}.${++this.tempCounter}.tmp`);
  }

  private async load(): Promise<void> {
    await this.removeStaleTemps();
    const main = await readCandidate(this.file);
    if (main.kind === 'ok') {
      if (main.migratedFrom !== null) await this.migrateOnDisk(main.settings, main.migratedFrom);
      else this.use(main.settings, true, { status: 'ok', detail: `loaded ${this.file}` });
      return;
    }
    let what: string;
    if (main.kind === 'missing') {
      what = `${SETTINGS_FILE} is missing`;
    } else if (main.kind === 'newer') {
      // A newer release's file (this one was rolled back to): left in place for that release.
      this.newerMainVersion = main.version;
      const own = await readCandidate(path.join(this.dir, versionFile(SETTINGS_FILE_VERSION)));
      what = `${SETTINGS_FILE} was ${main.reason}, left in place for it`;
      if (own.kind === 'ok') {
        this.use(own.settings, false, { status: 'recovered', detail: `${what}; using ${versionFile(SETTINGS_FILE_VERSION)}, the copy kept for this version` });
        return;
      }
      what += `; ${versionFile(SETTINGS_FILE_VERSION)} ${own.kind === 'missing' ? 'is missing' : `was unusable (${own.reason})`}`;
    } else {
      const kept = await this.setAside(this.file, 'settings.corrupt');
      what = `${SETTINGS_FILE} was unusable (${main.reason}); ${kept}`;
    }
    const lastGood = await readCandidate(this.lastGoodFile);
    if (lastGood.kind === 'ok') {
      // Copied back to settings.json so the next start finds it, unless that is a newer release's file.
      const restored = this.newerMainVersion === null && (await this.restoreFromLastGood());
      this.use(lastGood.settings, restored, {
        status: 'recovered',
        detail: `${what}; using the last good copy (${LAST_GOOD_FILE})${restored || this.newerMainVersion !== null ? '' : ', which could not be copied back'}`,
      });
      return;
    }
    if (main.kind === 'missing' && lastGood.kind === 'missing') {
      this.use(defaultSettings(), false, { status: 'ok', detail: 'no saved settings yet; using the defaults' });
      return;
    }
    let lastGoodWhat = `${LAST_GOOD_FILE} is missing`;
    if (lastGood.kind === 'newer') {
      lastGoodWhat = `${LAST_GOOD_FILE} was ${lastGood.reason} too`;
    } else if (lastGood.kind === 'bad') {
      const kept = await this.setAside(this.lastGoodFile, 'settings.last-good.corrupt');
      lastGoodWhat = `${LAST_GOOD_FILE} was unusable too (${lastGood.reason}); ${kept}`;
    }
    this.use(defaultSettings(), false, { status: 'defaults', detail: `${what}; ${lastGoodWhat}; using the defaults` });
  }

  /**
   * settings.json of an older version `from`, already migrated to `settings`: the file as it was is
   * kept as settings.v<from>.json (for that release, should the box roll back), then settings.json is
   * written in this version (the old file becoming the last good copy). A folder that cannot be
   * written does not stop the service: the migrated settings are used from memory.
   */
  private async migrateOnDisk(settings: Settings, from: number): Promise<void> {
    const kept = versionFile(from);
    try {
      await this.keepCopy(this.file, kept);
      this.mainIsGood = true;
      await this.write(settings);
      this.currentHealth = { status: 'ok', detail: `loaded ${this.file}, migrated from settings version ${from} to ${SETTINGS_FILE_VERSION}; the file as it was is kept as ${kept}` };
    } catch (err) {
      this.use(settings, true, { status: 'ok', detail: `loaded ${this.file} (settings version ${from}, migrated in memory; it could not be rewritten: ${(err as Error).message})` });
    }
  }

  private use(settings: Settings, mainIsGood: boolean, health: SettingsHealth): void {
    this.current = settings;
    this.mainIsGood = mainIsGood;
    this.currentHealth = health;
  }

  /** Temp files of saves that were killed part-way; never visible as settings, safe to delete. */
  private async removeStaleTemps(): Promise<void> {
    for (const name of await readdir(this.dir)) {
      if (/^settings(\..+)?\.json\.\d+\.\d+\.tmp$/.test(name)) {
        await removeIfPresent(path.join(this.dir, name));
      }
    }
  }

  /**
   * Rename a bad file to `<prefix>-<UTC time>.json` for inspection; returns words naming where it is.
   * Failing to move it (read-only folder) must not stop the service from starting.
   */
  private async setAside(file: string, prefix: string): Promise<string> {
    const stamp = new Date().toISOString().replace(/:/g, '-');
    try {
      for (let n = 0; ; n++) {
        const name = `${prefix}-${stamp}${n ? `-${n}` : ''}.json`;
        const target = path.join(this.dir, name);
        const taken = await stat(target).then(
          () => true,
          () => false,
        );
        if (taken) continue;
        await rename(file, target);
        await syncDir(this.dir);
        return `kept as ${name}`;
      }
    } catch (err) {
      return `left in place, could not be moved aside (${(err as Error).message})`;
    }
  }

  /** Put the last good copy back as settings.json, so the next start finds it directly. */
  private async restoreFromLastGood(): Promise<boolean> {
    const temp = this.tempName(SETTINGS_FILE);
    try {
      await duplicateDurably(this.lastGoodFile, temp);
      await rename(temp, this.file);
      await syncDir(this.dir);
      return true;
    } catch {
      await removeIfPresent(temp).catch(() => undefined);
      return false;
    }
  }
}
