/**
 * The settings file's envelope and its versions. A file is `{ "version": N, "settings": {...} }`
 * where `settings` holds only what differs from the package defaults (see store.ts for why).
 *
 * When the schema changes incompatibly (a field renamed, a range narrowed), bump
 * SETTINGS_FILE_VERSION and add a step to MIGRATIONS that rewrites version N into N + 1; old files
 * are then carried forward step by step. A file from a newer vtlink is refused rather than guessed at.
 */
import { isPlainObject, type JsonObject } from './merge-patch';

export const SETTINGS_FILE_VERSION = 1;

/** MIGRATIONS[n] turns a version-n `settings` object into version n + 1. None yet: only v1 exists. */
const MIGRATIONS: Readonly<Record<number, (settings: JsonObject) => JsonObject>> = {};

export interface SettingsFile {
  version: number;
  settings: JsonObject;
}

export type MigrationResult = { ok: true; settings: JsonObject; migratedFrom: number | null } | { ok: false; reason: string };

/** Check the envelope of a parsed settings file and bring its contents to the current version. */
export function migrateSettingsFile(raw: unknown): MigrationResult {
  if (!isPlainObject(raw)) return { ok: false, reason: 'not a JSON object' };
  const keys = Object.keys(raw).filter((k) => k !== 'version' && k !== 'settings');
  if (keys.length > 0) return { ok: false, reason: `unknown top-level field(s): ${keys.join(', ')}` };
  const { version, settings } = raw;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    return { ok: false, reason: `missing or invalid "version" (expected an integer from 1 to ${SETTINGS_FILE_VERSION})` };
  }
  if (version > SETTINGS_FILE_VERSION) {
    return {
      ok: false,
      reason: `written by a newer vtlink (settings version ${version}; this one reads up to ${SETTINGS_FILE_VERSION})`,
    };
  }
  if (!isPlainObject(settings)) return { ok: false, reason: '"settings" is missing or not an object' };
  let current = settings;
  for (let v = version; v < SETTINGS_FILE_VERSION; v++) {
    const step = MIGRATIONS[v];
    if (!step) return { ok: false, reason: `no migration from settings version ${v}` };
    current = step(current);
  }
  return { ok: true, settings: current, migratedFrom: version === SETTINGS_FILE_VERSION ? null : version };
}
