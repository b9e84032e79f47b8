/**
 * The settings file's envelope and its versions. A file is `{ "version": N, "settings": {...} }`
 * where `settings` holds only what differs from the package defaults (see store.ts for why).
 *
 * When the schema changes incompatibly (a field renamed, a range narrowed), bump
 * SETTINGS_FILE_VERSION and add a step to MIGRATIONS that rewrites version N into N + 1; old files
 * are then carried forward step by step. A step sees only the stored diff, so it must not assume a
 * field is present, and it must spell out the old version's defaults itself (the schema's defaults
 * are the new version's). A file from a newer vtlink is not guessed at: `newerVersion` says so, and
 * the store looks for the copy kept for this version (store.ts).
 *
 * Versions:
 * 1. The first.
 * 2. outputs.vmc and outputs.openSeeFace send to a list: `host` and `port` become `targets`, a
 *    one-element list `[{ host, port }]` (the other of the two from version 1's defaults).
 */
import { isPlainObject, type JsonObject } from './merge-patch';

export const SETTINGS_FILE_VERSION = 2;

/** Version 1's defaults of the outputs whose host and port became a list of targets in version 2. */
const V1_UDP_OUTPUTS: Readonly<Record<string, { host: string; port: number }>> = {
  vmc: { host: '127.0.0.1', port: 39539 },
  openSeeFace: { host: '127.0.0.1', port: 11573 },
};

function v1ToV2(settings: JsonObject): JsonObject {
  const outputs = settings.outputs;
  if (!isPlainObject(outputs)) return settings;
  const newOutputs: JsonObject = { ...outputs };
  for (const [key, defaults] of Object.entries(V1_UDP_OUTPUTS)) {
    const section = outputs[key];
    if (!isPlainObject(section) || !(Object.hasOwn(section, 'host') || Object.hasOwn(section, 'port'))) continue;
    const { host, port, ...rest } = section;
    // Values are carried as they are: the schema judges them after the migration, as any file's.
    newOutputs[key] = { ...rest, targets: [{ host: host ?? defaults.host, port: port ?? defaults.port }] };
  }
  return { ...settings, outputs: newOutputs };
}

/** MIGRATIONS[n] turns a version-n `settings` object into version n + 1. */
const MIGRATIONS: Readonly<Record<number, (settings: JsonObject) => JsonObject>> = { 1: v1ToV2 };

export interface SettingsFile {
  version: number;
  settings: JsonObject;
}

export type MigrationResult =
  | { ok: true; settings: JsonObject; migratedFrom: number | null }
  /** `newerVersion`: the file is well-formed but from a newer vtlink (that version). */
  | { ok: false; reason: string; newerVersion?: number };

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
      newerVersion: version,
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
